// The kernels that hot ops call, behind one small interface so that a faster
// implementation (WebAssembly SIMD) can replace the JavaScript one in one place.

import { gemmJs, gemmPackedJs, packBJs, type Gemm, type GemmPacked, type PackB } from "./matmul.js";
import { columnSumsJs, type ColumnSums } from "./reduce.js";
import { swapAxesJs, type SwapAxes } from "./layout.js";
import { adamUpdateJs, type AdamUpdate } from "./optim.js";
import * as cells from "./cells.js";
import type { CellBackward, CellForward } from "./cells.js";
import { softmaxXentBackwardJs, softmaxXentForwardJs, type SoftmaxXentBackward, type SoftmaxXentForward } from "./softmax-xent.js";
import { compileAsync, createWasmKernels, wasmPool, wasmUnavailableReason } from "./wasm/index.js";
import { machineCores, splitCount } from "./wasm/threads.js";
import { floatBuffer, type FloatArray, type FloatDtype } from "../dtype.js";
import { copied, releaseResident as release, residentFloats, wasmHeap } from "./wasm/module.js";
import { describeValue } from "../options.js";

export type { Gemm, GemmPacked, PackB, PackedB } from "./matmul.js";
export { packedB } from "./matmul.js";
export type { ColumnSums } from "./reduce.js";
export type { SwapAxes } from "./layout.js";
export type { AdamConstants, AdamUpdate } from "./optim.js";
export type { CellBackward, CellBuffers, CellForward } from "./cells.js";
export type { SoftmaxXentBackward, SoftmaxXentForward, SoftmaxXentSaved, SoftmaxXentSpec } from "./softmax-xent.js";

export const kernels: {
  gemm: Gemm;
  packB: PackB;
  gemmPacked: GemmPacked;
  columnSums: ColumnSums;
  swapAxes: SwapAxes;
  adamUpdate: AdamUpdate;
  rnnTanhForward: CellForward;
  rnnTanhBackward: CellBackward;
  rnnReluForward: CellForward;
  rnnReluBackward: CellBackward;
  gruForward: CellForward;
  gruBackward: CellBackward;
  lstmForward: CellForward;
  lstmBackward: CellBackward;
  softmaxXentForward: SoftmaxXentForward;
  softmaxXentBackward: SoftmaxXentBackward;
} = {
  gemm: gemmJs,
  packB: packBJs,
  gemmPacked: gemmPackedJs,
  columnSums: columnSumsJs,
  swapAxes: swapAxesJs,
  adamUpdate: adamUpdateJs,
  rnnTanhForward: cells.rnnTanhForwardJs,
  rnnTanhBackward: cells.rnnTanhBackwardJs,
  rnnReluForward: cells.rnnReluForwardJs,
  rnnReluBackward: cells.rnnReluBackwardJs,
  gruForward: cells.gruForwardJs,
  gruBackward: cells.gruBackwardJs,
  lstmForward: cells.lstmForwardJs,
  lstmBackward: cells.lstmBackwardJs,
  softmaxXentForward: softmaxXentForwardJs,
  softmaxXentBackward: softmaxXentBackwardJs,
};

/** The JavaScript implementations: the fallback, and what `useKernels("js")` restores. */
const jsKernels = { ...kernels };
let wasmKernels = createWasmKernels(jsKernels);

export type KernelSet = "wasm" | "js";
let inUse: KernelSet = "js";
/** Whether the user (useKernels, UNROLL_KERNELS) chose a set; then ready() keeps it. */
let chosen = false;

/**
 * Choose the kernel implementations: "wasm" (WebAssembly SIMD, the default where the
 * runtime has it; UNROLL_KERNELS=js in the environment starts with "js") or "js".
 * Example: `useKernels("js")` to compare results or timings with the fallback.
 */
export function useKernels(which: KernelSet): void {
  if (which !== "wasm" && which !== "js") {
    throw new TypeError(`useKernels: expected "wasm" or "js", got ${describeValue(which)}`);
  }
  if (which === "wasm" && wasmKernels === null) throw new Error(`useKernels: ${wasmUnavailableReason}`);
  select(which);
  chosen = true;
}

function select(which: KernelSet): void {
  Object.assign(kernels, jsKernels, which === "wasm" ? wasmKernels : {});
  inUse = which;
}

/**
 * Resolves once the kernels are in use, with the set that is: "wasm" where WebAssembly
 * SIMD loads, else "js". Where the synchronous compile at import was refused (large
 * modules on some browsers' main thread), compiles them with WebAssembly.compile first.
 * Example: `await ready(); // then train`.
 */
export async function ready(): Promise<KernelSet> {
  if (wasmKernels === null) {
    await compileAsync();
    wasmKernels = createWasmKernels(jsKernels);
    wasmPool?.resize(threadsWanted);
    if (wasmKernels !== null && !chosen) select("wasm");
  }
  return inUse;
}

/** Which kernel set is active. Example: `if (kernelsInUse() === "js") console.warn("no SIMD")`. */
export function kernelsInUse(): KernelSet {
  return inUse;
}

// The starting set: UNROLL_KERNELS when given (read through globalThis: browsers have no
// `process`), else wasm where it loaded. An unknown value is a mistake worth stopping for.
const requested = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.UNROLL_KERNELS;
if (requested !== undefined && requested !== "" && requested !== "js" && requested !== "wasm") {
  throw new TypeError(`UNROLL_KERNELS: expected "wasm" or "js", got ${JSON.stringify(requested)}`);
}
if (requested === "wasm") useKernels("wasm");
else if (requested === "js") chosen = true;
else if (wasmKernels !== null) select("wasm");

/**
 * Counters of the kernels since they loaded: `copiedFloats`, the floats copied into and out
 * of WebAssembly memory, `splitCalls`, the products split across threads, and
 * `workerParts`, the parts of those that worker threads ran (the caller runs a part
 * itself when its worker has not started it yet).
 * Example: `const c0 = kernelStats().copiedFloats` before a step.
 */
export function kernelStats(): { copiedFloats: number; splitCalls: number; workerParts: number } {
  return { copiedFloats: copied.floats, splitCalls: splitCount.calls, workerParts: splitCount.workerParts };
}

/**
 * Run the WebAssembly kernels on n threads (the caller's and n - 1 workers over one shared
 * memory). Results have the same bits for any n. Where SharedArrayBuffer or workers are
 * missing (a browser page that is not crossOriginIsolated) it stays at one thread:
 * `numThreads()` says how many are in use. The default is UNROLL_THREADS or the machine's cores.
 * Example: `setNumThreads(1)` for a reproducible single-core timing.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: n must be a positive integer, got ${String(n)}`);
  threadsWanted = n;
  wasmPool?.resize(n);
}
let threadsWanted = 1;

/** Threads the WebAssembly kernels run on (1 without shared memory). Example: `console.log(numThreads())`. */
export function numThreads(): number {
  return wasmPool === null ? 1 : wasmPool.size;
}

const threadsEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.UNROLL_THREADS;
if (threadsEnv !== undefined && threadsEnv !== "" && !/^[1-9][0-9]*$/.test(threadsEnv)) {
  throw new TypeError(`UNROLL_THREADS: expected a positive integer, got ${JSON.stringify(threadsEnv)}`);
}
setNumThreads(threadsEnv ? Number(threadsEnv) : machineCores());

/**
 * A zeroed float buffer that lives inside the WebAssembly kernels' shared memory, so that
 * kernels read and write it in place instead of copying it in and out each call; an
 * ordinary buffer where the memory is not shared. For long-lived buffers (parameters,
 * a layer's workspaces): it stays until `releaseResident(a)`, or until `owner` (default:
 * the buffer itself) is garbage collected.
 * Example: `const states = residentBuffer("float32", T * B * H, workspace)`.
 */
export function residentBuffer(dtype: FloatDtype, n: number, owner?: object): FloatArray {
  return (wasmHeap && residentFloats(wasmHeap, dtype === "float32", n, owner)) ?? floatBuffer(dtype, n);
}

/** Give a residentBuffer back now (a no-op for an ordinary buffer); nothing may use it after. */
export function releaseResident(a: FloatArray): void {
  if (wasmHeap !== null) release(wasmHeap, a);
}

/**
 * d[0:cols] (+)= Σ_rows g[rows, cols] (from gOff), e.g. a bias gradient, on the active
 * kernel set: rows in order, one running sum a column.
 * Example: `columnSums(db, 0, dout, 0, n, outF, false)`.
 */
export function columnSums(d: FloatArray, dOff: number, g: FloatArray, gOff: number, rows: number, cols: number, accumulate: boolean): void {
  kernels.columnSums(d, dOff, g, gOff, rows, cols, accumulate);
}
