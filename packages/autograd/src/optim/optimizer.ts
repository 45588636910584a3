// The optimizer base: checks the parameters and the options up front, then updates
// each parameter in place on its raw buffer (no graph, no allocation per step once
// the state exists). SGD, Adam and Adagrad supply the per-parameter update rule.

import ops from "ndarray-ops";
import type { FloatArray, TypedArray } from "../dtype.js";
import { flat, fmt, sameShape, view } from "../strides.js";
import { Tensor } from "../tensor.js";

/**
 * Base class of the optimizers: holds the parameters and the learning rate, and
 * implements `step()` and `zeroGrad()`. Subclasses implement `update`.
 * Example: `const opt = new SGD(model.parameters(), { lr: 0.1 }); loss.backward(); opt.step(); opt.zeroGrad();`
 */
export abstract class Optimizer {
  /** The parameters, in the order given. */
  readonly params: readonly Tensor[];
  private _lr = 0;
  // Reused by every step: the flat gradient of each parameter, or null to skip it.
  private readonly grads: (TypedArray | null)[];

  protected constructor(
    protected readonly name: string,
    params: Iterable<Tensor>,
    lr: number,
  ) {
    this.params = checkParams(name, params);
    this.lr = lr;
    this.grads = new Array<TypedArray | null>(this.params.length).fill(null);
  }

  /** The learning rate; assign to it for a schedule. It must stay finite and >= 0. */
  get lr(): number {
    return this._lr;
  }
  set lr(value: number) {
    this._lr = checkLr(this.name, value);
  }

  /**
   * Apply one update to every parameter that has a gradient; a parameter whose
   * `grad` is null is skipped. Every gradient is checked before any parameter changes.
   */
  step(): void {
    const { params, grads } = this;
    for (let i = 0; i < params.length; i++) {
      const g = params[i].grad;
      if (g === null || g === undefined) {
        grads[i] = null;
        continue;
      }
      if (!(g instanceof Tensor)) {
        grads.fill(null);
        throw new TypeError(`${this.name}.step: params[${i}].grad is ${describe(g)}, expected a Tensor or null`);
      }
      if (!sameShape(g.shape, params[i].shape)) {
        grads.fill(null);
        throw new Error(`${this.name}.step: params[${i}] is ${fmt(params[i].shape)} but its grad is ${fmt(g.shape)}`);
      }
      grads[i] = flat(g.data);
    }
    for (let i = 0; i < params.length; i++) {
      const g = grads[i];
      if (g === null) continue;
      grads[i] = null;
      const p = params[i];
      const buf = flat(p.data) as FloatArray;
      this.update(i, buf, g);
      writeBack(p, buf);
    }
  }

  /**
   * Clear the gradients: set them to null (PyTorch's default), or with
   * `{ setToNone: false }` fill them with zeros in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const p of this.params) zeroGradOf(p, setToNone);
  }

  /** Update `param` (the flat values of params[index]) in place from its flat gradient. */
  protected abstract update(index: number, param: FloatArray, grad: TypedArray): void;
}

/** Clear one tensor's gradient, as `Optimizer.zeroGrad` does. */
export function zeroGradOf(p: Tensor, setToNone: boolean): void {
  if (setToNone || p.grad === null) {
    p.grad = null;
    return;
  }
  const buf = flat(p.grad.data);
  buf.fill(0);
  writeBack(p.grad, buf);
}

/**
 * Copy `buf` back into `t` when `flat` had to copy (a strided view); when `buf`
 * is the tensor's own memory the update already happened in place.
 */
export function writeBack(t: Tensor, buf: TypedArray): void {
  if (buf.buffer === t.data.data.buffer) return;
  ops.assign(t.data, view(buf, t.shape));
}

function checkParams(op: string, params: Iterable<Tensor>): Tensor[] {
  if (params instanceof Tensor) {
    throw new TypeError(`${op}: params must be an array (or iterable) of Tensors, got a single Tensor; wrap it as [t]`);
  }
  if (params === null || typeof params !== "object" || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${op}: params must be an array (or iterable) of Tensors, got ${describe(params)}`);
  }
  const list = Array.from(params);
  if (list.length === 0) throw new Error(`${op}: got an empty parameter list`);
  const seen = new Map<Tensor, number>();
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: params[${i}] is ${describe(p)}, not a Tensor`);
    if (p.dtype === "int32") throw new TypeError(`${op}: params[${i}] (shape ${fmt(p.shape)}) is int32; only float32 and float64 tensors can be optimized`);
    if (!p.isLeaf) {
      const made = p.op === null ? "an intermediate result" : `the output of ${p.op}`;
      throw new Error(`${op}: params[${i}] (shape ${fmt(p.shape)}) is not a leaf tensor (it is ${made}); optimize the tensors you created, or detach() it first`);
    }
    if (!p.requiresGrad) {
      throw new Error(`${op}: params[${i}] (shape ${fmt(p.shape)}) does not require grad; create it with { requiresGrad: true }`);
    }
    const first = seen.get(p);
    if (first !== undefined) throw new Error(`${op}: params[${i}] is the same tensor as params[${first}]; pass each parameter once`);
    seen.set(p, i);
  });
  return list;
}

function checkLr(op: string, lr: unknown): number {
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
    throw new RangeError(`${op}: invalid learning rate ${describeNumber(lr)}; lr must be a finite number >= 0`);
  }
  return lr;
}

/** Reject options that are not objects or that have a key outside `allowed` (a typo would otherwise be ignored). */
export function checkOptions(op: string, opts: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    throw new TypeError(`${op}: options must be an object, got ${describe(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) throw new TypeError(`${op}: unknown option "${key}" (expected ${allowed.join(", ")})`);
  }
  return opts as Record<string, unknown>;
}

/** An option that must be a finite number in [min, max), or its default when absent. */
export function numberOption(op: string, opts: Record<string, unknown>, key: string, fallback: number, min = 0, max = Infinity): number {
  const value = opts[key] === undefined ? fallback : opts[key];
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value >= max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max})`;
    throw new RangeError(`${op}: invalid ${key} ${describeNumber(value)}; it must be a finite number ${range}`);
  }
  return value;
}

export function booleanOption(op: string, opts: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = opts[key] === undefined ? fallback : opts[key];
  if (typeof value !== "boolean") throw new TypeError(`${op}: ${key} must be true or false, got ${describeNumber(value)}`);
  return value;
}

function describeNumber(x: unknown): string {
  return typeof x === "number" ? String(x) : typeof x === "string" ? JSON.stringify(x) : describe(x);
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (Array.isArray(x)) return "an array";
  if (x instanceof Tensor) return `a Tensor`;
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}
