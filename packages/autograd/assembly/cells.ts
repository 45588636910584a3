// The pointwise half of one recurrent step per cell kind (src/kernels/cells.ts has the
// math and the JavaScript version), on v128 lanes: f32x4 or f64x2, generic over T.
//   B rows, H hidden; gx, gh [B, G·H]; h, c, dh, dc [B, H]; saved [B, S·H]; b [G·H] or 0

import { tanhf4 } from "./activations";
import { expd2, expf4 } from "./vmath";

// Every pointer is a byte address in this module's memory, one step's blocks packed; the
// JavaScript side copies them in and out. Each row runs whole vectors, then its tail one
// value at a time through the same formula (so every element rounds alike).
// σ(x) = 1 / (1 + e^-x) with vmath's exp; tanh is tanhf4 in f32 and Math.tanh in f64.

const LANE: usize = 16;

@inline function ld<T>(p: usize, one: bool): v128 {
  return one ? v128.splat<T>(load<T>(p)) : v128.load(p);
}

@inline function st<T>(p: usize, v: v128, one: bool): void {
  if (one) store<T>(p, v128.extract_lane<T>(v, 0));
  else v128.store(p, v);
}

/** The bias block at byte offset `off` of b, or zeros when there is no bias. */
@inline function bias<T>(b: usize, off: usize, one: bool): v128 {
  return b == 0 ? v128.splat<T>(0) : ld<T>(b + off, one);
}

@inline function sigmoidV<T>(x: v128): v128 {
  if (sizeof<T>() == 4) return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expf4(f32x4.neg(x))));
  return f64x2.div(f64x2.splat(1), f64x2.add(f64x2.splat(1), expd2(f64x2.neg(x))));
}

@inline function tanhV<T>(x: v128): v128 {
  if (sizeof<T>() == 4) return tanhf4(x);
  return f64x2.replace_lane(f64x2.splat(Math.tanh(f64x2.extract_lane(x, 0))), 1, Math.tanh(f64x2.extract_lane(x, 1)));
}

@inline function add3<T>(a: v128, b: v128, c: v128): v128 {
  return v128.add<T>(v128.add<T>(a, b), c);
}

/** (1 - y)(1 + y) = 1 - y², exact near |y| = 1. */
@inline function oneMinusSq<T>(y: v128): v128 {
  const one = v128.splat<T>(1);
  return v128.mul<T>(v128.sub<T>(one, y), v128.add<T>(one, y));
}

/** y (1 - y): σ' in terms of σ. */
@inline function sigPrime<T>(y: v128): v128 {
  return v128.mul<T>(y, v128.sub<T>(v128.splat<T>(1), y));
}

// --- vanilla RNN: h' = act(gx + gh + b) ----------------------------------------------------

@inline function rnnForwardAt<T>(h: usize, gx: usize, gh: usize, b: usize, j: usize, relu: bool, one: bool): void {
  const z = add3<T>(ld<T>(gx, one), ld<T>(gh, one), bias<T>(b, j, one));
  st<T>(h, relu ? v128.and(z, v128.gt<T>(z, v128.splat<T>(0))) : tanhV<T>(z), one);
}

function rnnForward<T>(h: usize, gx: usize, gh: usize, b: usize, rows: i32, H: i32, relu: bool): void {
  const S = sizeof<T>();
  const n = <usize>rows * <usize>H * S;
  const Hb = <usize>H * S;
  // rows are back to back and the bias repeats per row: one pass, the bias index wrapping at H
  for (let i: usize = 0; i < n; i += Hb) {
    let j: usize = 0;
    for (; j + LANE <= Hb; j += LANE) rnnForwardAt<T>(h + i + j, gx + i + j, gh + i + j, b, j, relu, false);
    for (; j < Hb; j += S) rnnForwardAt<T>(h + i + j, gx + i + j, gh + i + j, b, j, relu, true);
  }
}

/** dz = (dy + dh) · act'(y). */
@inline function rnnBackwardAt<T>(dz: usize, dh: usize, y: usize, dy: usize, relu: bool, one: bool): void {
  const g = v128.add<T>(ld<T>(dy, one), ld<T>(dh, one));
  const v = ld<T>(y, one);
  st<T>(dz, relu ? v128.and(g, v128.gt<T>(v, v128.splat<T>(0))) : v128.mul<T>(g, oneMinusSq<T>(v)), one);
}

function rnnBackward<T>(dz: usize, dh: usize, y: usize, dy: usize, n: i32, relu: bool): void {
  const S = sizeof<T>();
  const end = <usize>n * S;
  let i: usize = 0;
  for (; i + LANE <= end; i += LANE) rnnBackwardAt<T>(dz + i, dh + i, y + i, dy + i, relu, false);
  for (; i < end; i += S) rnnBackwardAt<T>(dz + i, dh + i, y + i, dy + i, relu, true);
}

// --- GRU, gates r z n; saved [r, z, n, gh_n + b_hn] ------------------------------------------

@inline function gruForwardAt<T>(h: usize, s: usize, gx: usize, gh: usize, b: usize, j: usize, hp: usize, Hb: usize, one: bool): void {
  const r = sigmoidV<T>(add3<T>(ld<T>(gx, one), ld<T>(gh, one), bias<T>(b, j, one)));
  const z = sigmoidV<T>(add3<T>(ld<T>(gx + Hb, one), ld<T>(gh + Hb, one), bias<T>(b, j + Hb, one)));
  const ghn = v128.add<T>(ld<T>(gh + 2 * Hb, one), bias<T>(b, j + 2 * Hb, one));
  const nn = tanhV<T>(v128.add<T>(ld<T>(gx + 2 * Hb, one), v128.mul<T>(r, ghn)));
  st<T>(s, r, one);
  st<T>(s + Hb, z, one);
  st<T>(s + 2 * Hb, nn, one);
  st<T>(s + 3 * Hb, ghn, one);
  // h' = n + z (h - n)
  st<T>(h, v128.add<T>(nn, v128.mul<T>(z, v128.sub<T>(ld<T>(hp, one), nn))), one);
}

function gruForward<T>(h: usize, s: usize, gx: usize, gh: usize, b: usize, hp: usize, rows: i32, H: i32): void {
  const S = sizeof<T>();
  const Hb = <usize>H * S;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const o = h + r * Hb;
    const sv = s + 4 * r * Hb;
    const x = gx + 3 * r * Hb;
    const g = gh + 3 * r * Hb;
    const p = hp + r * Hb;
    let j: usize = 0;
    for (; j + LANE <= Hb; j += LANE) gruForwardAt<T>(o + j, sv + j, x + j, g + j, b, j, p + j, Hb, false);
    for (; j < Hb; j += S) gruForwardAt<T>(o + j, sv + j, x + j, g + j, b, j, p + j, Hb, true);
  }
}

@inline function gruBackwardAt<T>(dgx: usize, dgh: usize, dh: usize, s: usize, hp: usize, dy: usize, Hb: usize, one: bool): void {
  const r = ld<T>(s, one);
  const z = ld<T>(s + Hb, one);
  const nn = ld<T>(s + 2 * Hb, one);
  const ghn = ld<T>(s + 3 * Hb, one);
  const g = v128.add<T>(ld<T>(dy, one), ld<T>(dh, one));
  const dnPre = v128.mul<T>(v128.mul<T>(g, v128.sub<T>(v128.splat<T>(1), z)), oneMinusSq<T>(nn));
  const dzPre = v128.mul<T>(v128.mul<T>(g, v128.sub<T>(ld<T>(hp, one), nn)), sigPrime<T>(z));
  const drPre = v128.mul<T>(v128.mul<T>(dnPre, ghn), sigPrime<T>(r));
  st<T>(dgx, drPre, one);
  st<T>(dgx + Hb, dzPre, one);
  st<T>(dgx + 2 * Hb, dnPre, one);
  st<T>(dgh, drPre, one);
  st<T>(dgh + Hb, dzPre, one);
  st<T>(dgh + 2 * Hb, v128.mul<T>(dnPre, r), one);
  st<T>(dh, v128.mul<T>(g, z), one);
}

function gruBackward<T>(dgx: usize, dgh: usize, dh: usize, s: usize, hp: usize, dy: usize, rows: i32, H: i32): void {
  const S = sizeof<T>();
  const Hb = <usize>H * S;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const x = dgx + 3 * r * Hb;
    const g = dgh + 3 * r * Hb;
    const d = dh + r * Hb;
    const sv = s + 4 * r * Hb;
    const p = hp + r * Hb;
    const y = dy + r * Hb;
    let j: usize = 0;
    for (; j + LANE <= Hb; j += LANE) gruBackwardAt<T>(x + j, g + j, d + j, sv + j, p + j, y + j, Hb, false);
    for (; j < Hb; j += S) gruBackwardAt<T>(x + j, g + j, d + j, sv + j, p + j, y + j, Hb, true);
  }
}

// --- LSTM, gates i f g o; saved [i, f, g, o, tanh c'] ----------------------------------------

@inline function lstmForwardAt<T>(h: usize, c: usize, s: usize, gx: usize, gh: usize, b: usize, j: usize, cp: usize, Hb: usize, one: bool): void {
  const i = sigmoidV<T>(add3<T>(ld<T>(gx, one), ld<T>(gh, one), bias<T>(b, j, one)));
  const f = sigmoidV<T>(add3<T>(ld<T>(gx + Hb, one), ld<T>(gh + Hb, one), bias<T>(b, j + Hb, one)));
  const g = tanhV<T>(add3<T>(ld<T>(gx + 2 * Hb, one), ld<T>(gh + 2 * Hb, one), bias<T>(b, j + 2 * Hb, one)));
  const o = sigmoidV<T>(add3<T>(ld<T>(gx + 3 * Hb, one), ld<T>(gh + 3 * Hb, one), bias<T>(b, j + 3 * Hb, one)));
  const cNew = v128.add<T>(v128.mul<T>(f, ld<T>(cp, one)), v128.mul<T>(i, g));
  const tc = tanhV<T>(cNew);
  st<T>(s, i, one);
  st<T>(s + Hb, f, one);
  st<T>(s + 2 * Hb, g, one);
  st<T>(s + 3 * Hb, o, one);
  st<T>(s + 4 * Hb, tc, one);
  st<T>(c, cNew, one);
  st<T>(h, v128.mul<T>(o, tc), one);
}

function lstmForward<T>(h: usize, c: usize, s: usize, gx: usize, gh: usize, b: usize, cp: usize, rows: i32, H: i32): void {
  const S = sizeof<T>();
  const Hb = <usize>H * S;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const oh = h + r * Hb;
    const oc = c + r * Hb;
    const sv = s + 5 * r * Hb;
    const x = gx + 4 * r * Hb;
    const g = gh + 4 * r * Hb;
    const p = cp + r * Hb;
    let j: usize = 0;
    for (; j + LANE <= Hb; j += LANE) lstmForwardAt<T>(oh + j, oc + j, sv + j, x + j, g + j, b, j, p + j, Hb, false);
    for (; j < Hb; j += S) lstmForwardAt<T>(oh + j, oc + j, sv + j, x + j, g + j, b, j, p + j, Hb, true);
  }
}

@inline function lstmBackwardAt<T>(dgx: usize, dh: usize, dc: usize, s: usize, cp: usize, dy: usize, dcy: usize, Hb: usize, one: bool): void {
  const i = ld<T>(s, one);
  const f = ld<T>(s + Hb, one);
  const g = ld<T>(s + 2 * Hb, one);
  const o = ld<T>(s + 3 * Hb, one);
  const tc = ld<T>(s + 4 * Hb, one);
  const dhT = v128.add<T>(ld<T>(dy, one), ld<T>(dh, one));
  // dc' = dc + dh o (1 - tanh² c')
  const dcNew = add3<T>(ld<T>(dcy, one), ld<T>(dc, one), v128.mul<T>(v128.mul<T>(dhT, o), oneMinusSq<T>(tc)));
  st<T>(dgx, v128.mul<T>(v128.mul<T>(dcNew, g), sigPrime<T>(i)), one);
  st<T>(dgx + Hb, v128.mul<T>(v128.mul<T>(dcNew, ld<T>(cp, one)), sigPrime<T>(f)), one);
  st<T>(dgx + 2 * Hb, v128.mul<T>(v128.mul<T>(dcNew, i), oneMinusSq<T>(g)), one);
  st<T>(dgx + 3 * Hb, v128.mul<T>(v128.mul<T>(dhT, tc), sigPrime<T>(o)), one);
  st<T>(dc, v128.mul<T>(dcNew, f), one);
}

function lstmBackward<T>(dgx: usize, dh: usize, dc: usize, s: usize, cp: usize, dy: usize, dcy: usize, rows: i32, H: i32): void {
  const S = sizeof<T>();
  const Hb = <usize>H * S;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const x = dgx + 4 * r * Hb;
    const d = dh + r * Hb;
    const e = dc + r * Hb;
    const sv = s + 5 * r * Hb;
    const p = cp + r * Hb;
    const y = dy + r * Hb;
    const yc = dcy + r * Hb;
    let j: usize = 0;
    for (; j + LANE <= Hb; j += LANE) lstmBackwardAt<T>(x + j, d + j, e + j, sv + j, p + j, y + j, yc + j, Hb, false);
    for (; j < Hb; j += S) lstmBackwardAt<T>(x + j, d + j, e + j, sv + j, p + j, y + j, yc + j, Hb, true);
  }
}

export function rnnTanhForwardF32(h: usize, gx: usize, gh: usize, b: usize, rows: i32, H: i32): void { rnnForward<f32>(h, gx, gh, b, rows, H, false); }
export function rnnTanhForwardF64(h: usize, gx: usize, gh: usize, b: usize, rows: i32, H: i32): void { rnnForward<f64>(h, gx, gh, b, rows, H, false); }
export function rnnReluForwardF32(h: usize, gx: usize, gh: usize, b: usize, rows: i32, H: i32): void { rnnForward<f32>(h, gx, gh, b, rows, H, true); }
export function rnnReluForwardF64(h: usize, gx: usize, gh: usize, b: usize, rows: i32, H: i32): void { rnnForward<f64>(h, gx, gh, b, rows, H, true); }
export function rnnTanhBackwardF32(dz: usize, dh: usize, y: usize, dy: usize, n: i32): void { rnnBackward<f32>(dz, dh, y, dy, n, false); }
export function rnnTanhBackwardF64(dz: usize, dh: usize, y: usize, dy: usize, n: i32): void { rnnBackward<f64>(dz, dh, y, dy, n, false); }
export function rnnReluBackwardF32(dz: usize, dh: usize, y: usize, dy: usize, n: i32): void { rnnBackward<f32>(dz, dh, y, dy, n, true); }
export function rnnReluBackwardF64(dz: usize, dh: usize, y: usize, dy: usize, n: i32): void { rnnBackward<f64>(dz, dh, y, dy, n, true); }
export function gruForwardF32(h: usize, s: usize, gx: usize, gh: usize, b: usize, hp: usize, rows: i32, H: i32): void { gruForward<f32>(h, s, gx, gh, b, hp, rows, H); }
export function gruForwardF64(h: usize, s: usize, gx: usize, gh: usize, b: usize, hp: usize, rows: i32, H: i32): void { gruForward<f64>(h, s, gx, gh, b, hp, rows, H); }
export function gruBackwardF32(dgx: usize, dgh: usize, dh: usize, s: usize, hp: usize, dy: usize, rows: i32, H: i32): void { gruBackward<f32>(dgx, dgh, dh, s, hp, dy, rows, H); }
export function gruBackwardF64(dgx: usize, dgh: usize, dh: usize, s: usize, hp: usize, dy: usize, rows: i32, H: i32): void { gruBackward<f64>(dgx, dgh, dh, s, hp, dy, rows, H); }
export function lstmForwardF32(h: usize, c: usize, s: usize, gx: usize, gh: usize, b: usize, cp: usize, rows: i32, H: i32): void { lstmForward<f32>(h, c, s, gx, gh, b, cp, rows, H); }
export function lstmForwardF64(h: usize, c: usize, s: usize, gx: usize, gh: usize, b: usize, cp: usize, rows: i32, H: i32): void { lstmForward<f64>(h, c, s, gx, gh, b, cp, rows, H); }
export function lstmBackwardF32(dgx: usize, dh: usize, dc: usize, s: usize, cp: usize, dy: usize, dcy: usize, rows: i32, H: i32): void { lstmBackward<f32>(dgx, dh, dc, s, cp, dy, dcy, rows, H); }
export function lstmBackwardF64(dgx: usize, dh: usize, dc: usize, s: usize, cp: usize, dy: usize, dcy: usize, rows: i32, H: i32): void { lstmBackward<f64>(dgx, dh, dc, s, cp, dy, dcy, rows, H); }
