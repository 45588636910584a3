// Entry of the WebAssembly module (built by scripts/build-wasm.mjs). The JavaScript side
// (src/kernels/wasm/) owns the memory layout: it reserves scratch from heapBase() on and
// copies operands in and results out.

export { sgemm, dgemm, sgemmBlock, dgemmBlock, gemmWorkBytes, packBF32, packBF64, packedBLengthF32, packedBLengthF64, sgemmPacked, dgemmPacked } from "./gemm";
export { tanhF32, tanhF64 } from "./activations";
export {
  rnnTanhForwardF32, rnnTanhForwardF64, rnnReluForwardF32, rnnReluForwardF64,
  rnnTanhBackwardF32, rnnTanhBackwardF64, rnnReluBackwardF32, rnnReluBackwardF64,
  gruForwardF32, gruForwardF64, gruBackwardF32, gruBackwardF64,
  lstmForwardF32, lstmForwardF64, lstmBackwardF32, lstmBackwardF64,
} from "./cells";
export { softmaxRowsF32, softmaxRowsF64, expF32, expF64 } from "./softmax";
export { columnSumsF32, columnSumsF64 } from "./reduce";
export { swapAxes } from "./layout";
export { adamF32, adamF64 } from "./optim";

/** First byte after the module's static data: the JavaScript side's memory starts here. */
export function heapBase(): usize {
  return __heap_base;
}
