// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2
// weight decay: torch.optim.SGD's update rule, step for step.

import { allocate, type FloatArray, type TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import { booleanOption, checkOptions, numberOption, Optimizer } from "./optimizer.js";

export interface SGDOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor μ. Default 0. */
  momentum?: number;
  /** Dampening τ of the momentum. Default 0. */
  dampening?: number;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean;
}

const KEYS = ["lr", "momentum", "dampening", "weightDecay", "nesterov"] as const;

/**
 * SGD with PyTorch's rule: g ← g + λθ; b ← g at the first step, else μb + (1-τ)g;
 * g ← g + μb (Nesterov) or b; θ ← θ - lr·g.
 * Example: `const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })`.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  // The momentum buffer of each parameter, created from its first gradient.
  private readonly buffers: (FloatArray | null)[];

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    const opts = checkOptions("SGD", options, KEYS);
    if (opts.lr === undefined) throw new TypeError(`SGD: options.lr is required (the learning rate)`);
    super("SGD", params, opts.lr as number);
    this.momentum = numberOption("SGD", opts, "momentum", 0);
    this.dampening = numberOption("SGD", opts, "dampening", 0, -Infinity);
    this.weightDecay = numberOption("SGD", opts, "weightDecay", 0);
    this.nesterov = booleanOption("SGD", opts, "nesterov", false);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError(
        `SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum ${this.momentum} and dampening ${this.dampening}`,
      );
    }
    this.buffers = new Array<FloatArray | null>(this.params.length).fill(null);
  }

  protected update(index: number, p: FloatArray, g: TypedArray): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    const n = p.length;
    if (mu === 0) {
      for (let j = 0; j < n; j++) {
        const d = wd === 0 ? g[j] : g[j] + wd * p[j];
        p[j] -= lr * d;
      }
      return;
    }
    let b = this.buffers[index];
    const first = b === null;
    if (b === null) {
      b = allocate(this.params[index].dtype, n) as FloatArray;
      this.buffers[index] = b;
    }
    const keep = 1 - dampening;
    for (let j = 0; j < n; j++) {
      const d = wd === 0 ? g[j] : g[j] + wd * p[j];
      // b = d at the first step (no dampening), then b = μb + (1 - τ)d.
      b[j] = first ? d : b[j] * mu + keep * d;
      p[j] -= lr * (nesterov ? d + mu * b[j] : b[j]);
    }
  }
}
