// RMSprop with momentum, centering and L2 weight decay: torch.optim.RMSprop's update
// rule, step for step.

import { allocate, type FloatArray, type TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import { Optimizer, type GroupInput, type ParamGroup, type ParamState } from "./optimizer.js";
import { bool, num, type OptionTable } from "./spec.js";

export interface RMSpropOptions {
  /** Learning rate. Default 1e-2. */
  lr?: number;
  /** Smoothing constant α of the squared-gradient average. Default 0.99. */
  alpha?: number;
  /** Added to the denominator for stability. Default 1e-8. */
  eps?: number;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay?: number;
  /** Momentum factor μ. Default 0. */
  momentum?: number;
  /** Divide by an estimate of the gradient's variance rather than its second moment. Default false. */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it. Default false. */
  maximize?: boolean;
}

const OPTIONS: OptionTable = {
  lr: num(1e-2),
  alpha: num(0.99),
  eps: num(1e-8),
  weightDecay: num(0),
  momentum: num(0),
  centered: bool(false),
  maximize: bool(false),
};

/**
 * RMSprop with PyTorch's rule: g ← g + λθ; v ← αv + (1-α)g²; a ← √(v - ḡ²) + ε with
 * ḡ ← αḡ + (1-α)g when centered, else √v + ε; b ← μb + g/a and θ ← θ - lr·b, or
 * θ ← θ - lr·g/a without momentum. State: `step`, `square_avg`, `momentum_buffer`, `grad_avg`.
 * Example: `const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 })`.
 */
export class RMSprop extends Optimizer {
  constructor(params: Iterable<Tensor> | Iterable<GroupInput>, options: RMSpropOptions = {}) {
    super("RMSprop", params, options, OPTIONS);
  }

  protected stateKeys(g: Record<string, unknown>): { required: string[] } {
    const keys = ["step", "square_avg"];
    if ((g.momentum as number) > 0) keys.push("momentum_buffer");
    if (g.centered) keys.push("grad_avg");
    return { required: keys };
  }

  protected update(p: FloatArray, g: TypedArray, s: ParamState, group: ParamGroup, param: Tensor): void {
    const { lr } = group;
    const alpha = group.alpha as number;
    const eps = group.eps as number;
    const wd = group.weightDecay as number;
    const mu = group.momentum as number;
    const centered = group.centered as boolean;
    const sign = group.maximize ? -1 : 1;
    const n = p.length;
    const zeros = (): FloatArray => allocate(param.dtype, n) as FloatArray;
    if (s.square_avg === undefined) {
      s.step = 0;
      s.square_avg = zeros();
    }
    if (mu > 0 && s.momentum_buffer === undefined) s.momentum_buffer = zeros();
    if (centered && s.grad_avg === undefined) s.grad_avg = zeros();
    s.step = (s.step as number) + 1;
    const v = s.square_avg as FloatArray;
    const gAvg = s.grad_avg as FloatArray;
    const b = s.momentum_buffer as FloatArray;
    const w = 1 - alpha;
    for (let j = 0; j < n; j++) {
      const d = sign * g[j] + wd * p[j];
      v[j] = v[j] * alpha + w * d * d;
      let avg: number;
      if (centered) {
        // grad_avg.lerp_(d, 1 - α), with torch's two-sided lerp formula.
        gAvg[j] = w < 0.5 ? gAvg[j] + w * (d - gAvg[j]) : d - (d - gAvg[j]) * (1 - w);
        avg = Math.sqrt(v[j] - gAvg[j] * gAvg[j]) + eps;
      } else {
        avg = Math.sqrt(v[j]) + eps;
      }
      if (mu > 0) {
        b[j] = b[j] * mu + d / avg;
        p[j] -= lr * b[j];
      } else {
        p[j] -= lr * (d / avg);
      }
    }
  }
}
