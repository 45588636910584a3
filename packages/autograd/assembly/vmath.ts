// exp on SIMD lanes, for tanh and softmax: Cephes' algorithms (Moshier), vectorised, within
// 2 ulp of Math.exp; how it avoids slow instructions and keeps subnormals: PERFORMANCE.md.
//   exp x = 2^n · e^r,  n = round(x / ln 2),  r = x - n ln 2 (ln 2 in two parts, so r is exact)

/** e^x on four float32 lanes. */
@inline export function expf4(x: v128): v128 {
  // Outside [-104, 89] e^x rounds to 0 or +inf in float32 anyway (and still does at the ends).
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(89)), f32x4.splat(-104));
  const magic = f32x4.splat(12582912); // 1.5 · 2^23
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1));
  const k = i32x4.sub(t, magic);
  const k1 = i32x4.shr_s(k, 1);
  const bias = i32x4.splat(127);
  const pow1 = i32x4.shl(i32x4.add(k1, bias), 23);
  const pow2 = i32x4.shl(i32x4.add(i32x4.sub(k, k1), bias), 23);
  return f32x4.mul(f32x4.mul(p, pow1), pow2);
}

/** e^x on two float64 lanes. */
@inline export function expd2(x: v128): v128 {
  // Outside [-746, 710] e^x rounds to 0 or +inf in float64 anyway (and still does at the ends).
  x = f64x2.pmax(f64x2.pmin(x, f64x2.splat(710)), f64x2.splat(-746));
  const magic = f64x2.splat(6755399441055744); // 1.5 · 2^52
  const t = f64x2.add(f64x2.mul(x, f64x2.splat(1.4426950408889634073599)), magic);
  const n = f64x2.sub(t, magic);
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(6.93145751953125e-1)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(1.42860682030941723212e-6)));
  const rr = f64x2.mul(r, r);
  // e^r = 1 + 2 r P(r²) / (Q(r²) - r P(r²))
  let p = f64x2.splat(1.26177193074810590878e-4);
  p = f64x2.add(f64x2.mul(p, rr), f64x2.splat(3.02994407707441961300e-2));
  p = f64x2.add(f64x2.mul(p, rr), f64x2.splat(9.99999999999999999910e-1));
  const px = f64x2.mul(p, r);
  let q = f64x2.splat(3.00198505138664455042e-6);
  q = f64x2.add(f64x2.mul(q, rr), f64x2.splat(2.52448340349684104192e-3));
  q = f64x2.add(f64x2.mul(q, rr), f64x2.splat(2.27265548208155028766e-1));
  q = f64x2.add(f64x2.mul(q, rr), f64x2.splat(2.00000000000000000009e0));
  const e = f64x2.add(f64x2.splat(1), f64x2.mul(f64x2.splat(2), f64x2.div(px, f64x2.sub(q, px))));
  // n/2 rounded the same way, since x86 has no 64-bit arithmetic shift below AVX-512.
  const t1 = f64x2.add(f64x2.mul(n, f64x2.splat(0.5)), magic);
  const k = i64x2.sub(t, magic);
  const k1 = i64x2.sub(t1, magic);
  const bias = i64x2.splat(1023);
  const pow1 = i64x2.shl(i64x2.add(k1, bias), 52);
  const pow2 = i64x2.shl(i64x2.add(i64x2.sub(k, k1), bias), 52);
  return f64x2.mul(f64x2.mul(e, pow1), pow2);
}
