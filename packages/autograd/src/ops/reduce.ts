// Reductions and normalisations along one dim. Each works on a packed buffer seen as
// [outer, n, inner] around the dim, so one loop serves every rank.

import { allocate, getDefaultDtype, isFloat, type Dtype, type TypedArray } from "../dtype.js";
import { aroundDim, flat, fmt, normDim, sizeOf } from "../strides.js";
import { differentiable, record } from "../engine.js";
import { add, div, exp, mul, sub, to } from "./elementwise.js";
import { reshape } from "./shape.js";
import { freshGrad } from "../grad-buffers.js";
import { checkTensor, fromFlat, type Tensor } from "../tensor.js";

function reducedShape(shape: readonly number[], dim: number, keepDim: boolean): number[] {
  const out = shape.slice();
  if (keepDim) out[dim] = 1;
  else out.splice(dim, 1);
  return out;
}

function floatDtype(d: Dtype): Dtype {
  return isFloat(d) ? d : getDefaultDtype();
}

/** Repeat a reduced gradient along `dim`: g [outer, inner] → [outer, n, inner], times `scale`. */
function expand(g: Tensor, shape: readonly number[], dim: number, dtype: Dtype, scale = 1): Tensor {
  const [outer, n, inner] = aroundDim(shape, dim);
  const gv = flat(g.view);
  const t = freshGrad(dtype, shape);
  const out = t.buffer;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const base = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[base + i] = gv[o * inner + i] * scale;
    }
  }
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
  const x = flat(a.view);
  const dtype = a.dtype;
  if (dim === undefined) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    const out = allocate(dtype, 1);
    out[0] = s;
    const shape = keepDim ? a.shape.map(() => 1) : [];
    // d sum = 1 for every element
    return record("sum", [a], out, shape, (g) => {
      const gv = flat(g.view)[0];
      const dx = freshGrad(dtype, a.shape);
      dx.buffer.fill(gv);
      return [dx];
    }, differentiable((g) => [expandGraph(g, a.shape, undefined, dtype)]));
  }
  const d = normDim("sum", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  const out = allocate(dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const base = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[o * inner + i] += x[base + i];
    }
  }
  // d sum = 1, repeated along dim
  const shape = reducedShape(a.shape, d, keepDim);
  return record("sum", [a], out, shape, (g) => [expand(g, a.shape, d, dtype)], differentiable((g) => [expandGraph(g, a.shape, d, dtype)]));
}

/** Mean of all elements, or along `dim`. */
export function mean(a: Tensor, dim?: number, keepDim = false): Tensor {
  checkTensor("mean", a);
  const count = dim === undefined ? a.size : a.shape[normDim("mean", dim, a.shape)];
  const x = isFloat(a.dtype) ? a : to(a, getDefaultDtype());
  // mean = sum / n, so d mean = 1/n
  return div(sum(x, dim, keepDim), count);
}

/** Largest value along `dim` (the values; see argmax for the indices). */
export function max(a: Tensor, dim: number, keepDim = false): Tensor {
  checkTensor("max", a);
  const d = normDim("max", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  if (n === 0) throw new Error(`max: dim ${dim} of ${fmt(a.shape)} is empty`);
  const x = flat(a.view);
  const idx = argmaxIndices(x, outer, n, inner);
  const out = allocate(a.dtype, outer * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out[o * inner + i] = x[(o * n + idx[o * inner + i]) * inner + i];
  // d max = 1 at the (first) largest element, 0 elsewhere
  return record("max", [a], out, reducedShape(a.shape, d, keepDim), (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(a.dtype, a.shape);
    const dx = dxT.buffer;
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) dx[(o * n + idx[o * inner + i]) * inner + i] = gv[o * inner + i];
    return [dxT];
  }, differentiable(
    // g times a constant one-hot mask of the largest elements
    (g) => {
      const mask = allocate(a.dtype, a.size);
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) mask[(o * n + idx[o * inner + i]) * inner + i] = 1;
      return [mul(expandGraph(g, a.shape, d, a.dtype), fromFlat(mask, a.shape))];
    },
  ));
}

function argmaxIndices(x: TypedArray, outer: number, n: number, inner: number): Int32Array {
  const idx = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestValue = x[o * n * inner + i];
      for (let j = 1; j < n; j++) {
        const v = x[(o * n + j) * inner + i];
        // NaN wins, as in PyTorch: it propagates instead of hiding.
        if (v > bestValue || (Number.isNaN(v) && !Number.isNaN(bestValue))) {
          best = j;
          bestValue = v;
        }
      }
      idx[o * inner + i] = best;
    }
  }
  return idx;
}

/** Index of the largest value along `dim`, as int32 (no gradient). */
export function argmax(a: Tensor, dim: number): Tensor {
  checkTensor("argmax", a);
  const d = normDim("argmax", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  if (n === 0) throw new Error(`argmax: dim ${dim} of ${fmt(a.shape)} is empty`);
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
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity;
      for (let j = 0; j < n; j++) best = Math.max(best, x[(o * n + j) * inner + i]);
      m[o * inner + i] = best;
      if (!Number.isFinite(best)) continue;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x[(o * n + j) * inner + i] - best);
      s[o * inner + i] = sum;
    }
  }
  return { m, s };
}

/** log Σ exp(x) along `dim`, computed stably. */
export function logSumExp(a: Tensor, dim: number, keepDim = false): Tensor {
  checkTensor("logSumExp", a);
  const d = normDim("logSumExp", dim, a.shape);
  const [outer, n, inner] = aroundDim(a.shape, d);
  const x = flat(a.view);
  const dtype = floatDtype(a.dtype);
  const { m, s } = rowMaxSum(x, outer, n, inner);
  const l = m.map((mi, k) => mi + Math.log(s[k]));
  const out = allocate(dtype, l.length);
  out.set(l);
  // d lse = softmax(x) = exp(x - lse)
  return record("logSumExp", [a], out, reducedShape(a.shape, d, keepDim), (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(dtype, a.shape);
    const dx = dxT.buffer;
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < n; j++)
        for (let i = 0; i < inner; i++) {
          const p = (o * n + j) * inner + i;
          dx[p] = gv[o * inner + i] * Math.exp(x[p] - l[o * inner + i]);
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
  const logS = s.map(Math.log);
  const y = allocate(dtype, a.size);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < inner; i++) {
        const p = (o * n + j) * inner + i;
        y[p] = x[p] - m[o * inner + i] - logS[o * inner + i];
      }
  // d logSoftmax: dx = dout - softmax · Σ_j dout_j
  return record("logSoftmax", [a], y, a.shape, (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(dtype, a.shape);
    const dx = dxT.buffer;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let gs = 0;
        for (let j = 0; j < n; j++) gs += gv[(o * n + j) * inner + i];
        for (let j = 0; j < n; j++) {
          const p = (o * n + j) * inner + i;
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
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < inner; i++) {
        const p = (o * n + j) * inner + i;
        y[p] = Math.exp(x[p] - m[o * inner + i]) / s[o * inner + i];
      }
  // d softmax: dx = y · (dout - Σ_j dout_j y_j)
  return record("softmax", [a], y, a.shape, (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(dtype, a.shape);
    const dx = dxT.buffer;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        let gy = 0;
        for (let j = 0; j < n; j++) gy += gv[(o * n + j) * inner + i] * y[(o * n + j) * inner + i];
        for (let j = 0; j < n; j++) {
          const p = (o * n + j) * inner + i;
          dx[p] = y[p] * (gv[p] - gy);
        }
      }
    return [dxT];
  }, differentiable((g, out) => [mul(out, sub(g, sum(mul(g, out), d, true)))]));
}
