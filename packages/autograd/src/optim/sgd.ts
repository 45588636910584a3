// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2
// weight decay: torch.optim.SGD's update rule, step for step.

import { allocate, type FloatArray, type TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import { Optimizer, type GroupInput, type ParamGroup, type ParamState } from "./optimizer.js";
import { bool, num, type OptionTable } from "./spec.js";

export interface SGDOptions {
  /** Learning rate. Default 1e-3, as PyTorch. */
  lr?: number;
  /** Momentum factor μ. Default 0. */
  momentum?: number;
  /** Dampening τ of the momentum. Default 0. */
  dampening?: number;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it. Default false. */
  maximize?: boolean;
}

const OPTIONS: OptionTable = {
  lr: num(1e-3),
  momentum: num(0),
  dampening: num(0, -Infinity),
  weightDecay: num(0),
  nesterov: bool(false),
  maximize: bool(false),
};

/**
 * SGD with PyTorch's rule: g ← g + λθ; b ← g at the first step, else μb + (1-τ)g;
 * g ← g + μb (Nesterov) or b; θ ← θ - lr·g. State: `momentum_buffer` (when μ ≠ 0).
 * Example: `const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })`.
 */
export class SGD extends Optimizer {
  constructor(params: Iterable<Tensor> | Iterable<GroupInput>, options: SGDOptions = {}) {
    super("SGD", params, options, OPTIONS);
  }

  protected override checkGroup(g: Record<string, unknown>, op: string): void {
    if (g.nesterov === true && ((g.momentum as number) <= 0 || g.dampening !== 0)) {
      throw new RangeError(`${op}: Nesterov momentum needs momentum > 0 and dampening 0, got momentum ${String(g.momentum)} and dampening ${String(g.dampening)}`);
    }
  }

  protected stateKeys(g: Record<string, unknown>): { required: string[] } {
    return { required: g.momentum === 0 ? [] : ["momentum_buffer"] };
  }

  protected update(p: FloatArray, g: TypedArray, state: ParamState, group: ParamGroup, param: Tensor): void {
    const { lr } = group;
    const mu = group.momentum as number;
    const wd = group.weightDecay as number;
    const sign = group.maximize ? -1 : 1;
    const n = p.length;
    if (mu === 0) {
      for (let j = 0; j < n; j++) {
        const d = sign * g[j] + wd * p[j];
        p[j] -= lr * d;
      }
      return;
    }
    let b = state.momentum_buffer as FloatArray | undefined;
    const first = b === undefined;
    if (b === undefined) {
      b = allocate(param.dtype, n) as FloatArray;
      state.momentum_buffer = b;
    }
    const keep = 1 - (group.dampening as number);
    const nesterov = group.nesterov as boolean;
    for (let j = 0; j < n; j++) {
      const d = sign * g[j] + wd * p[j];
      // b = d at the first step (no dampening), then b = μb + (1 - τ)d.
      b[j] = first ? d : b[j] * mu + keep * d;
      p[j] -= lr * (nesterov ? d + mu * b[j] : b[j]);
    }
  }
}
