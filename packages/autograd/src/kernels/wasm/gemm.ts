// The Gemm interface (kernels/matmul.ts) on the WebAssembly SIMD kernel: copy the operands
// into wasm memory, multiply there (packed, cache-blocked, f32x4 / f64x2), copy C out.
// The copies are O(mk + kn + mn) against O(mnk) work: about 7% of a [32,128]·[128,128]ᵀ
// product, less for bigger ones (scripts/bench-kernels.ts copy).

import { gemmJs, type Gemm } from "../matmul.js";
import { copyIn, copyOut, layout, outAddress, type WasmHeap } from "./module.js";
import { gemmOnPool, type ThreadPool } from "./threads.js";

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
