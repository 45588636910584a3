// Cross-entropy on logits and NLL on log-probabilities, as PyTorch's F.cross_entropy
// and F.nll_loss.
//   N examples, C classes: logits / logProbs [N, C] (or [C] for one example),
//   target int32 [N] (or one index), or probabilities [N, C] for crossEntropy

import { type FloatArray, type Tensor } from "@unroll/autograd";
import { checkOptions, differentiable, flat, floatBuffer, fromFlat, record, type OptionSchema, type SoftmaxXentSpec } from "@unroll/autograd/extend";
import { fusedSoftmaxXent } from "./fused.js";
import { reduceGroups, rowWeights, type GroupPlan } from "./reduce.js";
import {
  checkClassRange,
  checkLogits,
  ignoreIndexOption,
  labelSmoothingOption,
  resolveTarget,
  weightOption,
  type ClassTarget,
} from "./validate.js";

export type Reduction = "mean" | "sum" | "none";

export interface NllLossOptions {
  /** "mean" (default: divided by the summed weight of the targets that count), "sum", or "none" for [N]. */
  reduction?: Reduction;
  /** Targets equal to this do not count. Default -100. */
  ignoreIndex?: number;
  /** Per-class weights [C], non-negative; not differentiated. */
  weight?: Tensor;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: the target becomes (1 - ε) · target + ε / C. Default 0. */
  labelSmoothing?: number;
}

// ignoreIndex, labelSmoothing and weight have their own checks in validate.ts (they need the logits).
const NLL_SCHEMA: OptionSchema<NllLossOptions> = { reduction: { oneOf: ["mean", "sum", "none"] }, ignoreIndex: {}, weight: {} };
const CE_SCHEMA: OptionSchema<CrossEntropyOptions> = { ...NLL_SCHEMA, labelSmoothing: {} };

function plan(reduction: Reduction, rows: number): GroupPlan | null {
  return reduction === "none" ? null : { groups: 1, size: rows, within: reduction, across: "sum" };
}

/**
 * Cross-entropy of logits against class indices or probabilities, through a fused
 * stable log-softmax; exactly F.cross_entropy, except that nothing to average gives 0.
 * Example: `crossEntropy(logits, [2, 0, 1], { labelSmoothing: 0.1 }).backward()`.
 */
export function crossEntropy(logits: Tensor, target: ClassTarget, opts: CrossEntropyOptions = {}): Tensor {
  const op = "crossEntropy";
  checkLogits(op, "logits", logits, [1, 2], "[N,C] or [C]");
  const o = checkOptions<CrossEntropyOptions>(op, opts, CE_SCHEMA);
  const reduction = o.reduction ?? "mean";
  const ignoreIndex = ignoreIndexOption(op, o.ignoreIndex);
  const labelSmoothing = labelSmoothingOption(op, o.labelSmoothing);
  const classes = logits.shape[logits.ndim - 1];
  const weight = weightOption(op, o.weight, classes);
  const t = resolveTarget(op, target, logits, true);
  if (t.soft !== null && o.ignoreIndex !== undefined && ignoreIndex >= 0) {
    throw new Error(`${op}: ignoreIndex ${ignoreIndex} cannot apply to probability targets (every row counts)`);
  }
  const rows = logits.ndim === 1 ? 1 : logits.shape[0];
  const s: SoftmaxXentSpec = { rows, classes, target: t.index, soft: t.probs, weight, rowWeight: rowWeights(t.index, ignoreIndex, null, 0), labelSmoothing };
  checkClassRange(op, s, logits, ignoreIndex);
  return fusedSoftmaxXent(op, logits, t.soft, s, plan(reduction, rows), logits.shape.slice(0, -1));
}

/**
 * Negative log-likelihood of log-probabilities at the target classes, -w_y · logProbs[y];
 * exactly F.nll_loss, except that nothing to average gives 0.
 * Example: `nllLoss(logits.logSoftmax(1), target)`.
 */
export function nllLoss(logProbs: Tensor, target: ClassTarget, opts: NllLossOptions = {}): Tensor {
  const op = "nllLoss";
  checkLogits(op, "logProbs", logProbs, [1, 2], "[N,C] or [C]");
  const o = checkOptions<NllLossOptions>(op, opts, NLL_SCHEMA);
  const reduction = o.reduction ?? "mean";
  const ignoreIndex = ignoreIndexOption(op, o.ignoreIndex);
  const classes = logProbs.shape[logProbs.ndim - 1];
  const weight = weightOption(op, o.weight, classes);
  const index = resolveTarget(op, target, logProbs, false).index as Int32Array;
  const rows = logProbs.ndim === 1 ? 1 : logProbs.shape[0];
  const rowWeight = rowWeights(index, ignoreIndex, null, 0);
  const s: SoftmaxXentSpec = { rows, classes, target: index, soft: null, weight, rowWeight, labelSmoothing: 0 };
  checkClassRange(op, s, logProbs, ignoreIndex);
  const counts = (r: number): boolean => rowWeight === null || rowWeight[r] !== 0;
  const w = (r: number): number => (weight === null ? 1 : weight[index[r]]);

  const x = flat(logProbs.view) as FloatArray;
  const loss = floatBuffer(logProbs.dtype, rows);
  // loss_r = -w_y logProbs[r, y] on the rows that count
  for (let r = 0; r < rows; r++) if (counts(r)) loss[r] = -w(r) * x[r * classes + index[r]];
  const backward = (rowScale: ArrayLike<number>, rowsPerScale: number): Tensor[] => {
    // d nllLoss / d logProbs = -w_y · s at the target class, 0 elsewhere
    const dx = floatBuffer(logProbs.dtype, rows * classes);
    for (let r = 0; r < rows; r++) if (counts(r)) dx[r * classes + index[r]] = -w(r) * rowScale[(r / rowsPerScale) | 0];
    return [fromFlat(dx, logProbs.shape)];
  };
  const p = plan(reduction, rows);
  // Under createGraph: the same linear map as ops, the constant -w_y [c = y] times dout
  if (p === null) {
    return record(op, [logProbs], loss, logProbs.shape.slice(0, -1), (dout) => backward(flat(dout.view), 1),
      differentiable((dout) => [backward(new Float64Array(rows).fill(1), 1)[0].mul(dout.reshape([...dout.shape, 1]))]));
  }
  const { value, scale } = reduceGroups(loss, s, p);
  const out = floatBuffer(logProbs.dtype, 1);
  out[0] = value;
  // s = dout · the scale of the reduction (reduce.ts)
  return record(op, [logProbs], out, [], (dout) => backward([flat(dout.view)[0] * scale[0]], Math.max(rows, 1)),
    differentiable((dout) => [backward([scale[0]], Math.max(rows, 1))[0].mul(dout)]));
}
