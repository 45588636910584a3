// The pointwise half of one recurrent time step, forward and backward, per cell kind
// (the products x W_ihᵀ, h W_hhᵀ and the weight gradients are gemms in the driver).
//   B batch, H hidden, G gates per cell (RNN 1, GRU 3, LSTM 4), S saved blocks (RNN 0, GRU 4, LSTM 5)
//   gx [T, B, G·H], gh [B, G·H], h and c [T+1, B, H] (slot `from` the previous state, `to` the new)
//   GRU (gates r, z, n):  r = σ(gx_r + gh_r + b_hr), z = σ(…), n = tanh(gx_n + r ⊙ (gh_n + b_hn)), h' = (1 − z) n + z h
//   LSTM (gates i, f, g, o): c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c')

import type { FloatArray } from "../dtype.js";

/**
 * The buffers of one layer and direction over a whole sequence, which a driver fills and
 * the step kernels read and write at step t (offsets t·B·G·H etc.).
 */
export interface CellBuffers {
  batch: number;
  hidden: number;
  /** [T, B, G·H]: x W_ihᵀ + b_ih; the backward overwrites step t with d(gates) for W_ih and x. */
  gx: FloatArray;
  /** [B, G·H]: h W_hhᵀ of the running step, without bias (forward scratch). */
  gh: FloatArray;
  /** [G·H] or null. */
  bHh: FloatArray | null;
  /** [T+1, B, H]: the hidden states. */
  h: FloatArray;
  /** [T+1, B, H]: the LSTM cell states (null for the other cells). */
  c: FloatArray | null;
  /** [T, B, S·H]: what the backward reads (post-activation gates). */
  saved: FloatArray;
  /** [T, B, G·H]: d(gates) for W_hh; the same buffer as gx when they are equal (RNN, LSTM). */
  dgh: FloatArray;
  /** [B, H]: in, d h_to from the later steps; out (GRU only), the part of d h_from that bypasses W_hh. */
  dh: FloatArray;
  /** [B, H]: in, d c_to from the later steps; out, d c_from (LSTM only). */
  dc: FloatArray | null;
  /** [T+1, B, H]: the gradient flowing into each state from outside the recurrence. */
  dhOut: FloatArray;
  /** [T+1, B, H]: the same for the cell states (LSTM only). */
  dcOut: FloatArray | null;
}

/** One step t from state slot `from` to slot `to`: writes h[to] (and c[to]) and saved[t]. */
export type CellForward = (s: CellBuffers, t: number, from: number, to: number) => void;
/**
 * The step's backward: writes gx[t] (= d gates for W_ih) and dgh[t], and dc for the LSTM.
 * The GRU also overwrites dh with h's direct path (dh ⊙ z); the RNN and the LSTM have
 * none and leave dh as it was (the driver's dh = dgh W_hh then overwrites it).
 */
export type CellBackward = (s: CellBuffers, t: number, from: number, to: number) => void;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function rnnForward(s: CellBuffers, t: number, to: number, relu: boolean): void {
  const { batch: B, hidden: H, gx, gh, bHh, h } = s;
  const n = B * H;
  const x0 = t * n;
  const o0 = to * n;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const k = b * H + j;
      const z = gx[x0 + k] + gh[k] + (bHh === null ? 0 : bHh[j]);
      h[o0 + k] = relu ? (z > 0 ? z : 0) : Math.tanh(z);
    }
  }
}

function rnnBackward(s: CellBuffers, t: number, to: number, relu: boolean): void {
  const { batch: B, hidden: H, gx, h, dh, dhOut } = s;
  const n = B * H;
  const x0 = t * n;
  const o0 = to * n;
  for (let k = 0; k < n; k++) {
    const y = h[o0 + k];
    const g = dhOut[o0 + k] + dh[k];
    // d tanh = 1 - y², as (1 - y)(1 + y) to stay exact near |y| = 1; d relu = [y > 0]
    gx[x0 + k] = relu ? (y > 0 ? g : 0) : g * ((1 - y) * (1 + y));
  }
}

export const rnnTanhForwardJs: CellForward = (s, t, _from, to) => rnnForward(s, t, to, false);
export const rnnReluForwardJs: CellForward = (s, t, _from, to) => rnnForward(s, t, to, true);
export const rnnTanhBackwardJs: CellBackward = (s, t, _from, to) => rnnBackward(s, t, to, false);
export const rnnReluBackwardJs: CellBackward = (s, t, _from, to) => rnnBackward(s, t, to, true);

/** GRU: saved per row [r, z, n, gh_n + b_hn]. */
export const gruForwardJs: CellForward = (s, t, from, to) => {
  const { batch: B, hidden: H, gx, gh, bHh, h, saved } = s;
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const x0 = (t * B + b) * G;
    const g0 = b * G;
    const s0 = (t * B + b) * 4 * H;
    const p0 = (from * B + b) * H;
    const o0 = (to * B + b) * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gx[x0 + j] + gh[g0 + j] + (bHh === null ? 0 : bHh[j]));
      const z = sigmoid(gx[x0 + H + j] + gh[g0 + H + j] + (bHh === null ? 0 : bHh[H + j]));
      const ghn = gh[g0 + 2 * H + j] + (bHh === null ? 0 : bHh[2 * H + j]);
      const n = Math.tanh(gx[x0 + 2 * H + j] + r * ghn);
      saved[s0 + j] = r;
      saved[s0 + H + j] = z;
      saved[s0 + 2 * H + j] = n;
      saved[s0 + 3 * H + j] = ghn;
      h[o0 + j] = n + z * (h[p0 + j] - n);
    }
  }
};

export const gruBackwardJs: CellBackward = (s, t, from, to) => {
  const { batch: B, hidden: H, gx, dgh, h, saved, dh, dhOut } = s;
  const G = 3 * H;
  for (let b = 0; b < B; b++) {
    const x0 = (t * B + b) * G;
    const s0 = (t * B + b) * 4 * H;
    const p0 = (from * B + b) * H;
    const o0 = (to * B + b) * H;
    for (let j = 0; j < H; j++) {
      const r = saved[s0 + j];
      const z = saved[s0 + H + j];
      const n = saved[s0 + 2 * H + j];
      const ghn = saved[s0 + 3 * H + j];
      const g = dhOut[o0 + j] + dh[b * H + j];
      // h' = n + z (h - n): dn = g (1 - z), dz = g (h - n), dh = g z (+ the W_hh part)
      const dnPre = g * (1 - z) * ((1 - n) * (1 + n));
      const dzPre = g * (h[p0 + j] - n) * z * (1 - z);
      const drPre = dnPre * ghn * r * (1 - r);
      gx[x0 + j] = drPre;
      gx[x0 + H + j] = dzPre;
      gx[x0 + 2 * H + j] = dnPre;
      dgh[x0 + j] = drPre;
      dgh[x0 + H + j] = dzPre;
      dgh[x0 + 2 * H + j] = dnPre * r;
      dh[b * H + j] = g * z;
    }
  }
};

/** LSTM: saved per row [i, f, g, o, tanh c']. */
export const lstmForwardJs: CellForward = (s, t, from, to) => {
  const { batch: B, hidden: H, gx, gh, bHh, h, saved } = s;
  const c = s.c!;
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const x0 = (t * B + b) * G;
    const g0 = b * G;
    const s0 = (t * B + b) * 5 * H;
    const p0 = (from * B + b) * H;
    const o0 = (to * B + b) * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gx[x0 + j] + gh[g0 + j] + (bHh === null ? 0 : bHh[j]));
      const f = sigmoid(gx[x0 + H + j] + gh[g0 + H + j] + (bHh === null ? 0 : bHh[H + j]));
      const gg = Math.tanh(gx[x0 + 2 * H + j] + gh[g0 + 2 * H + j] + (bHh === null ? 0 : bHh[2 * H + j]));
      const o = sigmoid(gx[x0 + 3 * H + j] + gh[g0 + 3 * H + j] + (bHh === null ? 0 : bHh[3 * H + j]));
      const cNew = f * c[p0 + j] + i * gg;
      const tc = Math.tanh(cNew);
      saved[s0 + j] = i;
      saved[s0 + H + j] = f;
      saved[s0 + 2 * H + j] = gg;
      saved[s0 + 3 * H + j] = o;
      saved[s0 + 4 * H + j] = tc;
      c[o0 + j] = cNew;
      h[o0 + j] = o * tc;
    }
  }
};

export const lstmBackwardJs: CellBackward = (s, t, from, to) => {
  const { batch: B, hidden: H, gx, saved, dh, dhOut } = s;
  const c = s.c!;
  const dc = s.dc!;
  const dcOut = s.dcOut!;
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const x0 = (t * B + b) * G;
    const s0 = (t * B + b) * 5 * H;
    const p0 = (from * B + b) * H;
    const o0 = (to * B + b) * H;
    for (let j = 0; j < H; j++) {
      const i = saved[s0 + j];
      const f = saved[s0 + H + j];
      const gg = saved[s0 + 2 * H + j];
      const o = saved[s0 + 3 * H + j];
      const tc = saved[s0 + 4 * H + j];
      const k = b * H + j;
      const g = dhOut[o0 + j] + dh[k];
      // h' = o tanh(c'): dc' = dc + g o (1 - tanh² c'); c' = f c + i g
      const dcNew = dcOut[o0 + j] + dc[k] + g * o * ((1 - tc) * (1 + tc));
      gx[x0 + j] = dcNew * gg * i * (1 - i);
      gx[x0 + H + j] = dcNew * c[p0 + j] * f * (1 - f);
      gx[x0 + 2 * H + j] = dcNew * i * ((1 - gg) * (1 + gg));
      gx[x0 + 3 * H + j] = g * tc * o * (1 - o);
      dc[k] = dcNew * f;
    }
  }
};
