// Matrix product. M rows, K inner, N columns; a batched left operand [..., M, K]
// is treated as one [M', K] matrix since the right operand [K, N] is shared.

import { allocate, promote, type FloatArray } from "../dtype.js";
import { kernels } from "../kernels/index.js";
import { flat, fmt, sizeOf, type View } from "../strides.js";
import { differentiable, record } from "../engine.js";
import { freshGrad } from "../grad-buffers.js";
import { Tensor } from "../tensor.js";
import { to } from "./elementwise.js";
import { reshape, transpose } from "./shape.js";

/** A matrix operand as the kernel reads it: a buffer, an offset and whether it is stored transposed. */
interface Operand {
  data: FloatArray;
  off: number;
  trans: boolean;
}

/** Read a 2-D view in place when it is row-major or column-major (a transposed view); copy otherwise. */
function operand(v: View): Operand {
  const [r, c] = v.shape;
  const [s0, s1] = v.stride;
  const data = v.data as FloatArray;
  if ((s1 === 1 || c === 1) && (s0 === c || r === 1)) return { data, off: v.offset, trans: false };
  if ((s0 === 1 || r === 1) && (s1 === r || c === 1)) return { data, off: v.offset, trans: true };
  return { data: flat(v) as FloatArray, off: 0, trans: false };
}

function gemmInto(m: number, n: number, k: number, a: Operand, b: Operand, c: FloatArray, accumulate = false): void {
  kernels.gemm(a.trans, b.trans, m, n, k, a.data, a.off, b.data, b.off, c, 0, accumulate);
}

/** a @ b for a [M, K] or [..., M, K] and b [K, N]. Example: `x.matmul(w.transpose(0, 1))`. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError(`matmul: a and b must be Tensors`);
  if (a.ndim < 2 || b.ndim !== 2) {
    throw new Error(`matmul: a is ${fmt(a.shape)} but b is ${fmt(b.shape)}; expected a [M,K] or [...,M,K] and b [K,N]`);
  }
  const k = a.shape[a.ndim - 1];
  if (b.shape[0] !== k) {
    throw new Error(`matmul: a is ${fmt(a.shape)} but b is ${fmt(b.shape)}; the inner dimensions ${k} and ${b.shape[0]} differ`);
  }
  if (a.dtype === "int32" || b.dtype === "int32") throw new TypeError(`matmul: needs float tensors, got ${a.dtype} and ${b.dtype}`);
  const dtype = promote(a.dtype, b.dtype);
  const x = a.dtype === dtype ? a : to(a, dtype);
  const y = b.dtype === dtype ? b : to(b, dtype);
  const n = b.shape[1];
  const m = sizeOf(a.shape.slice(0, -1));
  const outShape = [...a.shape.slice(0, -1), n];
  const A: Operand = x.ndim === 2 ? operand(x.view) : { data: flat(x.view) as FloatArray, off: 0, trans: false };
  const B = operand(y.view);
  const out = allocate(dtype, m * n) as FloatArray;
  gemmInto(m, n, k, A, B, out);
  return record("matmul", [x, y], out, outShape, (g) => {
    const G: Operand = { data: flat(g.view) as FloatArray, off: 0, trans: false };
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (x.requiresGrad) {
      // d matmul / d a = g · bᵀ
      da = freshGrad(dtype, x.shape);
      gemmInto(m, k, n, G, { ...B, trans: !B.trans }, da.buffer as FloatArray);
    }
    if (y.requiresGrad) {
      // d matmul / d b = aᵀ · g
      db = freshGrad(dtype, [k, n]);
      gemmInto(k, n, m, { ...A, trans: !A.trans }, G, db.buffer as FloatArray);
    }
    return [da, db];
  }, differentiable(
    // The same two products as ops, recorded under createGraph.
    (g) => [
      x.requiresGrad ? matmul(g, transpose(y, 0, 1)) : null,
      y.requiresGrad ? matmul(transpose(reshape(x, [m, k]), 0, 1), reshape(g, [m, n])) : null,
    ],
  ));
}

