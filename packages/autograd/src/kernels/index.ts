// The kernels that hot ops call, behind one small interface so that a faster
// implementation (WebAssembly SIMD) can replace the JavaScript one in one place.

import { gemmJs, type Gemm } from "./matmul.js";

export type { Gemm } from "./matmul.js";

export const kernels: { gemm: Gemm } = {
  gemm: gemmJs,
};
