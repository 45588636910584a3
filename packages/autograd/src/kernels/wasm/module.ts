// Loads the WebAssembly SIMD kernels (assembly/, base64 in bytes.ts) and owns their memory:
// packing scratch per thread from `work`, each call's copied operands and the resident
// blocks from `data`. Why it is shared, or replaced rather than grown: PERFORMANCE.md.

import type { FloatArray } from "../../dtype.js";
import { wasmBase64, wasmRelaxedBase64 } from "./bytes.js";

/** The functions that assembly/index.ts exports (pointers are byte addresses). */
export interface KernelExports {
  heapBase(): number;
  gemmWorkBytes(): number;
  sgemm: GemmExport;
  dgemm: GemmExport;
  sgemmBlock: GemmBlockExport;
  dgemmBlock: GemmBlockExport;
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
  packBF32: PackBExport;
  packBF64: PackBExport;
  packedBLengthF32(k: number, n: number): number;
  packedBLengthF64(k: number, n: number): number;
  sgemmPacked: GemmPackedExport;
  dgemmPacked: GemmPackedExport;
  swapAxes(dst: number, dstPitch: number, src: number, srcPitch: number, A: number, B: number, rowBytes: number): void;
  adamF32: AdamExport;
  adamF64: AdamExport;
  columnSumsF32: ColumnSumsExport;
  columnSumsF64: ColumnSumsExport;
}

export type GemmExport = (
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: number, b: number, c: number, accumulate: boolean, work: number,
) => void;
export type GemmBlockExport = (
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: boolean, work: number,
) => void;
export type GemmPackedExport = (
  transA: boolean, m: number, n: number, k: number, a: number, lda: number, pb: number, c: number, ldc: number, accumulate: boolean, work: number,
) => void;
type PackBExport = (transB: boolean, k: number, n: number, b: number, dst: number) => void;
type Unary = (z: number, n: number) => void;
// The cell kernels of assembly/cells.ts: outputs first, then inputs, then sizes.
type RnnForward = (h: number, gx: number, gh: number, b: number, rows: number, H: number) => void;
type RnnBackward = (dz: number, dh: number, y: number, dy: number, n: number) => void;
type GruForward = (h: number, saved: number, gx: number, gh: number, b: number, hPrev: number, rows: number, H: number) => void;
type GruBackward = (dgx: number, dgh: number, dh: number, saved: number, hPrev: number, dy: number, rows: number, H: number) => void;
type LstmForward = (h: number, c: number, saved: number, gx: number, gh: number, b: number, cPrev: number, rows: number, H: number) => void;
type LstmBackward = (dgx: number, dh: number, dc: number, saved: number, cPrev: number, dy: number, dcy: number, rows: number, H: number) => void;
type AdamExport = (
  p: number, g: number, m: number, v: number, vMax: number, n: number,
  stepSize: number, bias2Sqrt: number, beta1: number, beta2: number, eps: number, shrink: number, l2: number, sign: number,
) => void;
type ColumnSumsExport = (d: number, g: number, rows: number, cols: number, accumulate: boolean) => void;
type SoftmaxRows = (x: number, exps: number, rowMax: number, rowSum: number, rows: number, cols: number) => void;

// The few WebAssembly JS-API members used here, typed locally: the shared tsconfig has no
// DOM lib, and @types/node does not declare the WebAssembly namespace.
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  compile(bytes: Uint8Array): Promise<object>;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}
export interface WasmMemory {
  buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Up front: packing scratch (~4.3 MB a thread) plus operands up to 1024×1024 float32 (12 MB), virtual until touched. */
const INITIAL_BYTES = 96 << 20;
/** The memory's maximum (build-wasm.mjs's --maximumMemory); beyond it, callers fall back to JavaScript. */
export const MAX_BYTES = 2 ** 31;
/** Threads whose packing scratch is laid out (the pool never grows past it). */
export const MAX_THREADS = 16;
/** Bytes of one thread's slot in the control block that the pool synchronises on (threads.ts). */
export const CONTROL_SLOT_BYTES = 256;
export const CONTROL_BYTES = CONTROL_SLOT_BYTES * (MAX_THREADS + 1);

export const align64 = (x: number): number => (x + 63) & ~63;

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * A kernel instance with its memory; `reserve` makes room for the operands of one call.
 * Layout from heapBase() on: the pool's control block, one packing scratch per thread
 * (`workOf(j)`; thread 0 is this one), then each call's operands from `data`.
 */
export class WasmHeap {
  exports!: KernelExports;
  memory!: WasmMemory;
  f32!: Float32Array;
  f64!: Float64Array;
  /** Byte address of the pool's control block. */
  readonly control: number;
  /** Bytes of one thread's packing scratch. */
  readonly workBytes: number;
  /** Byte address of this thread's packing scratch. */
  readonly work: number;
  /** Byte address where a call's operands start. */
  readonly data: number;

  constructor(
    private readonly api: WasmApi,
    /** The compiled module; its memory import is shared when `shared`. */
    readonly module: object,
    /** True when the memory is a shared WebAssembly.Memory (threads can run on it). */
    readonly shared: boolean,
  ) {
    this.instantiate(INITIAL_BYTES);
    this.control = align64(this.exports.heapBase());
    this.workBytes = align64(this.exports.gemmWorkBytes());
    this.work = this.control + CONTROL_BYTES;
    this.data = this.workOf(shared ? MAX_THREADS : 1);
  }

  /** Byte address of thread j's packing scratch. */
  workOf(j: number): number {
    return this.work + j * this.workBytes;
  }

  private instantiate(bytes: number): void {
    const memory = new this.api.Memory({ initial: Math.ceil(bytes / PAGE), maximum: MAX_BYTES / PAGE, shared: this.shared });
    const instance = new this.api.Instance(this.module, { env: { memory } });
    this.memory = memory;
    this.exports = instance.exports as unknown as KernelExports;
    this.views();
  }

  private views(): void {
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  // Resident blocks (shared memory only): first free byte above them, free blocks by size.
  private top = 0;
  private readonly freeBlocks = new Map<number, number[]>();
  /** Every ArrayBuffer the memory has had (a shared memory gets a new one at each grow). */
  private readonly buffers = new Set<ArrayBufferLike>();
  // The block each call's copied operands go to (layout), reused while big enough.
  private scratchAt = 0;
  private scratchBytes = 0;

  /** Byte address of a zeroed block of `bytes` (64-aligned) that stays put, or -1 when it does not fit; shared memory only. */
  alloc(bytes: number): number {
    bytes = align64(Math.max(bytes, 64));
    const list = this.freeBlocks.get(bytes);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.f32.fill(0, reused >> 2, (reused + bytes) >> 2);
      return reused;
    }
    const at = Math.max(this.top, this.data);
    if (at + bytes > MAX_BYTES) return -1;
    this.reserve(at + bytes);
    this.top = at + bytes;
    return at;
  }

  /** Give a block from alloc back. */
  free(at: number, bytes: number): void {
    bytes = align64(Math.max(bytes, 64));
    let list = this.freeBlocks.get(bytes);
    if (list === undefined) this.freeBlocks.set(bytes, (list = []));
    list.push(at);
  }

  /** The byte address of a[0] when a lives in this memory (resident), else -1. */
  addressOf(a: FloatArray): number {
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }

  /** Byte address of `bytes` of scratch for one call's copied operands. */
  scratch(bytes: number): number {
    if (!this.shared) {
      this.reserve(this.data + bytes);
      return this.data;
    }
    if (bytes > this.scratchBytes) {
      if (this.scratchBytes > 0) this.free(this.scratchAt, this.scratchBytes);
      // A quarter of headroom so that slowly growing calls do not take a new block each time.
      this.scratchBytes = align64(Math.min(MAX_BYTES, bytes * 1.25));
      this.scratchAt = this.alloc(this.scratchBytes);
      if (this.scratchAt < 0) this.scratchBytes = 0;
    }
    return this.scratchAt;
  }

  /** Make byte addresses below `end` usable (end <= MAX_BYTES): grown in place when shared, else replaced. */
  reserve(end: number): void {
    if (end <= this.f64.byteLength) return;
    // A quarter of headroom so that a slowly growing workload does not resize it every call.
    const bytes = Math.min(MAX_BYTES, Math.max(end * 1.25, 2 * this.f64.byteLength));
    if (this.shared) {
      this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE));
      this.views();
    } else {
      this.instantiate(bytes);
    }
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
  let end = 0;
  for (const n of counts) {
    at.push(end);
    end = align64(end + n * bytes);
  }
  if (heap.data + end > MAX_BYTES) return null;
  const base = heap.scratch(end);
  return base < 0 ? null : at.map((a) => base + a);
}

/** The wasm memory as float32 or float64 elements, and the shift from byte address to index. */
export function view(heap: WasmHeap, f32: boolean): { mem: Float32Array | Float64Array; shift: number } {
  return f32 ? { mem: heap.f32, shift: 2 } : { mem: heap.f64, shift: 3 };
}

/** Floats copied into and out of wasm memory since the kernels loaded (kernelStats reads it). */
export const copied = { floats: 0 };

/**
 * Where a kernel finds n elements of src from `off`: their own address when src is
 * resident, else the scratch address `p`, copied in there.
 */
export function copyIn(heap: WasmHeap, src: FloatArray, off: number, n: number, p: number): number {
  const own = heap.addressOf(src);
  if (own >= 0) return own + off * src.BYTES_PER_ELEMENT;
  const { mem, shift } = view(heap, src instanceof Float32Array);
  mem.set(span(src, off, n), p >> shift);
  copied.floats += n;
  return p;
}

/** Where a kernel writes n elements of dst from `off`: their own address when resident, else `p` (copyOut brings them back). */
export function outAddress(heap: WasmHeap, dst: FloatArray, off: number, p: number): number {
  const own = heap.addressOf(dst);
  return own >= 0 ? own + off * dst.BYTES_PER_ELEMENT : p;
}

/** Copy n elements from byte address `p` into dst from `off`, unless p is where they already are. */
export function copyOut(heap: WasmHeap, p: number, n: number, dst: FloatArray, off: number): void {
  const own = heap.addressOf(dst);
  if (own >= 0 && own + off * dst.BYTES_PER_ELEMENT === p) return;
  const { mem, shift } = view(heap, dst instanceof Float32Array);
  dst.set(mem.subarray(p >> shift, (p >> shift) + n), off);
  copied.floats += n;
}

/**
 * A zeroed float buffer of n elements inside the kernels' shared memory, or null where the
 * memory is not shared. It stays until `releaseResident` (or, when `owner` is given, until
 * owner is garbage collected; without one, until the buffer itself is).
 */
export function residentFloats(heap: WasmHeap, f32: boolean, n: number, owner?: object): FloatArray | null {
  if (!heap.shared) return null;
  const size = f32 ? 4 : 8;
  const at = heap.alloc(n * size);
  if (at < 0) return null;
  const a = f32 ? new Float32Array(heap.memory.buffer, at, n) : new Float64Array(heap.memory.buffer, at, n);
  blocks.set(a, at);
  finalizer?.register(owner ?? a, { at, bytes: n * size, heap }, a);
  return a;
}

/** Give a buffer from residentFloats back (its views must not be used after). */
export function releaseResident(heap: WasmHeap, a: FloatArray): void {
  const at = blocks.get(a);
  if (at === undefined) return;
  blocks.delete(a);
  finalizer?.unregister(a);
  heap.free(at, a.byteLength);
}

const blocks = new WeakMap<FloatArray, number>();
const finalizer =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<{ at: number; bytes: number; heap: WasmHeap }>(({ at, bytes, heap }) => heap.free(at, bytes))
    : null;

/** `len` elements of x from `off`, without a new view when that is all of x. */
export function span<A extends Float32Array | Float64Array>(x: A, off: number, len: number): A {
  return off === 0 && x.length === len ? x : (x.subarray(off, off + len) as A);
}

/** Which build runs: "relaxed-simd" (with FMA), "simd", or null (JavaScript kernels only). */
export type WasmVariant = "relaxed-simd" | "simd";

/**
 * The same module with its memory import marked shared: the import's limits flag 0x01
 * (a maximum) becomes 0x03 (a maximum, shared). The kernels use no atomic instructions,
 * so the code is valid either way; the threads synchronise from JavaScript.
 */
export function withSharedMemory(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const leb = (at: number): [number, number] => {
    let v = 0, shift = 0, b = 0;
    do {
      b = out[at++];
      v |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return [v >>> 0, at];
  };
  let at = 8; // magic and version
  while (at < out.length) {
    const id = out[at];
    const [size, body] = leb(at + 1);
    if (id === 2) {
      let [count, p] = leb(body);
      for (; count > 0; count--) {
        for (let name = 0; name < 2; name++) {
          const [len, q] = leb(p);
          p = q + len;
        }
        const kind = out[p++];
        if (kind === 2) {
          if (out[p] !== 1) throw new Error("the kernels' memory import has no maximum");
          out[p] = 3;
          return out;
        }
        if (kind === 0) p = leb(p)[1]; // a function import: its type index
        else throw new Error(`unexpected import kind ${kind} in the kernels`);
      }
    }
    at = body + size;
  }
  throw new Error("the kernels import no memory");
}

// i8x16.relaxed_swizzle on two splats: valid only where relaxed SIMD is (wasm-feature-detect's probe).
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11,
]);

interface Loaded {
  heap: WasmHeap | null;
  variant: WasmVariant | null;
  reason: string;
}

/**
 * The kernels' heap from the first build and memory kind that `compile` accepts (relaxed
 * SIMD only where the runtime validates it; a shared memory where SharedArrayBuffer
 * exists, in browsers a crossOriginIsolated page), or null and why none did.
 */
function* attempts(api: WasmApi): Generator<[WasmVariant, Uint8Array, boolean]> {
  const builds: [WasmVariant, string][] = api.validate(RELAXED_SIMD_PROBE) ? [["relaxed-simd", wasmRelaxedBase64], ["simd", wasmBase64]] : [["simd", wasmBase64]];
  const canShare = typeof SharedArrayBuffer === "function";
  for (const [variant, base64] of builds) {
    const bytes = decodeBase64(base64);
    for (const shared of canShare ? [true, false] : [false]) yield [variant, shared ? withSharedMemory(bytes) : bytes, shared];
  }
}

const failed = (e: unknown) => `the WebAssembly SIMD kernels did not load: ${(e as Error).message}`;

/** The kernels' heap, or null where WebAssembly SIMD is missing (then JavaScript kernels run). */
function load(): Loaded {
  if (WA === undefined) return { heap: null, variant: null, reason: "WebAssembly is not available" };
  let reason = "";
  for (const [variant, bytes, shared] of attempts(WA)) {
    try {
      return { heap: new WasmHeap(WA, new WA.Module(bytes), shared), variant, reason: "" };
    } catch (e) {
      reason = failed(e);
    }
  }
  return { heap: null, variant: null, reason };
}

function use(loaded: Loaded): void {
  wasmHeap = loaded.heap;
  wasmVariant = loaded.variant;
  wasmUnavailableReason = loaded.reason;
}

export let wasmHeap: WasmHeap | null = null;
export let wasmVariant: WasmVariant | null = null;
/** Why wasmHeap is null ("" when it is not). */
export let wasmUnavailableReason = "";
use(load());

/**
 * Compile the kernels with WebAssembly.compile when the synchronous compile at import did
 * not give them (the browsers that refuse it on their main thread); resolves once tried.
 */
export async function compileAsync(): Promise<void> {
  if (wasmHeap !== null || WA === undefined) return;
  for (const [variant, bytes, shared] of attempts(WA)) {
    try {
      use({ heap: new WasmHeap(WA, await WA.compile(bytes), shared), variant, reason: "" });
      return;
    } catch (e) {
      wasmUnavailableReason = failed(e);
    }
  }
}
