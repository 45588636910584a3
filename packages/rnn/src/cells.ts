// RNNCell, GRUCell and LSTMCell: one recurrent step, as `torch.nn.RNNCell` etc. They run
// the layers' op (recurrent.ts) with T = 1, so a step-by-step loop computes the same numbers.
//   B batch, I input size, H hidden size, G gates (RNN 1, GRU 3 in order r z n, LSTM 4 in order i f g o)
//   weightIh [G·H, I], weightHh [G·H, H], biasIh [G·H], biasHh [G·H], all U(-1/√H, 1/√H)

import { Tensor, type FloatDtype } from "@unroll/autograd";
import { checkOptions, describeValue, fmt, type OptionSchema } from "@unroll/autograd/extend";
import { checkDtype, checkSize, Module, MODULE_SCHEMA, uniformParameter, type ModuleOptions } from "./module.js";
import { directionBuffers, recurrent, type CellKind, type CellParams } from "./recurrent.js";

export type Nonlinearity = "tanh" | "relu";

export interface CellOptions extends ModuleOptions {
  bias?: boolean;
}

export interface RNNCellOptions extends CellOptions {
  nonlinearity?: Nonlinearity;
}

export const NONLINEARITY_RULE = { oneOf: ["tanh", "relu"] } as const;
export const CELL_SCHEMA: OptionSchema<CellOptions> = { ...MODULE_SCHEMA, bias: "boolean" };
const RNN_CELL_SCHEMA: OptionSchema<RNNCellOptions> = { ...CELL_SCHEMA, nonlinearity: NONLINEARITY_RULE };

/** An LSTM's state: hidden and cell, each [B, H] (or [L·D, B, H] for a layer). */
export interface LSTMState {
  h: Tensor;
  c: Tensor;
}

export function checkNonlinearity(op: string, n: unknown): Nonlinearity {
  if (n === undefined) return "tanh";
  if (n !== "tanh" && n !== "relu") throw new Error(`${op}: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(n)}`);
  return n;
}

/** Register weightIh [G·H, I], weightHh, biasIh, biasHh (unless bias is false) on `m`. */
function registerCell(m: Module, name: string, I: number, H: number, gates: number, opts: CellOptions): CellParams {
  checkSize(name, "inputSize", I);
  checkSize(name, "hiddenSize", H);
  const bound = 1 / Math.sqrt(H);
  const bias = opts.bias ?? true;
  return {
    weightIh: m.registerParameter("weightIh", uniformParameter(name, [gates * H, I], bound, opts)),
    weightHh: m.registerParameter("weightHh", uniformParameter(name, [gates * H, H], bound, opts)),
    biasIh: bias ? m.registerParameter("biasIh", uniformParameter(name, [gates * H], bound, opts)) : null,
    biasHh: bias ? m.registerParameter("biasHh", uniformParameter(name, [gates * H], bound, opts)) : null,
  };
}

/** Check a state [B, H] argument of a cell (null or undefined: zeros). */
function checkState(name: string, arg: string, s: unknown, B: number, H: number, like: Tensor): Tensor | null {
  if (s === undefined || s === null) return null;
  if (!(s instanceof Tensor)) throw new TypeError(`${name}: ${arg} must be a Tensor [${B},${H}], got ${describeValue(s)}`);
  if (s.ndim !== 2 || s.shape[0] !== B || s.shape[1] !== H) throw new Error(`${name}: ${arg} is ${fmt(s.shape)} but expected [${B},${H}] (batch, hiddenSize)`);
  checkDtype(name, arg, s, like);
  return s;
}

/** One step of `kind`: the op's states [2, B, H] (LSTM [2, 2, B, H]); slot 1 is the new state. */
function step(name: string, kind: CellKind, p: CellParams, x: unknown, h: Tensor | null, c: Tensor | null): Tensor {
  const I = p.weightIh.shape[1];
  const H = p.weightHh.shape[1];
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: x must be a Tensor`);
  if (x.ndim !== 2 || x.shape[1] !== I) throw new Error(`${name}: x is ${fmt(x.shape)} but expected [B,${I}] (batch, inputSize)`);
  checkDtype(name, "x", x, p.weightIh);
  const B = x.shape[0];
  const dtype = p.weightIh.dtype as FloatDtype;
  const buffers = directionBuffers(kind, dtype, 1, B, H);
  return recurrent(kind, x.reshape([1, B, I]), h, c, p, { reverse: false, lengths: null, buffers, release: null });
}

/** One vanilla RNN step, h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh). Example: `h = cell.forward(x, h)`. */
export class RNNCell extends Module implements CellParams {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly nonlinearity: Nonlinearity;
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super();
    opts = checkOptions<RNNCellOptions>("RNNCell", opts, RNN_CELL_SCHEMA);
    this.nonlinearity = checkNonlinearity("RNNCell", opts.nonlinearity);
    ({ weightIh: this.weightIh, weightHh: this.weightHh, biasIh: this.biasIh, biasHh: this.biasHh } = registerCell(this, "RNNCell", inputSize, hiddenSize, 1, opts));
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
  }

  /** x [B, I] and h [B, H] (zeros when omitted) → the next state [B, H]. */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    const h0 = checkState("RNNCell", "h", h, x instanceof Tensor ? x.shape[0] : 0, this.hiddenSize, this.weightIh);
    return step("RNNCell", this.nonlinearity === "relu" ? "rnnRelu" : "rnnTanh", this, x, h0, null).select(0, 1);
  }
}

/**
 * One GRU step with PyTorch's equations (gates r, z, n; b_hn inside r ⊙ (…)):
 * h' = (1 − z) ⊙ n + z ⊙ h. Example: `h = new GRUCell(8, 16).forward(x, h)`.
 */
export class GRUCell extends Module implements CellParams {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super();
    opts = checkOptions<CellOptions>("GRUCell", opts, CELL_SCHEMA);
    ({ weightIh: this.weightIh, weightHh: this.weightHh, biasIh: this.biasIh, biasHh: this.biasHh } = registerCell(this, "GRUCell", inputSize, hiddenSize, 3, opts));
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
  }

  /** x [B, I] and h [B, H] (zeros when omitted) → the next state [B, H]. */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    const h0 = checkState("GRUCell", "h", h, x instanceof Tensor ? x.shape[0] : 0, this.hiddenSize, this.weightIh);
    return step("GRUCell", "gru", this, x, h0, null).select(0, 1);
  }
}

/**
 * One LSTM step with PyTorch's equations (gates i, f, g, o): c' = f ⊙ c + i ⊙ g,
 * h' = o ⊙ tanh(c'). Example: `({ h, c } = new LSTMCell(8, 16).forward(x, { h, c }))`.
 */
export class LSTMCell extends Module implements CellParams {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super();
    opts = checkOptions<CellOptions>("LSTMCell", opts, CELL_SCHEMA);
    ({ weightIh: this.weightIh, weightHh: this.weightHh, biasIh: this.biasIh, biasHh: this.biasHh } = registerCell(this, "LSTMCell", inputSize, hiddenSize, 4, opts));
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
  }

  /** x [B, I] and { h, c } [B, H] each (zeros when omitted) → the next { h, c }. */
  forward(x: Tensor, state?: LSTMState | null): LSTMState {
    const B = x instanceof Tensor ? x.shape[0] : 0;
    const s = checkLSTMState("LSTMCell", state);
    const h0 = s && checkState("LSTMCell", "h", s.h, B, this.hiddenSize, this.weightIh);
    const c0 = s && checkState("LSTMCell", "c", s.c, B, this.hiddenSize, this.weightIh);
    const states = step("LSTMCell", "lstm", this, x, h0, c0);
    return { h: states.select(0, 0).select(0, 1), c: states.select(0, 1).select(0, 1) };
  }
}

/** An LSTM state must be { h, c } with both given (or null / undefined for zeros). */
export function checkLSTMState(name: string, state: unknown): LSTMState | null {
  if (state === undefined || state === null) return null;
  if (state instanceof Tensor) throw new TypeError(`${name}: state must be { h, c }, got a Tensor (an LSTM needs both the hidden and the cell state)`);
  if (typeof state !== "object") throw new TypeError(`${name}: state must be { h, c }, got ${typeof state}`);
  const { h, c } = state as Partial<LSTMState>;
  if (!(h instanceof Tensor) || !(c instanceof Tensor)) {
    throw new TypeError(`${name}: state must be { h, c } with both tensors, but ${!(h instanceof Tensor) ? "h" : "c"} is ${describeMissing(!(h instanceof Tensor) ? h : c)}`);
  }
  return { h, c };
}

const describeMissing = (v: unknown): string => (v === undefined ? "missing" : v === null ? "null" : `${typeof v}, not a Tensor`);
