// Ops that move or pick elements. transpose, permute, narrow and select return views
// that share the input's buffer (O(1)); reshape is a view when the input is
// row-major. Their backward rules scatter the gradient back into the input's shape.

import ops from "ndarray-ops";
import { allocate, promote, type Dtype, type TypedArray } from "../dtype.js";
import { aroundDim, flat, fmt, normDim, rowMajorStrides, sameShape, sizeOf } from "../strides.js";
import { differentiable, record, type RecordOptions } from "../engine.js";
import { freshGrad } from "../grad-buffers.js";
import { describeValue } from "../options.js";
import { checkTensor, fromFlat, type Tensor } from "../tensor.js";

// Rules written with the ops themselves are their own double backward (see record).
const DIFFERENTIABLE: RecordOptions = { differentiable: true };

/** Swap two dims (a view). Example: `w.transpose(0, 1)`. */
export function transpose(a: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor("transpose", a);
  const d0 = normDim("transpose", dim0, a.shape, "dim0");
  const d1 = normDim("transpose", dim1, a.shape, "dim1");
  // A 0-d tensor transposed along its dim 0 is itself (PyTorch).
  if (a.ndim === 0) return record("transpose", [a], a.view, [], (g) => [g]);
  const dims = a.shape.map((_, i) => i);
  dims[d0] = d1;
  dims[d1] = d0;
  // d transpose (dim0, dim1) / d a = transpose(g, dim0, dim1)
  return record("transpose", [a], a.view.transpose(...dims), permuted(a.shape, dims), (g) => [transpose(g, d0, d1)], DIFFERENTIABLE);
}

function permuted(shape: readonly number[], dims: readonly number[]): number[] {
  return dims.map((d) => shape[d]);
}

function showDims(dims: unknown): string {
  return Array.isArray(dims) && dims.every((d) => typeof d === "number") ? fmt(dims) : describeValue(dims);
}

/** Reorder the dims (a view): output dim i is input dim dims[i]. */
export function permute(a: Tensor, dims: readonly number[]): Tensor {
  checkTensor("permute", a);
  if (!Array.isArray(dims) || dims.length !== a.ndim) {
    throw new Error(`permute: dims ${showDims(dims)} must list each of the ${a.ndim} dims of ${fmt(a.shape)} once`);
  }
  const norm = dims.map((d, i) => normDim("permute", d, a.shape, `dims[${i}]`));
  if (new Set(norm).size !== norm.length) throw new Error(`permute: dims ${showDims(dims)} repeat a dim`);
  const inverse = new Array<number>(norm.length);
  norm.forEach((d, i) => (inverse[d] = i));
  // d permute (dims) / d a = permute(g, inverse of dims)
  return record("permute", [a], a.view.transpose(...norm), permuted(a.shape, norm), (g) => [permute(g, inverse)], DIFFERENTIABLE);
}

/** Same elements, new shape (one -1 is inferred). A view when the input is row-major. */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  checkTensor("reshape", a);
  if (!Array.isArray(shape)) throw new TypeError(`reshape: shape must be an array of integers`);
  const out = shape.slice();
  const free = out.indexOf(-1);
  if (out.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== free))) {
    throw new Error(`reshape: shape ${fmt(shape)} must hold non-negative integers and at most one -1`);
  }
  if (free >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== free));
    if (known === 0 || a.size % known !== 0) throw new Error(`reshape: cannot reshape ${fmt(a.shape)} (${a.size} elements) to ${fmt(shape)}`);
    out[free] = a.size / known;
  }
  if (sizeOf(out) !== a.size) {
    throw new Error(`reshape: cannot reshape ${fmt(a.shape)} (${a.size} elements) to ${fmt(shape)} (${sizeOf(out)} elements)`);
  }
  const x = flat(a.view);
  // d reshape / d a = reshape(g, a.shape)
  return record("reshape", [a], x, out, (g) => [reshape(g, a.shape)], DIFFERENTIABLE);
}

/** `length` elements of `dim` from `start` (a view); a negative start counts from the end, as in PyTorch. */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor("narrow", a);
  const d = normDim("narrow", dim, a.shape, "dim", "reject");
  const n = a.shape[d];
  if (!Number.isInteger(start)) throw new TypeError(`narrow: start must be an integer, got ${describeValue(start)}`);
  if (!Number.isInteger(length)) throw new TypeError(`narrow: length must be an integer, got ${describeValue(length)}`);
  const from = start < 0 ? start + n : start;
  if (from < 0 || length < 0 || from + length > n) {
    throw new RangeError(`narrow: start ${start} and length ${length} do not fit dim ${dim} of size ${n} in ${fmt(a.shape)}`);
  }
  const lo = a.shape.map((_, i) => (i === d ? from : 0));
  const hi = a.shape.map((s, i) => (i === d ? length : s));
  const v = a.view.lo(...lo).hi(...hi);
  // d narrow (dim, start, length) / d a = g at [start, start + length) of dim, 0 elsewhere
  return record("narrow", [a], v, v.shape, (g) => [scatterSlice(g, a.shape, a.dtype, d, from, length)],
    differentiable((g) => [padGraph(g, a.shape, a.dtype, d, from, length)]));
}

/** scatterSlice as ops: g between zero blocks along `dim` (cat), recorded under createGraph. */
function padGraph(g: Tensor, shape: readonly number[], dtype: Dtype, dim: number, start: number, length: number): Tensor {
  const zeros = (n: number): Tensor => {
    const s = shape.slice();
    s[dim] = n;
    return fromFlat(allocate(dtype, sizeOf(s)), s);
  };
  const parts = [g];
  if (start > 0) parts.unshift(zeros(start));
  if (start + length < shape[dim]) parts.push(zeros(shape[dim] - start - length));
  return parts.length === 1 ? g : cat(parts, dim);
}

function scatterSlice(g: Tensor, shape: readonly number[], dtype: Dtype, dim: number, start: number, length: number): Tensor {
  const out = freshGrad(dtype, shape);
  const lo = shape.map((_, i) => (i === dim ? start : 0));
  const hi = shape.map((s, i) => (i === dim ? length : s));
  if (g.size > 0) ops.assign(out.view.lo(...lo).hi(...hi), g.view);
  return out;
}

/** Index `index` of `dim`, which is removed (a view). */
export function select(a: Tensor, dim: number, index: number): Tensor {
  checkTensor("select", a);
  const d = normDim("select", dim, a.shape, "dim", "reject");
  const n = a.shape[d];
  if (!Number.isInteger(index)) throw new TypeError(`select: index must be an integer, got ${describeValue(index)}`);
  if (index < -n || index >= n) {
    throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${n} in ${fmt(a.shape)} (expected ${-n} to ${n - 1})`);
  }
  const i = index < 0 ? index + n : index;
  const pick = a.shape.map((_, k) => (k === d ? i : null));
  const v = a.view.pick(...(pick as number[]));
  // d select (dim, index) / d a = g at index of dim, 0 elsewhere
  const kept = a.shape.slice();
  kept[d] = 1;
  return record("select", [a], v, v.shape, (g) => [scatterSlice(reshape(g, kept), a.shape, a.dtype, d, i, 1)],
    differentiable((g) => [padGraph(reshape(g, kept), a.shape, a.dtype, d, i, 1)]));
}

/** out[..i..] = a[..index[..i..]..] along `dim`; index is int32 shaped like the output. */
export function gather(a: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor("gather", a);
  checkTensor("gather", index, "index");
  const d = normDim("gather", dim, a.shape);
  if (index.dtype !== "int32") throw new TypeError(`gather: index must be int32, got ${index.dtype}`);
  if (index.ndim !== a.ndim) throw new Error(`gather: index is ${fmt(index.shape)} but a is ${fmt(a.shape)}; they need the same number of dims`);
  for (let k = 0; k < a.ndim; k++) {
    if (k !== d && index.shape[k] > a.shape[k]) {
      throw new Error(`gather: index is ${fmt(index.shape)} but a is ${fmt(a.shape)}; dim ${k} of index must not exceed a's`);
    }
  }
  const idx = flat(index.view);
  const n = aroundDim(a.shape, d)[1];
  for (let p = 0; p < idx.length; p++) {
    if (idx[p] < 0 || idx[p] >= n) {
      throw new RangeError(`gather: index value ${idx[p]} at flat position ${p} of index ${fmt(index.shape)} is out of range for dim ${dim} of size ${n} in a ${fmt(a.shape)}`);
    }
  }
  // Offsets into a for every output element, computed once and reused by backward.
  const aStride = rowMajorStrides(a.shape);
  const ishape = index.shape;
  const offsets = new Int32Array(idx.length);
  const pos = new Array<number>(ishape.length).fill(0);
  for (let p = 0; p < idx.length; p++) {
    let off = 0;
    for (let k = 0; k < ishape.length; k++) off += (k === d ? idx[p] : pos[k]) * aStride[k];
    offsets[p] = off;
    for (let k = ishape.length - 1; k >= 0; k--) {
      if (++pos[k] < ishape[k]) break;
      pos[k] = 0;
    }
  }
  const x = flat(a.view);
  const out = allocate(a.dtype, idx.length);
  for (let p = 0; p < out.length; p++) out[p] = x[offsets[p]];
  // d gather (dim, index) / d a = g scatter-added (+=) back to the gathered positions (a repeated index sums)
  // d gather (dim, index) / d index = none (int32)
  return record("gather", [a], out, ishape, (g) => {
    const dx = freshGrad(a.dtype, a.shape);
    scatterInto(dx.buffer, flat(g.view), offsets);
    return [dx];
  }, differentiable((g) => [scatterAdd(g, d, index, offsets, a.shape, a.dtype)]));
}

function scatterInto(out: TypedArray, g: TypedArray, offsets: Int32Array): void {
  for (let p = 0; p < g.length; p++) out[offsets[p]] += g[p];
}

/** gather's backward as an op of its own, for createGraph: zeros of `shape` with g added (+=) at `offsets`. */
function scatterAdd(g: Tensor, dim: number, index: Tensor, offsets: Int32Array, shape: readonly number[], dtype: Dtype): Tensor {
  const out = allocate(dtype, sizeOf(shape));
  scatterInto(out, flat(g.view), offsets);
  // d scatterAdd (gather's rule under createGraph) / d g = gather(g, dim, index)
  return record("scatterAdd", [g], out, shape, (dout) => [gather(dout, dim, index)], DIFFERENTIABLE);
}

function checkList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`${op}: needs a non-empty array of tensors`);
  tensors.forEach((t, i) => checkTensor(op, t, `tensors[${i}]`));
}

/** Join tensors of the same shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList("stack", tensors);
  const first = tensors[0];
  const d = normDim("stack", dim, first.ndim + 1);
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) throw new Error(`stack: tensors[${i}] is ${fmt(t.shape)} but tensors[0] is ${fmt(first.shape)}`);
  });
  const expanded = first.shape.slice();
  expanded.splice(d, 0, 1);
  // d stack (dim) / d tensors[i] = composed as reshape (a new dim of size 1) then cat, so g.select(dim, i)
  return cat(tensors.map((t) => reshape(t, expanded)), d, "stack");
}

/** Join tensors along an existing dim; the other dims must agree. */
export function cat(tensors: readonly Tensor[], dim = 0, op = "cat"): Tensor {
  checkList(op, tensors);
  const first = tensors[0];
  const scalar = tensors.findIndex((t) => t.ndim === 0);
  if (scalar >= 0) throw new RangeError(`${op}: tensors[${scalar}] is 0-d and cannot be concatenated (stack 0-d tensors, or reshape them to [1])`);
  const d = normDim(op, dim, first.shape);
  const dtype = tensors.reduce<Dtype>((acc, t) => promote(acc, t.dtype), first.dtype);
  tensors.forEach((t, i) => {
    const ok = t.ndim === first.ndim && t.shape.every((s, k) => k === d || s === first.shape[k]);
    if (!ok) throw new Error(`${op}: tensors[${i}] is ${fmt(t.shape)} but tensors[0] is ${fmt(first.shape)}; all dims but ${dim} must agree`);
  });
  const shape = first.shape.slice();
  shape[d] = tensors.reduce((s, t) => s + t.shape[d], 0);
  const [outer, , inner] = aroundDim(shape, d);
  const out = allocate(dtype, sizeOf(shape));
  const rowOut = shape[d] * inner;
  let at = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    starts.push(at);
    const x = flat(t.view);
    const row = t.shape[d] * inner;
    for (let o = 0; o < outer; o++) for (let j = 0; j < row; j++) out[o * rowOut + at * inner + j] = x[o * row + j];
    at += t.shape[d];
  }
  // d cat (dim) / d tensors[i] = the slice of g along dim that tensors[i] filled
  return record(op, [...tensors], out, shape, (g) => tensors.map((t, i) => (t.requiresGrad ? narrowCopy(g, d, starts[i], t.shape[d]) : null)),
    differentiable((g) => tensors.map((t, i) => (t.requiresGrad ? narrow(g, d, starts[i], t.shape[d]) : null))));
}

function narrowCopy(g: Tensor, dim: number, start: number, length: number): Tensor {
  const v = g.view.lo(...g.shape.map((_, i) => (i === dim ? start : 0))).hi(...g.shape.map((s, i) => (i === dim ? length : s)));
  return fromFlat(flat(v), v.shape);
}

