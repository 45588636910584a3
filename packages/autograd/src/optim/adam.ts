// Adam with bias correction and L2 weight decay added to the gradient:
// torch.optim.Adam's update rule (amsgrad off), step for step.

import { allocate, type FloatArray, type TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import { checkOptions, numberOption, Optimizer } from "./optimizer.js";

export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** Decay rates (β1, β2) of the first and second moment averages. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator for stability. Default 1e-8. */
  eps?: number;
  /** L2 penalty λ added to the gradient (not AdamW's decoupled decay). Default 0. */
  weightDecay?: number;
}

const KEYS = ["lr", "betas", "eps", "weightDecay"] as const;

interface AdamState {
  step: number;
  m: FloatArray;
  v: FloatArray;
}

/**
 * Adam with PyTorch's rule: g ← g + λθ; m ← β1·m + (1-β1)g; v ← β2·v + (1-β2)g²;
 * θ ← θ - lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε).
 * Example: `const opt = new Adam(model.parameters(), { lr: 1e-2 })`.
 */
export class Adam extends Optimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  // Moments and step count of each parameter, created at its first gradient.
  private readonly state: (AdamState | null)[];

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    const opts = checkOptions("Adam", options, KEYS);
    super("Adam", params, opts.lr === undefined ? 1e-3 : (opts.lr as number));
    this.betas = checkBetas(opts.betas);
    this.eps = numberOption("Adam", opts, "eps", 1e-8);
    this.weightDecay = numberOption("Adam", opts, "weightDecay", 0);
    this.state = new Array<AdamState | null>(this.params.length).fill(null);
  }

  protected update(index: number, p: FloatArray, g: TypedArray): void {
    const { lr, eps, weightDecay: wd } = this;
    const [beta1, beta2] = this.betas;
    const n = p.length;
    let s = this.state[index];
    if (s === null) {
      const dtype = this.params[index].dtype;
      s = { step: 0, m: allocate(dtype, n) as FloatArray, v: allocate(dtype, n) as FloatArray };
      this.state[index] = s;
    }
    const t = ++s.step;
    const stepSize = lr / (1 - beta1 ** t);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** t);
    const w = 1 - beta1;
    const c2 = 1 - beta2;
    const { m, v } = s;
    for (let j = 0; j < n; j++) {
      const d = wd === 0 ? g[j] : g[j] + wd * p[j];
      // m.lerp_(d, 1 - β1), with torch's two-sided lerp formula.
      m[j] = w < 0.5 ? m[j] + w * (d - m[j]) : d - (d - m[j]) * (1 - w);
      v[j] = v[j] * beta2 + c2 * d * d;
      p[j] -= stepSize * (m[j] / (Math.sqrt(v[j]) / bias2Sqrt + eps));
    }
  }
}

function checkBetas(betas: unknown): readonly [number, number] {
  if (betas === undefined) return [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TypeError(`Adam: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas) ?? String(betas)}`);
  }
  betas.forEach((b, i) => {
    if (typeof b !== "number" || !Number.isFinite(b) || b < 0 || b >= 1) {
      throw new RangeError(`Adam: invalid beta parameter at index ${i}: ${String(b)}; it must be in [0, 1)`);
    }
  });
  return [betas[0], betas[1]];
}
