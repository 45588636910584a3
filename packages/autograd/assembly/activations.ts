// Elementwise pieces of the fused RNN step, in place on wasm memory, f32 (f32x4) and f64.
//   z, y, dz, dout: n elements; rows × cols when a bias row or column sums are involved.
// float32 tanh is a SIMD rational approximation (within 7 ulp, 4e-7 relative, of Math.tanh,
// checked in the tests), ~10x faster than Math.tanh; float64 tanh is AssemblyScript's
// Math.tanh (musl's libm, < 1 ulp), so float64 results match the JavaScript kernels.

const LANE_BYTES: usize = 16;

// --- float32 tanh ---------------------------------------------------------------------
// tanh x ≈ x P(x²) / Q(x²), P of degree 6 and Q of degree 3 in x², on x clamped to
// ±7.9053111 where the ratio reaches 1 in float32 (Eigen's and XLA's minimax fit);
// |x| < 0.0004 returns x itself, which tanh rounds to there. One division, no exp:
// 2.5x faster than 1 - 2/(e^2x + 1) with a polynomial near 0 (1.3 ulp), for 7 ulp.

@inline function tanhf4(x: v128): v128 {
  const c = f32x4.pmax(f32x4.pmin(x, f32x4.splat(7.90531110763549805)), f32x4.splat(-7.90531110763549805));
  const x2 = f32x4.mul(c, c);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-3));
  p = f32x4.mul(p, c);
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-3));
  const r = f32x4.div(p, q);
  return v128.bitselect(x, r, f32x4.lt(f32x4.abs(x), f32x4.splat(0.0004)));
}

/** z = tanh(z) in place, n float32 values. */
export function tanhF32(z: usize, n: i32): void {
  const end = z + (<usize>n << 2);
  let p = z;
  for (; p + LANE_BYTES <= end; p += LANE_BYTES) v128.store(p, tanhf4(v128.load(p)));
  // The tail one value at a time through the same formula, so every element rounds alike.
  for (; p < end; p += 4) store<f32>(p, f32x4.extract_lane(tanhf4(f32x4.splat(load<f32>(p))), 0));
}

/** z = tanh(z) in place, n float64 values. */
export function tanhF64(z: usize, n: i32): void {
  const end = z + (<usize>n << 3);
  for (let p = z; p < end; p += 8) store<f64>(p, Math.tanh(load<f64>(p)));
}

// --- relu and the backward rules --------------------------------------------------------

/** z = z > 0 ? z : 0 in place (NaN becomes 0, as in the JavaScript kernel). */
function reluInPlace<T>(z: usize, n: i32): void {
  const S = sizeof<T>();
  const end = z + <usize>n * S;
  const zero = v128.splat<T>(0);
  let p = z;
  for (; p + LANE_BYTES <= end; p += LANE_BYTES) {
    const v = v128.load(p);
    v128.store(p, v128.and(v, v128.gt<T>(v, zero)));
  }
  for (; p < end; p += S) {
    const v = load<T>(p);
    store<T>(p, v > 0 ? v : 0);
  }
}

/** d tanh(z) = dout · (1 - y²), y = tanh(z): dz = dout (1 - y y). */
function tanhBackward<T>(dz: usize, dout: usize, y: usize, n: i32): void {
  const S = sizeof<T>();
  const bytes = <usize>n * S;
  const one = v128.splat<T>(1);
  let i: usize = 0;
  for (; i + LANE_BYTES <= bytes; i += LANE_BYTES) {
    const v = v128.load(y + i);
    v128.store(dz + i, v128.mul<T>(v128.load(dout + i), v128.sub<T>(one, v128.mul<T>(v, v))));
  }
  for (; i < bytes; i += S) {
    const v = load<T>(y + i);
    store<T>(dz + i, load<T>(dout + i) * (1 - v * v));
  }
}

/** d relu(z) = dout · [y > 0]. */
function reluBackward<T>(dz: usize, dout: usize, y: usize, n: i32): void {
  const S = sizeof<T>();
  const bytes = <usize>n * S;
  const zero = v128.splat<T>(0);
  let i: usize = 0;
  for (; i + LANE_BYTES <= bytes; i += LANE_BYTES) {
    v128.store(dz + i, v128.and(v128.load(dout + i), v128.gt<T>(v128.load(y + i), zero)));
  }
  for (; i < bytes; i += S) store<T>(dz + i, load<T>(y + i) > 0 ? load<T>(dout + i) : 0);
}

/** z[r, :] = b1 + b2 for every row (b1, b2: cols values, or 0 for none). */
function biasRows<T>(z: usize, rows: i32, cols: i32, b1: usize, b2: usize): void {
  const S = sizeof<T>();
  const rowBytes = <usize>cols * S;
  // Row 0 gets the sum; the other rows copy it.
  for (let j: usize = 0; j < rowBytes; j += S) {
    store<T>(z + j, (b1 == 0 ? 0 : load<T>(b1 + j)) + (b2 == 0 ? 0 : load<T>(b2 + j)));
  }
  for (let r = 1; r < rows; r++) memory.copy(z + <usize>r * rowBytes, z, rowBytes);
}

/** db[j] += Σ_r dz[r, j]. */
function addColumnSums<T>(db: usize, dz: usize, rows: i32, cols: i32): void {
  const S = sizeof<T>();
  const rowBytes = <usize>cols * S;
  let j: usize = 0;
  for (; j + LANE_BYTES <= rowBytes; j += LANE_BYTES) {
    let s = v128.load(db + j);
    for (let r = 0; r < rows; r++) s = v128.add<T>(s, v128.load(dz + <usize>r * rowBytes + j));
    v128.store(db + j, s);
  }
  for (; j < rowBytes; j += S) {
    let s = load<T>(db + j);
    for (let r = 0; r < rows; r++) s += load<T>(dz + <usize>r * rowBytes + j);
    store<T>(db + j, s);
  }
}

export function reluF32(z: usize, n: i32): void { reluInPlace<f32>(z, n); }
export function reluF64(z: usize, n: i32): void { reluInPlace<f64>(z, n); }
export function tanhBackwardF32(dz: usize, dout: usize, y: usize, n: i32): void { tanhBackward<f32>(dz, dout, y, n); }
export function tanhBackwardF64(dz: usize, dout: usize, y: usize, n: i32): void { tanhBackward<f64>(dz, dout, y, n); }
export function reluBackwardF32(dz: usize, dout: usize, y: usize, n: i32): void { reluBackward<f32>(dz, dout, y, n); }
export function reluBackwardF64(dz: usize, dout: usize, y: usize, n: i32): void { reluBackward<f64>(dz, dout, y, n); }
export function biasRowsF32(z: usize, rows: i32, cols: i32, b1: usize, b2: usize): void { biasRows<f32>(z, rows, cols, b1, b2); }
export function biasRowsF64(z: usize, rows: i32, cols: i32, b1: usize, b2: usize): void { biasRows<f64>(z, rows, cols, b1, b2); }
export function addColumnSumsF32(db: usize, dz: usize, rows: i32, cols: i32): void { addColumnSums<f32>(db, dz, rows, cols); }
export function addColumnSumsF64(db: usize, dz: usize, rows: i32, cols: i32): void { addColumnSums<f64>(db, dz, rows, cols); }
