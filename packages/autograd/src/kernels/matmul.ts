// Matrix multiply over raw row-major buffers, BLAS style but row-major and packed:
//   C[m×n] (+)= op(A)[m×k] · op(B)[k×n],  op(X) = X or Xᵀ
// A is stored [m×k] (or [k×m] when transA), B [k×n] (or [n×k] when transB).
// Transposed operands are read in place; each layout gets the loop order that walks
// memory contiguously in its inner loop.

import type { FloatArray } from "../dtype.js";

export interface Gemm {
  (
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: FloatArray,
    aOff: number,
    b: FloatArray,
    bOff: number,
    c: FloatArray,
    cOff: number,
    accumulate: boolean,
  ): void;
}

export const gemmJs: Gemm = (transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate) => {
  if (!accumulate) c.fill(0, cOff, cOff + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  if (!transA && !transB) gemmNN(m, n, k, a, aOff, b, bOff, c, cOff);
  else if (!transA && transB) gemmNT(m, n, k, a, aOff, b, bOff, c, cOff);
  else if (transA && !transB) gemmTN(m, n, k, a, aOff, b, bOff, c, cOff);
  else gemmTT(m, n, k, a, aOff, b, bOff, c, cOff);
};

const KC = 128; // rows of B kept hot in cache while the C rows sweep over them

// C += A·B: four rows of C share each loaded row of B (i-k-j order, blocked over k).
function gemmNN(m: number, n: number, k: number, a: FloatArray, ao: number, b: FloatArray, bo: number, c: FloatArray, co: number): void {
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(k, p0 + KC);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = co + i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      const a0 = ao + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
      for (let p = p0; p < p1; p++) {
        const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
        const bp = bo + p * n;
        for (let j = 0; j < n; j++) {
          const y = b[bp + j];
          c[c0 + j] += x0 * y;
          c[c1 + j] += x1 * y;
          c[c2 + j] += x2 * y;
          c[c3 + j] += x3 * y;
        }
      }
    }
    for (; i < m; i++) {
      const ci = co + i * n;
      const ai = ao + i * k;
      for (let p = p0; p < p1; p++) {
        const x = a[ai + p];
        const bp = bo + p * n;
        for (let j = 0; j < n; j++) c[ci + j] += x * b[bp + j];
      }
    }
  }
}

// C += A·Bᵀ: each C[i][j] is a dot product of two contiguous rows; 2×2 blocking
// reuses each loaded element twice.
function gemmNT(m: number, n: number, k: number, a: FloatArray, ao: number, b: FloatArray, bo: number, c: FloatArray, co: number): void {
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = ao + i * k, a1 = a0 + k;
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const b0 = bo + j * k, b1 = b0 + k;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p], x1 = a[a1 + p], y0 = b[b0 + p], y1 = b[b1 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      c[co + i * n + j] += s00;
      c[co + i * n + j + 1] += s01;
      c[co + (i + 1) * n + j] += s10;
      c[co + (i + 1) * n + j + 1] += s11;
    }
    for (; j < n; j++) {
      const bj = bo + j * k;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < k; p++) {
        s0 += a[a0 + p] * b[bj + p];
        s1 += a[a1 + p] * b[bj + p];
      }
      c[co + i * n + j] += s0;
      c[co + (i + 1) * n + j] += s1;
    }
  }
  for (; i < m; i++) {
    const ai = ao + i * k;
    for (let j = 0; j < n; j++) {
      const bj = bo + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
      c[co + i * n + j] += s;
    }
  }
}

// C += Aᵀ·B: A is stored [k×m]; for each p, row p of B is added into every C row i
// scaled by A[p][i]. Blocked over i so a band of C stays in cache across p.
const MC = 32;
function gemmTN(m: number, n: number, k: number, a: FloatArray, ao: number, b: FloatArray, bo: number, c: FloatArray, co: number): void {
  for (let i0 = 0; i0 < m; i0 += MC) {
    const i1 = Math.min(m, i0 + MC);
    for (let p = 0; p < k; p++) {
      const ap = ao + p * m;
      const bp = bo + p * n;
      let i = i0;
      for (; i + 2 <= i1; i += 2) {
        const x0 = a[ap + i], x1 = a[ap + i + 1];
        const c0 = co + i * n, c1 = c0 + n;
        for (let j = 0; j < n; j++) {
          const y = b[bp + j];
          c[c0 + j] += x0 * y;
          c[c1 + j] += x1 * y;
        }
      }
      for (; i < i1; i++) {
        const x = a[ap + i];
        const ci = co + i * n;
        for (let j = 0; j < n; j++) c[ci + j] += x * b[bp + j];
      }
    }
  }
}

// C += Aᵀ·Bᵀ: rare (no RNN path needs it); a plain loop.
function gemmTT(m: number, n: number, k: number, a: FloatArray, ao: number, b: FloatArray, bo: number, c: FloatArray, co: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ao + p * m + i] * b[bo + j * k + p];
      c[co + i * n + j] += s;
    }
  }
}

/** The textbook triple loop, for tests and as the benchmark's baseline. */
export const gemmNaive: Gemm = (transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate) => {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
        const y = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
        s += x * y;
      }
      c[cOff + i * n + j] = accumulate ? c[cOff + i * n + j] + s : s;
    }
  }
};
