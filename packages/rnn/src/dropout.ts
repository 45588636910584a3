// Dropout as a module, as `torch.nn.Dropout`: active in training mode only.

import { dropout, type Rng, type Tensor } from "@unroll/autograd";
import { Module } from "./module.js";
import { checkOptions, checkValue, rngRule } from "@unroll/autograd/extend";

/** Zero each element with probability p in training mode, scaling the rest by 1 / (1 − p). Example: `new Dropout(0.2).forward(h)`. */
export class Dropout extends Module {
  readonly p: number;
  // undefined: the process-wide generator at each call (manualSeed resets it)
  private readonly rng: Rng | undefined;

  constructor(p = 0.5, opts: { rng?: Rng } = {}) {
    super();
    checkOptions<{ rng?: Rng }>("Dropout", opts, { rng: rngRule });
    checkValue("Dropout", "p", p, { type: "number", min: 0, max: 1 });
    this.p = p;
    this.rng = opts.rng;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, rng: this.rng });
  }
}
