// The WebAssembly SIMD versions of the kernels, or null where WebAssembly SIMD is missing.
// kernels/index.ts switches sets (useKernels) and hands the JavaScript ones in as fallbacks:
// importing them here would close an import cycle through kernels/index.ts.

import type { Gemm, GemmPacked, PackB } from "../matmul.js";
import type { SoftmaxXentForward } from "../softmax-xent.js";
import { makeCellsWasm, type WasmCells } from "./cells.js";
import type { SwapAxes } from "../layout.js";
import type { AdamUpdate } from "../optim.js";
import type { ColumnSums } from "../reduce.js";
import { makeGemmWasm, makePackedWasm } from "./gemm.js";
import { makeSwapAxesWasm } from "./layout.js";
import { makeAdamWasm } from "./optim.js";
import { makeColumnSumsWasm } from "./reduce.js";
import { compileAsync, wasmHeap, wasmUnavailableReason } from "./module.js";
import { makeSoftmaxXentWasm } from "./softmax-xent.js";
import { ThreadPool } from "./threads.js";

/** The kernels' threads, or null while there is no wasm heap. */
export let wasmPool: ThreadPool | null = wasmHeap === null ? null : new ThreadPool(wasmHeap);

export interface WasmKernels extends WasmCells {
  gemm: Gemm;
  packB: PackB;
  gemmPacked: GemmPacked;
  columnSums: ColumnSums;
  swapAxes: SwapAxes;
  adamUpdate: AdamUpdate;
  softmaxXentForward: SoftmaxXentForward;
}

/** The JavaScript kernels the wasm ones fall back to. */
export type JsFallbacks = Pick<WasmKernels, "columnSums" | "swapAxes" | "adamUpdate" | "softmaxXentForward" | keyof WasmCells>;

/** The wasm kernels, or null where WebAssembly SIMD is missing (wasmUnavailableReason says why). */
export function createWasmKernels(js: JsFallbacks): WasmKernels | null {
  if (wasmHeap === null) return null;
  wasmPool ??= new ThreadPool(wasmHeap);
  const gemm = makeGemmWasm(wasmHeap, wasmPool);
  return {
    ...makeCellsWasm(wasmHeap, js),
    ...makePackedWasm(wasmHeap, wasmPool, gemm),
    gemm,
    columnSums: makeColumnSumsWasm(wasmHeap, js.columnSums),
    swapAxes: makeSwapAxesWasm(wasmHeap, js.swapAxes),
    adamUpdate: makeAdamWasm(wasmHeap, js.adamUpdate),
    softmaxXentForward: makeSoftmaxXentWasm(wasmHeap, js.softmaxXentForward),
  };
}

export { compileAsync, wasmUnavailableReason };
