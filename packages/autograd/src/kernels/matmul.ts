// Matrix multiply over raw row-major buffers, BLAS style: the JavaScript fallback (kernels/wasm
// has the SIMD one). Transposed operands are read in place, through strides: one
// register-blocked loop serves all four layouts.
//   C[m×n] (+)= op(A)[m×k] · op(B)[k×n],  op(X) = X or Xᵀ
//   A is stored [m×k] (or [k×m] when transA), B [k×n] (or [n×k] when transB)

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

/**
 * op(B) [k×n] of many products with the same B (a recurrent layer's W_hh over its steps),
 * prepared once by `kernels.packB`: the WebAssembly kernels pack it into `store` (then
 * `packed` is true); the JavaScript ones read b from bOff.
 */
export interface PackedB {
  transB: boolean;
  k: number;
  n: number;
  b: FloatArray;
  bOff: number;
  /** Where the wasm kernels keep the packed panels (resident), reused from call to call. */
  store: FloatArray | null;
  packed: boolean;
}

/** A PackedB of nothing yet: fill in b, its layout and sizes, then call kernels.packB. */
export function packedB(): PackedB {
  return { transB: false, k: 0, n: 0, b: new Float32Array(0), bOff: 0, store: null, packed: false };
}

/** Prepare p for gemmPacked. */
export type PackB = (p: PackedB) => void;

/** C[m×n] (+)= op(A)·op(B) with op(B) [k×n] prepared by packB: the same result as gemm. */
export type GemmPacked = (transA: boolean, m: number, a: FloatArray, aOff: number, p: PackedB, c: FloatArray, cOff: number, accumulate: boolean) => void;

export const packBJs: PackB = (p) => {
  p.packed = false;
};

export const gemmJs: Gemm = (transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate) => {
  if (!accumulate) c.fill(0, cOff, cOff + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  // Element (i, p) of op(A) is a[aOff + i·ais + p·aps]; element (p, j) of op(B) is b[bOff + p·bps + j·bjs].
  const ais = transA ? 1 : k;
  const aps = transA ? m : 1;
  const bps = transB ? 1 : n;
  const bjs = transB ? k : 1;
  gemmStrided(m, n, k, a, aOff, ais, aps, b, bOff, bps, bjs, c, cOff);
};

const KC = 128; // depth of one pass: the 2 rows of A and 4 columns of B it reads stay in L1

// C += op(A)·op(B) for any layout, read in place through strides. A 2×4 block of C lives
// in eight local accumulators across a KC-deep pass, so each step loads 6 elements for
// 8 multiply-adds and writes C once per pass (the i-k-j loop writes it at every step).
function gemmStrided(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  ao: number,
  ais: number,
  aps: number,
  b: FloatArray,
  bo: number,
  bps: number,
  bjs: number,
  c: FloatArray,
  co: number,
): void {
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(k, p0 + KC);
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const a0 = ao + i * ais;
      const a1 = a0 + ais;
      const c0 = co + i * n;
      const c1 = c0 + n;
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const bj = bo + j * bjs;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        for (let p = p0; p < p1; p++) {
          const x0 = a[a0 + p * aps];
          const x1 = a[a1 + p * aps];
          const q = bj + p * bps;
          const y0 = b[q];
          const y1 = b[q + bjs];
          const y2 = b[q + 2 * bjs];
          const y3 = b[q + 3 * bjs];
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
        }
        c[c0 + j] += s00;
        c[c0 + j + 1] += s01;
        c[c0 + j + 2] += s02;
        c[c0 + j + 3] += s03;
        c[c1 + j] += s10;
        c[c1 + j + 1] += s11;
        c[c1 + j + 2] += s12;
        c[c1 + j + 3] += s13;
      }
      for (; j < n; j++) {
        const bj = bo + j * bjs;
        let s0 = 0, s1 = 0;
        for (let p = p0; p < p1; p++) {
          const y = b[bj + p * bps];
          s0 += a[a0 + p * aps] * y;
          s1 += a[a1 + p * aps] * y;
        }
        c[c0 + j] += s0;
        c[c1 + j] += s1;
      }
    }
    for (; i < m; i++) {
      const ai = ao + i * ais;
      for (let j = 0; j < n; j++) {
        const bj = bo + j * bjs;
        let s = 0;
        for (let p = p0; p < p1; p++) s += a[ai + p * aps] * b[bj + p * bps];
        c[co + i * n + j] += s;
      }
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

export const gemmPackedJs: GemmPacked = (transA, m, a, aOff, p, c, cOff, accumulate) =>
  gemmJs(transA, p.transB, m, p.n, p.k, a, aOff, p.b, p.bOff, c, cOff, accumulate);
