// Sequence lengths, checked once for every op that takes them (the layers and the losses).

import { fmt } from "./strides.js";
import { Tensor } from "./tensor.js";

/** Integer lengths [B]: an int32 Tensor, an Int32Array or numbers. */
export type Lengths = Tensor | Int32Array | readonly number[];

function what(x: unknown): string {
  if (x instanceof Tensor) return `a ${x.dtype} tensor ${fmt(x.shape)}`;
  return x === null ? "null" : Array.isArray(x) ? "an array" : ArrayBuffer.isView(x) ? x.constructor.name : typeof x;
}

/**
 * `value` as an Int32Array after checking it is [B] with each length an integer in
 * [min, max], or null when it is left out. `op` names the caller in errors.
 * Example: `checkLengths("RNN", opts.lengths, B, { min: 1, max: T })`.
 */
export function checkLengths(op: string, value: unknown, batch: number, range: { min: number; max: number }): Int32Array | null {
  if (value === undefined || value === null) return null;
  let lengths: ArrayLike<unknown>;
  let shape: readonly number[];
  if (value instanceof Tensor) {
    if (value.dtype !== "int32") throw new TypeError(`${op}: lengths must be int32, got ${what(value)}`);
    lengths = value.toTypedArray();
    shape = value.shape;
  } else if (value instanceof Int32Array || Array.isArray(value)) {
    lengths = value;
    shape = [value.length];
  } else {
    throw new TypeError(`${op}: lengths must be an int32 Tensor [B], an Int32Array or an array of integers, got ${what(value)}`);
  }
  if (shape.length !== 1 || shape[0] !== batch) throw new Error(`${op}: lengths is ${fmt(shape)} but the batch has B = ${batch}; expected [${batch}]`);
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const v = lengths[b];
    if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${op}: lengths[${b}] is ${typeof v === "number" ? v : JSON.stringify(v) ?? String(v)}, not an integer`);
    if (v < range.min || v > range.max) throw new RangeError(`${op}: lengths[${b}] is ${v}, outside [${range.min}, ${range.max}] (T = ${range.max})`);
    out[b] = v;
  }
  return out;
}
