// Entry of the WebAssembly module (built by scripts/build-wasm.mjs). The JavaScript side
// (src/kernels/wasm/) owns the memory layout: it reserves scratch from heapBase() on and
// copies operands in and results out.

export { sgemm, dgemm, gemmWorkBytes } from "./gemm";

/** First byte after the module's static data: the JavaScript side's memory starts here. */
export function heapBase(): usize {
  return __heap_base;
}
