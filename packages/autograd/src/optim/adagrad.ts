// Adagrad with learning-rate decay and L2 weight decay: torch.optim.Adagrad's update
// rule, step for step.

import { allocate, type FloatArray, type TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import { Optimizer, type GroupInput, type ParamGroup, type ParamState } from "./optimizer.js";
import { bool, num, type OptionTable } from "./spec.js";

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
  /** Maximize the objective instead of minimizing it. Default false. */
  maximize?: boolean;
}

const OPTIONS: OptionTable = {
  lr: num(1e-2),
  lrDecay: num(0),
  weightDecay: num(0),
  initialAccumulatorValue: num(0),
  eps: num(1e-10),
  maximize: bool(false),
};

/**
 * Adagrad with PyTorch's rule: g ← g + λθ; s ← s + g²; θ ← θ - lr/(1 + (t-1)δ) · g / (√s + ε).
 * State: `step` and `sum`, created for every parameter up front, as PyTorch does.
 * Example: `const opt = new Adagrad(model.parameters(), { lr: 0.1 })`.
 */
export class Adagrad extends Optimizer {
  constructor(params: Iterable<Tensor> | Iterable<GroupInput>, options: AdagradOptions = {}) {
    super("Adagrad", params, options, OPTIONS);
    // As torch, every sum starts at the constructor's initialAccumulatorValue, even in a
    // group that overrides it.
    const init = this.defaults.initialAccumulatorValue as number;
    this.params.forEach((p, i) => this.initState(i, { step: 0, sum: allocate(p.dtype, p.size).fill(init) as FloatArray }));
  }

  protected stateKeys(): { required: string[] } {
    return { required: ["step", "sum"] };
  }

  protected update(p: FloatArray, g: TypedArray, s: ParamState, group: ParamGroup): void {
    const eps = group.eps as number;
    const wd = group.weightDecay as number;
    const sign = group.maximize ? -1 : 1;
    const sum = s.sum as FloatArray;
    const t = (s.step as number) + 1;
    s.step = t;
    const clr = group.lr / (1 + (t - 1) * (group.lrDecay as number));
    for (let j = 0; j < p.length; j++) {
      const d = sign * g[j] + wd * p[j];
      sum[j] += d * d;
      p[j] -= clr * (d / (Math.sqrt(sum[j]) + eps));
    }
  }
}
