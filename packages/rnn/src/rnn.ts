// RNN: a multi-layer vanilla RNN unrolled over time, batch first, as
// `torch.nn.RNN(batch_first=True)`; layer l > 0 reads layer l-1's outputs.
//   B batch, T time, I input size, H hidden size, L layers
//   x [B, T, I], h0 [L, B, H], lengths [B] → output [B, T, H] (last layer), hN [L, B, H]
// With lengths, past an example's length its output is 0 and its state is carried
// unchanged, so hN holds the state at its last valid step (PyTorch's packed sequences).

import { stack, Tensor, type FloatArray, type FloatDtype } from "@unroll/autograd";
import { floatBuffer, fmt, fromFlat } from "@unroll/autograd/extend";
import { checkDtype, checkSize, Module, snakeCase, type ModuleOptions } from "./module.js";
import { checkNonlinearity, RNNCell, type Nonlinearity } from "./rnn-cell.js";
import { checkLengths, stackSteps, timeMajor } from "./sequence.js";
import { rnnStep, StepSink } from "./step.js";

export interface RNNOptions extends ModuleOptions {
  numLayers?: number;
  nonlinearity?: Nonlinearity;
  bias?: boolean;
}

/**
 * The buffers one layer's forward writes and its backward reads: its time-major input
 * (T·B·I, unused when the input is read in place), its step states (T·B·H) and the
 * zero initial state (B·H, never written). They never reach the caller (the output and
 * hN are copies), so once the layer's step 0 has run its last backward, or at once when
 * no graph was recorded, the next forward may write them again.
 */
interface Workspace {
  dtype: FloatDtype;
  input: FloatArray;
  states: FloatArray;
  zeros: FloatArray;
}

/** Free workspaces kept per layer; more would only hold memory. */
const KEEP = 2;

export interface RNNResult {
  /** The last layer's state at every step, 0 past each example's length: [B, T, H]. */
  output: Tensor;
  /** Every layer's final state (at each example's last valid step): [L, B, H]. */
  hN: Tensor;
}

/**
 * A stack of RNN layers, one fused op per layer and time step.
 * Example: `const { output, hN } = new RNN(8, 32, { numLayers: 2 }).forward(x, null, { lengths })`.
 */
export class RNN extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly nonlinearity: Nonlinearity;
  /** Layer l's parameters, named `layers.{l}.weightIh` etc. */
  readonly layers: readonly RNNCell[];
  // Per layer, workspaces no graph needs any more.
  private readonly freeWorkspaces: Workspace[][] = [];

  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super();
    checkSize("RNN", "inputSize", inputSize);
    checkSize("RNN", "hiddenSize", hiddenSize);
    const numLayers = opts.numLayers ?? 1;
    checkSize("RNN", "numLayers", numLayers);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.nonlinearity = checkNonlinearity("RNN", opts.nonlinearity);
    const layers: RNNCell[] = [];
    for (let l = 0; l < numLayers; l++) {
      const cell = new RNNCell(l === 0 ? inputSize : hiddenSize, hiddenSize, { ...opts, nonlinearity: this.nonlinearity });
      layers.push(this.registerModule(`layers.${l}`, cell));
    }
    this.layers = layers;
  }

  /** PyTorch keeps every layer's weights flat on the RNN: `layers.1.weightHh` ↔ `weight_hh_l1`. */
  override torchName(name: string): string {
    const m = /^layers\.(\d+)\.(\w+)$/.exec(name);
    return m === null ? super.torchName(name) : `${snakeCase(m[2])}_l${m[1]}`;
  }

  /** x [B, T, I], h0 [L, B, H] (zeros when omitted), lengths [B] each in [1, T] → { output, hN }. */
  forward(x: Tensor, h0?: Tensor | null, opts: { lengths?: Tensor | readonly number[] | null } = {}): RNNResult {
    const I = this.inputSize;
    const H = this.hiddenSize;
    const L = this.numLayers;
    if (!(x instanceof Tensor)) throw new TypeError(`RNN: x must be a Tensor`);
    if (x.ndim !== 3 || x.shape[2] !== I) throw new Error(`RNN: x is ${fmt(x.shape)} but expected [B,T,${I}] (batch, time, inputSize)`);
    const [B, T] = x.shape;
    if (T === 0) throw new Error(`RNN: x is ${fmt(x.shape)} and has no time steps`);
    const params = this.layers[0].weightIh;
    checkDtype("RNN", "x", x, params);
    if (h0 !== undefined && h0 !== null) {
      if (!(h0 instanceof Tensor)) throw new TypeError(`RNN: h0 must be a Tensor`);
      if (h0.ndim !== 3 || h0.shape[0] !== L || h0.shape[1] !== B || h0.shape[2] !== H) {
        throw new Error(`RNN: h0 is ${fmt(h0.shape)} but expected [${L},${B},${H}] (numLayers, batch, hiddenSize)`);
      }
      checkDtype("RNN", "h0", h0, params);
    }
    const lengths = checkLengths("RNN", opts.lengths, B, T);
    const step = { relu: this.nonlinearity === "relu", lengths };

    const dtype = x.dtype as FloatDtype;
    const ws = this.layers.map((_, l) => this.takeWorkspace(l, dtype, T * B * (l === 0 ? I : H), B, T * B * H));
    // Time-major so that each step reads one packed [B, I] block: a view when B or T is 1.
    let input = B === 1 || T === 1 ? x.transpose(0, 1).reshape([T, B, I]) : timeMajor(x, ws[0].input);
    const finals: Tensor[] = [];
    const graph: boolean[] = [];
    this.layers.forEach((cell, l) => {
      let h = h0 ? h0.select(0, l) : fromFlat(ws[l].zeros.subarray(0, B * H), [B, H]);
      const sink = new StepSink();
      sink.states = ws[l].states;
      sink.release = () => this.giveWorkspace(l, ws[l]);
      const states: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        h = rnnStep(input, t, h, cell, step, sink);
        states.push(h);
      }
      finals.push(h);
      graph.push(h.requiresGrad);
      input = stackSteps(states, lengths, l === L - 1, l === L - 1 ? null : ws[l + 1].input);
    });
    const hN = stack(finals, 0);
    // A layer that recorded no graph has no backward to read its workspace later.
    ws.forEach((w, l) => {
      if (!graph[l]) this.giveWorkspace(l, w);
    });
    return { output: input, hN };
  }

  /** A free workspace of layer l with room for the given sizes, or a new one. */
  private takeWorkspace(l: number, dtype: FloatDtype, inputSize: number, batch: number, statesSize: number): Workspace {
    const zerosSize = batch * this.hiddenSize;
    const free = (this.freeWorkspaces[l] ??= []);
    const k = free.findIndex((w) => w.dtype === dtype && w.input.length >= inputSize && w.zeros.length >= zerosSize && w.states.length >= statesSize);
    if (k >= 0) return free.splice(k, 1)[0];
    return { dtype, input: floatBuffer(dtype, inputSize), states: floatBuffer(dtype, statesSize), zeros: floatBuffer(dtype, zerosSize) };
  }

  private giveWorkspace(l: number, w: Workspace): void {
    const free = (this.freeWorkspaces[l] ??= []);
    if (free.includes(w)) return;
    free.push(w);
    // Keep the largest few.
    if (free.length > KEEP) free.sort((a, b) => b.states.length - a.states.length).pop();
  }
}
