// From per-row losses to the one number a loss returns, and which rows count: N rows in G
// groups of S (B examples of T steps), a sum or PyTorch's weighted mean within a group, a
// sum or a mean across groups. Nothing to average gives 0 with zero gradients (PyTorch: NaN).

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

/**
 * How much each row counts, the one place this rule lives: 0 for a row whose class index
 * is `ignoreIndex` or that lies at or past its example's length (`lengths` [B] over rows
 * [B·T], T = `steps`), 1 otherwise; null when every row counts.
 */
export function rowWeights(target: Int32Array | null, ignoreIndex: number, lengths: Int32Array | null, steps: number): Float64Array | null {
  if (lengths === null && (target === null || !target.includes(ignoreIndex))) return null;
  const n = target !== null ? target.length : lengths!.length * steps;
  const rho = new Float64Array(n).fill(1);
  if (target !== null) for (let r = 0; r < n; r++) if (target[r] === ignoreIndex) rho[r] = 0;
  if (lengths !== null) for (let b = 0; b < lengths.length; b++) rho.fill(0, b * steps + lengths[b], (b + 1) * steps);
  return rho;
}

/** Reduce `loss` [G·S] (zero on rows that do not count, `s.rowWeight`) by `plan`, in float64. */
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
      const rho = s.rowWeight === null ? 1 : s.rowWeight[r];
      if (rho === 0) continue;
      rows++;
      divisor += rho * (s.target === null || s.weight === null ? 1 : s.weight[s.target[r]]);
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
