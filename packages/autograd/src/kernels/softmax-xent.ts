// Fused, stable softmax-cross-entropy over raw row-major buffers, forward and backward.
//   N rows (examples, or B·T time steps), C classes: logits [N, C], loss [N];
//   target [N] int32 class indices, or soft [N, C] probabilities; weight [C]; rowWeight [N]

import type { FloatArray } from "../dtype.js";

// Row r's target distribution q (PyTorch's F.cross_entropy), ε the label smoothing:
//   class index y:    q_c = (1 - ε) w_y [c = y] + (ε / C) w_c
//   probabilities t:  q_c = w_c ((1 - ε) t_c + ε / C)
//   loss_r = ρ_r · -Σ_c q_c log softmax(x)_c,   d loss_r / d x = ρ_r ((Σ_c q_c) softmax(x) - q)
// with ρ_r the row's weight. Which rows count is the losses' business (ignore indices,
// lengths): they pass ρ_r = 0 for a row that does not, and its target is never read.
// log softmax(x)_c = (x_c - m) - log Σ_j exp(x_j - m) with m the row max, so logits of
// ±10,000 stay finite. Saved for backward: exps = exp(x - m) [N, C], m and Σ_c exps [N].

/** What the rows are compared with, and how much each row counts. */
export interface SoftmaxXentSpec {
  rows: number;
  classes: number;
  /** Class index per row (int32 [N]), or null when `soft` is given. */
  target: Int32Array | null;
  /** Target probabilities [N, C], or null when `target` is given. */
  soft: FloatArray | null;
  /** Per-class weights [C], or null for all ones. */
  weight: FloatArray | null;
  /** Per-row weights [N] (a row of weight 0 is skipped: loss 0, gradient 0), or null for all ones. */
  rowWeight: Float64Array | null;
  /** ε in [0, 1]: the share of each target spread uniformly over the classes. */
  labelSmoothing: number;
}

/** What forward keeps for backward; backward may overwrite `exps` with d logits. */
export interface SoftmaxXentSaved {
  /** exp(x - m) [N, C]: the softmax before each row is divided by its sum. */
  exps: FloatArray;
  /** m, the row max [N]. */
  rowMax: Float64Array;
  /** Σ_c exp(x_c - m) [N]. */
  rowSum: Float64Array;
}

/** Per-row losses into `loss` [N]; what backward needs into `saved` when it is not null. */
export interface SoftmaxXentForward {
  (loss: FloatArray, saved: SoftmaxXentSaved | null, logits: FloatArray, s: SoftmaxXentSpec): void;
}

/**
 * d(loss)/d(logits) into `dlogits` [N, C] (which may be `saved.exps` itself: each
 * element is read before it is written), and d(loss)/d(soft) into `dsoft` when it is
 * not null. Row r is scaled by rowScale[floor(r / rowsPerScale)]: one scale per group
 * of rows (rowsPerScale 1 for `reduction: "none"`, N for one mean over all rows).
 */
export interface SoftmaxXentBackward {
  (
    dlogits: FloatArray,
    dsoft: FloatArray | null,
    saved: SoftmaxXentSaved,
    logits: FloatArray,
    rowScale: FloatArray,
    rowsPerScale: number,
    s: SoftmaxXentSpec,
  ): void;
}

// exp(v) for v <= 0 (the shifted logits), within about 2 ulp of Math.exp and about
// twice as fast; this kernel calls it N·C times. Tang's table method:
//   v = k ln2 / 256 + r, |r| <= ln2 / 512;  exp(v) = 2^(k >> 8) · 2^((k & 255) / 256) · exp(r)
// with exp(r) a degree-4 Taylor polynomial (truncation error below r^5 / 120 < 4e-17).
// Below -700 (and for NaN) it defers to Math.exp, which handles underflow.
const EXP_BITS = 8;
const EXP_N = 1 << EXP_BITS;
const LN2_HI = 6.93147180369123816490e-1 / EXP_N;
const LN2_LO = 1.90821492927058770002e-10 / EXP_N;
const INV_STEP = EXP_N / Math.LN2;
const FRACTION = Float64Array.from({ length: EXP_N }, (_, j) => 2 ** (j / EXP_N));
const POW2_BIAS = 1075;
const POW2 = Float64Array.from({ length: POW2_BIAS + 1 }, (_, i) => 2 ** (i - POW2_BIAS));

function expNonPositive(v: number): number {
  if (!(v > -700)) return Math.exp(v);
  // (v / step - 0.5) | 0 rounds v / step to the nearest integer for v <= 0
  const k = (v * INV_STEP - 0.5) | 0;
  const r = v - k * LN2_HI - k * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))));
  return FRACTION[k & (EXP_N - 1)] * p * POW2[(k >> EXP_BITS) + POW2_BIAS];
}

function rowWeight(s: SoftmaxXentSpec, r: number): number {
  return s.rowWeight === null ? 1 : s.rowWeight[r];
}

function weightSum(s: SoftmaxXentSpec): number {
  if (s.weight === null) return s.classes;
  let sum = 0;
  for (let j = 0; j < s.classes; j++) sum += s.weight[j];
  return sum;
}

function rowMax(x: FloatArray, off: number, c: number): number {
  let m = -Infinity;
  for (let j = 0; j < c; j++) if (x[off + j] > m) m = x[off + j];
  return m;
}

export const softmaxXentForwardJs: SoftmaxXentForward = (loss, saved, logits, s) => {
  const { rows: n, classes: c } = s;
  const exps = saved === null ? null : saved.exps;
  const maxes = saved === null ? new Float64Array(n) : saved.rowMax;
  const sums = saved === null ? new Float64Array(n) : saved.rowSum;
  for (let r = 0; r < n; r++) {
    if (rowWeight(s, r) === 0) continue;
    const off = r * c;
    const m = rowMax(logits, off, c);
    let sum = 0;
    if (exps === null) {
      for (let j = 0; j < c; j++) sum += expNonPositive(logits[off + j] - m);
    } else {
      for (let j = 0; j < c; j++) {
        const e = expNonPositive(logits[off + j] - m);
        exps[off + j] = e;
        sum += e;
      }
    }
    maxes[r] = m;
    sums[r] = sum;
  }
  rowLosses(loss, logits, maxes, sums, s);
};

/**
 * Per-row losses from each row's max m and sum s = Σ_c exp(x_c - m): one log and O(1)
 * work per row (O(C) with label smoothing or soft targets). Shared by every forward
 * kernel, whichever computed m and s.
 */
export function rowLosses(loss: FloatArray, logits: FloatArray, maxes: Float64Array, sums: Float64Array, s: SoftmaxXentSpec): void {
  const { rows: n, classes: c, target, soft, weight } = s;
  const keep = 1 - s.labelSmoothing;
  const spread = s.labelSmoothing / c;
  const wSum = weightSum(s);
  for (let r = 0; r < n; r++) {
    const rho = rowWeight(s, r);
    if (rho === 0) {
      loss[r] = 0;
      continue;
    }
    const off = r * c;
    const m = maxes[r];
    const logSum = Math.log(sums[r]);
    if (target !== null) {
      // -Σ q log p = (1 - ε) w_y (log s - (x_y - m)) + (ε / C) (Σw · log s - Σ_c w_c (x_c - m))
      const y = target[r];
      const wy = weight === null ? 1 : weight[y];
      let l = keep * wy * (logSum - (logits[off + y] - m));
      if (spread !== 0) {
        let shifted = 0;
        if (weight === null) for (let j = 0; j < c; j++) shifted += logits[off + j] - m;
        else for (let j = 0; j < c; j++) shifted += weight[j] * (logits[off + j] - m);
        l += spread * (wSum * logSum - shifted);
      }
      loss[r] = rho * l;
    } else {
      // -Σ q log p with q_c = w_c ((1 - ε) t_c + ε / C)
      const t = soft as FloatArray;
      let l = 0;
      for (let j = 0; j < c; j++) {
        const q = (keep * t[off + j] + spread) * (weight === null ? 1 : weight[j]);
        l += q * (logSum - (logits[off + j] - m));
      }
      loss[r] = rho * l;
    }
  }
}

export const softmaxXentBackwardJs: SoftmaxXentBackward = (dlogits, dsoft, saved, logits, rowScale, rowsPerScale, s) => {
  const { rows: n, classes: c, target, soft, weight } = s;
  const { exps, rowMax: maxes, rowSum: sums } = saved;
  const keep = 1 - s.labelSmoothing;
  const spread = s.labelSmoothing / c;
  const wSum = weightSum(s);
  for (let r = 0; r < n; r++) {
    const off = r * c;
    const rho = rowWeight(s, r);
    if (rho === 0) {
      dlogits.fill(0, off, off + c);
      if (dsoft !== null) dsoft.fill(0, off, off + c);
      continue;
    }
    const sc = rho * rowScale[(r / rowsPerScale) | 0];
    // softmax_c = exps_c / rowSum: the division folds into each row's factor
    const inv = 1 / sums[r];
    if (target !== null) {
      // dx = sc (Σq · p - q), Σq = (1 - ε) w_y + (ε / C) Σw
      const y = target[r];
      const wy = weight === null ? 1 : weight[y];
      const a = sc * (keep * wy + spread * wSum) * inv;
      const b = sc * spread;
      // The target class in one expression, so float32 rounds once (p near 1 there).
      const atY = a * exps[off + y] - b * wy - sc * keep * wy;
      if (b === 0) for (let j = 0; j < c; j++) dlogits[off + j] = a * exps[off + j];
      else if (weight === null) for (let j = 0; j < c; j++) dlogits[off + j] = a * exps[off + j] - b;
      else for (let j = 0; j < c; j++) dlogits[off + j] = a * exps[off + j] - b * weight[j];
      dlogits[off + y] = atY;
      continue;
    }
    const t = soft as FloatArray;
    let qSum = 0;
    for (let j = 0; j < c; j++) qSum += (keep * t[off + j] + spread) * (weight === null ? 1 : weight[j]);
    const a = sc * qSum * inv;
    if (dsoft !== null) {
      // d loss / d t_c = -(1 - ε) w_c log p_c, log p_c = x_c - m - log s
      const m = maxes[r];
      const logSum = Math.log(sums[r]);
      for (let j = 0; j < c; j++) dsoft[off + j] = -sc * keep * (weight === null ? 1 : weight[j]) * (logits[off + j] - m - logSum);
    }
    // dx = sc (Σq · p - q)
    for (let j = 0; j < c; j++) {
      const q = (keep * t[off + j] + spread) * (weight === null ? 1 : weight[j]);
      dlogits[off + j] = a * exps[off + j] - sc * q;
    }
  }
};
