// The exp-heavy half of the fused softmax-cross-entropy forward (the JavaScript side turns
// these into losses): for each row of logits x [rows, cols],
//   m = max_c x_c,  exps_c = exp(x_c - m),  s = Σ_c exps_c
// with exps in the logits' precision and m, s in float64 (rowMax, rowSum [rows]).

import { expd2, expf4 } from "./vmath";

const LANE_BYTES: usize = 16;

// Row maxima use pmax, `a < b ? b : a`: one instruction, and like the JavaScript loop
// (`if (x > m) m = x`) it never takes a NaN, where max would return it.

/** Horizontal pmax of the lanes of v. */
@inline function hmax<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    v = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    v = f32x4.pmax(v, v128.shuffle<f32>(v, v, 1, 0, 3, 2));
    return <T>f32x4.extract_lane(v, 0);
  }
  return <T>f64x2.extract_lane(f64x2.pmax(v, v128.shuffle<f64>(v, v, 1, 0)), 0);
}

@inline function expv<T>(v: v128): v128 {
  return sizeof<T>() == 4 ? expf4(v) : expd2(v);
}

/** Adds the lanes of v (float32 lanes widened to float64) to the float64 accumulator. */
@inline function accumulate<T>(acc: v128, v: v128): v128 {
  if (sizeof<T>() == 4) {
    acc = f64x2.add(acc, f64x2.promote_low_f32x4(v));
    return f64x2.add(acc, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  return f64x2.add(acc, v);
}

function softmaxRows<T>(x: usize, exps: usize, rowMax: usize, rowSum: usize, rows: i32, cols: i32): void {
  const S = sizeof<T>();
  const rowBytes = <usize>cols * S;
  const vecEnd = rowBytes & ~(LANE_BYTES - 1);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const er = exps + <usize>r * rowBytes;
    let mv = v128.splat<T>(<T>-Infinity);
    for (let j: usize = 0; j < vecEnd; j += LANE_BYTES) mv = v128.pmax<T>(mv, v128.load(xr + j));
    let m = hmax<T>(mv);
    for (let j = vecEnd; j < rowBytes; j += S) {
      const v = load<T>(xr + j);
      if (v > m) m = v;
    }
    const ms = v128.splat<T>(m);
    let sv = f64x2.splat(0);
    for (let j: usize = 0; j < vecEnd; j += LANE_BYTES) {
      const e = expv<T>(v128.sub<T>(v128.load(xr + j), ms));
      v128.store(er + j, e);
      sv = accumulate<T>(sv, e);
    }
    let s = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
    // The tail through the same vector exp, one value at a time, so every element rounds alike.
    for (let j = vecEnd; j < rowBytes; j += S) {
      const e = v128.extract_lane<T>(expv<T>(v128.splat<T>(load<T>(xr + j) - m)), 0);
      store<T>(er + j, e);
      s += <f64>e;
    }
    store<f64>(rowMax + (<usize>r << 3), <f64>m);
    store<f64>(rowSum + (<usize>r << 3), s);
  }
}

/** Row max, exp(x - max) and the row sums of exps, float32 logits. */
export function softmaxRowsF32(x: usize, exps: usize, rowMax: usize, rowSum: usize, rows: i32, cols: i32): void {
  softmaxRows<f32>(x, exps, rowMax, rowSum, rows, cols);
}

/** Row max, exp(x - max) and the row sums of exps, float64 logits. */
export function softmaxRowsF64(x: usize, exps: usize, rowMax: usize, rowSum: usize, rows: i32, cols: i32): void {
  softmaxRows<f64>(x, exps, rowMax, rowSum, rows, cols);
}

/** e^x elementwise, n values (for testing the vector exp against Math.exp). */
export function expF32(x: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  let p = x;
  for (; p + LANE_BYTES <= end; p += LANE_BYTES) v128.store(p, expf4(v128.load(p)));
  for (; p < end; p += 4) store<f32>(p, f32x4.extract_lane(expf4(f32x4.splat(load<f32>(p))), 0));
}

/** e^x elementwise, n values (for testing the vector exp against Math.exp). */
export function expF64(x: usize, n: i32): void {
  const end = x + (<usize>n << 3);
  let p = x;
  for (; p + LANE_BYTES <= end; p += LANE_BYTES) v128.store(p, expd2(v128.load(p)));
  for (; p < end; p += 8) store<f64>(p, f64x2.extract_lane(expd2(f64x2.splat(load<f64>(p))), 0));
}
