// Adagrad with learning-rate decay and L2 weight decay: torch.optim.Adagrad's
// update rule, step for step.

import { allocate, type FloatArray, type TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import { checkOptions, numberOption, Optimizer } from "./optimizer.js";

export interface AdagradOptions {
  /** Learning rate. Default 1e-2. */
  lr?: number;
  /** Learning-rate decay δ: step t uses lr / (1 + (t-1)δ). Default 0. */
  lrDecay?: number;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients. Default 0. */
  initialAccumulatorValue?: number;
  /** Added to the denominator for stability. Default 1e-10. */
  eps?: number;
}

const KEYS = ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"] as const;

/**
 * Adagrad with PyTorch's rule: g ← g + λθ; s ← s + g²; θ ← θ - lr/(1 + (t-1)δ) · g / (√s + ε).
 * Example: `const opt = new Adagrad(model.parameters(), { lr: 0.1 })`.
 */
export class Adagrad extends Optimizer {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
  // Sum of squared gradients and step count of each parameter, created at its first gradient.
  private readonly sums: (FloatArray | null)[];
  private readonly steps: number[];

  constructor(params: Iterable<Tensor>, options: AdagradOptions = {}) {
    const opts = checkOptions("Adagrad", options, KEYS);
    super("Adagrad", params, opts.lr === undefined ? 1e-2 : (opts.lr as number));
    this.lrDecay = numberOption("Adagrad", opts, "lrDecay", 0);
    this.weightDecay = numberOption("Adagrad", opts, "weightDecay", 0);
    this.initialAccumulatorValue = numberOption("Adagrad", opts, "initialAccumulatorValue", 0);
    this.eps = numberOption("Adagrad", opts, "eps", 1e-10);
    this.sums = new Array<FloatArray | null>(this.params.length).fill(null);
    this.steps = new Array<number>(this.params.length).fill(0);
  }

  protected update(index: number, p: FloatArray, g: TypedArray): void {
    const { eps, weightDecay: wd } = this;
    let s = this.sums[index];
    if (s === null) {
      s = allocate(this.params[index].dtype, p.length).fill(this.initialAccumulatorValue) as FloatArray;
      this.sums[index] = s;
    }
    const t = ++this.steps[index];
    const clr = this.lr / (1 + (t - 1) * this.lrDecay);
    for (let j = 0; j < p.length; j++) {
      const d = wd === 0 ? g[j] : g[j] + wd * p[j];
      s[j] += d * d;
      p[j] -= clr * (d / (Math.sqrt(s[j]) + eps));
    }
  }
}
