// Fused, stable softmax-cross-entropy over raw row-major buffers, forward and backward,
// so that a faster implementation (WebAssembly) can replace it in one place.
//   N rows (examples, or B·T time steps), C classes
//   logits [N, C], probs [N, C] (the softmax, saved by forward for backward), loss [N]
//   target [N] int32 class indices, or soft [N, C] probabilities; weight [C]
// Each row's target distribution q, with ε the label smoothing and w the class weights
// (PyTorch's F.cross_entropy):
//   class index y:    q_c = (1 - ε) w_y [c = y] + (ε / C) w_c
//   probabilities t:  q_c = w_c ((1 - ε) t_c + ε / C)
//   loss = -Σ_c q_c log softmax(x)_c,   d loss / d x = (Σ_c q_c) softmax(x) - q
// log softmax(x)_c = (x_c - m) - log Σ_j exp(x_j - m) with m the row max, so logits of
// ±10,000 stay finite. A row that does not count (ignored target, or skipped) has loss 0
// and gradient 0.

import type { FloatArray } from "../dtype.js";

/** What the rows are compared with, and which of them count. */
export interface SoftmaxXentSpec {
  rows: number;
  classes: number;
  /** Class index per row (int32 [N]), or null when `soft` is given. */
  target: Int32Array | null;
  /** Target probabilities [N, C], or null when `target` is given. */
  soft: FloatArray | null;
  /** Per-class weights [C], or null for all ones. */
  weight: FloatArray | null;
  /** A row whose class index equals this does not count (class-index targets only). */
  ignoreIndex: number;
  /** Rows with skip[r] !== 0 do not count (steps past a sequence's length), or null. */
  skip: Uint8Array | null;
  /** ε in [0, 1]: the share of each target spread uniformly over the classes. */
  labelSmoothing: number;
}

/** Per-row losses into `loss` [N]; the softmax into `probs` [N, C] when it is not null. */
export interface SoftmaxXentForward {
  (loss: FloatArray, probs: FloatArray | null, logits: FloatArray, s: SoftmaxXentSpec): void;
}

/**
 * d(loss)/d(logits) into `dlogits` [N, C] (which may be `probs` itself: it is read and
 * written element by element), and d(loss)/d(soft) into `dsoft` when it is not null.
 * Row r is scaled by rowScale[floor(r / rowsPerScale)]: one scale per group of rows
 * (1 for `reduction: "none"`, N for a mean over all rows).
 */
export interface SoftmaxXentBackward {
  (
    dlogits: FloatArray,
    dsoft: FloatArray | null,
    probs: FloatArray,
    logits: FloatArray,
    rowScale: FloatArray,
    rowsPerScale: number,
    s: SoftmaxXentSpec,
  ): void;
}

function counts(s: SoftmaxXentSpec, r: number): boolean {
  if (s.skip !== null && s.skip[r] !== 0) return false;
  return s.target === null || s.target[r] !== s.ignoreIndex;
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

export const softmaxXentForwardJs: SoftmaxXentForward = (loss, probs, logits, s) => {
  const { rows: n, classes: c, target, soft, weight } = s;
  const keep = 1 - s.labelSmoothing;
  const spread = s.labelSmoothing / c;
  const wSum = weightSum(s);
  for (let r = 0; r < n; r++) {
    if (!counts(s, r)) {
      loss[r] = 0;
      continue;
    }
    const off = r * c;
    const m = rowMax(logits, off, c);
    let sum = 0;
    if (probs === null) {
      for (let j = 0; j < c; j++) sum += Math.exp(logits[off + j] - m);
    } else {
      for (let j = 0; j < c; j++) {
        const e = Math.exp(logits[off + j] - m);
        probs[off + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < c; j++) probs[off + j] *= inv;
    }
    const logSum = Math.log(sum);
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
      loss[r] = l;
    } else {
      // -Σ q log p with q_c = w_c ((1 - ε) t_c + ε / C)
      const t = soft as FloatArray;
      let l = 0;
      for (let j = 0; j < c; j++) {
        const q = (keep * t[off + j] + spread) * (weight === null ? 1 : weight[j]);
        l += q * (logSum - (logits[off + j] - m));
      }
      loss[r] = l;
    }
  }
};

export const softmaxXentBackwardJs: SoftmaxXentBackward = (dlogits, dsoft, probs, logits, rowScale, rowsPerScale, s) => {
  const { rows: n, classes: c, target, soft, weight } = s;
  const keep = 1 - s.labelSmoothing;
  const spread = s.labelSmoothing / c;
  const wSum = weightSum(s);
  for (let r = 0; r < n; r++) {
    const off = r * c;
    if (!counts(s, r)) {
      dlogits.fill(0, off, off + c);
      if (dsoft !== null) dsoft.fill(0, off, off + c);
      continue;
    }
    const sc = rowScale[(r / rowsPerScale) | 0];
    if (target !== null) {
      // dx = sc (Σq · p - q), Σq = (1 - ε) w_y + (ε / C) Σw
      const y = target[r];
      const wy = weight === null ? 1 : weight[y];
      const a = sc * (keep * wy + spread * wSum);
      const b = sc * spread;
      // The target class in one expression, so float32 rounds once (p near 1 there).
      const atY = a * probs[off + y] - b * wy - sc * keep * wy;
      if (b === 0) for (let j = 0; j < c; j++) dlogits[off + j] = a * probs[off + j];
      else if (weight === null) for (let j = 0; j < c; j++) dlogits[off + j] = a * probs[off + j] - b;
      else for (let j = 0; j < c; j++) dlogits[off + j] = a * probs[off + j] - b * weight[j];
      dlogits[off + y] = atY;
      continue;
    }
    const t = soft as FloatArray;
    let qSum = 0;
    for (let j = 0; j < c; j++) qSum += (keep * t[off + j] + spread) * (weight === null ? 1 : weight[j]);
    // dx = sc (Σq · p - q)
    for (let j = 0; j < c; j++) {
      const q = (keep * t[off + j] + spread) * (weight === null ? 1 : weight[j]);
      dlogits[off + j] = sc * (qSum * probs[off + j] - q);
    }
    if (dsoft !== null) {
      // d loss / d t_c = -(1 - ε) w_c log p_c, from the logits (p itself may be gone)
      const m = rowMax(logits, off, c);
      let sum = 0;
      for (let j = 0; j < c; j++) sum += Math.exp(logits[off + j] - m);
      const logSum = Math.log(sum);
      for (let j = 0; j < c; j++) {
        const w = weight === null ? 1 : weight[j];
        dsoft[off + j] = -sc * keep * w * (logits[off + j] - m - logSum);
      }
    }
  }
};
