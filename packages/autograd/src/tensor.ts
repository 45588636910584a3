// The Tensor and the graph: recording ops, the iterative backward pass, gradient
// accumulation (+=) and undoing broadcasting. Every op lives in ops/ and records
// itself through `record`.

import { allocate, checkDtype, dtypeOf, isFloat, type Dtype, type TypedArray } from "./dtype.js";
import { giveBuffer, takeBuffer } from "./pool.js";
import { flat, fmt, isPacked, sameShape, sizeOf, view, type View } from "./strides.js";
import * as ew from "./ops/elementwise.js";
import * as mm from "./ops/matmul.js";
import * as rd from "./ops/reduce.js";
import * as sh from "./ops/shape.js";

/**
 * The backward rule of one recorded op: given d(loss)/d(output), return
 * d(loss)/d(input) for each input (null where an input needs none). A returned
 * gradient may have the broadcast shape of the output; the engine sums it back.
 * `retainGraph` is true when this node may run again (backward with retainGraph):
 * only when it is false may the op reuse what it saved for backward.
 */
export type BackwardFn = (dout: Tensor, retainGraph: boolean) => (Tensor | null)[];

/** How a recorded op treats its gradients (see the ownership rule below `record`). */
export interface RecordOptions {
  /**
   * The backward only reads `dout` during the call and keeps no reference to it or to its
   * buffer afterwards (returning dout or a view of it is fine): the engine may then recycle
   * dout's buffer when the engine owns it.
   */
  borrowsDout?: boolean;
}

interface Node {
  op: string;
  inputs: Tensor[];
  backward: BackwardFn;
  borrowsDout: boolean;
}

let gradEnabled = true;

/** Run `fn` without recording a graph, as `torch.no_grad()`. Example: `noGrad(() => model.forward(x))`. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export class Tensor {
  /** The ndarray view holding the values. */
  readonly data: View;
  readonly dtype: Dtype;
  /** The gradient accumulated by backward, or null. Assignable, as in PyTorch. */
  grad: Tensor | null = null;
  private _requiresGrad: boolean;
  private _node: Node | null = null;
  private _released = false;
  private _retainGrad = false;
  // The engine may write into and recycle this gradient's buffer (see freshGrad).
  private _owned = false;

  constructor(data: View, requiresGrad = false) {
    this.data = data;
    this.dtype = dtypeOf(data.data);
    if (requiresGrad && !isFloat(this.dtype)) {
      throw new TypeError(`tensor: an int32 tensor cannot require grad`);
    }
    this._requiresGrad = requiresGrad;
  }

  get shape(): readonly number[] {
    return this.data.shape;
  }
  get ndim(): number {
    return this.data.shape.length;
  }
  get size(): number {
    return this.data.size;
  }
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (this._node) throw new Error(`requiresGrad: can only be set on a leaf tensor, not on the output of ${this._node.op}`);
    if (value && !isFloat(this.dtype)) throw new TypeError(`requiresGrad: an int32 tensor cannot require grad`);
    this._requiresGrad = value;
  }
  /** True for tensors made by the user rather than by an op. */
  get isLeaf(): boolean {
    return this._node === null && !this._released;
  }
  /** The name of the op that made this tensor, or null for a leaf. */
  get op(): string | null {
    return this._node?.op ?? null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: the tensor has ${this.size} elements (shape ${fmt(this.shape)}), expected 1`);
    return flat(this.data)[0];
  }

  /** The values as nested arrays (a number for a 0-d tensor). */
  toArray(): unknown {
    const values = flat(this.data);
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
    return flat(this.data).slice();
  }

  /** Keep `grad` on this non-leaf tensor after backward, as `retain_grad()`. */
  retainGrad(): this {
    this._retainGrad = true;
    return this;
  }

  /** A tensor with the same values and no history: gradients stop here. */
  detach(): Tensor {
    return new Tensor(this.data, false);
  }

  /**
   * Accumulate d(this)/d(leaf) into every leaf's `.grad`. A scalar needs no argument;
   * otherwise pass the gradient flowing in from above, shaped like this tensor.
   */
  backward(grad?: Tensor | number, opts: { retainGraph?: boolean } = {}): void {
    backwardFrom(this, grad, opts.retainGraph ?? false);
  }

  add(other: Tensor | number): Tensor {
    return ew.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return ew.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return ew.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return ew.div(this, other);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  pow(exponent: number): Tensor {
    return ew.pow(this, exponent);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  to(dtype: Dtype): Tensor {
    return ew.to(this, dtype);
  }
  matmul(other: Tensor): Tensor {
    return mm.matmul(this, other);
  }
  sum(dim?: number, keepDim = false): Tensor {
    return rd.sum(this, dim, keepDim);
  }
  mean(dim?: number, keepDim = false): Tensor {
    return rd.mean(this, dim, keepDim);
  }
  max(dim: number, keepDim = false): Tensor {
    return rd.max(this, dim, keepDim);
  }
  argmax(dim: number): Tensor {
    return rd.argmax(this, dim);
  }
  logSumExp(dim: number, keepDim = false): Tensor {
    return rd.logSumExp(this, dim, keepDim);
  }
  softmax(dim: number): Tensor {
    return rd.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return rd.logSoftmax(this, dim);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  permute(dims: readonly number[]): Tensor {
    return sh.permute(this, dims);
  }
  reshape(shape: readonly number[]): Tensor {
    return sh.reshape(this, shape);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return sh.narrow(this, dim, start, length);
  }
  select(dim: number, index: number): Tensor {
    return sh.select(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return sh.gather(this, dim, index);
  }

  toString(): string {
    return `Tensor(${JSON.stringify(this.toArray())}, shape=${fmt(this.shape)}, dtype=${this.dtype}${this._requiresGrad ? ", requiresGrad" : ""})`;
  }

  /** @internal */
  static _attach(out: Tensor, node: Node): void {
    out._node = node;
    out._requiresGrad = true;
  }
  /** @internal */
  static _node(t: Tensor): Node | null {
    return t._node;
  }
}

/** Throw a TypeError naming the op and the argument unless `x` is a Tensor: the check every op starts with. */
export function checkTensor(op: string, x: unknown, arg = "a"): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${arg} must be a Tensor, got ${describeValue(x)}`);
}

/** What a wrong argument is, for error messages: "null", "an array" or its typeof. */
export function describeValue(x: unknown): string {
  return x === null ? "null" : Array.isArray(x) ? "an array" : typeof x;
}

/** A packed tensor over `data` (row-major, offset 0). */
export function fromFlat(data: TypedArray, shape: readonly number[]): Tensor {
  return new Tensor(view(data, shape));
}

/**
 * Record an op: wrap `data` as the output and, when grad is on and an input needs
 * it, attach `backward`. Kernels in other packages (fused losses, the RNN step) use
 * this to join the graph.
 */
export function record(
  op: string,
  inputs: Tensor[],
  data: TypedArray | View,
  shape: readonly number[],
  backward: BackwardFn,
  opts?: RecordOptions,
): Tensor {
  const out = ArrayBuffer.isView(data) ? fromFlat(data as TypedArray, shape) : new Tensor(data as View);
  if (!gradEnabled) return out;
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i].requiresGrad) {
      Tensor._attach(out, { op, inputs, backward, borrowsDout: opts?.borrowsDout === true });
      break;
    }
  }
  return out;
}

// Ownership of gradient buffers (the one place this rule lives).
// A gradient tensor is OWNED by the engine when nothing outside the running backward can
// reach its buffer: it was made by `freshGrad` and returned from a backward exactly once
// (no other returned gradient sharing its buffer), or the engine made it (an unbroadcast
// sum, a sum of two contributions). Only then may the engine
//   - adopt it as a leaf's .grad without copying (it then belongs to the user: never recycled),
//   - add another contribution into it in place,
//   - recycle its buffer (pool.ts) once it is consumed: added into a .grad, or passed as
//     dout to a backward that was recorded with { borrowsDout: true } (it keeps no
//     reference) and returned neither dout nor a view of it (add returns [g, g],
//     transpose and reshape return views).
// Everything else (the user's seed gradient, op outputs, .grad tensors, a gradient returned
// twice, dout of a backward that may keep it) is only read, never written or recycled.
// A backward that returns a freshGrad tensor must not touch it again.

/**
 * A zeroed gradient tensor for a backward rule to fill and return, which the engine may
 * keep as a .grad or recycle once consumed (its buffer may come from earlier steps).
 * Example: `const dx = freshGrad(x.dtype, x.shape); kernel(dx.data.data, ...); return [dx]`.
 */
export function freshGrad(dtype: Dtype, shape: readonly number[]): Tensor {
  const t = fromFlat(takeBuffer(dtype, sizeOf(shape)), shape);
  (t as unknown as { _owned: boolean })._owned = true;
  return t;
}

function isOwned(t: Tensor): boolean {
  return (t as unknown as { _owned: boolean })._owned;
}

function setOwned(t: Tensor, owned: boolean): Tensor {
  (t as unknown as { _owned: boolean })._owned = owned;
  return t;
}

/** Give an owned, consumed gradient's buffer back to the pool; it must not be used after. */
function recycle(t: Tensor): void {
  if (!isOwned(t)) return;
  setOwned(t, false);
  giveBuffer(t.data.data);
}

/** True when some entry of `grads` other than k reads the same memory as `t`. */
function sharedIn(grads: readonly (Tensor | null | undefined)[], k: number, t: Tensor): boolean {
  const buf = t.data.data.buffer;
  for (let j = 0; j < grads.length; j++) {
    const o = grads[j];
    if (j !== k && o !== null && o !== undefined && o.data.data.buffer === buf) return true;
  }
  return false;
}

/** Sum a gradient back to the shape of the input it belongs to: the one place broadcasting is undone. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  let out = g;
  for (let i = 0; i < lead; i++) out = out.sum(0);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && out.shape[i] !== 1) out = out.sum(i, true);
  }
  if (!sameShape(out.shape, shape)) {
    throw new Error(`backward: a gradient of shape ${fmt(g.shape)} cannot be summed back to ${fmt(shape)}`);
  }
  return out;
}

/** a + b into a fresh tensor of a's dtype (b is converted if needed). */
function addInto(a: Tensor, b: Tensor): Tensor {
  const x = flat(a.data);
  const y = flat(b.data);
  const out = allocate(a.dtype, x.length);
  for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
  return fromFlat(out, a.shape);
}

/**
 * Accumulate `g` into `t.grad` in place (+=): a leaf used at every step sums all its
 * contributions. With `consume`, an owned `g` is adopted as the first .grad or recycled.
 */
function accumulateGrad(t: Tensor, g: Tensor, consume: boolean): void {
  if (t.grad === null) {
    if (consume && isOwned(g) && g.dtype === t.dtype && isPacked(g.data) && sameShape(g.shape, t.shape)) {
      t.grad = setOwned(g, false);
      return;
    }
    const copy = allocate(t.dtype, t.size);
    copy.set(flat(g.data));
    t.grad = fromFlat(copy, t.shape);
    if (consume) recycle(g);
    return;
  }
  if (!sameShape(t.grad.shape, t.shape)) {
    throw new Error(`backward: the existing .grad has shape ${fmt(t.grad.shape)} but the tensor is ${fmt(t.shape)}`);
  }
  const dst = t.grad.data;
  const src = flat(g.data);
  if (isPacked(dst)) {
    const d = dst.data;
    for (let i = 0; i < d.length; i++) d[i] += src[i];
  } else {
    t.grad = addInto(t.grad, g);
  }
  if (consume) recycle(g);
}

/** The sum of two gradient contributions to one tensor, in place in an owned one when possible. */
function addPending(prev: Tensor, next: Tensor): Tensor {
  for (const [into, from] of [[prev, next], [next, prev]]) {
    if (!isOwned(into) || into.dtype !== prev.dtype || !isPacked(into.data)) continue;
    const d = into.data.data;
    const s = flat(from.data);
    for (let i = 0; i < d.length; i++) d[i] += s[i];
    recycle(from);
    return into;
  }
  const sum = setOwned(addInto(prev, next), true);
  recycle(prev);
  recycle(next);
  return sum;
}

function toGradTensor(root: Tensor, grad: Tensor | number | undefined): Tensor {
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward: the output has shape ${fmt(root.shape)}; pass a gradient of that shape (only a one-element output needs none)`);
    }
    const one = allocate(root.dtype, 1);
    one[0] = 1;
    return fromFlat(one, root.shape);
  }
  if (typeof grad === "number") {
    if (root.size !== 1) throw new Error(`backward: a number gradient needs a one-element output, but the output is ${fmt(root.shape)}`);
    const g = allocate(root.dtype, 1);
    g[0] = grad;
    return fromFlat(g, root.shape);
  }
  if (!(grad instanceof Tensor)) throw new TypeError(`backward: grad must be a Tensor or a number`);
  if (!sameShape(grad.shape, root.shape)) {
    throw new Error(`backward: grad is ${fmt(grad.shape)} but the output is ${fmt(root.shape)}`);
  }
  return grad;
}

/** Iterative topological order (inputs before outputs) of the tensors that need grad. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  // The depth-first stack as two parallel arrays: a tensor and the next input to visit.
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const node = Tensor._node(stack[top]);
    const k = next[top];
    if (node !== null && k < node.inputs.length) {
      next[top] = k + 1;
      const input = node.inputs[k];
      if (input.requiresGrad && !seen.has(input)) {
        seen.add(input);
        stack.push(input);
        next.push(0);
      }
    } else {
      order.push(stack[top]);
      stack.pop();
      next.pop();
    }
  }
  return order;
}

function backwardFrom(root: Tensor, grad: Tensor | number | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new Error(`backward: the tensor does not require grad (shape ${fmt(root.shape)}); create its inputs with { requiresGrad: true }`);
  }
  const seed = toGradTensor(root, grad);
  const order = topoOrder(root);
  // Check the whole graph before any .grad changes.
  for (const t of order) {
    if (t.grad !== null && !sameShape(t.grad.shape, t.shape)) {
      throw new Error(`backward: the existing .grad has shape ${fmt(t.grad.shape)} but the tensor is ${fmt(t.shape)}`);
    }
    if ((t as unknown as { _released: boolean })._released) {
      throw new Error(
        `backward: part of this graph was already freed by an earlier backward (shape ${fmt(t.shape)}); ` +
          `call detach() on state carried between chunks, or pass { retainGraph: true } to the first backward`,
      );
    }
  }
  const pending = new Map<Tensor, Tensor>([[root, seed]]);
  // As noGrad(), without a closure per backward.
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = pending.get(t);
      pending.delete(t);
      if (g === undefined) continue;
      const node = Tensor._node(t);
      if (node === null) {
        accumulateGrad(t, g, true);
        continue;
      }
      if ((t as unknown as { _retainGrad: boolean })._retainGrad) accumulateGrad(t, g, false);
      // The backward may return g itself or views of it: ownership is decided again below.
      const gOwned = isOwned(g);
      setOwned(g, false);
      const grads = node.backward(g, retainGraph);
      for (let k = 0; k < node.inputs.length; k++) {
        const input = node.inputs[k];
        const gk = grads[k];
        if (gk === null || gk === undefined) continue;
        const owned = isOwned(gk) && !sharedIn(grads, k, gk);
        setOwned(gk, owned);
        if (!input.requiresGrad) {
          recycle(gk);
          continue;
        }
        let shaped = unbroadcast(gk, input.shape);
        if (shaped !== gk) {
          recycle(gk);
          shaped = setOwned(shaped, true);
        }
        const prev = pending.get(input);
        pending.set(input, prev === undefined ? shaped : addPending(prev, shaped));
      }
      if (gOwned && node.borrowsDout && !sharedIn(grads, -1, g)) recycle(setOwned(g, true));
      if (!retainGraph) {
        const self = t as unknown as { _node: Node | null; _released: boolean };
        self._node = null;
        self._released = true;
      }
    }
  } finally {
    gradEnabled = previous;
  }
}

