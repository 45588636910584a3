// Elementwise ops with NumPy broadcasting. Same-shape packed inputs take a flat loop;
// everything else goes through ndarray-ops on zero-stride broadcast views.
// Backward rules may return broadcast-shaped gradients: the engine sums them back.

import ops from "ndarray-ops";
import { allocate, checkInt32, getDefaultDtype, isFloat, promote, checkDtype, type Dtype, type TypedArray } from "../dtype.js";
import { broadcastShapes, broadcastView, flat, isPacked, sameShape, sizeOf, view } from "../strides.js";
import { differentiable, record, type RecordOptions } from "../engine.js";
import { freshGrad } from "../grad-buffers.js";
import { describeValue } from "../options.js";
import { checkTensor, fromFlat, Tensor } from "../tensor.js";

type BinaryKind = "add" | "sub" | "mul" | "div";

// Rules written with the ops themselves are their own double backward (see record).
const DIFFERENTIABLE: RecordOptions = { differentiable: true };

/** A number operand as a 0-d constant; an integer keeps an int32 tensor int32. */
function scalarLike(op: string, x: number, like: Tensor): Tensor {
  if (typeof x !== "number") throw new TypeError(`${op}: b must be a Tensor or a number, got ${describeValue(x)}`);
  const dtype: Dtype = like.dtype === "int32" && !Number.isInteger(x) ? getDefaultDtype() : like.dtype;
  if (dtype === "int32") checkInt32(op, [x], () => "as b (an int32 tensor's operand)");
  const data = allocate(dtype, 1);
  data[0] = x;
  return fromFlat(data, []);
}

function binaryForward(op: BinaryKind, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  let dtype = promote(a.dtype, b.dtype);
  if (op === "div" && dtype === "int32") dtype = getDefaultDtype();
  const out = allocate(dtype, sizeOf(shape));
  if (sameShape(a.shape, b.shape) && isPacked(a.view) && isPacked(b.view)) {
    flatBinary(op, out, a.buffer, b.buffer);
  } else if (b.size === 1 && isPacked(a.view) && sameShape(a.shape, shape)) {
    flatScalar(op, out, a.buffer, flat(b.view)[0]);
  } else if (out.length > 0) {
    const dst = view(out, shape);
    ops[op](dst, broadcastView(a.view, shape), broadcastView(b.view, shape));
  }
  return fromFlat(out, shape);
}

function flatBinary(op: BinaryKind, out: TypedArray, x: TypedArray, y: TypedArray): void {
  const n = out.length;
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = x[i] + y[i];
      break;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = x[i] - y[i];
      break;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
      break;
    case "div":
      for (let i = 0; i < n; i++) out[i] = x[i] / y[i];
      break;
  }
}

function flatScalar(op: BinaryKind, out: TypedArray, x: TypedArray, s: number): void {
  const n = out.length;
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = x[i] + s;
      break;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = x[i] - s;
      break;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = x[i] * s;
      break;
    case "div":
      for (let i = 0; i < n; i++) out[i] = x[i] / s;
      break;
  }
}

function operands(op: string, a: Tensor, b: Tensor | number): [Tensor, Tensor] {
  checkTensor(op, a);
  return [a, b instanceof Tensor ? b : scalarLike(op, b, a)];
}

/** a + b with broadcasting. Example: `add(x, 1)`. */
export function add(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("add", a, b);
  const out = binaryForward("add", x, y);
  // d add / d a = g
  // d add / d b = g
  return record("add", [x, y], out.view, out.shape, (g) => [g, g], DIFFERENTIABLE);
}

/** a - b with broadcasting. */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("sub", a, b);
  const out = binaryForward("sub", x, y);
  // d sub / d a = g
  // d sub / d b = -g
  return record("sub", [x, y], out.view, out.shape, (g) => [g, y.requiresGrad ? neg(g) : null], DIFFERENTIABLE);
}

/** a * b with broadcasting. */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("mul", a, b);
  const out = binaryForward("mul", x, y);
  // d mul / d a = g · b
  // d mul / d b = g · a
  return record("mul", [x, y], out.view, out.shape, (g) => [
    x.requiresGrad ? mul(g, y) : null,
    y.requiresGrad ? mul(g, x) : null,
  ], DIFFERENTIABLE);
}

/** a / b with broadcasting (true division: int32 / int32 gives floats). */
export function div(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands("div", a, b);
  const out = binaryForward("div", x, y);
  // d div / d a = g / b
  // d div / d b = -g · a / b² = -g · y / b
  // Under createGraph q is the recorded output, so that its dependence on a and b counts.
  return record("div", [x, y], out.view, out.shape, (g) => divGrads(x, y, g, out), differentiable((g, q) => divGrads(x, y, g, q)));
}

function divGrads(a: Tensor, b: Tensor, g: Tensor, q: Tensor): (Tensor | null)[] {
  return [a.requiresGrad ? div(g, b) : null, b.requiresGrad ? div(neg(mul(g, q)), b) : null];
}

type Loop = (n: number, x: TypedArray, y: TypedArray) => void;
type RuleLoop = (n: number, g: TypedArray, x: TypedArray, y: TypedArray, dx: TypedArray) => void;
/** The same rule as ops on the input x and the output y, recorded under createGraph. */
type RuleOps = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

/**
 * y = f(x) elementwise, with its rule dx = g · f'(x, y) from the input and output values
 * (as a loop, and as ops for createGraph). Each op passes its own loops, so the element
 * function is inlined rather than called per element. Float inputs keep their dtype;
 * int32 gives the default float dtype, except for neg and relu (`keepInt`).
 */
function unary(op: string, a: Tensor, forward: Loop, rule: RuleLoop, ruleOps: RuleOps, keepInt = false): Tensor {
  checkTensor(op, a);
  const x = flat(a.view);
  const y = allocate(isFloat(a.dtype) || keepInt ? a.dtype : getDefaultDtype(), x.length);
  forward(x.length, x, y);
  return record(op, [a], y, a.shape, (g) => {
    const dx = freshGrad(a.dtype, a.shape);
    rule(x.length, flat(g.view), x, y, dx.buffer);
    return [dx];
  }, differentiable((g, out) => [ruleOps(g, a, out)]));
}

/** -a elementwise (int32 stays int32). */
export function neg(a: Tensor): Tensor {
  return unary("neg", a, (n, x, y) => {
    for (let i = 0; i < n; i++) y[i] = -x[i];
  }, (n, g, _x, _y, dx) => {
    // d neg / d a = -g
    for (let i = 0; i < n; i++) dx[i] = -g[i];
  }, (g) => neg(g), true);
}

/** e^a elementwise. */
export function exp(a: Tensor): Tensor {
  return unary("exp", a, (n, x, y) => {
    for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]);
  }, (n, g, _x, y, dx) => {
    // d exp / d a = g · y
    for (let i = 0; i < n; i++) dx[i] = g[i] * y[i];
  }, (g, _x, y) => mul(g, y));
}

/** Natural log elementwise. */
export function log(a: Tensor): Tensor {
  return unary("log", a, (n, x, y) => {
    for (let i = 0; i < n; i++) y[i] = Math.log(x[i]);
  }, (n, g, x, _y, dx) => {
    // d log / d a = g / a
    for (let i = 0; i < n; i++) dx[i] = g[i] * (1 / x[i]);
  }, (g, x) => div(g, x));
}

/** Square root elementwise. */
export function sqrt(a: Tensor): Tensor {
  return unary("sqrt", a, (n, x, y) => {
    for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]);
  }, (n, g, _x, y, dx) => {
    // d sqrt / d a = g / (2 y)
    for (let i = 0; i < n; i++) dx[i] = g[i] * (0.5 / y[i]);
  }, (g, _x, y) => div(g, mul(y, 2)));
}

/** tanh elementwise. */
export function tanh(a: Tensor): Tensor {
  return unary("tanh", a, (n, x, y) => {
    for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
  }, (n, g, _x, y, dx) => {
    // d tanh / d a = g · (1 - y²)
    // as (1 - y)(1 + y): exact near |y| = 1, where 1 - y·y cancels the rounding of y·y
    for (let i = 0; i < n; i++) dx[i] = g[i] * ((1 - y[i]) * (1 + y[i]));
  }, (g, _x, y) => mul(g, mul(add(neg(y), 1), add(y, 1))));
}

/** The logistic sigmoid 1 / (1 + e^-a) elementwise. */
export function sigmoid(a: Tensor): Tensor {
  return unary("sigmoid", a, (n, x, y) => {
    for (let i = 0; i < n; i++) y[i] = sigmoidValue(x[i]);
  }, (n, g, _x, y, dx) => {
    // d sigmoid / d a = g · y (1 - y)
    for (let i = 0; i < n; i++) dx[i] = g[i] * (y[i] * (1 - y[i]));
  }, (g, _x, y) => mul(g, mul(y, add(neg(y), 1))));
}

/** max(a, 0) elementwise (int32 stays int32). */
export function relu(a: Tensor): Tensor {
  return unary("relu", a, (n, x, y) => {
    for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
  }, (n, g, x, _y, dx) => {
    // d relu / d a = g · [a > 0]
    for (let i = 0; i < n; i++) dx[i] = g[i] * (x[i] > 0 ? 1 : 0);
  }, (g, x) => {
    // [a > 0] is a constant: relu'' = 0 wherever it is defined
    const xs = flat(x.view);
    const mask = allocate(x.dtype, xs.length);
    for (let i = 0; i < xs.length; i++) mask[i] = xs[i] > 0 ? 1 : 0;
    return mul(g, fromFlat(mask, x.shape));
  }, true);
}

// The two branches keep exp from overflowing.
function sigmoidValue(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** x ** exponent for a number exponent. */
export function pow(a: Tensor, exponent: number): Tensor {
  if (typeof exponent !== "number" || Number.isNaN(exponent)) {
    throw new TypeError(`pow: exponent must be a number, got ${describeValue(exponent)}`);
  }
  checkTensor("pow", a);
  const x = flat(a.view);
  const y = allocate(isFloat(a.dtype) ? a.dtype : getDefaultDtype(), x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] ** exponent;
  return record("pow", [a], y, a.shape, (g) => {
    const gv = flat(g.view);
    const dxT = freshGrad(a.dtype, a.shape);
    const dx = dxT.buffer;
    // d pow (number p) / d a = g · p · a^(p-1), and 0 when p = 0
    for (let i = 0; i < x.length; i++) dx[i] = gv[i] * (exponent === 0 ? 0 : exponent * x[i] ** (exponent - 1));
    return [dxT];
  }, differentiable((g) => [exponent === 0 ? mul(g, 0) : mul(g, mul(pow(a, exponent - 1), exponent))]));
}

/** Convert to another dtype; float to float conversion passes gradients through. */
export function to(a: Tensor, dtype: Dtype): Tensor {
  checkTensor("to", a);
  checkDtype("to", dtype);
  if (dtype === a.dtype) return a;
  const x = flat(a.view);
  const y = allocate(dtype, x.length);
  if (dtype === "int32") {
    // An explicit cast truncates toward zero (PyTorch); NaN, ±Infinity and values outside int32 are errors.
    for (let i = 0; i < x.length; i++) y[i] = Math.trunc(x[i]);
    checkInt32("to", x.length === 0 ? x : Array.from(x, Math.trunc));
    return fromFlat(y, a.shape);
  }
  y.set(x);
  // d to (float dtype) / d a = g, converted to a's dtype (to int32 records nothing)
  return record("to", [a], y, a.shape, (g) => [to(g, a.dtype)], DIFFERENTIABLE);
}

/** The tensor's values in a packed buffer of its own, detached. */
export function clone(a: Tensor): Tensor {
  checkTensor("clone", a);
  // d clone / d a = none (the copy is detached, as is `detach()`)
  const out = allocate(a.dtype, a.size);
  out.set(flat(a.view));
  return fromFlat(out, a.shape);
}
