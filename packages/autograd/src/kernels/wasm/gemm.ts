// The Gemm interface (kernels/matmul.ts) on the WebAssembly SIMD kernel: operands that are
// not resident are copied into wasm memory, multiplied there (packed, cache-blocked), and C
// copied out: O(mk + kn + mn) copies against O(mnk) work.

import { gemmJs, type Gemm, type GemmPacked, type PackB } from "../matmul.js";
import { copyIn, copyOut, layout, outAddress, releaseResident, residentFloats, type WasmHeap } from "./module.js";
import { gemmOnPool, type ThreadPool } from "./threads.js";

// The copies cost about 7% of a [32,128]·[128,128]ᵀ product, less for bigger ones
// (scripts/bench-kernels.ts copy); resident operands cost none.

/**
 * Below this many multiply-adds the JavaScript kernel wins: the wasm call, three copies
 * and packing cost ~150-200 ns, and the two break even near 6×6×6 = 216
 * (scripts/bench-kernels.ts small: 4×4×4 wasm 178 ns, js 93; 8×8×8 wasm 199, js 428).
 */
export const MIN_WORK = 256;

/** The wasm gemm on `heap` and its threads; products under `minWork` multiply-adds run in JavaScript. */
export function makeGemmWasm(heap: WasmHeap, pool: ThreadPool, minWork = MIN_WORK): Gemm {
  return (transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate) => {
    const f32 = c instanceof Float32Array;
    if (m * n * k < minWork || a instanceof Float32Array !== f32 || b instanceof Float32Array !== f32) {
      gemmJs(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
      return;
    }
    const at = layout(heap, f32 ? 4 : 8, [m * k, k * n, m * n]);
    if (at === null) {
      gemmJs(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
      return;
    }
    const [pa, pb, pc] = at;
    // Resident operands are read and written in place; the others go through the scratch.
    const a0 = copyIn(heap, a, aOff, m * k, pa);
    const b0 = copyIn(heap, b, bOff, k * n, pb);
    const c0 = accumulate ? copyIn(heap, c, cOff, m * n, pc) : outAddress(heap, c, cOff, pc);
    gemmOnPool(heap, pool, f32, transA, transB, m, n, k, a0, b0, c0, accumulate);
    copyOut(heap, c0, m * n, c, cOff);
  };
}

/**
 * packB and gemmPacked on `heap`: op(B) packed once into a resident store (what sgemm packs
 * on every call), then each product packs only A. Without shared memory, for tiny B or
 * mixed dtypes, gemmPacked runs `gemm` on the unpacked B instead.
 */
export function makePackedWasm(heap: WasmHeap, pool: ThreadPool, gemm: Gemm, minWork = MIN_WORK): { packB: PackB; gemmPacked: GemmPacked } {
  const ex = heap.exports;
  const packB: PackB = (p) => {
    p.packed = false;
    const f32 = p.b instanceof Float32Array;
    if (p.k * p.n < minWork) return;
    const len = (f32 ? ex.packedBLengthF32 : ex.packedBLengthF64)(p.k, p.n);
    if (p.store === null || p.store.length < len || p.store instanceof Float32Array !== f32) {
      if (p.store !== null) releaseResident(heap, p.store);
      p.store = residentFloats(heap, f32, len, p);
      if (p.store === null) return;
    }
    const at = layout(heap, f32 ? 4 : 8, [p.k * p.n]);
    const own = heap.addressOf(p.store);
    if (at === null || own < 0) return;
    (f32 ? ex.packBF32 : ex.packBF64)(p.transB, p.k, p.n, copyIn(heap, p.b, p.bOff, p.k * p.n, at[0]), own);
    p.packed = true;
  };
  const gemmPacked: GemmPacked = (transA, m, a, aOff, p, c, cOff, accumulate) => {
    const f32 = c instanceof Float32Array;
    const { n, k } = p;
    const at = !p.packed || p.store instanceof Float32Array !== f32 || a instanceof Float32Array !== f32 || m * n * k < minWork ? null : layout(heap, f32 ? 4 : 8, [m * k, m * n]);
    if (at === null) {
      gemm(transA, p.transB, m, n, k, a, aOff, p.b, p.bOff, c, cOff, accumulate);
      return;
    }
    const a0 = copyIn(heap, a, aOff, m * k, at[0]);
    const c0 = accumulate ? copyIn(heap, c, cOff, m * n, at[1]) : outAddress(heap, c, cOff, at[1]);
    gemmOnPool(heap, pool, f32, transA, false, m, n, k, a0, 0, c0, accumulate, heap.addressOf(p.store!));
    copyOut(heap, c0, m * n, c, cOff);
  };
  return { packB, gemmPacked };
}
