// Linear: y = x Wᵀ + b, as `torch.nn.Linear`.
//   N rows (any leading dims, e.g. [B, T]), in / out features
//   x [..., in], weight [out, in], bias [out], y [..., out]

import { fmt, Tensor } from "@unroll/autograd";
import { checkDtype, checkSize, Module, uniformParameter, type ModuleOptions } from "./module.js";

export interface LinearOptions extends ModuleOptions {
  bias?: boolean;
}

/** A fully connected layer with PyTorch's U(-1/√in, 1/√in) initialisation. Example: `new Linear(64, 2).forward(h)`. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkSize("Linear", "inFeatures", inFeatures);
    checkSize("Linear", "outFeatures", outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter("weight", uniformParameter([outFeatures, inFeatures], bound, opts));
    this.bias = opts.bias === false ? null : this.registerParameter("bias", uniformParameter([outFeatures], bound, opts));
  }

  /** x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`Linear: x must be a Tensor`);
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear: x is ${fmt(x.shape)} but expected [...,${this.inFeatures}] (last dim = inFeatures)`);
    }
    checkDtype("Linear", "x", x, this.weight);
    const rows = x.ndim === 1 ? x.reshape([1, this.inFeatures]) : x;
    let y = rows.matmul(this.weight.transpose(0, 1));
    if (this.bias !== null) y = y.add(this.bias);
    return x.ndim === 1 ? y.reshape([this.outFeatures]) : y;
  }
}
