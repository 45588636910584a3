// The fused RNN time step: x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, the activation and the
// lengths mask, recorded as ONE op per step whose backward gives dx, dh and the
// parameter gradients together. The arithmetic is in @unroll/autograd's kernels.
//   B batch, T time, I input size, H hidden size
//   x [T, B, I] time-major (or [B, I] for a single step), h [B, H], result [B, H]
//
// The input and the weights are shared by every step of a sequence. Returning their
// gradient from each step would make the engine add up T full-size tensors; instead
// each step's backward writes only dh and its dz_t = dout ⊙ act'(z_t) into the sink;
// every C steps (C·B ≈ CHUNK_ROWS rows, the whole sequence when short) one product each
// adds that chunk's share of dx, dW_ih, dW_hh and the biases' gradients (k = C·B rather
// than C products with k = B, each paying its own call and its copies of dW in and out
// of the wasm heap), and step 0, which the engine always runs last (every later step
// depends on it), hands the sums over.
// Those sums and each step's dh are engine-owned gradients (`freshGrad`): the engine keeps
// them as .grad or recycles them, so a training step does not page-fault in new buffers.

import { type FloatArray, type FloatDtype, type Tensor } from "@unroll/autograd";
import { floatBuffer, floatData, freshGrad, kernels, record } from "@unroll/autograd/extend";

/** The parameters of one recurrent layer, as in `torch.nn.RNNCell`. */
export interface StepParams {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

export interface StepOptions {
  relu: boolean;
  /** Valid steps per example ([B], each in [1, T]), or null when all are full length. */
  lengths: Int32Array | null;
}

type SlotKey = "dx" | "dWIh" | "dWHh" | "dbIh" | "dbHh";

/**
 * What the steps of one unrolled sequence share: their dz, the gradients of x and of
 * the parameters formed from it at step 0, and optionally where the states go.
 */
export class StepSink {
  dx: Tensor | null = null;
  dWIh: Tensor | null = null;
  dWHh: Tensor | null = null;
  dbIh: Tensor | null = null;
  dbHh: Tensor | null = null;
  /**
   * When set, step t writes its state [B, H] at t·B·H of this buffer instead of a new
   * one; the owner must not reuse it before `release` is called.
   */
  states: FloatArray | null = null;
  /** Called once step 0's backward has run for the last time: nothing reads `states` (or x) again. */
  release: (() => void) | null = null;
  /**
   * dz of the steps of the running backward pass not yet turned into gradients: step t at
   * (t mod C)·B·H, C steps a chunk (from `scratch`, given back at step 0).
   */
  dz: FloatArray | null = null;
  /** One past the chunk's first (highest) step, or 0 when none is waiting. */
  end = 0;
  /** Each step's input state h_t, by t, for dW_hh = Σ_t dz_tᵀ h_t. */
  hs: FloatArray[] = [];
}

// Steps whose dz are taken together: enough rows (C·B) for gemm's full speed, few enough
// that dZ and the states are still in cache (one product over a long sequence is slower).
const CHUNK_ROWS = 1024;

// Free dz buffers: a sink holds one from its last step's backward to its step 0's, so
// sequences whose backwards interleave never share one.
const scratch: FloatArray[] = [];
const KEEP_SCRATCH = 4;

function takeScratch(dtype: FloatDtype, n: number): FloatArray {
  const k = scratch.findIndex((a) => a.length >= n && (dtype === "float32") === a instanceof Float32Array);
  return k >= 0 ? scratch.splice(k, 1)[0] : floatBuffer(dtype, n);
}

function giveScratch(a: FloatArray): void {
  scratch.push(a);
  if (scratch.length > KEEP_SCRATCH) scratch.sort((p, q) => q.length - p.length).pop();
}

/** True when `a` is exactly `n` elements of `b` from `off` (the same memory, not a copy). */
function isSlice(a: FloatArray, b: FloatArray, off: number, n: number): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset + off * b.BYTES_PER_ELEMENT && a.length === n;
}

/** The sink buffer for `t` when `t` needs a gradient, made (zeroed) on first use. */
function slot(sink: StepSink, key: SlotKey, t: Tensor | null): FloatArray | null {
  if (t === null || !t.requiresGrad) return null;
  return (sink[key] ??= freshGrad(t.dtype, t.shape)).data.data as FloatArray;
}

/** Hand a summed gradient over, and empty the slot: the engine owns it from here. */
function take(sink: StepSink, key: SlotKey): Tensor | null {
  const g = sink[key];
  sink[key] = null;
  return g;
}

/**
 * One recorded time step t of a sequence: act(x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh), with
 * rows past their length carrying h. All tensors share one float dtype (the caller
 * checks shapes and dtypes). Use one fresh sink per unrolled sequence, starting at
 * t = 0 and feeding each step the previous one's result.
 * Example: `for (let t = 0; t < T; t++) h = rnnStep(x, t, h, cell, opts, sink)`.
 */
export function rnnStep(x: Tensor, t: number, h: Tensor, p: StepParams, opts: StepOptions, sink: StepSink): Tensor {
  const dtype = h.dtype as FloatDtype;
  const [B, H] = h.shape;
  const I = x.shape[x.ndim - 1];
  const dims = { batch: B, input: I, hidden: H, relu: opts.relu, lengths: opts.lengths, t };
  const xOff = t * B * I;
  const xData = floatData(x.data, dtype);
  const hData = floatData(h.data, dtype);
  const wIh = floatData(p.weightIh.data, dtype);
  const wHh = floatData(p.weightHh.data, dtype);
  const out = sink.states === null ? floatBuffer(dtype, B * H) : sink.states.subarray(t * B * H, (t + 1) * B * H);
  kernels.rnnStepForward(out, dims, xData, xOff, hData, 0, wIh, wHh, p.biasIh && floatData(p.biasIh.data, dtype), p.biasHh && floatData(p.biasHh.data, dtype));

  const inputs = [x, h, p.weightIh, p.weightHh];
  if (p.biasIh) inputs.push(p.biasIh);
  if (p.biasHh) inputs.push(p.biasHh);
  return record("rnnStep", inputs, out, [B, H], (g, retainGraph) => {
    const dhTensor = h.requiresGrad ? freshGrad(dtype, h.shape) : null;
    const dh = dhTensor && (dhTensor.data.data as FloatArray);
    const T = x.ndim === 3 ? x.shape[0] : 1;
    const C = Math.min(T, Math.max(1, Math.ceil(CHUNK_ROWS / B)));
    const dz = (sink.dz ??= takeScratch(dtype, C * B * H));
    if (sink.end === 0) sink.end = t + 1;
    sink.hs[t] = hData;
    const grads = { dx: null, dxOff: 0, dh, dWIh: null, dWHh: null, dbIh: null, dbHh: null, dz, dzOff: (t % C) * B * H };
    // dz = dout ⊙ act'(z) on active rows (0 on carried ones); dh = dz W_hh (dout on carried rows)
    kernels.rnnStepBackward(grads, dims, floatData(g.data, dtype), out, xData, xOff, hData, 0, wIh, wHh);
    if (t % C === 0) chunkGrads(sink, t, p, x, xData, wIh, B, H);
    if (t !== 0) return [null, dhTensor, null, null, null, null].slice(0, inputs.length);
    giveScratch(dz);
    sink.dz = null;
    sink.hs = [];
    if (!retainGraph && sink.release !== null) {
      sink.release();
      sink.release = null;
    }
    const result = [take(sink, "dx"), dhTensor, take(sink, "dWIh"), take(sink, "dWHh")];
    if (p.biasIh) result.push(take(sink, "dbIh"));
    if (p.biasHh) result.push(take(sink, "dbHh"));
    return result;
  });
}

/**
 * Steps t0..end-1, whose dz fill the sink's buffer: add their share of the gradients of
 * x and of the parameters into the sink's (zeroed on first use) slots.
 */
function chunkGrads(sink: StepSink, t0: number, p: StepParams, x: Tensor, xData: FloatArray, wIh: FloatArray, B: number, H: number): void {
  const dZ = sink.dz!;
  const end = sink.end;
  sink.end = 0;
  const n = (end - t0) * B;
  const I = x.shape[x.ndim - 1];
  // dX = dZ W_ih
  const dx = slot(sink, "dx", x);
  if (dx !== null) kernels.gemm(false, false, n, I, H, dZ, 0, wIh, 0, dx, t0 * B * I, false);
  // dW_ih += dZᵀ X
  const dWIh = slot(sink, "dWIh", p.weightIh);
  if (dWIh !== null) kernels.gemm(true, false, H, I, n, dZ, 0, xData, t0 * B * I, dWIh, 0, true);
  // dW_hh += Σ_t dz_tᵀ h_t: h_t (t ≥ 1) is step t-1's state, one product when those lie
  // back to back in `states` (as the RNN layer lays them out), else one per step
  const dWHh = slot(sink, "dWHh", p.weightHh);
  if (dWHh !== null) {
    const hs = sink.hs;
    const states = sink.states;
    const from = Math.max(t0, 1);
    if (t0 === 0) kernels.gemm(true, false, H, H, B, dZ, 0, hs[0], 0, dWHh, 0, true);
    let packed = states !== null;
    for (let t = from; packed && t < end; t++) packed = isSlice(hs[t], states!, (t - 1) * B * H, B * H);
    if (packed && from < end) kernels.gemm(true, false, H, H, (end - from) * B, dZ, (from - t0) * B * H, states!, (from - 1) * B * H, dWHh, 0, true);
    else for (let t = from; t < end; t++) kernels.gemm(true, false, H, H, B, dZ, (t - t0) * B * H, hs[t], 0, dWHh, 0, true);
  }
  // db_ih = db_hh += Σ_rows dZ = 1ᵀ dZ (as a product: several times faster than a loop here)
  const dbIh = slot(sink, "dbIh", p.biasIh);
  const dbHh = slot(sink, "dbHh", p.biasHh);
  const db = dbIh ?? dbHh;
  if (db === null) return;
  kernels.gemm(false, false, 1, H, n, onesOf(dZ, n), 0, dZ, 0, db, 0, true);
  if (dbIh !== null && dbHh !== null) dbHh.set(dbIh);
}
let ones32 = new Float32Array(0);
let ones64 = new Float64Array(0);

/** At least n ones, of a's type. */
function onesOf(a: FloatArray, n: number): FloatArray {
  if (a instanceof Float32Array) {
    if (ones32.length < n) ones32 = new Float32Array(n).fill(1);
    return ones32;
  }
  if (ones64.length < n) ones64 = new Float64Array(n).fill(1);
  return ones64;
}
