// Loads the WebAssembly SIMD kernels (assembly/, embedded base64 in bytes.ts) synchronously
// and owns their memory: scratch for packing at `work`, operands copied in from `data` on.
// The relaxed-SIMD build (FMA in gemm) is tried first; runtimes without relaxed SIMD
// reject it at compile time and get the plain SIMD build.
//
// The memory is sized up front and, when an operand does not fit, replaced by a bigger one
// with a fresh instance of the same compiled module, never grown: Memory.grow detaches the
// old ArrayBuffer, and one detached buffer anywhere in the process makes V8 check every
// typed-array access from then on (measured 1.3-1.9x slower JavaScript).

import type { FloatArray } from "../../dtype.js";
import { wasmBase64, wasmRelaxedBase64 } from "./bytes.js";

/** The functions that assembly/index.ts exports (pointers are byte addresses). */
export interface KernelExports {
  heapBase(): number;
  gemmWorkBytes(): number;
  sgemm: GemmExport;
  dgemm: GemmExport;
  tanhF32: Unary;
  tanhF64: Unary;
  rnnTanhForwardF32: RnnForward;
  rnnTanhForwardF64: RnnForward;
  rnnReluForwardF32: RnnForward;
  rnnReluForwardF64: RnnForward;
  rnnTanhBackwardF32: RnnBackward;
  rnnTanhBackwardF64: RnnBackward;
  rnnReluBackwardF32: RnnBackward;
  rnnReluBackwardF64: RnnBackward;
  gruForwardF32: GruForward;
  gruForwardF64: GruForward;
  gruBackwardF32: GruBackward;
  gruBackwardF64: GruBackward;
  lstmForwardF32: LstmForward;
  lstmForwardF64: LstmForward;
  lstmBackwardF32: LstmBackward;
  lstmBackwardF64: LstmBackward;
  softmaxRowsF32: SoftmaxRows;
  softmaxRowsF64: SoftmaxRows;
  expF32: Unary;
  expF64: Unary;
}

export type GemmExport = (
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: number, b: number, c: number, accumulate: boolean, work: number,
) => void;
type Unary = (z: number, n: number) => void;
// The cell kernels of assembly/cells.ts: outputs first, then inputs, then sizes.
type RnnForward = (h: number, gx: number, gh: number, b: number, rows: number, H: number) => void;
type RnnBackward = (dz: number, dh: number, y: number, dy: number, n: number) => void;
type GruForward = (h: number, saved: number, gx: number, gh: number, b: number, hPrev: number, rows: number, H: number) => void;
type GruBackward = (dgx: number, dgh: number, dh: number, saved: number, hPrev: number, dy: number, rows: number, H: number) => void;
type LstmForward = (h: number, c: number, saved: number, gx: number, gh: number, b: number, cPrev: number, rows: number, H: number) => void;
type LstmBackward = (dgx: number, dh: number, dc: number, saved: number, cPrev: number, dy: number, dcy: number, rows: number, H: number) => void;
type SoftmaxRows = (x: number, exps: number, rowMax: number, rowSum: number, rows: number, cols: number) => void;

// The few WebAssembly JS-API members used here, typed locally: the shared tsconfig has no
// DOM lib, and @types/node does not declare the WebAssembly namespace.
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Up front: packing scratch (~4.3 MB) plus operands up to 1024×1024 float32 (12 MB), virtual until touched. */
const INITIAL_BYTES = 32 << 20;
/** wasm32 addresses 4 GB; beyond what fits under this, callers fall back to JavaScript. */
export const MAX_BYTES = 2 ** 31;

export const align64 = (x: number): number => (x + 63) & ~63;

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A kernel instance with its memory; `reserve` makes room for the operands of one call. */
export class WasmHeap {
  exports!: KernelExports;
  f32!: Float32Array;
  f64!: Float64Array;
  /** Byte address of the scratch the kernels pack into. */
  readonly work: number;
  /** Byte address where a call's operands start. */
  readonly data: number;

  constructor(
    private readonly api: WasmApi,
    private readonly module: object,
  ) {
    this.instantiate(INITIAL_BYTES);
    this.work = align64(this.exports.heapBase());
    this.data = align64(this.work + this.exports.gemmWorkBytes());
  }

  private instantiate(bytes: number): void {
    const memory = new this.api.Memory({ initial: Math.ceil(bytes / PAGE) });
    const instance = new this.api.Instance(this.module, { env: { memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.f32 = new Float32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
  }

  /** Make byte addresses below `end` usable (end <= MAX_BYTES), replacing the memory if needed. */
  reserve(end: number): void {
    if (end <= this.f64.byteLength) return;
    // A quarter of headroom so that a slowly growing workload does not replace it every call.
    this.instantiate(Math.min(MAX_BYTES, Math.max(end * 1.25, 2 * this.f64.byteLength)));
  }
}

/**
 * Byte addresses of consecutive 64-byte-aligned blocks of `counts[i]` elements of
 * `bytes` each, from heap.data on, with the memory reserved for them; null when they
 * would not fit in wasm32 memory (callers then run the JavaScript kernel). Reserve
 * before copying anything in: replacing the memory loses what was there.
 */
export function layout(heap: WasmHeap, bytes: number, counts: readonly number[]): number[] | null {
  const at: number[] = [];
  let end = heap.data;
  for (const n of counts) {
    at.push(end);
    end = align64(end + n * bytes);
  }
  if (end > MAX_BYTES) return null;
  heap.reserve(end);
  return at;
}

/** The wasm memory as float32 or float64 elements, and the shift from byte address to index. */
export function view(heap: WasmHeap, f32: boolean): { mem: Float32Array | Float64Array; shift: number } {
  return f32 ? { mem: heap.f32, shift: 2 } : { mem: heap.f64, shift: 3 };
}

/** Floats copied into and out of wasm memory since the kernels loaded (kernelStats reads it). */
export const copied = { floats: 0 };

/** Copy n elements of src from `off` into the memory at byte address `p`. */
export function copyIn(heap: WasmHeap, src: FloatArray, off: number, n: number, p: number): void {
  const { mem, shift } = view(heap, src instanceof Float32Array);
  mem.set(span(src, off, n), p >> shift);
  copied.floats += n;
}

/** Copy n elements from byte address `p` into dst from `off`. */
export function copyOut(heap: WasmHeap, p: number, n: number, dst: FloatArray, off: number): void {
  const { mem, shift } = view(heap, dst instanceof Float32Array);
  dst.set(mem.subarray(p >> shift, (p >> shift) + n), off);
  copied.floats += n;
}

/** `len` elements of x from `off`, without a new view when that is all of x. */
export function span<A extends Float32Array | Float64Array>(x: A, off: number, len: number): A {
  return off === 0 && x.length === len ? x : (x.subarray(off, off + len) as A);
}

/** Which build runs: "relaxed-simd" (with FMA), "simd", or null (JavaScript kernels only). */
export type WasmVariant = "relaxed-simd" | "simd";

/** The kernels' heap, or null where WebAssembly SIMD is missing (then JavaScript kernels run). */
function load(): { heap: WasmHeap | null; variant: WasmVariant | null; reason: string } {
  if (WA === undefined) return { heap: null, variant: null, reason: "WebAssembly is not available" };
  const builds: [WasmVariant, string][] = [
    ["relaxed-simd", wasmRelaxedBase64],
    ["simd", wasmBase64],
  ];
  let reason = "";
  for (const [variant, base64] of builds) {
    try {
      return { heap: new WasmHeap(WA, new WA.Module(decodeBase64(base64))), variant, reason: "" };
    } catch (e) {
      reason = `the WebAssembly SIMD kernels did not load: ${(e as Error).message}`;
    }
  }
  return { heap: null, variant: null, reason };
}

const loaded = load();
export const wasmHeap: WasmHeap | null = loaded.heap;
export const wasmVariant: WasmVariant | null = loaded.variant;
/** Why wasmHeap is null ("" when it is not). */
export const wasmUnavailableReason: string = loaded.reason;
