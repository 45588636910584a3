// RNN, GRU and LSTM: stacks of recurrent layers over whole sequences, batch first, as
// `torch.nn.RNN / GRU / LSTM(batch_first=True)`. Each layer and direction is one op
// (recurrent.ts); layer l > 0 reads both directions of layer l − 1, side by side.
//   B batch, T time, I input size, H hidden size, L layers, D directions (2 when bidirectional)
//   x [B, T, I], h0 (and c0) [L·D, B, H], lengths [B] → output [B, T, D·H], hN (and cN) [L·D, B, H]

import { dropout, getDefaultDtype, stack, Tensor, type FloatArray, type FloatDtype, type Rng } from "@unroll/autograd";
import { checkAllocation, checkOptions, describeValue, fmt, releaseResident, residentBuffer, type OptionSchema } from "@unroll/autograd/extend";
import { CELL_SCHEMA, checkLSTMState, checkNonlinearity, GRUCell, NONLINEARITY_RULE, LSTMCell, RNNCell, type LSTMState, type Nonlinearity } from "./cells.js";
import { checkDtype, checkSize, Module, snakeCase, type ModuleOptions } from "./module.js";
import { directionBuffers, recurrent, releaseBuffers, type CellKind, type DirectionBuffers } from "./recurrent.js";
import { checkLengths, layerOutput, timeMajor } from "./sequence.js";

// With lengths, results equal PyTorch's packed sequences: output 0 past each length, the
// reverse direction starting at each example's last valid step, hN each direction's final state.

export interface GRUOptions extends ModuleOptions {
  numLayers?: number;
  bias?: boolean;
  bidirectional?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
}
export type LSTMOptions = GRUOptions;
export interface RNNOptions extends GRUOptions {
  nonlinearity?: Nonlinearity;
}

export interface RNNResult {
  /** The last layer's output at every step (both directions side by side), 0 past each length: [B, T, D·H]. */
  output: Tensor;
  /** Every layer's and direction's final state: [L·D, B, H], layer l direction d at l·D + d. */
  hN: Tensor;
}
export type GRUResult = RNNResult;
export interface LSTMResult extends RNNResult {
  /** The final cell states: [L·D, B, H]. */
  cN: Tensor;
}

export interface SequenceOptions {
  /** Valid steps per example ([B] int32 tensor or numbers, each in [1, T]). */
  lengths?: Tensor | readonly number[] | null;
}

type Cell = RNNCell | GRUCell | LSTMCell;

/**
 * What one layer's forward writes and its backward reads: its time-major input (when it is
 * a copy) and each direction's buffers. Once every direction that recorded an op has run
 * its backward (or at once when none did), the next forward may reuse it.
 */
interface Workspace {
  dtype: FloatDtype;
  input: FloatArray | null;
  dirs: (DirectionBuffers | null)[];
  pending: number;
}

/** Free workspaces kept per layer; more would only hold memory. */
const KEEP = 2;

/** The shared machinery of RNN, GRU and LSTM: their cells, checks and forward. */
class Stack {
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly cells: Cell[][] = [];
  private readonly free: Workspace[][] = [];

  constructor(
    private readonly m: Module,
    private readonly name: string,
    readonly kind: CellKind,
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: RNNOptions,
    private readonly rng: Rng | undefined,
  ) {
    checkSize(name, "inputSize", inputSize);
    checkSize(name, "hiddenSize", hiddenSize);
    this.numLayers = opts.numLayers ?? 1;
    checkSize(name, "numLayers", this.numLayers);
    this.bidirectional = opts.bidirectional ?? false;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new RangeError(`${name}: dropout must be in [0, 1), got ${this.dropout}`);
    const D = this.bidirectional ? 2 : 1;
    // The largest layer's weights, checked here so that the error names the layer, not a cell.
    const gates = kind === "gru" ? 3 : kind === "lstm" ? 4 : 1;
    checkAllocation(name, opts.dtype ?? getDefaultDtype(), gates * hiddenSize * (Math.max(inputSize, D * hiddenSize) + hiddenSize));
    const cellOpts = { bias: opts.bias, rng: opts.rng, dtype: opts.dtype };
    for (let l = 0; l < this.numLayers; l++) {
      const I = l === 0 ? inputSize : D * hiddenSize;
      const row: Cell[] = [];
      for (let d = 0; d < D; d++) {
        const cell =
          kind === "gru" ? new GRUCell(I, hiddenSize, cellOpts)
          : kind === "lstm" ? new LSTMCell(I, hiddenSize, cellOpts)
          : new RNNCell(I, hiddenSize, { ...cellOpts, nonlinearity: kind === "rnnRelu" ? "relu" : "tanh" });
        row.push(m.registerModule(d === 0 ? `layers.${l}` : `layers.${l}.reverse`, cell));
      }
      this.cells.push(row);
    }
  }

  /** A state argument h0 or c0: [L·D, B, H] or null. */
  private checkState(arg: string, s: unknown, B: number): Tensor | null {
    if (s === undefined || s === null) return null;
    const D = this.bidirectional ? 2 : 1;
    const want = `[${this.numLayers * D},${B},${this.hiddenSize}]`;
    const legend = D === 2 ? "(numLayers·2, batch, hiddenSize)" : "(numLayers, batch, hiddenSize)";
    if (!(s instanceof Tensor)) {
      const hint = typeof s === "object" && "c" in (s as object) ? ` (an LSTM's { h, c }? ${this.name} takes h0 alone)` : "";
      throw new TypeError(`${this.name}: ${arg} must be a Tensor ${want}, got ${describeValue(s)}${hint}`);
    }
    if (s.ndim !== 3 || s.shape[0] !== this.numLayers * D || s.shape[1] !== B || s.shape[2] !== this.hiddenSize) {
      throw new Error(`${this.name}: ${arg} is ${fmt(s.shape)} but expected ${want} ${legend}`);
    }
    checkDtype(this.name, arg, s, this.cells[0][0].weightIh);
    return s;
  }

  forward(x: Tensor, h0In: unknown, c0In: unknown, opts: SequenceOptions | undefined): LSTMResult {
    const { name, numLayers: L, hiddenSize: H, inputSize: I, kind } = this;
    const D = this.bidirectional ? 2 : 1;
    if (!(x instanceof Tensor)) throw new TypeError(`${name}: x must be a Tensor, got ${describeValue(x)}`);
    if (x.ndim !== 3 || x.shape[2] !== I) throw new Error(`${name}: x is ${fmt(x.shape)} but expected [B,T,${I}] (batch, time, inputSize)`);
    const [B, T] = x.shape;
    if (T === 0) throw new Error(`${name}: x is ${fmt(x.shape)} and has no time steps`);
    if (B === 0) throw new Error(`${name}: x is ${fmt(x.shape)} and has no examples`);
    checkDtype(name, "x", x, this.cells[0][0].weightIh);
    const o = checkOptions<SequenceOptions>(`${name}.forward`, opts, SEQUENCE_SCHEMA);
    const h0 = this.checkState(kind === "lstm" ? "state.h" : "h0", h0In, B);
    const c0 = this.checkState("state.c", c0In, B);
    const lengths = checkLengths(name, o.lengths, B, T);

    const dtype = x.dtype as FloatDtype;
    const ws = this.cells.map((_, l) => this.take(l, dtype, l === 0 ? (B === 1 || T === 1 ? 0 : T * B * I) : T * B * D * H));
    // Time-major so that each step reads one packed [B, I] block: a view when B or T is 1.
    let input = B === 1 || T === 1 ? x.transpose(0, 1).reshape([T, B, I]) : timeMajor(x, ws[0].input!);
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < L; l++) {
      const w = ws[l];
      const dirs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const buffers = directionBuffers(kind, dtype, T, B, H, w.dirs[d] ?? null);
        w.dirs[d] = buffers;
        const release = () => {
          if (--w.pending === 0) this.give(l, w);
        };
        const at = l * D + d;
        const out = recurrent(kind, input, h0 && h0.select(0, at), c0 && c0.select(0, at), this.cells[l][d], { reverse: d === 1, lengths, buffers, release });
        if (out.requiresGrad) w.pending++;
        const states = kind === "lstm" ? out.select(0, 0) : out;
        dirs.push(states);
        // forward: slot T; reverse: slot 0 (rows past their length carried their state there)
        hs.push(states.select(0, d === 0 ? T : 0));
        if (kind === "lstm") cs.push(out.select(0, 1).select(0, d === 0 ? T : 0));
      }
      const last = l === L - 1;
      input = layerOutput(dirs, lengths, last, last ? null : ws[l + 1].input);
      if (!last && this.dropout > 0 && this.m.training) input = dropout(input, this.dropout, { training: true, rng: this.rng });
    }
    const result = { output: input, hN: stack(hs, 0), cN: kind === "lstm" ? stack(cs, 0) : (null as unknown as Tensor) };
    // A layer that recorded no op has no backward to read its workspace later.
    ws.forEach((w, l) => {
      if (w.pending === 0) this.give(l, w);
    });
    return result;
  }

  /** A free workspace of layer l whose input has room for `inputSize`, or a new one. */
  private take(l: number, dtype: FloatDtype, inputSize: number): Workspace {
    const free = (this.free[l] ??= []);
    const k = free.findIndex((w) => w.dtype === dtype && (inputSize === 0 || (w.input !== null && w.input.length >= inputSize)));
    const w = k >= 0 ? free.splice(k, 1)[0] : { dtype, input: null, dirs: [], pending: 0 };
    if (inputSize > 0 && (w.input === null || w.input.length < inputSize)) {
      if (w.input !== null) releaseResident(w.input);
      w.input = residentBuffer(dtype, inputSize, w);
    }
    w.pending = 0;
    return w;
  }

  private give(l: number, w: Workspace): void {
    const free = (this.free[l] ??= []);
    if (free.includes(w)) return;
    free.push(w);
    if (free.length > KEEP) {
      // Nothing reads a free workspace: its resident memory can go back now.
      const dropped = free.shift()!;
      if (dropped.input !== null) releaseResident(dropped.input);
      for (const d of dropped.dirs) if (d) releaseBuffers(d);
    }
  }
}

/** PyTorch keeps every layer's weights flat on the module: `layers.1.weightHh` ↔ `weight_hh_l1`, `layers.0.reverse.biasIh` ↔ `bias_ih_l0_reverse`. */
function torchLayerName(name: string): string | null {
  const m = /^layers\.(\d+)\.(reverse\.)?(\w+)$/.exec(name);
  return m === null ? null : `${snakeCase(m[3])}_l${m[1]}${m[2] ? "_reverse" : ""}`;
}

const LAYER_SCHEMA: OptionSchema<GRUOptions> = {
  ...CELL_SCHEMA,
  numLayers: { type: "integer", min: 1 },
  bidirectional: "boolean",
  dropout: { type: "number", min: 0, below: 1 },
};
const RNN_SCHEMA: OptionSchema<RNNOptions> = { ...LAYER_SCHEMA, nonlinearity: NONLINEARITY_RULE };
// lengths is checked against x by checkLengths.
const SEQUENCE_SCHEMA: OptionSchema<SequenceOptions> = { lengths: {} };

/**
 * A multi-layer vanilla RNN, h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), batch first.
 * Example: `const { output, hN } = new RNN(8, 32, { numLayers: 2 }).forward(x, null, { lengths })`.
 */
export class RNN extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly nonlinearity: Nonlinearity;
  /** Layer l's forward-direction cell at [l][0], its reverse one at [l][1]. */
  readonly layers: readonly (readonly RNNCell[])[];
  private readonly stack: Stack;

  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super();
    opts = checkOptions<RNNOptions>("RNN", opts, RNN_SCHEMA);
    this.nonlinearity = checkNonlinearity("RNN", opts.nonlinearity);
    this.stack = new Stack(this, "RNN", this.nonlinearity === "relu" ? "rnnRelu" : "rnnTanh", inputSize, hiddenSize, opts, opts.rng);
    ({ inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers, bidirectional: this.bidirectional, dropout: this.dropout } = this.stack);
    this.layers = this.stack.cells as RNNCell[][];
  }

  override torchName(name: string): string {
    return torchLayerName(name) ?? super.torchName(name);
  }

  /** x [B, T, I], h0 [L·D, B, H] (zeros when omitted), lengths [B] each in [1, T] → { output, hN }. */
  forward(x: Tensor, h0?: Tensor | null, opts?: SequenceOptions): RNNResult {
    const { output, hN } = this.stack.forward(x, h0, null, opts);
    return { output, hN };
  }
}

/**
 * A multi-layer GRU with PyTorch's equations (gates r, z, n), batch first.
 * Example: `const { output, hN } = new GRU(8, 32, { bidirectional: true }).forward(x)`.
 */
export class GRU extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  /** Layer l's forward-direction cell at [l][0], its reverse one at [l][1]. */
  readonly layers: readonly (readonly GRUCell[])[];
  private readonly stack: Stack;

  constructor(inputSize: number, hiddenSize: number, opts: GRUOptions = {}) {
    super();
    opts = checkOptions<GRUOptions>("GRU", opts, LAYER_SCHEMA);
    this.stack = new Stack(this, "GRU", "gru", inputSize, hiddenSize, opts, opts.rng);
    ({ inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers, bidirectional: this.bidirectional, dropout: this.dropout } = this.stack);
    this.layers = this.stack.cells as GRUCell[][];
  }

  override torchName(name: string): string {
    return torchLayerName(name) ?? super.torchName(name);
  }

  /** x [B, T, I], h0 [L·D, B, H] (zeros when omitted), lengths [B] each in [1, T] → { output, hN }. */
  forward(x: Tensor, h0?: Tensor | null, opts?: SequenceOptions): GRUResult {
    const { output, hN } = this.stack.forward(x, h0, null, opts);
    return { output, hN };
  }
}

/**
 * A multi-layer LSTM with PyTorch's equations (gates i, f, g, o), batch first.
 * Example: `const { output, hN, cN } = new LSTM(8, 32).forward(x, { h, c }, { lengths })`.
 */
export class LSTM extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  /** Layer l's forward-direction cell at [l][0], its reverse one at [l][1]. */
  readonly layers: readonly (readonly LSTMCell[])[];
  private readonly stack: Stack;

  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    super();
    opts = checkOptions<LSTMOptions>("LSTM", opts, LAYER_SCHEMA);
    this.stack = new Stack(this, "LSTM", "lstm", inputSize, hiddenSize, opts, opts.rng);
    ({ inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers, bidirectional: this.bidirectional, dropout: this.dropout } = this.stack);
    this.layers = this.stack.cells as LSTMCell[][];
  }

  override torchName(name: string): string {
    return torchLayerName(name) ?? super.torchName(name);
  }

  /** x [B, T, I], state { h, c } [L·D, B, H] each (zeros when omitted), lengths [B] → { output, hN, cN }. */
  forward(x: Tensor, state?: LSTMState | null, opts?: SequenceOptions): LSTMResult {
    const s = checkLSTMState("LSTM", state);
    return this.stack.forward(x, s && s.h, s && s.c, opts);
  }
}
