// One time step of a vanilla RNN over raw row-major buffers, forward and backward,
// so that a faster implementation (WebAssembly) can replace it in one place.
//   B batch, I input size, H hidden size
//   x [B, I] (at xOff), h [B, H] (the previous state, at hOff), hOut [B, H]
//   wIh [H, I], wHh [H, H], bIh [H], bHh [H]
// Row b is active when `lengths` is null or t < lengths[b]; an inactive row carries
// its state unchanged (PyTorch's packed-sequence results).

import type { FloatArray } from "../dtype.js";
import { gemmJs } from "./matmul.js";

/** The sizes and options of one step. */
export interface RnnStepDims {
  batch: number;
  input: number;
  hidden: number;
  relu: boolean;
  /** Valid steps per example (int32 [B]), or null when every row is active. */
  lengths: Int32Array | null;
  /** The time step, compared with `lengths`. */
  t: number;
}

/** hOut = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) on active rows, h on the others. Biases may be null. */
export interface RnnStepForward {
  (
    hOut: FloatArray,
    d: RnnStepDims,
    x: FloatArray,
    xOff: number,
    h: FloatArray,
    hOff: number,
    wIh: FloatArray,
    wHh: FloatArray,
    bIh: FloatArray | null,
    bHh: FloatArray | null,
  ): void;
}

/**
 * Where the backward of one step writes. dx and dh are overwritten; dWIh, dWHh, dbIh
 * and dbHh are accumulated into (+=), since the weights are shared by every step.
 * A null destination is not computed. When `dz` is given, the step's dz [B, H] (zero on
 * inactive rows) is written there at `dzOff`, so that a caller can leave the parameter
 * gradients null and form them for a whole sequence with a few large products.
 */
export interface RnnStepGrads {
  dx: FloatArray | null;
  dxOff: number;
  dh: FloatArray | null;
  dWIh: FloatArray | null;
  dWHh: FloatArray | null;
  dbIh: FloatArray | null;
  dbHh: FloatArray | null;
  dz?: FloatArray | null;
  dzOff?: number;
}

/** Given dout = d(loss)/d(hOut), write the gradients of x, h and the parameters into `grads`. */
export interface RnnStepBackward {
  (
    grads: RnnStepGrads,
    d: RnnStepDims,
    dout: FloatArray,
    hOut: FloatArray,
    x: FloatArray,
    xOff: number,
    h: FloatArray,
    hOff: number,
    wIh: FloatArray,
    wHh: FloatArray,
  ): void;
}

function active(d: RnnStepDims, b: number): boolean {
  return d.lengths === null || d.t < d.lengths[b];
}

export const rnnStepForwardJs: RnnStepForward = (hOut, d, x, xOff, h, hOff, wIh, wHh, bIh, bHh) => {
  const { batch: B, input: I, hidden: H } = d;
  // z = b_ih + b_hh, then z += x W_ihᵀ and z += h W_hhᵀ, in place in hOut
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) hOut[b * H + j] = (bIh === null ? 0 : bIh[j]) + (bHh === null ? 0 : bHh[j]);
  }
  gemmJs(false, true, B, H, I, x, xOff, wIh, 0, hOut, 0, true);
  gemmJs(false, true, B, H, H, h, hOff, wHh, 0, hOut, 0, true);
  for (let b = 0; b < B; b++) {
    const row = b * H;
    if (!active(d, b)) {
      for (let j = 0; j < H; j++) hOut[row + j] = h[hOff + row + j];
    } else if (d.relu) {
      for (let j = 0; j < H; j++) if (!(hOut[row + j] > 0)) hOut[row + j] = 0;
    } else {
      for (let j = 0; j < H; j++) hOut[row + j] = Math.tanh(hOut[row + j]);
    }
  }
};

// The dz buffer is scratch reused across steps: the backward of a long sequence
// would otherwise allocate one per step.
let scratch64 = new Float64Array(0);
let scratch32 = new Float32Array(0);
function scratchLike(a: FloatArray, n: number): FloatArray {
  if (a instanceof Float64Array) {
    if (scratch64.length < n) scratch64 = new Float64Array(n);
    return scratch64;
  }
  if (scratch32.length < n) scratch32 = new Float32Array(n);
  return scratch32;
}

export const rnnStepBackwardJs: RnnStepBackward = (grads, d, dout, hOut, x, xOff, h, hOff, wIh, wHh) => {
  const { batch: B, input: I, hidden: H } = d;
  // dz goes straight to the caller's buffer when it wants it, else to scratch
  const dz = grads.dz ?? scratchLike(dout, B * H);
  const z0 = grads.dz ? (grads.dzOff ?? 0) : 0;
  for (let b = 0; b < B; b++) {
    const row = z0 + b * H;
    if (!active(d, b)) {
      // an inactive row carried h through: it gets no dz
      for (let j = 0; j < H; j++) dz[row + j] = 0;
    } else if (d.relu) {
      // d relu(z) = dout · [h' > 0]
      for (let j = 0; j < H; j++) dz[row + j] = hOut[b * H + j] > 0 ? dout[b * H + j] : 0;
    } else {
      // d tanh(z) = dout · (1 - h'²), factored as (1 - h')(1 + h') to stay exact near |h'| = 1
      for (let j = 0; j < H; j++) {
        const y = hOut[b * H + j];
        dz[row + j] = dout[b * H + j] * ((1 - y) * (1 + y));
      }
    }
  }
  const { dx, dh, dWIh, dWHh, dbIh, dbHh } = grads;
  // dx = dz W_ih
  if (dx !== null) gemmJs(false, false, B, I, H, dz, z0, wIh, 0, dx, grads.dxOff, false);
  if (dh !== null) {
    // dh = dz W_hh on active rows, dout carried through on inactive ones
    gemmJs(false, false, B, H, H, dz, z0, wHh, 0, dh, 0, false);
    for (let b = 0; b < B; b++) {
      if (active(d, b)) continue;
      for (let j = 0; j < H; j++) dh[b * H + j] = dout[b * H + j];
    }
  }
  // dW_ih += dzᵀ x ; dW_hh += dzᵀ h
  if (dWIh !== null) gemmJs(true, false, H, I, B, dz, z0, x, xOff, dWIh, 0, true);
  if (dWHh !== null) gemmJs(true, false, H, H, B, dz, z0, h, hOff, dWHh, 0, true);
  // db_ih += Σ_b dz ; db_hh += Σ_b dz
  for (const db of [dbIh, dbHh]) {
    if (db === null) continue;
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) db[j] += dz[z0 + b * H + j];
  }
};
