// The fused softmax-cross-entropy as one graph op: the raw-buffer kernel from
// @unroll/autograd's `kernels` (which a WebAssembly version can replace), joined to
// the graph with `record`. crossEntropy and sequenceCrossEntropy both end here.
//   N rows, C classes, G groups of S rows (see reduce.ts)

import { isGradEnabled, type FloatArray, type Tensor } from "@unroll/autograd";
import { flat, floatBuffer, freshGrad, fromFlat, kernels, record, type SoftmaxXentSaved, type SoftmaxXentSpec } from "@unroll/autograd/extend";
import { reduceGroups, type GroupPlan } from "./reduce.js";

// As PyTorch's fused kernels, the fused loss has no double backward; the composed form does.
const NO_DOUBLE_BACKWARD = {
  noDoubleBackward:
    "it is the fused softmax-cross-entropy, which has no double backward; for higher-order gradients compose logSoftmax and gather, " +
    "e.g. logits.logSoftmax(-1).gather(-1, target.reshape([-1, 1])).neg().mean() (or nllLoss(logits.logSoftmax(-1), target))",
};

/**
 * What backward needs, with the exps in an engine-owned gradient tensor shaped like the
 * logits: backward turns them into d logits in place and hands that tensor over.
 */
function allocSaved(logits: Tensor, n: number): { dlogits: Tensor; saved: SoftmaxXentSaved } {
  const dlogits = freshGrad(logits.dtype, logits.shape);
  return { dlogits, saved: { exps: dlogits.buffer as FloatArray, rowMax: new Float64Array(n), rowSum: new Float64Array(n) } };
}

/**
 * Per-row losses reduced by `plan`, or returned as they are (shaped `rowShape`) when
 * `plan` is null. `soft` is the probability target tensor, or null for class indices.
 */
export function fusedSoftmaxXent(op: string, logits: Tensor, soft: Tensor | null, s: SoftmaxXentSpec, plan: GroupPlan | null, rowShape: readonly number[]): Tensor {
  const n = s.rows;
  const c = s.classes;
  const x = flat(logits.view) as FloatArray;
  const inputs = soft === null ? [logits] : [logits, soft];
  // What backward needs is kept only when there will be a backward.
  const keep = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  let kept = keep ? allocSaved(logits, n) : null;
  const loss = floatBuffer(logits.dtype, n);
  kernels.softmaxXentForward(loss, kept && kept.saved, x, s);

  const backward = (rowScale: FloatArray, rowsPerScale: number): (Tensor | null)[] => {
    // The saved exps become d logits in place; a second backward (retainGraph) recomputes them.
    let k = kept;
    if (k === null) {
      k = allocSaved(logits, n);
      kernels.softmaxXentForward(floatBuffer(logits.dtype, n), k.saved, x, s);
    }
    kept = null;
    const sv = k.saved;
    const dsoft = soft !== null && soft.requiresGrad ? floatBuffer(soft.dtype, n * c) : null;
    kernels.softmaxXentBackward(sv.exps, dsoft, sv, x, rowScale, Math.max(rowsPerScale, 1), s);
    return [logits.requiresGrad ? k.dlogits : null, dsoft === null ? null : fromFlat(dsoft, (soft as Tensor).shape)];
  };

  // d crossEntropy / d logits = (softmax(x) · Σ_c q_c - q) · ρ · s, with q the (smoothed, weighted) target distribution of the row, ρ its weight (0 when it does not count: ignored or past its length, `rowWeights` in reduce.ts) and s its share of the reduction
  // d sequenceCrossEntropy / d logits = the same per step; s holds the time and batch reductions
  // d crossEntropy (soft targets) / d target = -(1 - ε) · w_c · log softmax(x)_c · s
  if (plan === null) {
    // the per-row losses are the output: s_r = dout_r
    return record(op, inputs, loss, rowShape, (dout) => backward(flat(dout.view) as FloatArray, 1), NO_DOUBLE_BACKWARD);
  }
  const { value, scale } = reduceGroups(loss, s, plan);
  const out = floatBuffer(logits.dtype, 1);
  out[0] = value;
  // s_r = dout · the scale of r's group (reduce.ts); the kernel does the rest
  return record(op, inputs, out, [], (dout) => {
    const g = flat(dout.view)[0];
    return backward(scale.map((v) => v * g), plan.size);
  }, NO_DOUBLE_BACKWARD);
}
