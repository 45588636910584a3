// Packed, cache-blocked matrix multiply in WebAssembly SIMD (f32x4 / f64x2), BLIS style;
// the loop nest, the packing and why the micro-kernel is 5 rows by two vectors: PERFORMANCE.md.
// Every pointer is a byte address in this module's memory, which the JavaScript side fills.
//   C[m×n] (+)= op(A)[m×k] · op(B)[k×n], op(X) = X or Xᵀ; A [m×k] ([k×m] when transA), B [k×n] ([n×k] when transB)

const MR: i32 = 5;
const VEC_BYTES: i32 = 16;

/** Columns of one micro-panel of B̃ (two v128 vectors): 8 for f32, 4 for f64. */
@inline function nrOf<T>(): i32 {
  return (2 * VEC_BYTES) / sizeof<T>();
}

/** Depth of one packed block: a KC×NR B̃ micro-panel is 8 KB, an MR×KC Ã one 5 or 10 KB. */
@inline function kcOf<T>(): i32 {
  return 256;
}

/** Rows of Ã per block (a multiple of MR): MC×KC×size is 100 KB, well inside L2 (1 MB). */
@inline function mcOf<T>(): i32 {
  return sizeof<T>() == 4 ? 100 : 50;
}

/** Columns of B̃ per block: KC×NC×size is 2 MB (f32) / 4 MB (f64), in L3. */
@inline function ncOf<T>(): i32 {
  return 2048;
}

/** Bytes of an MR×NR tile for the edge case where C has fewer than MR rows or NR columns left. */
const EDGE_TILE_BYTES: i32 = MR * 2 * VEC_BYTES;

/** Bytes of scratch that gemm<T> needs at `work`: Ã, B̃, then the edge tile. */
@inline function workBytesOf<T>(): i32 {
  return (mcOf<T>() * kcOf<T>() + kcOf<T>() * ncOf<T>()) * sizeof<T>() + EDGE_TILE_BYTES;
}

/**
 * Scratch bytes that sgemm and dgemm need at `work` (the JavaScript side reserves them).
 * All scratch lives there, none in static data, so threads that share the memory each
 * pass their own.
 */
export function gemmWorkBytes(): i32 {
  return max(workBytesOf<f32>(), workBytesOf<f64>());
}

/** c + a·b: fused (one rounding) in the relaxed-SIMD build, where the runtime has FMA. */
@inline function madd<T>(c: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(c, v128.mul<T>(a, b));
}

@inline function storeRow<T>(q: usize, lo: v128, hi: v128, beta: bool): void {
  if (beta) {
    lo = v128.add<T>(v128.load(q), lo);
    hi = v128.add<T>(v128.load(q, VEC_BYTES), hi);
  }
  v128.store(q, lo);
  v128.store(q, hi, VEC_BYTES);
}

/**
 * C[0:mr, 0:nr] (+)= Ã-panel · B̃-panel over kc steps. pa: kc×MR (p-major), pb: kc×NR;
 * c points at C's top-left element, ldc is C's row stride in bytes; beta adds into C.
 * A partial tile (mr < MR or nr < NR) goes through the scratch at edgeTile.
 */
function micro<T>(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, beta: bool, mr: i32, nr: i32, edgeTile: usize): void {
  const S = sizeof<T>();
  const z = v128.splat<T>(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
  // The loop runs on the B̃ pointer alone: no separate counter to keep in a register.
  const pbEnd = pb + <usize>kc * 2 * VEC_BYTES;
  while (pb < pbEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, VEC_BYTES);
    let a = v128.load_splat<T>(pa);
    c00 = madd<T>(c00, a, b0);
    c01 = madd<T>(c01, a, b1);
    a = v128.load_splat<T>(pa, S);
    c10 = madd<T>(c10, a, b0);
    c11 = madd<T>(c11, a, b1);
    a = v128.load_splat<T>(pa, 2 * S);
    c20 = madd<T>(c20, a, b0);
    c21 = madd<T>(c21, a, b1);
    a = v128.load_splat<T>(pa, 3 * S);
    c30 = madd<T>(c30, a, b0);
    c31 = madd<T>(c31, a, b1);
    a = v128.load_splat<T>(pa, 4 * S);
    c40 = madd<T>(c40, a, b0);
    c41 = madd<T>(c41, a, b1);
    pa += <usize>MR * S;
    pb += 2 * VEC_BYTES;
  }
  const NR = nrOf<T>();
  if (mr == MR && nr == NR) {
    storeRow<T>(c, c00, c01, beta);
    storeRow<T>(c + ldc, c10, c11, beta);
    storeRow<T>(c + 2 * ldc, c20, c21, beta);
    storeRow<T>(c + 3 * ldc, c30, c31, beta);
    storeRow<T>(c + 4 * ldc, c40, c41, beta);
    return;
  }
  // A partial tile: spill the accumulators, then add or copy only the rows and columns that exist.
  const t = edgeTile;
  const rowBytes = 2 * VEC_BYTES;
  storeRow<T>(t, c00, c01, false);
  storeRow<T>(t + rowBytes, c10, c11, false);
  storeRow<T>(t + 2 * rowBytes, c20, c21, false);
  storeRow<T>(t + 3 * rowBytes, c30, c31, false);
  storeRow<T>(t + 4 * rowBytes, c40, c41, false);
  for (let i = 0; i < mr; i++) {
    const src = t + <usize>i * rowBytes;
    const dst = c + <usize>i * ldc;
    for (let j = 0; j < nr; j++) {
      const v = load<T>(src + <usize>j * S);
      const q = dst + <usize>j * S;
      store<T>(q, beta ? load<T>(q) + v : v);
    }
  }
}

/**
 * Pack op(A)[0:mc, 0:kc] (src points at its first element, lda is A's stored row length)
 * into micro-panels of MR rows: panel r0 holds element (r0 + r, p) at p·MR + r.
 */
function packA<T>(transA: bool, mc: i32, kc: i32, src: usize, lda: i32, dst: usize): void {
  const S = sizeof<T>();
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    if (mr == MR && transA) {
      packATransposedPanel<T>(kc, src + <usize>i0 * S, lda, dst);
    } else if (mr == MR) {
      packARowsPanel<T>(kc, src + <usize>i0 * lda * S, lda, dst);
    } else if (transA) {
      // A partial panel, element by element. op(A)(i, p) = A[p][i].
      for (let p = 0; p < kc; p++) {
        const s = src + (<usize>p * lda + i0) * S;
        const d = dst + <usize>p * MR * S;
        for (let r = 0; r < mr; r++) store<T>(d + <usize>r * S, load<T>(s + <usize>r * S));
        for (let r = mr; r < MR; r++) store<T>(d + <usize>r * S, 0);
      }
    } else {
      // op(A)(i, p) = A[i][p]: read each row contiguously, write it with stride MR.
      for (let r = 0; r < MR; r++) {
        const d = dst + <usize>r * S;
        if (r < mr) {
          const s = src + <usize>(i0 + r) * lda * S;
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * MR * S, load<T>(s + <usize>p * S));
        } else {
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * MR * S, 0);
        }
      }
    }
    dst += <usize>kc * MR * S;
  }
}

/** A full panel of a transposed A: each p's MR = 5 values are contiguous (s + p·lda). */
function packATransposedPanel<T>(kc: i32, s: usize, lda: i32, dst: usize): void {
  const S = sizeof<T>();
  const row = <usize>lda * S;
  for (let p = 0; p < kc; p++) {
    const q = s + <usize>p * row;
    const d = dst + <usize>p * MR * S;
    // The first four values as one (f32) or two (f64) vectors, the fifth alone.
    v128.store(d, v128.load(q));
    if (sizeof<T>() == 8) v128.store(d, v128.load(q, VEC_BYTES), VEC_BYTES);
    store<T>(d + 4 * S, load<T>(q + 4 * S));
  }
}

/**
 * A full panel of a row-major A: rows s, s + lda, ... (MR = 5 of them) become columns.
 * Rows 0-3 go through register transposes (4×4 f32, 2×2 f64) over one vector of p at a
 * time; row 4 is scattered lane by lane.
 */
function packARowsPanel<T>(kc: i32, s: usize, lda: i32, dst: usize): void {
  const S = sizeof<T>();
  const L = <i32>(<usize>VEC_BYTES / S);
  const row = <usize>lda * S;
  const step = <usize>MR * S; // bytes between consecutive p in the panel
  let p = 0;
  for (; p + L <= kc; p += L) {
    const q = s + <usize>p * S;
    const d = dst + <usize>p * step;
    const x4 = v128.load(q + 4 * row);
    if (sizeof<T>() == 4) {
      const x0 = v128.load(q), x1 = v128.load(q + row), x2 = v128.load(q + 2 * row), x3 = v128.load(q + 3 * row);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
      v128.store(d + step, v128.shuffle<f64>(t0, t1, 1, 3));
      v128.store(d + 2 * step, v128.shuffle<f64>(t2, t3, 0, 2));
      v128.store(d + 3 * step, v128.shuffle<f64>(t2, t3, 1, 3));
      v128.store32_lane(d, x4, 0, 16);
      v128.store32_lane(d + step, x4, 1, 16);
      v128.store32_lane(d + 2 * step, x4, 2, 16);
      v128.store32_lane(d + 3 * step, x4, 3, 16);
    } else {
      const x0 = v128.load(q), x1 = v128.load(q + row), x2 = v128.load(q + 2 * row), x3 = v128.load(q + 3 * row);
      v128.store(d, v128.shuffle<f64>(x0, x1, 0, 2));
      v128.store(d, v128.shuffle<f64>(x2, x3, 0, 2), 16);
      v128.store(d + step, v128.shuffle<f64>(x0, x1, 1, 3));
      v128.store(d + step, v128.shuffle<f64>(x2, x3, 1, 3), 16);
      v128.store64_lane(d, x4, 0, 32);
      v128.store64_lane(d + step, x4, 1, 32);
    }
  }
  for (; p < kc; p++) {
    const d = dst + <usize>p * step;
    for (let r = 0; r < MR; r++) store<T>(d + <usize>r * S, load<T>(s + <usize>r * row + <usize>p * S));
  }
}

/**
 * Pack op(B)[0:kc, 0:nc] (src points at its first element, ldb is B's stored row length)
 * into micro-panels of NR columns: panel j0 holds element (p, j0 + j) at p·NR + j.
 */
function packB<T>(transB: bool, kc: i32, nc: i32, src: usize, ldb: i32, dst: usize): void {
  const S = sizeof<T>();
  const NR = nrOf<T>();
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    if (!transB) {
      // op(B)(p, j) = B[p][j]: NR contiguous values per p, two vector copies.
      for (let p = 0; p < kc; p++) {
        const s = src + (<usize>p * ldb + j0) * S;
        const d = dst + <usize>p * NR * S;
        if (nr == NR) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, VEC_BYTES), VEC_BYTES);
        } else {
          for (let j = 0; j < nr; j++) store<T>(d + <usize>j * S, load<T>(s + <usize>j * S));
          for (let j = nr; j < NR; j++) store<T>(d + <usize>j * S, 0);
        }
      }
    } else if (nr == NR) {
      packBTransposedPanel<T>(kc, src + <usize>j0 * ldb * S, ldb, dst);
    } else {
      // op(B)(p, j) = B[j][p]: a partial panel, element by element.
      for (let j = 0; j < NR; j++) {
        const d = dst + <usize>j * S;
        if (j < nr) {
          const s = src + <usize>(j0 + j) * ldb * S;
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * NR * S, load<T>(s + <usize>p * S));
        } else {
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * NR * S, 0);
        }
      }
    }
    dst += <usize>kc * NR * S;
  }
}

/**
 * One full NR-column panel of a transposed B: stored rows j0..j0+NR (s points at the first,
 * ldb apart) become columns. Square blocks of one vector (4×4 f32, 2×2 f64) are transposed
 * in registers with shuffles, so each element costs a fraction of a load and a store.
 */
function packBTransposedPanel<T>(kc: i32, s: usize, ldb: i32, dst: usize): void {
  const S = sizeof<T>();
  const L = <i32>(<usize>VEC_BYTES / S);
  const NR = nrOf<T>();
  const row = <usize>ldb * S;
  let p = 0;
  for (; p + L <= kc; p += L) {
    const d = dst + <usize>p * NR * S;
    const q = s + <usize>p * S;
    for (let j = 0; j < NR; j += L) {
      const r = q + <usize>j * row;
      const dj = d + <usize>j * S;
      if (sizeof<T>() == 4) {
        // 4×4 transpose: rows x0..x3 (4 p each) -> columns.
        const x0 = v128.load(r), x1 = v128.load(r + row), x2 = v128.load(r + 2 * row), x3 = v128.load(r + 3 * row);
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5); // x0[0] x1[0] x0[1] x1[1]
        const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        v128.store(dj, v128.shuffle<f64>(t0, t1, 0, 2));
        v128.store(dj + <usize>NR * S, v128.shuffle<f64>(t0, t1, 1, 3));
        v128.store(dj + 2 * NR * S, v128.shuffle<f64>(t2, t3, 0, 2));
        v128.store(dj + 3 * NR * S, v128.shuffle<f64>(t2, t3, 1, 3));
      } else {
        // 2×2 transpose.
        const x0 = v128.load(r), x1 = v128.load(r + row);
        v128.store(dj, v128.shuffle<f64>(x0, x1, 0, 2));
        v128.store(dj + <usize>NR * S, v128.shuffle<f64>(x0, x1, 1, 3));
      }
    }
  }
  for (; p < kc; p++) {
    const d = dst + <usize>p * NR * S;
    for (let j = 0; j < NR; j++) store<T>(d + <usize>j * S, load<T>(s + <usize>j * row + <usize>p * S));
  }
}

/**
 * lda, ldb, ldc: the stored row lengths of A, B and C in elements (a block of a bigger matrix).
 * packedB, when not 0, is op(B) already packed by packB over all of k (panel j at j·k·NR):
 * then b and ldb are unused and no B̃ is packed here.
 */
function gemm<T>(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldcElems: i32, accumulate: bool, work: usize, packedB: usize): void {
  const S = sizeof<T>();
  if (m <= 0 || n <= 0) return;
  const ldc = <usize>ldcElems * S;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldc, 0, <usize>n * S);
    return;
  }
  const KC = kcOf<T>(), MC = mcOf<T>(), NC = ncOf<T>(), NR = nrOf<T>();
  const wa = work;
  const wb = work + <usize>MC * KC * S;
  const tile = wb + <usize>KC * NC * S;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      if (packedB == 0) {
        const bs = transB ? b + (<usize>jc * ldb + pc) * S : b + (<usize>pc * ldb + jc) * S;
        packB<T>(transB, kc, nc, bs, ldb, wb);
      }
      // The first depth block overwrites C unless the caller asked to accumulate.
      const beta = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        const as = transA ? a + (<usize>pc * lda + ic) * S : a + (<usize>ic * lda + pc) * S;
        packA<T>(transA, mc, kc, as, lda, wa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packedB == 0 ? wb + <usize>jr * kc * S : packedB + (<usize>(jc + jr) * k + pc * NR) * S;
          const cj = c + <usize>ic * ldc + <usize>(jc + jr) * S;
          for (let ir = 0; ir < mc; ir += MR) {
            micro<T>(kc, wa + <usize>ir * kc * S, pb, cj + <usize>ir * ldc, ldc, beta, min(MR, mc - ir), nr, tile);
          }
        }
      }
    }
  }
}

/** f32 C (+)= op(A)·op(B) on packed matrices; see the top of this file for the layout. */
export function sgemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: bool, work: usize): void {
  gemm<f32>(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, c, n, accumulate, work, 0);
}

/** f64 C (+)= op(A)·op(B) on packed matrices; see the top of this file for the layout. */
export function dgemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: bool, work: usize): void {
  gemm<f64>(transA, transB, m, n, k, a, transA ? m : k, b, transB ? k : n, c, n, accumulate, work, 0);
}

/**
 * f32 C (+)= op(A)·op(B) on blocks of bigger row-major matrices (row lengths lda, ldb, ldc
 * in elements): what one thread runs on its rows or columns of C. Each element of C sums
 * over k in the same order whatever the block, so splitting C changes no bit.
 */
export function sgemmBlock(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: bool, work: usize): void {
  gemm<f32>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, work, 0);
}

/** f64 sgemmBlock. */
export function dgemmBlock(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: bool, work: usize): void {
  gemm<f64>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, work, 0);
}

/** Floats (f32) that packBF32 writes for a k×n op(B): ceil(n / NR) panels of k×NR. */
export function packedBLengthF32(k: i32, n: i32): i32 {
  return ((n + nrOf<f32>() - 1) / nrOf<f32>()) * nrOf<f32>() * k;
}

/** f64 packedBLengthF32. */
export function packedBLengthF64(k: i32, n: i32): i32 {
  return ((n + nrOf<f64>() - 1) / nrOf<f64>()) * nrOf<f64>() * k;
}

/**
 * Pack op(B) [k×n] once into dst (packedBLengthF32(k, n) floats), for many products with
 * the same B: a recurrent layer's W_hh over all its time steps. The products then read the
 * same B̃ that sgemm would pack itself, so they give the same bits.
 */
export function packBF32(transB: bool, k: i32, n: i32, b: usize, dst: usize): void {
  packB<f32>(transB, k, n, b, transB ? k : n, dst);
}

/** f64 packBF32. */
export function packBF64(transB: bool, k: i32, n: i32, b: usize, dst: usize): void {
  packB<f64>(transB, k, n, b, transB ? k : n, dst);
}

/**
 * f32 C (+)= op(A)·B̃ with B̃ packed by packBF32: pb points at the panel of C's first column
 * (a thread's column block starts at panel j: pb + j·k·NR floats).
 */
export function sgemmPacked(transA: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, pb: usize, c: usize, ldc: i32, accumulate: bool, work: usize): void {
  gemm<f32>(transA, false, m, n, k, a, lda, 0, 0, c, ldc, accumulate, work, pb);
}

/** f64 sgemmPacked. */
export function dgemmPacked(transA: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, pb: usize, c: usize, ldc: i32, accumulate: bool, work: usize): void {
  gemm<f64>(transA, false, m, n, k, a, lda, 0, 0, c, ldc, accumulate, work, pb);
}
