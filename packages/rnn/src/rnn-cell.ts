// RNNCell: one step of a vanilla (Elman) RNN, as `torch.nn.RNNCell`.
//   B batch, I input size, H hidden size
//   x [B, I], h [B, H] → h' [B, H] = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
//   weightIh [H, I], weightHh [H, H], biasIh [H], biasHh [H], all U(-1/√H, 1/√H)

import { zeros, Tensor } from "@unroll/autograd";
import { fmt } from "@unroll/autograd/extend";
import { checkDtype, checkSize, Module, uniformParameter, type ModuleOptions } from "./module.js";
import { rnnStep, StepSink, type StepParams } from "./step.js";

export type Nonlinearity = "tanh" | "relu";

export interface RNNCellOptions extends ModuleOptions {
  nonlinearity?: Nonlinearity;
  bias?: boolean;
}

/** One recurrent step with PyTorch's equations and initialisation. Example: `h = cell.forward(x, h)`. */
export class RNNCell extends Module implements StepParams {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly nonlinearity: Nonlinearity;
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super();
    checkSize("RNNCell", "inputSize", inputSize);
    checkSize("RNNCell", "hiddenSize", hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.nonlinearity = checkNonlinearity("RNNCell", opts.nonlinearity);
    const bound = 1 / Math.sqrt(hiddenSize);
    this.weightIh = this.registerParameter("weightIh", uniformParameter([hiddenSize, inputSize], bound, opts));
    this.weightHh = this.registerParameter("weightHh", uniformParameter([hiddenSize, hiddenSize], bound, opts));
    const bias = opts.bias ?? true;
    this.biasIh = bias ? this.registerParameter("biasIh", uniformParameter([hiddenSize], bound, opts)) : null;
    this.biasHh = bias ? this.registerParameter("biasHh", uniformParameter([hiddenSize], bound, opts)) : null;
  }

  /** x [B, I] and h [B, H] (zeros when omitted) → the next state [B, H]. */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    const I = this.inputSize;
    const H = this.hiddenSize;
    if (!(x instanceof Tensor)) throw new TypeError(`RNNCell: x must be a Tensor`);
    if (x.ndim !== 2 || x.shape[1] !== I) throw new Error(`RNNCell: x is ${fmt(x.shape)} but expected [B,${I}] (batch, inputSize)`);
    const B = x.shape[0];
    checkDtype("RNNCell", "x", x, this.weightIh);
    if (h !== undefined && h !== null) {
      if (!(h instanceof Tensor)) throw new TypeError(`RNNCell: h must be a Tensor`);
      if (h.ndim !== 2 || h.shape[0] !== B || h.shape[1] !== H) {
        throw new Error(`RNNCell: h is ${fmt(h.shape)} but expected [${B},${H}] (batch, hiddenSize)`);
      }
      checkDtype("RNNCell", "h", h, this.weightIh);
    }
    const h0 = h ?? zeros([B, H], { dtype: this.weightIh.dtype });
    return rnnStep(x, 0, h0, this, { relu: this.nonlinearity === "relu", lengths: null }, new StepSink());
  }
}

export function checkNonlinearity(op: string, n: unknown): Nonlinearity {
  if (n === undefined) return "tanh";
  if (n !== "tanh" && n !== "relu") throw new Error(`${op}: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(n)}`);
  return n;
}
