// The loss of a sequence labeller: a cross-entropy at every time step, summed (or
// averaged) over each example's counted steps, then averaged (or summed) over examples.
//   B batch, T time, C classes: logits [B, T, C], target int32 [B, T] or
//   probabilities [B, T, C], lengths int32 [B]; per-step losses [B, T]

import type { Lengths, Tensor } from "@unroll/autograd";
import { checkLengths, checkOptions, type OptionSchema, type SoftmaxXentSpec } from "@unroll/autograd/extend";
import { fusedSoftmaxXent } from "./fused.js";
import { rowWeights } from "./reduce.js";
import {
  checkClassRange,
  checkLogits,
  ignoreIndexOption,
  labelSmoothingOption,
  resolveTarget,
  weightOption,
  type ClassTarget,
} from "./validate.js";

export interface SequenceCrossEntropyOptions {
  /** Per example: "sum" (default) of its counted steps' losses, or "mean" over them. */
  timeReduction?: "sum" | "mean";
  /** Over examples that have a counted step: "mean" (default) or "sum". */
  batchReduction?: "mean" | "sum";
  /** Steps whose target equals this do not count (padding). Default -100. */
  ignoreIndex?: number;
  /** Valid steps per example [B]: steps at or past an example's length do not count, whatever their target. */
  lengths?: Lengths;
  /** "none" returns the per-step losses [B, T] (0 where a step does not count). */
  reduction?: "none";
  /** ε in [0, 1], as in crossEntropy. */
  labelSmoothing?: number;
  /** Per-class weights [C], as in crossEntropy; "mean" over time then divides by the summed weights. */
  weight?: Tensor;
}

// ignoreIndex, lengths, labelSmoothing and weight have their own checks in validate.ts (they need the logits).
const SCHEMA: OptionSchema<SequenceCrossEntropyOptions> = {
  timeReduction: { oneOf: ["sum", "mean"] },
  batchReduction: { oneOf: ["mean", "sum"] },
  ignoreIndex: {},
  lengths: {},
  reduction: { oneOf: ["none"], expected: '"none" (per-step losses [B,T]) or left out (timeReduction and batchReduction apply)' },
  labelSmoothing: {},
  weight: {},
};

/**
 * Cross-entropy at every step of a batch of sequences, reduced over time and then over
 * the batch; an example with no counted step is left out, and nothing to count gives 0.
 * Example: `sequenceCrossEntropy(logits, target, { lengths, timeReduction: "mean" })`.
 */
export function sequenceCrossEntropy(logits: Tensor, target: ClassTarget, opts: SequenceCrossEntropyOptions = {}): Tensor {
  const op = "sequenceCrossEntropy";
  checkLogits(op, "logits", logits, [3], "[B,T,C]");
  const o = checkOptions<SequenceCrossEntropyOptions>(op, opts, SCHEMA);
  const timeReduction = o.timeReduction ?? "sum";
  const batchReduction = o.batchReduction ?? "mean";
  const ignoreIndex = ignoreIndexOption(op, o.ignoreIndex);
  const labelSmoothing = labelSmoothingOption(op, o.labelSmoothing);
  const [batch, steps, classes] = logits.shape;
  const weight = weightOption(op, o.weight, classes);
  const lengths = checkLengths(op, o.lengths, batch, { min: 0, max: steps });
  const t = resolveTarget(op, target, logits, true);
  if (t.soft !== null && o.ignoreIndex !== undefined && ignoreIndex >= 0) {
    throw new Error(`${op}: ignoreIndex ${ignoreIndex} cannot apply to probability targets (use lengths to leave steps out)`);
  }
  const rowWeight = rowWeights(t.index, ignoreIndex, lengths, steps);
  const s: SoftmaxXentSpec = { rows: batch * steps, classes, target: t.index, soft: t.probs, weight, rowWeight, labelSmoothing };
  checkClassRange(op, s, logits, ignoreIndex);
  const plan = o.reduction === "none" ? null : { groups: batch, size: steps, within: timeReduction, across: batchReduction };
  return fusedSoftmaxXent(op, logits, t.soft, s, plan, [batch, steps]);
}
