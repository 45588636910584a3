// Checks on what the losses are given, all run before anything is computed or
// mutated. Each error names the loss, the argument, and the shapes or the position
// and value at fault.
//   N examples, C classes, B batch, T time; the class dim is always the last one.

import { Tensor, type FloatArray, type NestedArray } from "@unroll/autograd";
import { describeValue, flat, fmt, sameShape, sizeOf, type SoftmaxXentSpec } from "@unroll/autograd/extend";

/** Class indices: an int32 Tensor, an Int32Array (read row-major) or (nested) numbers. */
export type ClassTarget = Tensor | Int32Array | NestedArray;


export function ignoreIndexOption(op: string, value: unknown): number {
  if (value === undefined) return -100;
  if (typeof value !== "number" || (value | 0) !== value) throw new TypeError(`${op}: ignoreIndex must be a 32-bit integer, got ${describeValue(value)}`);
  return value;
}

export function labelSmoothingOption(op: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new RangeError(`${op}: labelSmoothing must be a number from 0 to 1, got ${describeValue(value)}`);
  }
  return value;
}

/** Per-class weights [C] as a read-only buffer: finite and non-negative. */
export function weightOption(op: string, value: unknown, classes: number): FloatArray | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof Tensor) || value.dtype === "int32") throw new TypeError(`${op}: weight must be a float Tensor [C], got ${describeValue(value)}`);
  if (value.ndim !== 1 || value.shape[0] !== classes) {
    throw new Error(`${op}: weight is ${fmt(value.shape)} but the logits have ${classes} classes; expected [${classes}]`);
  }
  const w = flat(value.view) as FloatArray;
  for (let j = 0; j < w.length; j++) {
    if (!(w[j] >= 0 && w[j] < Infinity)) throw new RangeError(`${op}: weight[${j}] is ${w[j]}; class weights must be finite and non-negative`);
  }
  return w;
}

/** A float tensor of one of the given ranks, with at least one class. */
export function checkLogits(op: string, arg: string, x: unknown, ranks: readonly number[], expected: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${arg} must be a Tensor ${expected}, got ${describeValue(x)}`);
  if (x.dtype === "int32") throw new TypeError(`${op}: ${arg} must be float32 or float64, got int32`);
  if (!ranks.includes(x.ndim)) throw new Error(`${op}: ${arg} is ${fmt(x.shape)}; expected ${expected}`);
  if (x.shape[x.ndim - 1] === 0) throw new Error(`${op}: ${arg} is ${fmt(x.shape)}; it needs at least one class`);
}

/** A target resolved against the logits: class indices (a read-only buffer) or probabilities. */
export type ResolvedTarget = { index: Int32Array; soft: null; probs: null } | { index: null; soft: Tensor; probs: FloatArray };

function position(p: number, shape: readonly number[]): string {
  if (shape.length === 0) return "";
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = p % shape[d];
    p = Math.floor(p / shape[d]);
  }
  return `[${idx.join(",")}]`;
}

/** The shape of a nested number array (following first elements), or null when ragged. */
function nestedShape(x: NestedArray): number[] | null {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const check = (v: NestedArray, d: number): boolean => {
    if (d === shape.length) return !Array.isArray(v);
    return Array.isArray(v) && v.length === shape[d] && v.every((e) => check(e, d + 1));
  };
  return check(x, 0) ? shape : null;
}

/**
 * Class indices shaped like the logits without their class dim, or (with `allowSoft`)
 * a float Tensor of probabilities shaped like the logits.
 */
export function resolveTarget(op: string, target: unknown, logits: Tensor, allowSoft: boolean): ResolvedTarget {
  const expected = logits.shape.slice(0, -1);
  const wanted = `class indices ${fmt(expected)}${allowSoft ? ` (int32) or probabilities ${fmt(logits.shape)} (float)` : " (int32)"}`;
  const mismatch = (shape: readonly number[]): Error => new Error(`${op}: target is ${fmt(shape)} but logits is ${fmt(logits.shape)}; expected ${wanted}`);
  if (target instanceof Tensor) {
    if (target.dtype === "int32") {
      if (!sameShape(target.shape, expected)) throw mismatch(target.shape);
      return { index: flat(target.view) as Int32Array, soft: null, probs: null };
    }
    if (!allowSoft) throw new TypeError(`${op}: target must be int32 class indices ${fmt(expected)}, got ${describeValue(target)}`);
    if (target.ndim === expected.length) {
      throw new TypeError(`${op}: target is ${describeValue(target)}; class indices must be int32 (or pass probabilities shaped like logits ${fmt(logits.shape)})`);
    }
    if (!sameShape(target.shape, logits.shape)) {
      throw new Error(`${op}: probability target is ${fmt(target.shape)} but logits is ${fmt(logits.shape)}; they must have the same shape`);
    }
    return { index: null, soft: target, probs: flat(target.view) as FloatArray };
  }
  if (target instanceof Int32Array) {
    if (target.length !== sizeOf(expected)) {
      throw new Error(`${op}: target is an Int32Array of ${target.length} but logits is ${fmt(logits.shape)}; expected ${sizeOf(expected)} class indices ${fmt(expected)}, row-major`);
    }
    return { index: target, soft: null, probs: null };
  }
  if (typeof target !== "number" && !Array.isArray(target)) throw new TypeError(`${op}: target must be ${wanted}, got ${describeValue(target)}`);
  const shape = nestedShape(target as NestedArray);
  if (shape === null) throw new Error(`${op}: target is a ragged nested array; expected ${wanted}`);
  if (!sameShape(shape, expected)) throw mismatch(shape);
  const values = (Array.isArray(target) ? target.flat(Infinity) : [target]) as unknown[];
  const index = new Int32Array(values.length);
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new TypeError(`${op}: target${position(p, expected)} is ${describeValue(v)}, not an integer class index`);
    }
    if ((v | 0) !== v) throw new RangeError(`${op}: target${position(p, expected)} is ${v}, outside the ${logits.shape[logits.ndim - 1]} classes of logits ${fmt(logits.shape)}`);
    index[p] = v;
  }
  return { index, soft: null, probs: null };
}

/** Every class index of a row that counts lies in [0, C); ignored and skipped rows may hold anything. */
export function checkClassRange(op: string, s: SoftmaxXentSpec, logits: Tensor, ignoreIndex: number): void {
  const t = s.target;
  if (t === null) return;
  const expected = logits.shape.slice(0, -1);
  for (let r = 0; r < s.rows; r++) {
    const y = t[r];
    if ((y >= 0 && y < s.classes) || (s.rowWeight !== null && s.rowWeight[r] === 0)) continue;
    throw new RangeError(
      `${op}: target${position(r, expected)} is ${y}, outside the ${s.classes} classes of logits ${fmt(logits.shape)} ` +
        `(expected 0 to ${s.classes - 1}, or ignoreIndex ${ignoreIndex})`,
    );
  }
}
