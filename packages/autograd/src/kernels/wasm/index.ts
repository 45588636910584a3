// The WebAssembly SIMD versions of the kernels, or null where WebAssembly SIMD is missing.
// kernels/index.ts switches between these and the JavaScript ones (useKernels), and hands
// the JavaScript ones in as fallbacks (for tiny sizes and mixed dtypes): importing them
// here would close an import cycle through kernels/index.ts.

import type { Gemm } from "../matmul.js";
import type { RnnStepBackward, RnnStepForward } from "../rnn-step.js";
import type { SoftmaxXentForward } from "../softmax-xent.js";
import { makeGemmWasm } from "./gemm.js";
import { wasmHeap, wasmUnavailableReason } from "./module.js";
import { makeRnnStepWasm } from "./rnn-step.js";
import { makeSoftmaxXentWasm } from "./softmax-xent.js";

export interface WasmKernels {
  gemm: Gemm;
  rnnStepForward: RnnStepForward;
  rnnStepBackward: RnnStepBackward;
  softmaxXentForward: SoftmaxXentForward;
}

/** The JavaScript kernels the wasm ones fall back to. */
export type JsFallbacks = Pick<WasmKernels, "rnnStepForward" | "rnnStepBackward" | "softmaxXentForward">;

/** The wasm kernels, or null where WebAssembly SIMD is missing (wasmUnavailableReason says why). */
export function createWasmKernels(js: JsFallbacks): WasmKernels | null {
  if (wasmHeap === null) return null;
  const rnn = makeRnnStepWasm(wasmHeap, { forward: js.rnnStepForward, backward: js.rnnStepBackward });
  return {
    gemm: makeGemmWasm(wasmHeap),
    rnnStepForward: rnn.forward,
    rnnStepBackward: rnn.backward,
    softmaxXentForward: makeSoftmaxXentWasm(wasmHeap, js.softmaxXentForward),
  };
}

export { wasmUnavailableReason };
