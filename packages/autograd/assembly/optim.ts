// Adam's per-element update (src/kernels/optim.ts has the rule and the JavaScript version):
// every value in float64 (two f64x2 halves of each f32x4), rounded to the stored dtype once
// as it is stored, in the JavaScript version's order, so that both give the same bits.
//   n elements; p, m, v, vMax (0 without amsgrad) updated in place; g read

/** Two elements from p as f64x2 (float32 values widened exactly). */
@inline function loadTwo<T>(p: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(p);
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two elements to p, each rounded once to T. */
@inline function storeTwo<T>(p: usize, x: v128): void {
  if (sizeof<T>() == 8) v128.store(p, x);
  else v128.store64_lane(p, f32x4.demote_f64x2_zero(x), 0);
}

/** One element from p, widened to f64. */
@inline function loadOne<T>(p: usize): f64 {
  return sizeof<T>() == 8 ? load<f64>(p) : <f64>load<f32>(p);
}

/** One element to p, rounded once to T. */
@inline function storeOne<T>(p: usize, x: f64): void {
  if (sizeof<T>() == 8) store<f64>(p, x);
  else store<f32>(p, <f32>x);
}

function adam<T>(p: usize, g: usize, m: usize, v: usize, vMax: usize, n: i32, stepSize: f64, bias2Sqrt: f64, beta1: f64, beta2: f64, eps: f64, shrink: f64, l2: f64, sign: f64): void {
  const S = sizeof<T>();
  const w = 1 - beta1;
  const c2 = 1 - beta2;
  const lowW = w < 0.5;
  const vm = vMax == 0 ? v : vMax;
  const W = f64x2.splat(w), W1 = f64x2.splat(1 - w), B2 = f64x2.splat(beta2), C2 = f64x2.splat(c2);
  const SS = f64x2.splat(stepSize), B2S = f64x2.splat(bias2Sqrt), E = f64x2.splat(eps), SH = f64x2.splat(shrink), L2 = f64x2.splat(l2), SG = f64x2.splat(sign);
  // two elements at a time; each stored value is read back (rounded) where the rule reads it again
  const pairs = n >> 1;
  for (let i = 0; i < pairs; i++) {
    const o = (<usize>i * 2) * S;
    let pv = loadTwo<T>(p + o);
    if (shrink != 1) {
      storeTwo<T>(p + o, f64x2.mul(pv, SH));
      pv = loadTwo<T>(p + o);
    }
    const d = f64x2.add(f64x2.mul(SG, loadTwo<T>(g + o)), f64x2.mul(L2, pv));
    const mv = loadTwo<T>(m + o);
    const diff = f64x2.sub(d, mv);
    storeTwo<T>(m + o, lowW ? f64x2.add(mv, f64x2.mul(W, diff)) : f64x2.sub(d, f64x2.mul(diff, W1)));
    storeTwo<T>(v + o, f64x2.add(f64x2.mul(loadTwo<T>(v + o), B2), f64x2.mul(f64x2.mul(C2, d), d)));
    // amsgrad: vMax = v where v > vMax (pmax keeps vMax for a NaN v, as the comparison does)
    if (vMax != 0) storeTwo<T>(vm + o, f64x2.pmax(loadTwo<T>(vm + o), loadTwo<T>(v + o)));
    const denom = f64x2.add(f64x2.div(f64x2.sqrt(loadTwo<T>(vm + o)), B2S), E);
    storeTwo<T>(p + o, f64x2.sub(pv, f64x2.mul(SS, f64x2.div(loadTwo<T>(m + o), denom))));
  }
  for (let j = pairs * 2; j < n; j++) {
    const o = <usize>j * S;
    if (shrink != 1) storeOne<T>(p + o, loadOne<T>(p + o) * shrink);
    const pj = loadOne<T>(p + o);
    const d = sign * loadOne<T>(g + o) + l2 * pj;
    const mj = loadOne<T>(m + o);
    storeOne<T>(m + o, lowW ? mj + w * (d - mj) : d - (d - mj) * (1 - w));
    storeOne<T>(v + o, loadOne<T>(v + o) * beta2 + c2 * d * d);
    if (vMax != 0 && loadOne<T>(v + o) > loadOne<T>(vm + o)) storeOne<T>(vm + o, loadOne<T>(v + o));
    storeOne<T>(p + o, pj - stepSize * (loadOne<T>(m + o) / (Math.sqrt(loadOne<T>(vm + o)) / bias2Sqrt + eps)));
  }
}

export function adamF32(p: usize, g: usize, m: usize, v: usize, vMax: usize, n: i32, stepSize: f64, bias2Sqrt: f64, beta1: f64, beta2: f64, eps: f64, shrink: f64, l2: f64, sign: f64): void {
  adam<f32>(p, g, m, v, vMax, n, stepSize, bias2Sqrt, beta1, beta2, eps, shrink, l2, sign);
}
export function adamF64(p: usize, g: usize, m: usize, v: usize, vMax: usize, n: i32, stepSize: f64, bias2Sqrt: f64, beta1: f64, beta2: f64, eps: f64, shrink: f64, l2: f64, sign: f64): void {
  adam<f64>(p, g, m, v, vMax, n, stepSize, bias2Sqrt, beta1, beta2, eps, shrink, l2, sign);
}
