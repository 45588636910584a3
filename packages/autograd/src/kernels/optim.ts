// The optimizers' per-element updates over raw buffers (optim/ holds the rules, options and
// state). Adam's: torch.optim.Adam's formula, each value computed in float64 and rounded
// once to the parameter's dtype as it is stored, in JavaScript and in wasm alike.
//   n elements: p parameters, g gradients, m, v moments, vMax (amsgrad) the running max of v

import type { FloatArray, TypedArray } from "../dtype.js";

/** Adam's step constants for one parameter at step t. */
export interface AdamConstants {
  /** lr / (1 - β1ᵗ) */
  stepSize: number;
  /** √(1 - β2ᵗ) */
  bias2Sqrt: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 - lr·λ (AdamW's decoupled decay) or 1 */
  shrink: number;
  /** λ added to the gradient (Adam's L2) or 0 */
  l2: number;
  /** -1 to maximize, else 1 */
  sign: number;
}

/** θ, m, v (and vMax) updated in place; vMax is null without amsgrad. */
export type AdamUpdate = (p: FloatArray, g: TypedArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, c: AdamConstants) => void;

export const adamUpdateJs: AdamUpdate = (p, g, m, v, vMax, c) => {
  const { stepSize, bias2Sqrt, beta2, eps, shrink, l2, sign } = c;
  const w = 1 - c.beta1;
  const c2 = 1 - beta2;
  const vm = vMax ?? v;
  const n = p.length;
  for (let j = 0; j < n; j++) {
    if (shrink !== 1) p[j] *= shrink;
    const d = sign * g[j] + l2 * p[j];
    // m.lerp_(d, 1 - β1), with torch's two-sided lerp formula.
    m[j] = w < 0.5 ? m[j] + w * (d - m[j]) : d - (d - m[j]) * (1 - w);
    v[j] = v[j] * beta2 + c2 * d * d;
    if (vMax !== null && v[j] > vm[j]) vm[j] = v[j];
    p[j] -= stepSize * (m[j] / (Math.sqrt(vm[j]) / bias2Sqrt + eps));
  }
};
