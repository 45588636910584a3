// The Tensor: an ndarray view, its gradient and the recorded op that made it. The graph
// logic is in engine.ts; the op methods (x.add(y), x.backward()) are wired in methods.ts.

import { dtypeOf, isFloat, type Dtype, type TypedArray } from "./dtype.js";
import { describeValue } from "./options.js";
import { flat, fmt, sameShape, view as packedView, type View } from "./strides.js";

/**
 * The backward rule of one recorded op: given d(loss)/d(output), return
 * d(loss)/d(input) for each input (null where an input needs none). A returned
 * gradient may have the broadcast shape of the output; the engine sums it back.
 * `retainGraph` is true when this node may run again (backward with retainGraph):
 * only when it is false may the op reuse what it saved for backward.
 */
export type BackwardFn = (dout: Tensor, retainGraph: boolean) => (Tensor | null)[];

/**
 * The backward rule written with Tensor ops, for backward with createGraph: the engine
 * records what it computes, so the gradients it returns can be differentiated again.
 * `out` is the op's output (rules such as d tanh = 1 - y² read it).
 */
export type DifferentiableBackwardFn = (dout: Tensor, out: Tensor) => (Tensor | null)[];

/** The recorded op that made a tensor (PyTorch's grad_fn), made by `record` in engine.ts. */
export interface Node {
  readonly op: string;
  /** The op's inputs; emptied when backward frees the node. */
  inputs: Tensor[];
  /** The rule; null once a backward without retainGraph has freed the node. */
  backward: BackwardFn | null;
  /** The rule keeps a reference to dout after it returns (see grad-buffers.ts). */
  readonly keepsDout: boolean;
  /** The rule for createGraph: `true` when `backward` is itself written in Tensor ops, null when there is none. */
  differentiable: true | DifferentiableBackwardFn | null;
  /** Why there is no differentiable rule, and what to use instead (for the createGraph error). */
  readonly noDoubleBackward: string | null;
}

export class Tensor {
  /** The ndarray view holding the values (a view may cover part of its buffer, with strides). */
  readonly view: View;
  readonly dtype: Dtype;
  /** The recorded op that made this tensor, or null for a leaf. */
  readonly gradFn: Node | null;
  private _grad: Tensor | null = null;
  private _requiresGrad: boolean;
  private _retainsGrad = false;

  constructor(view: View, requiresGrad = false, gradFn: Node | null = null) {
    if (typeof view !== "object" || view === null || !isTensorBuffer((view as { data?: unknown }).data)) {
      throw new TypeError(`Tensor: view must be an ndarray over a Float64Array, Float32Array or Int32Array, got ${describeValue(view)}; use tensor() to make one from values`);
    }
    this.view = view;
    this.dtype = dtypeOf(view.data);
    this.gradFn = gradFn;
    if (requiresGrad && gradFn === null && !isFloat(this.dtype)) {
      throw new TypeError(`tensor: an int32 tensor cannot require grad`);
    }
    this._requiresGrad = requiresGrad || gradFn !== null;
  }

  /** The whole typed array the view reads; a view may see only part of it, with strides (see strides.ts). */
  get buffer(): TypedArray {
    return this.view.data;
  }
  /**
   * The gradient accumulated by backward, or null. Assignable, as in PyTorch: the value
   * must be null or a Tensor of this tensor's dtype and shape.
   */
  get grad(): Tensor | null {
    return this._grad;
  }
  set grad(value: Tensor | null) {
    if (value !== null) {
      if (!(value instanceof Tensor)) throw new TypeError(`grad: must be a Tensor or null, got ${describeValue(value)}`);
      if (value.dtype !== this.dtype) throw new TypeError(`grad: the tensor is ${this.dtype} but the assigned grad is ${value.dtype}; they must match`);
      if (!sameShape(value.shape, this.shape)) throw new Error(`grad: the tensor is ${fmt(this.shape)} but the assigned grad is ${fmt(value.shape)}; they must match`);
    }
    this._grad = value;
  }

  get shape(): readonly number[] {
    return this.view.shape;
  }
  get ndim(): number {
    return this.view.shape.length;
  }
  get size(): number {
    return this.view.size;
  }
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (typeof value !== "boolean") throw new TypeError(`requiresGrad: must be a boolean, got ${describeValue(value)}`);
    if (this.op !== null) throw new Error(`requiresGrad: can only be set on a leaf tensor, not on the output of ${this.op}`);
    if (value && !isFloat(this.dtype)) throw new TypeError(`requiresGrad: an int32 tensor cannot require grad`);
    this._requiresGrad = value;
  }
  /** True for tensors made by the user rather than by an op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** The name of the op that made this tensor, or null for a leaf or once backward freed its node. */
  get op(): string | null {
    return this.gradFn !== null && this.gradFn.backward !== null ? this.gradFn.op : null;
  }
  /** True when backward keeps `grad` on this non-leaf tensor (see retainGrad). */
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: the tensor has ${this.size} elements (shape ${fmt(this.shape)}), expected 1`);
    return flat(this.view)[0];
  }

  /** The values as nested arrays (a number for a 0-d tensor). */
  toArray(): unknown {
    const values = flat(this.view);
    const shape = this.shape;
    if (shape.length === 0) return values[0];
    let pos = 0;
    const build = (d: number): unknown[] => {
      const out = new Array(shape[d]);
      for (let i = 0; i < shape[d]; i++) out[i] = d === shape.length - 1 ? values[pos++] : build(d + 1);
      return out;
    };
    return build(0);
  }

  /** The values as a row-major typed array (a copy). */
  toTypedArray(): TypedArray {
    return flat(this.view).slice();
  }

  /** Keep `grad` on this non-leaf tensor after backward, as `retain_grad()`. */
  retainGrad(): this {
    this._retainsGrad = true;
    return this;
  }

  /** A tensor with the same values and no history: gradients stop here. */
  detach(): Tensor {
    return new Tensor(this.view, false);
  }

  toString(): string {
    return `Tensor(${JSON.stringify(this.toArray())}, shape=${fmt(this.shape)}, dtype=${this.dtype}${this._requiresGrad ? ", requiresGrad" : ""})`;
  }
}

/** Throw a TypeError naming the op and the argument unless `x` is a Tensor: the check every op starts with. */
export function checkTensor(op: string, x: unknown, arg = "a"): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${arg} must be a Tensor, got ${describeValue(x)}`);
}

function isTensorBuffer(x: unknown): boolean {
  return x instanceof Float64Array || x instanceof Float32Array || x instanceof Int32Array;
}

/**
 * A packed tensor over `data` (row-major, offset 0), which must hold at least the
 * shape's elements. Example: `fromFlat(new Float64Array(6), [2, 3])`.
 */
export function fromFlat(data: TypedArray, shape: readonly number[]): Tensor {
  if (!isTensorBuffer(data)) throw new TypeError(`fromFlat: data must be a Float64Array, Float32Array or Int32Array, got ${describeValue(data)}`);
  if (!Array.isArray(shape)) throw new TypeError(`fromFlat: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`fromFlat: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    n *= d;
  }
  if (data.length < n) throw new RangeError(`fromFlat: shape ${fmt(shape)} needs ${n} elements but data has ${data.length}`);
  return new Tensor(packedView(data, shape));
}
