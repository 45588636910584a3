// One recurrent layer and direction over a whole sequence as ONE recorded op, with the
// time loop inside (llm.c's layer_forward / layer_backward), shared by every cell kind.
//   T time, B batch, I input size, H hidden size, G gates (RNN 1, GRU 3, LSTM 4)
//   x [T, B, I] time-major, h0 / c0 [B, H] → states [T+1, B, H] (LSTM [2, T+1, B, H]: h, then c)

import type { FloatArray, FloatDtype, Tensor } from "@unroll/autograd";
import { columnSums, floatData, freshGrad, kernels, packedB, record, releaseResident, residentBuffer, type CellBuffers, type PackedB } from "@unroll/autograd/extend";

export type CellKind = "rnnTanh" | "rnnRelu" | "gru" | "lstm";

/** A cell kind: its gate count, what its forward saves, and its kernel pair. */
interface CellSpec {
  gates: number;
  saved: number;
  lstm: boolean;
  /** h reaches h' other than through W_hh (the GRU's z ⊙ h): the backward kernel writes that part of dh. */
  direct: boolean;
  forward: "rnnTanhForward" | "rnnReluForward" | "gruForward" | "lstmForward";
  backward: "rnnTanhBackward" | "rnnReluBackward" | "gruBackward" | "lstmBackward";
}

export const CELLS: Record<CellKind, CellSpec> = {
  rnnTanh: { gates: 1, saved: 0, lstm: false, direct: false, forward: "rnnTanhForward", backward: "rnnTanhBackward" },
  rnnRelu: { gates: 1, saved: 0, lstm: false, direct: false, forward: "rnnReluForward", backward: "rnnReluBackward" },
  gru: { gates: 3, saved: 4, lstm: false, direct: true, forward: "gruForward", backward: "gruBackward" },
  lstm: { gates: 4, saved: 5, lstm: true, direct: false, forward: "lstmForward", backward: "lstmBackward" },
};

/** The parameters of one layer and direction, as in `torch.nn.GRUCell` etc. */
export interface CellParams {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

/**
 * The buffers one direction's forward writes and its backward reads, and the per-step
 * scratch: resident in the kernels' memory (residentBuffer), so that the per-step
 * products and cell kernels read and write them in place.
 */
export interface DirectionBuffers {
  gx: FloatArray;
  saved: FloatArray;
  /** The op's output: h states, then (LSTM) c states. */
  states: FloatArray;
  /** GRU only: d(gates) for W_hh. */
  dgh: FloatArray | null;
  /** One step's h W_hhᵀ [B, G·H]; the running d h and d c [B, H]; what carried rows pass on [B, H] (h, c). */
  gh: FloatArray;
  dh: FloatArray;
  dc: FloatArray;
  carried: FloatArray;
  carriedC: FloatArray;
  /** W_hhᵀ for the forward's h W_hhᵀ and W_hh for the backward's dGh W_hh, each packed once a call. */
  whhT: PackedB;
  whh: PackedB;
}

type FloatBuffers = Omit<DirectionBuffers, "whhT" | "whh">;

/** Buffers for one direction: `into` when big enough, else new ones (`into`'s are given back). */
export function directionBuffers(kind: CellKind, dtype: FloatDtype, T: number, B: number, H: number, into: DirectionBuffers | null = null): DirectionBuffers {
  const spec = CELLS[kind];
  const rows = T * B;
  const GH = spec.gates * H;
  const sizes: Record<keyof FloatBuffers, number> = {
    gx: rows * GH, saved: rows * spec.saved * H, states: (spec.lstm ? 2 : 1) * (T + 1) * B * H, dgh: kind === "gru" ? rows * 3 * H : 0,
    gh: B * GH, dh: B * H, dc: B * H, carried: B * H, carriedC: B * H,
  };
  const keys = Object.keys(sizes) as (keyof FloatBuffers)[];
  const fits = (a: FloatArray | null, n: number): boolean => n === 0 || (a !== null && a.length >= n && (a instanceof Float32Array) === (dtype === "float32"));
  if (into !== null && keys.every((k) => fits(into[k], sizes[k]))) return into;
  if (into !== null) releaseBuffers(into);
  const out = { whhT: packedB(), whh: packedB() } as DirectionBuffers;
  for (const k of keys) (out as unknown as Record<string, FloatArray | null>)[k] = k === "dgh" && sizes.dgh === 0 ? null : residentBuffer(dtype, Math.max(1, sizes[k]), out);
  return out;
}

/** Give a direction's resident buffers back: nothing may read them after. */
export function releaseBuffers(b: DirectionBuffers): void {
  const { whhT, whh, ...floats } = b;
  for (const a of [...(Object.values(floats) as (FloatArray | null)[]), whhT.store, whh.store]) if (a !== null) releaseResident(a);
  whhT.store = whh.store = null;
}

/** p as op(W) for products with it: W_hh [G·H, H], transposed (h W_hhᵀ) or not (dGh W_hh). */
function packWeight(p: PackedB, w: FloatArray, transB: boolean, GH: number, H: number): PackedB {
  Object.assign(p, { transB, b: w, bOff: 0, k: transB ? H : GH, n: transB ? GH : H });
  kernels.packB(p);
  return p;
}

export interface RecurrentOptions {
  reverse: boolean;
  /** Valid steps per example ([B], each in [1, T]), or null when all are full length. */
  lengths: Int32Array | null;
  /** Where to compute; the op owns them until `release` is called. */
  buffers: DirectionBuffers;
  /** Called when the backward has run without retainGraph: nothing reads the buffers again. */
  release: (() => void) | null;
}

// Rows per product over the whole sequence: enough for gemm's full speed, few enough that
// the operands stay in cache (one product over a long sequence is slower, as is copying it
// into wasm memory whole).
const CHUNK_ROWS = 1024;

/** f over consecutive blocks of at most CHUNK_ROWS of `rows` rows; `more` is false for the first. */
function byRows(rows: number, f: (r0: number, n: number, more: boolean) => void): void {
  for (let r = 0; r < rows; r += CHUNK_ROWS) f(r, Math.min(CHUNK_ROWS, rows - r), r > 0);
}

/** Rows b of one step that are past their length. */
function inactiveRows(lengths: Int32Array | null, t: number): number[] {
  const out: number[] = [];
  if (lengths !== null) for (let b = 0; b < lengths.length; b++) if (!(t < lengths[b])) out.push(b);
  return out;
}

/**
 * The states of one layer and direction over x (time-major [T, B, I]) as one recorded op.
 * Forward: Gx = X W_ihᵀ + b_ih for all T·B rows in one gemm; then per step gh = h W_hhᵀ
 * and the cell's pointwise kernel. Backward: per step, in reverse, the cell's backward
 * kernel and dh_prev += dGh_t W_hh; then dW_ih = dGxᵀ X, dW_hh = dGhᵀ H_prev, dX = dGx W_ih
 * and the biases' column sums over all T·B rows. Linear in T.
 * The forward direction goes from slot t to t+1 at time t (slot 0 holds h0); the reverse
 * from slot t+1 to t (slot T holds h0). With lengths, a row at t >= lengths[b] carries its
 * state (and its gradient) unchanged, so slot T (forward) and slot 0 (reverse) hold hN.
 * All tensors share one float dtype; the caller checks shapes.
 * Example: `const states = recurrent("gru", x, null, null, cell, { reverse: false, lengths: null, buffers, release: null })`.
 */
export function recurrent(kind: CellKind, x: Tensor, h0: Tensor | null, c0: Tensor | null, p: CellParams, opts: RecurrentOptions): Tensor {
  const spec = CELLS[kind];
  const dtype = p.weightIh.dtype as FloatDtype;
  const [T, B, I] = x.shape;
  const H = p.weightHh.shape[1];
  const GH = spec.gates * H;
  const n = (T + 1) * B * H;
  const { reverse, lengths } = opts;
  const xData = floatData(x.view, dtype);
  const wIh = floatData(p.weightIh.view, dtype);
  const wHh = floatData(p.weightHh.view, dtype);
  const bIh = p.biasIh && floatData(p.biasIh.view, dtype);
  const bHh = p.biasHh && floatData(p.biasHh.view, dtype);
  const states = opts.buffers.states.subarray(0, (spec.lstm ? 2 : 1) * n);
  const buf: CellBuffers = {
    batch: B,
    hidden: H,
    gx: opts.buffers.gx.subarray(0, T * B * GH),
    gh: opts.buffers.gh.subarray(0, B * GH),
    bHh,
    h: states.subarray(0, n),
    c: spec.lstm ? states.subarray(n, 2 * n) : null,
    saved: opts.buffers.saved,
    dgh: opts.buffers.gx,
    dh: opts.buffers.dh.subarray(0, B * H),
    dc: spec.lstm ? opts.buffers.dc.subarray(0, B * H) : null,
    dhOut: states,
    dcOut: null,
  };
  const h0Slot = reverse ? T : 0;
  const fill = (dst: FloatArray, src: Tensor | null): void => {
    if (src === null) dst.fill(0, h0Slot * B * H, (h0Slot + 1) * B * H);
    else dst.set(floatData(src.view, dtype), h0Slot * B * H);
  };
  fill(buf.h, h0);
  if (buf.c !== null) fill(buf.c, c0);

  // Gx = X W_ihᵀ + b_ih, all T·B rows at once
  const rows = T * B;
  if (bIh !== null) for (let r = 0; r < rows; r++) buf.gx.set(bIh, r * GH);
  byRows(rows, (r, n) => kernels.gemm(false, true, n, GH, I, xData, r * I, wIh, 0, buf.gx, r * GH, bIh !== null));
  const whhT = packWeight(opts.buffers.whhT, wHh, true, GH, H);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const from = reverse ? t + 1 : t;
    const to = reverse ? t : t + 1;
    // gh = h W_hhᵀ, then the cell's gates and new state
    kernels.gemmPacked(false, B, buf.h, from * B * H, whhT, buf.gh, 0, false);
    kernels[spec.forward](buf, t, from, to);
    for (const b of inactiveRows(lengths, t)) {
      buf.h.copyWithin((to * B + b) * H, (from * B + b) * H, (from * B + b + 1) * H);
      buf.c?.copyWithin((to * B + b) * H, (from * B + b) * H, (from * B + b + 1) * H);
    }
  }

  const inputs: Tensor[] = [x];
  if (h0 !== null) inputs.push(h0);
  if (c0 !== null) inputs.push(c0);
  const wAt = inputs.length;
  inputs.push(p.weightIh, p.weightHh);
  if (p.biasIh !== null) inputs.push(p.biasIh);
  if (p.biasHh !== null) inputs.push(p.biasHh);
  const shape = spec.lstm ? [2, T + 1, B, H] : [T + 1, B, H];

  // d recurrent / d x = dGx · W_ih, all T·B rows in one product (dGx = d(gates) of every step)
  // d recurrent / d h0, c0 = d h and d c that reach the initial slot after the reverse time loop
  // d recurrent / d weightIh = dGxᵀ · X (one product over all steps)
  // d recurrent / d weightHh = dGhᵀ · H_prev (H_prev the T·B previous states)
  // d recurrent / d biasIh, biasHh = column sums of dGx and dGh
  return record("recurrent", inputs, states, shape, (g, retainGraph) => {
    const dout = floatData(g.view, dtype);
    buf.dhOut = dout.subarray(0, n);
    buf.dcOut = spec.lstm ? dout.subarray(n, 2 * n) : null;
    buf.dgh = kind === "gru" ? opts.buffers.dgh!.subarray(0, T * B * GH) : buf.gx;
    buf.dh.fill(0);
    buf.dc?.fill(0);
    const carried = opts.buffers.carried;
    const carriedC = spec.lstm ? opts.buffers.carriedC : null;
    const whh = packWeight(opts.buffers.whh, wHh, false, GH, H);
    for (let k = 0; k < T; k++) {
      const t = reverse ? k : T - 1 - k;
      const from = reverse ? t + 1 : t;
      const to = reverse ? t : t + 1;
      // a row past its length passes d h_to (and d c_to) on to h_from unchanged
      const idle = inactiveRows(lengths, t);
      for (const b of idle) {
        for (let j = b * H; j < (b + 1) * H; j++) {
          carried[j] = buf.dhOut[to * B * H + j] + buf.dh[j];
          if (carriedC !== null) carriedC[j] = buf.dcOut![to * B * H + j] + buf.dc![j];
        }
      }
      kernels[spec.backward](buf, t, from, to);
      for (const b of idle) {
        buf.gx.fill(0, (t * B + b) * GH, (t * B + b + 1) * GH);
        buf.dgh.fill(0, (t * B + b) * GH, (t * B + b + 1) * GH);
      }
      // dh_from = dGh_t W_hh (+ the direct path the GRU's kernel wrote)
      kernels.gemmPacked(false, B, buf.dgh, t * B * GH, whh, buf.dh, 0, spec.direct);
      for (const b of idle) {
        buf.dh.set(carried.subarray(b * H, (b + 1) * H), b * H);
        if (carriedC !== null) buf.dc!.set(carriedC.subarray(b * H, (b + 1) * H), b * H);
      }
    }
    const grads: (Tensor | null)[] = new Array(inputs.length).fill(null);
    const dGx = buf.gx;
    const dGh = buf.dgh;
    const out = (t: Tensor, fill: (d: FloatArray) => void): Tensor | null => {
      if (!t.requiresGrad) return null;
      const d = freshGrad(dtype, t.shape);
      fill(d.buffer as FloatArray);
      return d;
    };
    // dX = dGx W_ih
    grads[0] = out(x, (d) => byRows(rows, (r, n) => kernels.gemm(false, false, n, I, GH, dGx, r * GH, wIh, 0, d, r * I, false)));
    // d h0 = what reached slot h0 from the steps, plus the gradient on that slot itself
    const initial = (t: Tensor, d: FloatArray, outer: FloatArray) =>
      out(t, (dst) => {
        for (let j = 0; j < B * H; j++) dst[j] = d[j] + outer[h0Slot * B * H + j];
      });
    if (h0 !== null) grads[1] = initial(h0, buf.dh, buf.dhOut);
    if (c0 !== null) grads[h0 !== null ? 2 : 1] = initial(c0, buf.dc!, buf.dcOut!);
    // dW_ih = dGxᵀ X; dW_hh = dGhᵀ H_prev (the T·B previous states lie back to back from slot 0 or 1)
    grads[wAt] = out(p.weightIh, (d) => byRows(rows, (r, n, more) => kernels.gemm(true, false, GH, I, n, dGx, r * GH, xData, r * I, d, 0, more)));
    const prev = (reverse ? 1 : 0) * B * H;
    grads[wAt + 1] = out(p.weightHh, (d) => byRows(rows, (r, n, more) => kernels.gemm(true, false, GH, H, n, dGh, r * GH, buf.h, prev + r * H, d, 0, more)));
    // db_ih = 1ᵀ dGx, db_hh = 1ᵀ dGh
    let at = wAt + 2;
    if (p.biasIh !== null) grads[at++] = out(p.biasIh, (d) => columnSums(d, 0, dGx, 0, rows, GH, false));
    if (p.biasHh !== null) grads[at++] = out(p.biasHh, (d) => columnSums(d, 0, dGh, 0, rows, GH, false));
    if (!retainGraph && opts.release !== null) opts.release();
    return grads;
  }, { noDoubleBackward: RECURRENT_NO_DOUBLE_BACKWARD });
}

/**
 * Why the fused recurrent ops have no createGraph, and the composed form to use: as
 * PyTorch's fused (cuDNN) RNN kernels, whose backward is not differentiable either.
 */
export const RECURRENT_NO_DOUBLE_BACKWARD =
  "the fused recurrent kernel has no double backward (as PyTorch's fused RNN kernels); for higher-order gradients compose each step " +
  "from ops, e.g. for RNN h = x.matmul(weightIh.transpose(0, 1)).add(biasIh).add(h.matmul(weightHh.transpose(0, 1))).add(biasHh).tanh()";
