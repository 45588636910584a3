// Element types. float64 is the default (every JavaScript number is a double and
// gradient checks need it); float32 is the fast path; int32 holds indices and labels.

import { checkValue, describeValue, dtypeRule } from "./options.js";

export type Dtype = "float64" | "float32" | "int32";
export type FloatDtype = "float64" | "float32";
export type TypedArray = Float64Array | Float32Array | Int32Array;
export type FloatArray = Float64Array | Float32Array;

let defaultDtype: FloatDtype = "float64";

/** Set the dtype that creation functions use when none is given, as `torch.set_default_dtype`. */
export function setDefaultDtype(dtype: FloatDtype): void {
  if (dtype !== "float64" && dtype !== "float32") {
    throw new TypeError(`setDefaultDtype: dtype must be "float64" or "float32", got ${describeValue(dtype)}`);
  }
  defaultDtype = dtype;
}

export function getDefaultDtype(): FloatDtype {
  return defaultDtype;
}

export function checkDtype(op: string, dtype: unknown): Dtype {
  return checkValue<Dtype>(op, "dtype", dtype, { ...dtypeRule, required: true });
}

/** The most elements one tensor may hold: the typed-array length limit of V8 (Node, Chrome). */
export const MAX_ELEMENTS = 2 ** 32;

const BYTES: Record<Dtype, number> = { float64: 8, float32: 4, int32: 4 };

function bytes(n: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v.toPrecision(3)} ${units[u]}`;
}

/**
 * A zeroed buffer of `size` elements. Too large a size is a RangeError naming `op`, the
 * elements and bytes asked for and the limit, not the runtime's "Invalid typed array length".
 * Example: `allocate("float32", sizeOf(shape), "zeros")`.
 */
export function allocate(dtype: Dtype, size: number, op = "allocate"): TypedArray {
  if (!(size <= MAX_ELEMENTS)) throw sizeError(op, dtype, size, `more than the ${MAX_ELEMENTS} elements one tensor can hold`);
  try {
    switch (dtype) {
      case "float64":
        return new Float64Array(size);
      case "float32":
        return new Float32Array(size);
      case "int32":
        return new Int32Array(size);
    }
  } catch (e) {
    if (e instanceof RangeError) throw sizeError(op, dtype, size, `the runtime could not allocate them (${e.message})`);
    throw e;
  }
}

/** Throw the allocation error of `allocate` before building anything of `size` elements. */
export function checkAllocation(op: string, dtype: Dtype, size: number): void {
  if (!(size <= MAX_ELEMENTS)) throw sizeError(op, dtype, size, `more than the ${MAX_ELEMENTS} elements one tensor can hold`);
}

function sizeError(op: string, dtype: Dtype, size: number, why: string): RangeError {
  return new RangeError(`${op}: asked for ${size} ${dtype} elements (${bytes(size * BYTES[dtype])}): ${why}`);
}

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

/**
 * The one int32 rule, on every path into an int32 tensor: each value must be an integer
 * in [-2^31, 2^31 - 1] (no truncation, no wrapping, no NaN). `where(i)` names position i.
 */
export function checkInt32(op: string, values: ArrayLike<number>, where: (i: number) => string = (i) => `at flat position ${i}`): void {
  if (values instanceof Int32Array) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX)) throw int32Error(op, v, where(i));
  }
}

function int32Error(op: string, v: unknown, where: string): Error {
  const got = typeof v === "number" ? String(v) : JSON.stringify(v) ?? String(v);
  const msg = `${op}: int32 needs integers from ${INT32_MIN} to ${INT32_MAX}, got ${got}${where ? ` ${where}` : ""}`;
  return typeof v === "number" && Number.isInteger(v) ? new RangeError(msg) : new TypeError(msg);
}

export function dtypeOf(array: TypedArray): Dtype {
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Int32Array) return "int32";
  throw new TypeError(`dtypeOf: ${Object.prototype.toString.call(array)} is not a tensor buffer (Float64Array, Float32Array or Int32Array)`);
}

/**
 * The dtype of an op on two tensors. Like PyTorch, float32 with float64 promotes to
 * float64, and an integer tensor with a float one takes the float dtype.
 */
export function promote(a: Dtype, b: Dtype): Dtype {
  if (a === b) return a;
  if (a === "int32") return b;
  if (b === "int32") return a;
  return "float64";
}

export function isFloat(dtype: Dtype): dtype is FloatDtype {
  return dtype !== "int32";
}

/** A zeroed float buffer of `n` elements: float32 for "float32", float64 otherwise. Example: `floatBuffer(t.dtype, 8)`. */
export function floatBuffer(dtype: Dtype, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}
