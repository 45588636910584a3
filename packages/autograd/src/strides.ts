// Shapes, strides and contiguity: the one place that knows how an ndarray view maps
// onto its buffer. Kernels call `flat` to get a row-major buffer and never read
// strides themselves.

import ndarray, { type NdArray } from "ndarray";
import ops from "ndarray-ops";
import { allocate, dtypeOf, type Dtype, type FloatArray, type TypedArray } from "./dtype.js";
import { describeValue } from "./options.js";

export type View = NdArray<TypedArray>;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = s;
    s *= shape[i];
  }
  return stride;
}

export function view(data: TypedArray, shape: readonly number[]): View {
  return makeView(data, shape, rowMajorStrides(shape), 0);
}

type ViewFactory = (data: TypedArray, shape: readonly number[], stride: readonly number[], offset: number) => View;
type ViewClass = new (data: TypedArray, ...args: number[]) => View;

// ndarray() finds its view class through Object.prototype.toString and a Buffer check
// on every call, most of the fixed cost of a tiny op. Its view classes take the shape
// and strides as separate arguments and copy them; keep one factory per dtype and rank.
const factories: Record<string, (ViewFactory | undefined)[]> = { float64: [], float32: [], int32: [] };

function factoryFor(C: ViewClass, ndim: number): ViewFactory | null {
  switch (ndim) {
    case 0:
      return (data, _shape, _stride, offset) => new C(data, offset);
    case 1:
      return (data, shape, stride, offset) => new C(data, shape[0], stride[0], offset);
    case 2:
      return (data, shape, stride, offset) => new C(data, shape[0], shape[1], stride[0], stride[1], offset);
    case 3:
      return (data, shape, stride, offset) => new C(data, shape[0], shape[1], shape[2], stride[0], stride[1], stride[2], offset);
    case 4:
      return (data, sh, st, offset) => new C(data, sh[0], sh[1], sh[2], sh[3], st[0], st[1], st[2], st[3], offset);
  }
  return null;
}

/** An ndarray view (it keeps its own copies of shape and stride). */
function makeView(data: TypedArray, shape: readonly number[], stride: readonly number[], offset: number): View {
  const list = factories[dtypeOf(data)];
  const ndim = shape.length;
  const make = list[ndim];
  if (make !== undefined) return make(data, shape, stride, offset);
  const v = ndarray(data, shape.slice(), stride.slice(), offset);
  const f = factoryFor(v.constructor as ViewClass, ndim);
  if (f !== null) list[ndim] = f;
  return v;
}

/** True when the view reads its buffer row-major from offset 0 with nothing else in it. */
export function isPacked(v: View): boolean {
  if (v.offset !== 0 || v.data.length !== v.size) return false;
  return isRowMajor(v);
}

function isRowMajor(v: View): boolean {
  let s = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.stride[i] !== s) return false;
    s *= v.shape[i];
  }
  return true;
}

/**
 * The elements of a view as a row-major buffer: the view's own buffer when it is
 * packed (do not write to it), otherwise a fresh copy.
 */
export function flat(v: View): TypedArray {
  if (isPacked(v)) return v.data;
  if (isRowMajor(v)) return v.data.subarray(v.offset, v.offset + v.size);
  const out = allocate(dtypeOf(v.data), v.size);
  if (v.size > 0) ops.assign(view(out, v.shape), v);
  return out;
}

/**
 * Normalise a possibly negative dim into [0, ndim), or throw naming the op. Pass the
 * shape rather than ndim so that the error can name it. A 0-d tensor takes dim 0 or -1
 * as the tensor itself (reductions, softmax, transpose, as PyTorch), or with
 * `zeroDim: "reject"` is an error (select, narrow: they need a real dim).
 */
export function normDim(op: string, dim: number, shapeOrNdim: number | readonly number[], arg = "dim", zeroDim: "self" | "reject" = "self"): number {
  const ndim = typeof shapeOrNdim === "number" ? shapeOrNdim : shapeOrNdim.length;
  const what = typeof shapeOrNdim === "number" ? `a tensor of ${ndim} dims` : `a tensor of shape ${fmt(shapeOrNdim)}`;
  if (!Number.isInteger(dim)) throw new TypeError(`${op}: ${arg} must be an integer, got ${describeValue(dim)}`);
  if (ndim === 0 && zeroDim === "reject") throw new RangeError(`${op}: cannot be applied to a 0-d tensor (it has no dims; reshape it to [1] first)`);
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi) {
    throw new RangeError(`${op}: ${arg} ${dim} is out of range for ${what} (expected ${lo} to ${hi})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** NumPy broadcasting of two shapes, or a clear error. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: a is ${fmt(a)} but b is ${fmt(b)}; they do not broadcast (dim ${i - n}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** A view of `v` stretched to `shape` with zero strides: no copy. */
export function broadcastView(v: View, shape: readonly number[]): View {
  const n = shape.length;
  const stride = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = v.shape.length - n + i;
    stride[i] = j < 0 || v.shape[j] === 1 ? 0 : v.stride[j];
  }
  return makeView(v.data, shape, stride, v.offset);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Split a shape around `dim` into [outer, n, inner] for reductions along one axis. */
export function aroundDim(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  // A 0-d tensor seen along its dim 0 is one element.
  return [outer, shape.length === 0 ? 1 : shape[dim], inner];
}

/**
 * The row-major values of a view as a `dtype` buffer: the view's own (as `flat`) when it
 * already has that dtype (float64 for anything but "float32"), otherwise a converted copy (a gradient may arrive in another
 * float dtype). Kernels that take one dtype read their operands through this.
 */
export function floatData(v: View, dtype: Dtype): FloatArray {
  const a = flat(v);
  if (dtype === "float32") return a instanceof Float32Array ? a : Float32Array.from(a);
  return a instanceof Float64Array ? a : Float64Array.from(a);
}
