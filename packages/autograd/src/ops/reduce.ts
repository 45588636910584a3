// Reductions and normalisations along one dim. Each works on a packed buffer seen as
// [outer, n, inner] around the dim, so one loop serves every rank.

import { allocate, getDefaultDtype, isFloat, type Dtype, type TypedArray } from "../dtype.js";
import { aroundDim, flat, fmt, normDim, sizeOf } from "../strides.js";
import { differentiable, record } from "../engine.js";
import { add, div, exp, mul, sub, to } from "./elementwise.js";
import { reshape } from "./shape.js";
import { freshGrad } from "../grad-buffers.js";
import { checkValue } from "../options.js";
import { checkTensor, fromFlat, type Tensor } from "../tensor.js";

function reducedShape(shape: readonly number[], dim: number, keepDim: boolean): number[] {
  // A 0-d tensor reduced along dim 0 stays 0-d, keepDim or not (PyTorch).
  if (shape.length === 0) return [];
  const out = shape.slice();
  if (keepDim) out[dim] = 1;
  else out.splice(dim, 1);
  return out;
}

function floatDtype(d: Dtype): Dtype {
  return isFloat(d) ? d : getDefaultDtype();
}

/**
 * Where row r of a [outer, n, inner] buffer starts, for a reduction along n: the
 * outer·inner rows are numbered as the reduced output (r = o·inner + i), and element j
 * of row r is at rowStart(r, n, inner) + j·inner.
 */
function rowStart(r: number, n: number, inner: number): number {
  return Math.floor(r / inner) * n * inner + (r % inner);
}

/** Repeat a reduced gradient along `dim`: g [outer, inner] → [outer, n, inner]. */
function expand(g: Tensor, shape: readonly number[], dim: number, dtype: Dtype): Tensor {
  const [outer, n, inner] = aroundDim(shape, dim);
  const gv = flat(g.view);
  const t = freshGrad(dtype, shape);
  const out = t.buffer;
  // Block (o, j) of `inner` elements is contiguous: copy it whole from row block o of g.
  for (let o = 0; o < outer; o++) for (let j = 0; j < n; j++) out.set(gv.subarray(o * inner, (o + 1) * inner), (o * n + j) * inner);
  return t;
}

/**
 * g repeated along `dim` (every dim when it is undefined) up to `shape`, as ops: the
 * differentiable form of `expand`, recorded under createGraph (its backward sums back).
 */
function expandGraph(g: Tensor, shape: readonly number[], dim: number | undefined, dtype: Dtype): Tensor {
  const kept = shape.map((s, i) => (dim === undefined || i === dim ? 1 : s));
  return add(reshape(g, kept), fromFlat(allocate(dtype, sizeOf(shape)), shape));
}

/** Sum of all elements, or along `dim`. Example: `x.sum(1, true)`. */
export function sum(a: Tensor, dim?: number, keepDim = false): Tensor {
  checkTensor("sum", a);
  checkValue("sum", "keepDim", keepDim, "boolean");
  const x = flat(a.view);
  const dtype = a.dtype;
  if (dim === undefined) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    const out = allocate(dtype, 1);
    out[0] = s;
    const shape = keepDim ? a.shape.map(() => 1) : [];
    // d sum (all) / d a = g at every element
    return record("sum", [a], out, shape, (g) => {
      const dx = freshGrad(dtype, a.shape);
      dx.buffer.fill(flat(g.view)[0]);
      return [dx];
    }, differentiable((g) => [expandGraph(g, a.shape, undefined, dtype)]));
  }
  const d = normDim("sum", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  const out = allocate(dtype, outer * inner);
  // Block by block (contiguous reads), adding block (o, j) into row block o of out.
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const base = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[o * inner + i] += x[base + i];
    }
  }
  // d sum (dim) / d a = g repeated along dim
  const shape = reducedShape(a.shape, d, keepDim);
  return record("sum", [a], out, shape, (g) => [expand(g, a.shape, d, dtype)], differentiable((g) => [expandGraph(g, a.shape, d, dtype)]));
}

/** Mean of all elements, or along `dim`. */
export function mean(a: Tensor, dim?: number, keepDim = false): Tensor {
  checkTensor("mean", a);
  checkValue("mean", "keepDim", keepDim, "boolean");
  const count = dim === undefined ? a.size : aroundDim(a.shape, normDim("mean", dim, a.shape))[1];
  const x = isFloat(a.dtype) ? a : to(a, getDefaultDtype());
  // d mean / d a = composed as sum(a, dim) / n, so g / n repeated along dim (every element when dim is omitted)
  return div(sum(x, dim, keepDim), count);
}

/** Largest value along `dim` (the values; see argmax for the indices). */
export function max(a: Tensor, dim: number, keepDim = false): Tensor {
  checkTensor("max", a);
  checkValue("max", "keepDim", keepDim, "boolean");
  const d = normDim("max", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  if (n === 0) throw new Error(`max: dim ${dim} of ${fmt(a.shape)} is empty`);
  const x = flat(a.view);
  const idx = argmaxIndices(x, outer, n, inner);
  const out = allocate(a.dtype, idx.length);
  for (let r = 0; r < idx.length; r++) out[r] = x[rowStart(r, n, inner) + idx[r] * inner];
  // d max (dim) / d a = g at the (first) largest element along dim, 0 elsewhere
  return record("max", [a], out, reducedShape(a.shape, d, keepDim), (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(a.dtype, a.shape);
    const dx = dxT.buffer;
    for (let r = 0; r < idx.length; r++) dx[rowStart(r, n, inner) + idx[r] * inner] = gv[r];
    return [dxT];
  }, differentiable((g) => {
    // g times a constant one-hot mask of the largest elements
    const mask = allocate(a.dtype, a.size);
    for (let r = 0; r < idx.length; r++) mask[rowStart(r, n, inner) + idx[r] * inner] = 1;
    return [mul(expandGraph(g, a.shape, d, a.dtype), fromFlat(mask, a.shape))];
  }));
}

function argmaxIndices(x: TypedArray, outer: number, n: number, inner: number): Int32Array {
  const idx = new Int32Array(outer * inner);
  for (let r = 0; r < idx.length; r++) {
    const s = rowStart(r, n, inner);
    let best = 0;
    let bestValue = x[s];
    for (let j = 1; j < n; j++) {
      const v = x[s + j * inner];
      // NaN wins, as in PyTorch: it propagates instead of hiding.
      if (v > bestValue || (Number.isNaN(v) && !Number.isNaN(bestValue))) {
        best = j;
        bestValue = v;
      }
    }
    idx[r] = best;
  }
  return idx;
}

/** Index of the largest value along `dim`, as int32 (no gradient). */
export function argmax(a: Tensor, dim: number): Tensor {
  checkTensor("argmax", a);
  const d = normDim("argmax", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  if (n === 0) throw new Error(`argmax: dim ${dim} of ${fmt(a.shape)} is empty`);
  // d argmax / d a = none (int32 indices)
  return fromFlat(argmaxIndices(flat(a.view), outer, n, inner), reducedShape(a.shape, d, false));
}

/**
 * Row-wise max m and s = Σ exp(x - m) over [outer, n, inner], so that logits of
 * ±1000 stay finite. Softmax is exp(x - m) / s and logSoftmax (x - m) - log s, as in
 * PyTorch: folding log s into m + log s first would round it away when |m| is large.
 * A row whose max is not finite keeps s = 1, so the results propagate inf/NaN.
 */
function rowMaxSum(x: TypedArray, outer: number, n: number, inner: number): { m: Float64Array; s: Float64Array } {
  const m = new Float64Array(outer * inner).fill(-Infinity);
  const s = new Float64Array(outer * inner).fill(1);
  for (let r = 0; r < m.length; r++) {
    const start = rowStart(r, n, inner);
    let best = -Infinity;
    for (let j = 0; j < n; j++) best = Math.max(best, x[start + j * inner]);
    m[r] = best;
    if (!Number.isFinite(best)) continue;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(x[start + j * inner] - best);
    s[r] = sum;
  }
  return { m, s };
}

/** log Σ exp(x) along `dim`, computed stably. */
export function logSumExp(a: Tensor, dim: number, keepDim = false): Tensor {
  checkTensor("logSumExp", a);
  checkValue("logSumExp", "keepDim", keepDim, "boolean");
  const d = normDim("logSumExp", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  const x = flat(a.view);
  const dtype = floatDtype(a.dtype);
  const { m, s } = rowMaxSum(x, outer, n, inner);
  const l = m.map((mi, k) => mi + Math.log(s[k]));
  const out = allocate(dtype, l.length);
  out.set(l);
  // d logSumExp (dim) / d a = g · exp(a - y) = g · softmax(a)
  return record("logSumExp", [a], out, reducedShape(a.shape, d, keepDim), (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(dtype, a.shape);
    const dx = dxT.buffer;
    for (let r = 0; r < l.length; r++) {
      const start = rowStart(r, n, inner);
      for (let j = 0; j < n; j++) {
        const p = start + j * inner;
        dx[p] = gv[r] * Math.exp(x[p] - l[r]);
      }
    }
    return [dxT];
  }, differentiable((g) => [mul(expandGraph(g, a.shape, d, dtype), softmax(a, d))]));
}

/** log softmax along `dim`: x - logSumExp(x), stable. */
export function logSoftmax(a: Tensor, dim: number): Tensor {
  checkTensor("logSoftmax", a);
  const d = normDim("logSoftmax", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  const x = flat(a.view);
  const dtype = floatDtype(a.dtype);
  const { m, s } = rowMaxSum(x, outer, n, inner);
  const y = allocate(dtype, a.size);
  for (let r = 0; r < m.length; r++) {
    const start = rowStart(r, n, inner);
    const logS = Math.log(s[r]);
    for (let j = 0; j < n; j++) y[start + j * inner] = x[start + j * inner] - m[r] - logS;
  }
  // d logSoftmax (dim) / d a = g - exp(y) · Σ_dim g
  return record("logSoftmax", [a], y, a.shape, (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(dtype, a.shape);
    const dx = dxT.buffer;
    for (let r = 0; r < m.length; r++) {
      const start = rowStart(r, n, inner);
      let gs = 0;
      for (let j = 0; j < n; j++) gs += gv[start + j * inner];
      for (let j = 0; j < n; j++) {
        const p = start + j * inner;
        dx[p] = gv[p] - Math.exp(y[p]) * gs;
      }
    }
    return [dxT];
  }, differentiable((g, out) => [sub(g, mul(exp(out), sum(g, d, true)))]));
}

/** softmax along `dim`, stable. */
export function softmax(a: Tensor, dim: number): Tensor {
  checkTensor("softmax", a);
  const d = normDim("softmax", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  const x = flat(a.view);
  const dtype = floatDtype(a.dtype);
  const { m, s } = rowMaxSum(x, outer, n, inner);
  const y = allocate(dtype, a.size);
  for (let r = 0; r < m.length; r++) {
    const start = rowStart(r, n, inner);
    for (let j = 0; j < n; j++) y[start + j * inner] = Math.exp(x[start + j * inner] - m[r]) / s[r];
  }
  // d softmax (dim) / d a = y · (g - Σ_dim g · y)
  return record("softmax", [a], y, a.shape, (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(dtype, a.shape);
    const dx = dxT.buffer;
    for (let r = 0; r < m.length; r++) {
      const start = rowStart(r, n, inner);
      let gy = 0;
      for (let j = 0; j < n; j++) gy += gv[start + j * inner] * y[start + j * inner];
      for (let j = 0; j < n; j++) {
        const p = start + j * inner;
        dx[p] = y[p] * (gv[p] - gy);
      }
    }
    return [dxT];
  }, differentiable((g, out) => [mul(out, sub(g, sum(mul(g, out), d, true)))]));
}
