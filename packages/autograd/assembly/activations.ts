// tanh on SIMD lanes for the recurrent cells (cells.ts), and in place over n values: float32
// a rational approximation (within 7 ulp of Math.tanh, ~10x faster), float64 AssemblyScript's
// Math.tanh (musl's libm, < 1 ulp), so float64 results match the JavaScript kernels.

const LANE_BYTES: usize = 16;

// --- float32 tanh ---------------------------------------------------------------------
// tanh x ≈ x P(x²) / Q(x²), P of degree 6 and Q of degree 3 in x², on x clamped to
// ±7.9053111 where the ratio reaches 1 in float32 (Eigen's and XLA's minimax fit);
// |x| < 0.0004 returns x itself, which tanh rounds to there. One division, no exp:
// 2.5x faster than 1 - 2/(e^2x + 1) with a polynomial near 0 (1.3 ulp), for 7 ulp.

@inline export function tanhf4(x: v128): v128 {
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
