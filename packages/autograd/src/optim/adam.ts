// Adam and AdamW: torch.optim.Adam's update rule (with amsgrad), with L2 weight decay
// added to the gradient (Adam) or decoupled from it (AdamW: θ ← θ(1 - lr·λ) first).

import type { FloatArray, FloatDtype, TypedArray } from "../dtype.js";
import { kernels, residentBuffer } from "../kernels/index.js";
import type { Tensor } from "../tensor.js";
import { Optimizer, type GroupInput, type ParamGroup, type ParamState } from "./optimizer.js";
import { betas, bool, num, type OptionTable } from "./spec.js";

export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** Decay rates (β1, β2) of the first and second moment averages. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator for stability. Default 1e-8. */
  eps?: number;
  /** Weight decay λ: L2 added to the gradient (Adam, default 0) or decoupled (AdamW, default 1e-2). */
  weightDecay?: number;
  /** Use the maximum of the second moments seen so far (AMSGrad). Default false. */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it. Default false. */
  maximize?: boolean;
}

const table = (weightDecay: number): OptionTable => ({
  lr: num(1e-3),
  betas: betas([0.9, 0.999]),
  eps: num(1e-8),
  weightDecay: num(weightDecay),
  amsgrad: bool(false),
  maximize: bool(false),
});

/**
 * Adam with PyTorch's rule: g ← g + λθ; m ← β1·m + (1-β1)g; v ← β2·v + (1-β2)g²;
 * v̂ ← max(v̂, v) with amsgrad; θ ← θ - lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε).
 * State: `step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsgrad.
 * Example: `const opt = new Adam(model.parameters(), { lr: 1e-2 })`.
 */
export class Adam extends Optimizer {
  private readonly decoupled: boolean;

  constructor(params: Iterable<Tensor> | Iterable<GroupInput>, options: AdamOptions = {}) {
    const decoupled = new.target === AdamW || new.target.prototype instanceof AdamW;
    super(decoupled ? "AdamW" : "Adam", params, options, table(decoupled ? 1e-2 : 0));
    this.decoupled = decoupled;
  }

  protected stateKeys(g: Record<string, unknown>): { required: string[] } {
    return { required: g.amsgrad ? ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["step", "exp_avg", "exp_avg_sq"] };
  }

  protected update(p: FloatArray, g: TypedArray, s: ParamState, group: ParamGroup, param: Tensor): void {
    const { lr } = group;
    const eps = group.eps as number;
    const wd = group.weightDecay as number;
    const [beta1, beta2] = group.betas as [number, number];
    const amsgrad = group.amsgrad as boolean;
    const n = p.length;
    // The moments live in the kernels' memory (resident), so the wasm update reads them in place.
    const dtype = param.dtype as FloatDtype;
    if (s.exp_avg === undefined) {
      s.step = 0;
      s.exp_avg = residentBuffer(dtype, n);
      s.exp_avg_sq = residentBuffer(dtype, n);
    }
    if (amsgrad && s.max_exp_avg_sq === undefined) s.max_exp_avg_sq = residentBuffer(dtype, n);
    const t = (s.step as number) + 1;
    s.step = t;
    kernels.adamUpdate(p, g, s.exp_avg as FloatArray, s.exp_avg_sq as FloatArray, amsgrad ? (s.max_exp_avg_sq as FloatArray) : null, {
      stepSize: lr / (1 - beta1 ** t),
      bias2Sqrt: Math.sqrt(1 - beta2 ** t),
      beta1,
      beta2,
      eps,
      shrink: this.decoupled ? 1 - lr * wd : 1,
      l2: this.decoupled ? 0 : wd,
      sign: group.maximize ? -1 : 1,
    });
  }
}

/**
 * AdamW: Adam with decoupled weight decay, θ ← θ(1 - lr·λ) before the Adam step, λ = 1e-2 by default.
 * Example: `new AdamW([{ params: weights }, { params: biases, weightDecay: 0 }], { lr: 3e-3 })`.
 */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor> | Iterable<GroupInput>, options: AdamOptions = {}) {
    super(params, options);
  }
}
