// The graph: `record` joins an op's output to it, `backward` walks it in reverse
// topological order, adds (+=) each gradient into its input, and undoes broadcasting
// in one place (`unbroadcast`). Who may reuse a gradient's buffer: grad-buffers.ts.

import { allocate, type TypedArray } from "./dtype.js";
import { freshGrad, isOwned, own, recycle, settle } from "./grad-buffers.js";
import { flat, fmt, isPacked, sameShape, view, type View } from "./strides.js";
import { Tensor, type BackwardFn, type Node } from "./tensor.js";

/** How a recorded op treats the gradient it is given. */
export interface RecordOptions {
  /**
   * The backward keeps a reference to dout (or its buffer) after it returns. By default
   * a backward borrows dout: it reads it during the call (returning dout or a view of it
   * is fine), and the engine may then recycle its buffer.
   */
  keepsDout?: boolean;
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

/** True unless inside `noGrad`, as `torch.is_grad_enabled()`. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Record an op: wrap `data` (a packed buffer of `shape`, or a view) as the output and,
 * when grad is on and an input needs it, attach `backward`. Fused ops in other packages
 * join the graph through this. Example: `record("double", [x], out, x.shape, (g) => [mul(g, 2)])`.
 */
export function record(op: string, inputs: Tensor[], data: TypedArray | View, shape: readonly number[], backward: BackwardFn, opts?: RecordOptions): Tensor {
  const v = ArrayBuffer.isView(data) ? view(data as TypedArray, shape) : (data as View);
  let node: Node | null = null;
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) node = { op, inputs, backward, keepsDout: opts?.keepsDout === true };
  return new Tensor(v, false, node);
}

/**
 * Accumulate d(root)/d(leaf) into every leaf's `.grad`. A one-element root needs no `grad`;
 * otherwise pass the gradient flowing in from above, shaped like root.
 */
export function backward(root: Tensor, grad?: Tensor | number, opts: { retainGraph?: boolean } = {}): void {
  const retainGraph = opts.retainGraph ?? false;
  if (!root.requiresGrad) {
    throw new Error(`backward: the tensor does not require grad (shape ${fmt(root.shape)}); create its inputs with { requiresGrad: true }`);
  }
  const pending = new Map<Tensor, Tensor>([[root, seedGrad(root, grad)]]);
  const order = topoOrder(root);
  checkGraph(order);
  const counts = new Map<ArrayBufferLike, number>();
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = pending.get(t);
      if (g === undefined) continue;
      pending.delete(t);
      const node = t.gradFn;
      if (node === null) {
        accumulate(t, g, true);
        continue;
      }
      if (t.retainsGrad) accumulate(t, g, false);
      // The rule may return g itself or views of it: settle decides ownership afresh.
      const gOwned = isOwned(g);
      own(g, false);
      const grads = (node.backward as BackwardFn)(g, retainGraph);
      settle(grads, g, gOwned && !node.keepsDout, counts);
      for (let k = 0; k < node.inputs.length; k++) {
        const input = node.inputs[k];
        const gk = grads[k];
        if (gk === null || gk === undefined) continue;
        if (!input.requiresGrad) {
          recycle(gk);
          continue;
        }
        const shaped = unbroadcast(gk, input.shape);
        if (shaped !== gk) recycle(gk);
        const prev = pending.get(input);
        pending.set(input, prev === undefined ? shaped : addPending(prev, shaped));
      }
      if (!retainGraph) {
        node.inputs = [];
        node.backward = null;
      }
    }
  } finally {
    gradEnabled = previous;
  }
}

function seedGrad(root: Tensor, grad: Tensor | number | undefined): Tensor {
  if (grad === undefined || typeof grad === "number") {
    if (root.size !== 1) {
      throw new Error(grad === undefined
        ? `backward: the output has shape ${fmt(root.shape)}; pass a gradient of that shape (only a one-element output needs none)`
        : `backward: a number gradient needs a one-element output, but the output is ${fmt(root.shape)}`);
    }
    const one = allocate(root.dtype, 1);
    one[0] = grad ?? 1;
    return new Tensor(view(one, root.shape));
  }
  if (!(grad instanceof Tensor)) throw new TypeError(`backward: grad must be a Tensor or a number`);
  if (!sameShape(grad.shape, root.shape)) throw new Error(`backward: grad is ${fmt(grad.shape)} but the output is ${fmt(root.shape)}`);
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
    const node = stack[top].gradFn;
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

/** Check the whole graph before any .grad changes. */
function checkGraph(order: readonly Tensor[]): void {
  for (const t of order) {
    if (t.grad !== null && !sameShape(t.grad.shape, t.shape)) {
      throw new Error(`backward: the existing .grad has shape ${fmt(t.grad.shape)} but the tensor is ${fmt(t.shape)}`);
    }
    if (t.gradFn !== null && t.gradFn.backward === null) {
      throw new Error(
        `backward: part of this graph was already freed by an earlier backward (shape ${fmt(t.shape)}); ` +
          `call detach() on state carried between chunks, or pass { retainGraph: true } to the first backward`,
      );
    }
  }
}

/**
 * Sum a gradient back to the shape of the input it belongs to (dims that the forward
 * broadcast: leading ones, and size-1 ones): the one place broadcasting is undone.
 */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0 || shape.some((s, i) => s !== 1 && s !== g.shape[lead + i])) {
    throw new Error(`backward: a gradient of shape ${fmt(g.shape)} cannot be summed back to ${fmt(shape)}`);
  }
  const out = freshGrad(g.dtype, shape);
  sumTo(out.buffer, shape, flat(g.view), g.shape);
  return out;
}

/** out [shape] += x [xShape] summed over the dims where shape (right-aligned) has 1 or nothing. */
function sumTo(out: TypedArray, shape: readonly number[], x: TypedArray, xShape: readonly number[]): void {
  const n = xShape.length;
  const lead = n - shape.length;
  // Where each of x's dims steps in out: 0 along a summed dim.
  const step = new Array<number>(n).fill(0);
  for (let d = n - 1, s = 1; d >= lead; d--) {
    if (shape[d - lead] !== 1) step[d] = s;
    s *= shape[d - lead];
  }
  const pos = new Array<number>(n).fill(0);
  let at = 0;
  for (let p = 0; p < x.length; p++) {
    out[at] += x[p];
    for (let d = n - 1; d >= 0; d--) {
      at += step[d];
      if (++pos[d] < xShape[d]) break;
      at -= step[d] * xShape[d];
      pos[d] = 0;
    }
  }
}

/** a + b into a fresh tensor of a's dtype (b is converted if needed). */
function addInto(a: Tensor, b: Tensor): Tensor {
  const x = flat(a.view);
  const y = flat(b.view);
  const out = allocate(a.dtype, x.length);
  for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
  return new Tensor(view(out, a.shape));
}

/**
 * Accumulate `g` into `t.grad` in place (+=): a leaf used at every step sums all its
 * contributions. With `consume`, an owned `g` is adopted as the first .grad or recycled.
 */
function accumulate(t: Tensor, g: Tensor, consume: boolean): void {
  if (t.grad === null) {
    if (consume && isOwned(g) && g.dtype === t.dtype && isPacked(g.view) && sameShape(g.shape, t.shape)) {
      t.grad = own(g, false);
      return;
    }
    const copy = allocate(t.dtype, t.size);
    copy.set(flat(g.view));
    t.grad = new Tensor(view(copy, t.shape));
  } else if (isPacked(t.grad.view)) {
    const d = t.grad.buffer;
    const src = flat(g.view);
    for (let i = 0; i < d.length; i++) d[i] += src[i];
  } else {
    t.grad = addInto(t.grad, g);
  }
  if (consume) recycle(g);
}

/** The sum of two gradient contributions to one tensor, in place in an owned one when possible. */
function addPending(prev: Tensor, next: Tensor): Tensor {
  for (const [into, from] of [[prev, next], [next, prev]]) {
    if (!isOwned(into) || into.dtype !== prev.dtype || !isPacked(into.view)) continue;
    const d = into.buffer;
    const s = flat(from.view);
    for (let i = 0; i < d.length; i++) d[i] += s[i];
    recycle(from);
    return into;
  }
  const sum = own(addInto(prev, next));
  recycle(prev);
  recycle(next);
  return sum;
}
