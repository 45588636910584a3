// Recycled gradient buffers: free lists by dtype and length. Only the engine gives
// buffers back, under the ownership rule in grad-buffers.ts. Why: PERFORMANCE.md.

import { allocate, type Dtype, type TypedArray } from "./dtype.js";

/** Below this, malloc is cheap and the bookkeeping would cost more than it saves. */
const MIN_BYTES = 4096;
/** What the free lists may hold at most; a buffer given back beyond it is left to the GC. */
const MAX_POOLED_BYTES = 64 << 20;

const free: Record<Dtype, Map<number, TypedArray[]>> = { float64: new Map(), float32: new Map(), int32: new Map() };
let pooledBytes = 0;

/** A zeroed buffer of `n` elements: a recycled one when there is one of that length. */
export function takeBuffer(dtype: Dtype, n: number): TypedArray {
  const bytes = n * (dtype === "float64" ? 8 : 4);
  if (bytes >= MIN_BYTES) {
    const list = free[dtype].get(n);
    const buf = list?.pop();
    if (buf !== undefined) {
      pooledBytes -= bytes;
      return buf.fill(0);
    }
  }
  return allocate(dtype, n);
}

/** Give a buffer that nothing references any more back for reuse (a whole buffer, not a view). */
export function giveBuffer(buf: TypedArray): void {
  const bytes = buf.byteLength;
  if (bytes < MIN_BYTES || pooledBytes + bytes > MAX_POOLED_BYTES) return;
  if (buf.byteOffset !== 0 || bytes !== buf.buffer.byteLength) return;
  const dtype: Dtype = buf instanceof Float64Array ? "float64" : buf instanceof Float32Array ? "float32" : "int32";
  const lists = free[dtype];
  let list = lists.get(buf.length);
  if (list === undefined) lists.set(buf.length, (list = []));
  list.push(buf);
  pooledBytes += bytes;
}
