// Making tensors: from JavaScript values, filled, ranged or random.

import ndarray from "ndarray";
import { allocate, checkInt32, dtypeOf, getDefaultDtype, type Dtype, type TypedArray } from "./dtype.js";
import { checkOptions, describeValue, dtypeRule, rngRule, type OptionSchema } from "./options.js";
import { getDefaultRng, type Rng } from "./random.js";
import { flat, fmt, sizeOf } from "./strides.js";
import { fromFlat, Tensor } from "./tensor.js";

export interface TensorOptions {
  dtype?: Dtype;
  requiresGrad?: boolean;
}

/** Options of the random creation functions: a TensorOptions plus the generator. */
export interface RandomOptions extends TensorOptions {
  rng?: Rng;
}

export type NestedArray = number | readonly NestedArray[];

/** Other integer typed arrays, read into int32 (every value must fit). */
export type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Uint32Array;

interface NdArrayLike {
  data: ArrayLike<number>;
  shape: number[];
  stride: number[];
  offset: number;
}

const TENSOR_SCHEMA: OptionSchema<TensorOptions> = { dtype: dtypeRule, requiresGrad: "boolean" };
const RANDOM_SCHEMA: OptionSchema<RandomOptions> = { ...TENSOR_SCHEMA, rng: rngRule };

function isNdArray(x: unknown): x is NdArrayLike {
  return typeof x === "object" && x !== null && "shape" in x && "stride" in x && "offset" in x && "data" in x;
}

function finish(op: string, data: TypedArray, shape: readonly number[], opts: TensorOptions): Tensor {
  const t = fromFlat(data, shape);
  if (opts.requiresGrad) {
    if (t.dtype === "int32") throw new TypeError(`${op}: an int32 tensor cannot require grad (only float tensors have gradients)`);
    t.requiresGrad = true;
  }
  return t;
}

/** Non-negative integer dims, or a clear error naming `op` and `arg`. */
export function checkShape(op: string, shape: unknown, arg = "shape"): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: ${arg} must be an array of non-negative integers, got ${describeValue(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (!Number.isSafeInteger(d)) throw new TypeError(`${op}: ${arg} must be an array of non-negative integers, got ${JSON.stringify(shape)} (${arg}[${i}] is ${describeValue(d)})`);
    if ((d as number) < 0) throw new TypeError(`${op}: ${arg} must be an array of non-negative integers, got ${JSON.stringify(shape)} (${arg}[${i}] is ${d})`);
  }
  return shape.slice();
}

/** The dtype a typed array holds, or a TypeError for one no tensor can (BigInt64Array, DataView). */
function sourceDtype(op: string, typed: ArrayBufferView): Dtype {
  if (typed instanceof Float64Array || typed instanceof Float32Array || typed instanceof Int32Array) return dtypeOf(typed);
  if (
    typed instanceof Int8Array || typed instanceof Uint8Array || typed instanceof Uint8ClampedArray ||
    typed instanceof Int16Array || typed instanceof Uint16Array || typed instanceof Uint32Array
  ) return "int32";
  throw new TypeError(`${op}: data ${describeValue(typed)} is not supported; pass a Float64Array, Float32Array, Int32Array or another integer typed array`);
}

/** `values` converted into a new `dtype` buffer, under the one int32 rule. */
function converted(op: string, dtype: Dtype, values: ArrayLike<number>): TypedArray {
  if (dtype === "int32") checkInt32(op, values);
  const out = allocate(dtype, values.length, op);
  out.set(values);
  return out;
}

/**
 * A tensor from a number, nested arrays, a typed array (give `opts.shape`) or an ndarray.
 * Example: `tensor([[1, 2], [3, 4]], { requiresGrad: true })`.
 */
export function tensor(data: NestedArray | TypedArray | IntegerArray | NdArrayLike | Tensor, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  const o = checkOptions<TensorOptions & { shape?: readonly number[] }>("tensor", opts, { ...TENSOR_SCHEMA, shape: {} });
  const shapeOpt = o.shape === undefined ? undefined : checkShape("tensor", o.shape, "options.shape");
  if (data instanceof Tensor) data = data.view as unknown as NdArrayLike;
  if (ArrayBuffer.isView(data)) {
    const typed = data as unknown as ArrayLike<number>;
    const dtype = o.dtype ?? sourceDtype("tensor", data);
    const shape = shapeOpt ?? [typed.length];
    if (sizeOf(shape) !== typed.length) {
      throw new Error(`tensor: shape ${fmt(shape)} needs ${sizeOf(shape)} elements but the typed array has ${typed.length}`);
    }
    return finish("tensor", converted("tensor", dtype, typed), shape, o);
  }
  if (isNdArray(data)) {
    const { values, shape, fromTyped } = readNdArray(data);
    if (shapeOpt !== undefined) throw new TypeError(`tensor: options.shape is only for typed arrays and nested arrays; reshape the ndarray instead`);
    const dtype = o.dtype ?? (fromTyped ? dtypeOf(values) : getDefaultDtype());
    return finish("tensor", converted("tensor", dtype, values), shape, o);
  }
  const dtype = o.dtype ?? getDefaultDtype();
  const shape = inferShape(data as NestedArray);
  const out = allocate(dtype, sizeOf(shape), "tensor");
  let pos = 0;
  const fill = (x: NestedArray): void => {
    if (typeof x === "number") {
      if (dtype === "int32") checkInt32("tensor", [x], () => `at flat position ${pos}`);
      out[pos++] = x;
    } else for (const y of x) fill(y);
  };
  fill(data as NestedArray);
  return finish("tensor", out, shapeOpt === undefined ? shape : reshaped(shape, shapeOpt), o);
}

/**
 * The row-major values of an ndarray-like `{ data, shape, stride, offset }`, after checking
 * that every element it names lies inside `data` (a view that lies is an error, not NaN).
 */
function readNdArray(nd: NdArrayLike): { values: TypedArray; shape: number[]; fromTyped: boolean } {
  const shape = checkShape("tensor", nd.shape, "ndarray shape");
  const stride = nd.stride as unknown;
  if (!Array.isArray(stride) || stride.length !== shape.length || !stride.every((s) => Number.isSafeInteger(s))) {
    throw new TypeError(`tensor: ndarray stride must be ${shape.length} integers (one per dim of shape ${fmt(shape)}), got ${JSON.stringify(stride) ?? describeValue(stride)}`);
  }
  if (!Number.isSafeInteger(nd.offset)) throw new TypeError(`tensor: ndarray offset must be an integer, got ${describeValue(nd.offset)}`);
  const raw = nd.data as unknown;
  let buffer: TypedArray;
  if (ArrayBuffer.isView(raw)) {
    const dtype = sourceDtype("tensor", raw);
    buffer = raw instanceof Float64Array || raw instanceof Float32Array || raw instanceof Int32Array ? raw : converted("tensor", dtype, raw as unknown as ArrayLike<number>);
  } else if (Array.isArray(raw)) {
    const bad = raw.findIndex((v) => typeof v !== "number");
    if (bad >= 0) throw new TypeError(`tensor: ndarray data[${bad}] is ${describeValue(raw[bad])}, expected a number`);
    // An ndarray over a plain Array is read through a float64 copy: flat() only knows typed arrays.
    buffer = Float64Array.from(raw as number[]);
  } else {
    throw new TypeError(`tensor: ndarray data must be a typed array or an array of numbers, got ${describeValue(raw)}`);
  }
  const size = sizeOf(shape);
  if (size > 0) {
    let lo = nd.offset;
    let hi = nd.offset;
    shape.forEach((d, i) => {
      const reach = (d - 1) * (stride as number[])[i];
      if (reach < 0) lo += reach;
      else hi += reach;
    });
    if (lo < 0 || hi >= buffer.length) {
      throw new RangeError(
        `tensor: the ndarray (shape ${fmt(shape)}, stride ${fmt(stride as number[])}, offset ${nd.offset}) reads elements ${lo} to ${hi} ` +
          `but its data has ${buffer.length}`,
      );
    }
  }
  const values = flat(ndarray(buffer, shape, stride as number[], nd.offset) as never);
  return { values, shape, fromTyped: ArrayBuffer.isView(raw) };
}

function reshaped(shape: number[], target: readonly number[]): number[] {
  const t = checkShape("tensor", target);
  if (sizeOf(t) !== sizeOf(shape)) throw new Error(`tensor: shape ${fmt(t)} does not fit the ${sizeOf(shape)} given values`);
  return t;
}

/** The shape of nested arrays; ragged arrays and non-numbers are errors. */
function inferShape(data: NestedArray): number[] {
  if (typeof data === "number") return [];
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected a number, nested arrays of numbers, a typed array or an ndarray, got ${describeValue(data)}`);
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
  const o = checkOptions<TensorOptions>(op, opts, TENSOR_SCHEMA);
  const dtype = o.dtype ?? getDefaultDtype();
  if (typeof value !== "number") throw new TypeError(`${op}: value must be a number, got ${describeValue(value)}`);
  if (dtype === "int32") checkInt32(op, [value], () => "as the value");
  return finish(op, allocate(dtype, sizeOf(s), op).fill(value), s, o);
}

/** 0, 1, ..., n-1. */
export function arange(n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`arange: n must be a non-negative integer, got ${describeValue(n)}`);
  const o = checkOptions<TensorOptions>("arange", opts, TENSOR_SCHEMA);
  const dtype = o.dtype ?? getDefaultDtype();
  if (dtype === "int32" && n > 0) checkInt32("arange", [n - 1], () => "as the last value");
  const out = allocate(dtype, n, "arange");
  for (let i = 0; i < n; i++) out[i] = i;
  return finish("arange", out, [n], o);
}

function random(op: string, shape: readonly number[], opts: RandomOptions, draw: (rng: Rng) => number): Tensor {
  const s = checkShape(op, shape);
  const o = checkOptions<RandomOptions>(op, opts, RANDOM_SCHEMA);
  const dtype = o.dtype ?? getDefaultDtype();
  if (dtype === "int32") throw new TypeError(`${op}: needs a float dtype, got int32`);
  const rng = o.rng ?? getDefaultRng();
  const out = allocate(dtype, sizeOf(s), op);
  for (let i = 0; i < out.length; i++) out[i] = draw(rng);
  return finish(op, out, s, o);
}

/** Standard normal samples. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return random("randn", shape, opts, (rng) => rng.normal());
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return random("rand", shape, opts, (rng) => rng.random());
}

/** Uniform samples in [low, high). Example: `uniform([4, 3], -0.5, 0.5, { rng })`. */
export function uniform(shape: readonly number[], low: number, high: number, opts: RandomOptions = {}): Tensor {
  if (typeof low !== "number" || typeof high !== "number" || !Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new RangeError(`uniform: needs finite low <= high, got low ${describeValue(low)} and high ${describeValue(high)}`);
  }
  return random("uniform", shape, opts, (rng) => low + (high - low) * rng.random());
}
