// Making tensors: from JavaScript values, filled, ranged or random.

import ndarray from "ndarray";
import { allocate, checkDtype, dtypeOf, getDefaultDtype, type Dtype, type TypedArray } from "./dtype.js";
import { getDefaultRng, type Rng } from "./random.js";
import { flat, fmt, sizeOf } from "./strides.js";
import { fromFlat, Tensor } from "./tensor.js";

export interface TensorOptions {
  dtype?: Dtype;
  requiresGrad?: boolean;
  rng?: Rng;
}

export type NestedArray = number | readonly NestedArray[];

interface NdArrayLike {
  data: ArrayLike<number>;
  shape: number[];
  stride: number[];
  offset: number;
}

function isNdArray(x: unknown): x is NdArrayLike {
  return typeof x === "object" && x !== null && "shape" in x && "stride" in x && "offset" in x && "data" in x;
}

function finish(data: TypedArray, shape: readonly number[], opts: TensorOptions): Tensor {
  const t = fromFlat(data, shape);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

function resolveDtype(op: string, opts: TensorOptions, fallback: Dtype = getDefaultDtype()): Dtype {
  if (opts === null || typeof opts !== "object") throw new TypeError(`${op}: options must be an object`);
  return opts.dtype === undefined ? fallback : checkDtype(op, opts.dtype);
}

function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(`${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/**
 * A tensor from a number, nested arrays, a typed array (give `opts.shape`) or an ndarray.
 * Example: `tensor([[1, 2], [3, 4]], { requiresGrad: true })`.
 */
export function tensor(data: NestedArray | TypedArray | NdArrayLike | Tensor, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (data instanceof Tensor) data = data.view as unknown as NdArrayLike;
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    const dtype = resolveDtype("tensor", opts, dtypeOf(typed));
    const shape = opts.shape === undefined ? [typed.length] : checkShape("tensor", opts.shape);
    if (sizeOf(shape) !== typed.length) {
      throw new Error(`tensor: shape ${fmt(shape)} needs ${sizeOf(shape)} elements but the typed array has ${typed.length}`);
    }
    const out = allocate(dtype, typed.length);
    out.set(typed);
    return finish(out, shape, opts);
  }
  if (isNdArray(data)) {
    // An ndarray over a plain Array is read through a float64 copy of its buffer:
    // flat() only knows typed arrays.
    const buffer = ArrayBuffer.isView(data.data) ? data.data : Float64Array.from(data.data);
    const source = ndarray(buffer as TypedArray, data.shape, data.stride, data.offset);
    const values = flat(source);
    const dtype = resolveDtype("tensor", opts, ArrayBuffer.isView(data.data) ? dtypeOf(data.data as TypedArray) : getDefaultDtype());
    const out = allocate(dtype, values.length);
    out.set(values);
    return finish(out, data.shape, opts);
  }
  const dtype = resolveDtype("tensor", opts);
  const shape = inferShape(data as NestedArray);
  const out = allocate(dtype, sizeOf(shape));
  let pos = 0;
  const fill = (x: NestedArray): void => {
    if (typeof x === "number") {
      if (dtype === "int32" && !Number.isInteger(x)) throw new TypeError(`tensor: int32 needs integers, got ${x} at flat position ${pos}`);
      out[pos++] = x;
    } else for (const y of x) fill(y);
  };
  fill(data as NestedArray);
  return finish(out, opts.shape === undefined ? shape : reshaped(shape, opts.shape), opts);
}

function reshaped(shape: number[], target: readonly number[]): number[] {
  const t = checkShape("tensor", target);
  if (sizeOf(t) !== sizeOf(shape)) throw new Error(`tensor: shape ${fmt(t)} does not fit the ${sizeOf(shape)} given values`);
  return t;
}

/** The shape of nested arrays; ragged arrays and non-numbers are errors. */
function inferShape(data: NestedArray): number[] {
  if (typeof data === "number") return [];
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected a number, nested arrays of numbers, a typed array or an ndarray, got ${typeof data}`);
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const check = (x: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof x !== "number") throw new TypeError(`tensor: element ${path} is ${Array.isArray(x) ? "an array" : typeof x}, expected a number (ragged nested arrays?)`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      const got = Array.isArray(x) ? `length ${x.length}` : typeof x;
      throw new Error(`tensor: ragged nested arrays: ${path || "the top level"} has ${got} but expected length ${shape[depth]}`);
    }
    x.forEach((y, i) => check(y, depth + 1, `${path}[${i}]`));
  };
  check(data, 0, "");
  return shape;
}

/** A tensor of `value` everywhere. */
export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  return filled("full", shape, value, opts);
}

/** A tensor of zeros. Example: `zeros([2, 3], { dtype: "float32" })`. */
export function zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled("zeros", shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return filled("ones", shape, 1, opts);
}

// Errors name the function the user called.
function filled(op: string, shape: readonly number[], value: number, opts: TensorOptions): Tensor {
  const s = checkShape(op, shape);
  const dtype = resolveDtype(op, opts);
  if (typeof value !== "number") throw new TypeError(`${op}: value must be a number, got ${typeof value}`);
  if (dtype === "int32" && !Number.isInteger(value)) throw new TypeError(`${op}: int32 needs an integer value, got ${value}`);
  return finish(allocate(dtype, sizeOf(s)).fill(value), s, opts);
}

/** 0, 1, ..., n-1. */
export function arange(n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`arange: n must be a non-negative integer, got ${n}`);
  const out = allocate(resolveDtype("arange", opts), n);
  for (let i = 0; i < n; i++) out[i] = i;
  return finish(out, [n], opts);
}

function random(op: string, shape: readonly number[], opts: TensorOptions, draw: (rng: Rng) => number): Tensor {
  const s = checkShape(op, shape);
  const dtype = resolveDtype(op, opts);
  if (dtype === "int32") throw new TypeError(`${op}: needs a float dtype, got int32`);
  const rng = opts.rng ?? getDefaultRng();
  const out = allocate(dtype, sizeOf(s));
  for (let i = 0; i < out.length; i++) out[i] = draw(rng);
  return finish(out, s, opts);
}

/** Standard normal samples. */
export function randn(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return random("randn", shape, opts, (rng) => rng.normal());
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return random("rand", shape, opts, (rng) => rng.random());
}

/** Uniform samples in [low, high). Example: `uniform([4, 3], -0.5, 0.5, { rng })`. */
export function uniform(shape: readonly number[], low: number, high: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new RangeError(`uniform: needs finite low <= high, got low ${low} and high ${high}`);
  }
  return random("uniform", shape, opts, (rng) => low + (high - low) * rng.random());
}
