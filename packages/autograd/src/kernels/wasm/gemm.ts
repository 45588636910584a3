// The Gemm interface (kernels/matmul.ts) on the WebAssembly SIMD kernel: copy the operands
// into wasm memory, multiply there (packed, cache-blocked, f32x4 / f64x2), copy C out.
// The copies are O(mk + kn + mn) against O(mnk) work; see the README of this folder for
// what they cost at the sizes an RNN uses.

import type { FloatArray } from "../../dtype.js";
import { gemmJs, type Gemm } from "../matmul.js";
import { align64, MAX_BYTES, type WasmHeap } from "./module.js";

/**
 * Below this many multiply-adds the JavaScript kernel wins: the wasm call, three copies
 * and packing cost a few hundred nanoseconds (scripts/bench-gemm.ts small).
 */
export const MIN_WORK = 512;

/** `len` elements of x from `off`, without a new view when that is all of x. */
function span(x: FloatArray, off: number, len: number): FloatArray {
  return off === 0 && x.length === len ? x : x.subarray(off, off + len);
}

/** The wasm gemm on `heap`; products under `minWork` multiply-adds run in JavaScript. */
export function makeGemmWasm(heap: WasmHeap, minWork = MIN_WORK): Gemm {
  return (transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate) => {
    const f32 = c instanceof Float32Array;
    if (m * n * k < minWork || a instanceof Float32Array !== f32 || b instanceof Float32Array !== f32) {
      gemmJs(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
      return;
    }
    const size = f32 ? 4 : 8;
    const pa = heap.data;
    const pb = align64(pa + m * k * size);
    const pc = align64(pb + k * n * size);
    const end = pc + m * n * size;
    if (end > MAX_BYTES) {
      gemmJs(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
      return;
    }
    heap.reserve(end);
    const mem = f32 ? heap.f32 : heap.f64;
    const shift = f32 ? 2 : 3;
    mem.set(span(a, aOff, m * k), pa >> shift);
    mem.set(span(b, bOff, k * n), pb >> shift);
    if (accumulate) mem.set(span(c, cOff, m * n), pc >> shift);
    const kernel = f32 ? heap.exports.sgemm : heap.exports.dgemm;
    kernel(transA, transB, m, n, k, pa, pb, pc, accumulate, heap.work);
    c.set(mem.subarray(pc >> shift, (pc >> shift) + m * n), cOff);
  };
}
