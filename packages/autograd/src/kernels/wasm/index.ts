// The WebAssembly SIMD versions of the kernels, or null where WebAssembly SIMD is missing.
// kernels/index.ts switches between these and the JavaScript ones (useKernels).

import type { Gemm } from "../matmul.js";
import { makeGemmWasm } from "./gemm.js";
import { wasmHeap, wasmUnavailableReason } from "./module.js";

export interface WasmKernels {
  gemm: Gemm;
}

export const wasmKernels: WasmKernels | null = wasmHeap === null ? null : { gemm: makeGemmWasm(wasmHeap) };
export { wasmUnavailableReason };
