// Entry of the WebAssembly module (built by scripts/build-wasm.mjs). The JavaScript side
// (src/kernels/wasm/) owns the memory layout: it reserves scratch from heapBase() on and
// copies operands in and results out.

export { sgemm, dgemm, gemmWorkBytes } from "./gemm";
export {
  tanhF32, tanhF64, reluF32, reluF64,
  tanhBackwardF32, tanhBackwardF64, reluBackwardF32, reluBackwardF64,
  biasRowsF32, biasRowsF64, addColumnSumsF32, addColumnSumsF64,
} from "./activations";
export { softmaxRowsF32, softmaxRowsF64, expF32, expF64 } from "./softmax";

/** First byte after the module's static data: the JavaScript side's memory starts here. */
export function heapBase(): usize {
  return __heap_base;
}
