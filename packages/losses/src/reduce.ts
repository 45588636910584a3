// From per-row losses to the one number a loss returns. The N rows form G groups of
// S rows each: B examples of T steps for sequenceCrossEntropy, one group of N rows for
// crossEntropy and nllLoss. Within a group: a sum, or a mean that divides by the
// summed weight w_y of the rows that count (PyTorch's "mean"); across groups: a sum,
// or a mean over the groups that have a row that counts.
// A group with nothing to divide by contributes 0, and so does an empty batch: the
// result is 0 with zero gradients where PyTorch would return NaN.

import type { FloatArray } from "@unroll/autograd";
import type { SoftmaxXentSpec } from "@unroll/autograd/extend";

export interface GroupPlan {
  groups: number;
  size: number;
  within: "sum" | "mean";
  across: "sum" | "mean";
}

export interface Reduced {
  value: number;
  /** d value / d loss_r, the same for every row r of a group: [G]. */
  scale: Float64Array;
}

function rowCounts(s: SoftmaxXentSpec, r: number): boolean {
  if (s.skip !== null && s.skip[r] !== 0) return false;
  return s.target === null || s.target[r] !== s.ignoreIndex;
}

/** Reduce `loss` [G·S] (zero on rows that do not count) by `plan`, in float64. */
export function reduceGroups(loss: FloatArray, s: SoftmaxXentSpec, plan: GroupPlan): Reduced {
  const { groups, size } = plan;
  const scale = new Float64Array(groups);
  const totals = new Float64Array(groups);
  let counted = 0;
  for (let g = 0; g < groups; g++) {
    let rows = 0;
    let divisor = 0;
    let total = 0;
    for (let r = g * size; r < (g + 1) * size; r++) {
      if (!rowCounts(s, r)) continue;
      rows++;
      divisor += s.target === null || s.weight === null ? 1 : s.weight[s.target[r]];
      total += loss[r];
    }
    if (rows === 0) continue;
    counted++;
    if (plan.within === "sum") {
      scale[g] = 1;
      totals[g] = total;
    } else if (divisor > 0) {
      scale[g] = 1 / divisor;
      totals[g] = total / divisor;
    }
  }
  let value = 0;
  for (let g = 0; g < groups; g++) value += totals[g];
  if (plan.across === "mean" && counted > 0) {
    value /= counted;
    for (let g = 0; g < groups; g++) scale[g] /= counted;
  }
  return { value, scale };
}
