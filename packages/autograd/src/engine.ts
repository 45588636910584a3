// The graph: `record` joins an op's output to it, `backward` walks it in reverse
// topological order, adds (+=) each gradient into its input, and undoes broadcasting
// in one place (`unbroadcast`). Who may reuse a gradient's buffer: grad-buffers.ts.

import { allocate, isFloat, type TypedArray } from "./dtype.js";
import { freshGrad, isOwned, own, recycle, settle } from "./grad-buffers.js";
import { checkOptions, describeValue } from "./options.js";
import { flat, fmt, isPacked, sameShape, view, type View } from "./strides.js";
import { Tensor, type BackwardFn, type DifferentiableBackwardFn, type Node } from "./tensor.js";

// With createGraph the same walk runs each op's differentiable rule with recording on,
// so the gradients have a graph of their own (higher-order gradients).

/** How a recorded op treats the gradient it is given, and how it is differentiated twice. */
export interface RecordOptions {
  /**
   * The backward keeps a reference to dout (or its buffer) after it returns. By default
   * a backward borrows dout: it reads it during the call (returning dout or a view of it
   * is fine), and the engine may then recycle its buffer.
   */
  keepsDout?: boolean;
  /**
   * The rule that backward with createGraph uses, written with Tensor ops so that it is
   * recorded too: a function `(dout, out) => grads`, or `true` when `backward` itself
   * only calls Tensor ops. Without it (or with `noDoubleBackward`), createGraph through
   * the op is an error: the raw rule's gradients would have no graph.
   */
  differentiable?: true | DifferentiableBackwardFn;
  /** The op has no differentiable rule: the text says what to use instead, for the createGraph error. */
  noDoubleBackward?: string;
}

/** The options of `backward`. */
export interface BackwardOptions {
  /** Keep the graph for another backward. Default: createGraph. */
  retainGraph?: boolean;
  /** Record the backward pass, so that the gradients can be differentiated again. Default false. */
  createGraph?: boolean;
}

/** A tensor hook: gets the gradient of its tensor and may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | void | undefined | null;

/** What `registerHook` returns. */
export interface HookHandle {
  remove(): void;
}

let gradEnabled = true;

/** Run `fn` without recording a graph, as `torch.no_grad()`. Example: `noGrad(() => model.forward(x))`. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`noGrad: fn must be a function, got ${describeValue(fn)}`);
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

/** Run `fn` recording a graph even inside `noGrad`, as `torch.enable_grad()`. Example: `enableGrad(() => grad(f)(x))`. */
export function enableGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Record an op: wrap `data` (a packed buffer of `shape`, or a view) as the output and,
 * when grad is on and an input needs it, attach `backward`. Fused ops in other packages
 * join the graph through this. Example: `record("double", [x], out, x.shape, (g) => [mul(g, 2)])`.
 */
export function record(op: string, inputs: Tensor[], data: TypedArray | View, shape: readonly number[], backward: BackwardFn, opts?: RecordOptions): Tensor {
  const v = ArrayBuffer.isView(data) ? view(data as TypedArray, shape) : (data as View);
  let node: Node | null = null;
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    if (opts !== undefined) checkRecordOptions(op, opts);
    node = {
      op,
      inputs,
      backward,
      keepsDout: opts?.keepsDout === true,
      differentiable: opts?.differentiable ?? null,
      noDoubleBackward: opts?.noDoubleBackward ?? null,
    };
  }
  return new Tensor(v, false, node);
}

// A plain loop rather than the options helper: record runs once per op.
function checkRecordOptions(op: string, opts: RecordOptions): void {
  for (const key in opts) {
    if (key !== "keepsDout" && key !== "differentiable" && key !== "noDoubleBackward") {
      throw new TypeError(`record: unknown option "${key}" (expected keepsDout, differentiable, noDoubleBackward)`);
    }
  }
  const d = opts.differentiable;
  if (d !== undefined && d !== true && typeof d !== "function") throw new TypeError(`record: differentiable must be true or a function, got ${describeValue(d)}`);
  if (d !== undefined && opts.noDoubleBackward !== undefined) throw new TypeError(`record: ${op} declares both differentiable and noDoubleBackward`);
}

/**
 * The options that give an op its rule for createGraph (RecordOptions.differentiable).
 * Example: `record("cube", [x], y, x.shape, raw, differentiable((g) => [g.mul(x.pow(2)).mul(3)]))`.
 */
export function differentiable(rule: DifferentiableBackwardFn): RecordOptions {
  // A plain call: an arrow written as an object property would be renamed per call in dev builds.
  return { differentiable: rule };
}

const hooks = new WeakMap<Tensor, GradHook[]>();
// Registered and not removed: while 0, backward skips the lookup per tensor.
let liveHooks = 0;

/**
 * Run `fn(grad)` when backward computes t's gradient (the total over all its uses); a
 * returned tensor replaces it. On a leaf it runs before the gradient is added to .grad.
 */
export function registerHook(t: Tensor, fn: GradHook): HookHandle {
  if (typeof fn !== "function") throw new TypeError(`registerHook: the hook must be a function, got ${describeValue(fn)}`);
  if (!t.requiresGrad) throw new Error(`registerHook: cannot register a hook on a tensor that does not require grad (shape ${fmt(t.shape)})`);
  let list = hooks.get(t);
  if (list === undefined) hooks.set(t, (list = []));
  list.push(fn);
  liveHooks++;
  return {
    remove() {
      const at = list.indexOf(fn);
      if (at < 0) return;
      list.splice(at, 1);
      liveHooks--;
    },
  };
}

/** Pass g through t's hooks, in the order they were registered. */
function runHooks(t: Tensor, g: Tensor, list: readonly GradHook[]): Tensor {
  // A hook may keep g: the engine must no longer write into or recycle it.
  own(g, false);
  for (const fn of list.slice()) {
    const r = fn(g);
    if (r === undefined || r === null) continue;
    if (!(r instanceof Tensor)) throw new TypeError(`registerHook: a hook must return a Tensor or nothing, got ${describeValue(r)}`);
    if (!sameShape(r.shape, t.shape)) throw new Error(`registerHook: the hook returned a gradient of shape ${fmt(r.shape)} but the tensor is ${fmt(t.shape)}`);
    if (r.dtype !== g.dtype) throw new TypeError(`registerHook: the hook returned a ${r.dtype} gradient but the tensor is ${g.dtype}`);
    g = r;
  }
  return g;
}

/**
 * Accumulate d(root)/d(leaf) into every leaf's `.grad`. A one-element root needs no `grad`
 * (then the options may come first); otherwise pass the gradient flowing in from above,
 * shaped like root.
 */
export function backward(root: Tensor, grad?: Tensor | number | BackwardOptions, opts?: BackwardOptions): void {
  if (typeof grad === "object" && grad !== null && Object.getPrototypeOf(grad) === Object.prototype && opts === undefined) {
    opts = grad as BackwardOptions;
    grad = undefined;
  }
  const { retainGraph, createGraph } = backwardOptions("backward", opts);
  if (grad === null) grad = undefined;
  if (!root.requiresGrad) {
    throw new Error(`backward: the tensor does not require grad (shape ${fmt(root.shape)}); create its inputs with { requiresGrad: true }`);
  }
  walk("backward", root, seedGrad("backward", root, grad as Tensor | number | undefined), null, retainGraph, createGraph);
}

function backwardOptions(op: string, opts: unknown): { retainGraph: boolean; createGraph: boolean } {
  const o = checkOptions<BackwardOptions>(op, opts, { retainGraph: "boolean", createGraph: "boolean" });
  const createGraph = o.createGraph ?? false;
  return { retainGraph: o.retainGraph ?? createGraph, createGraph };
}

/**
 * d(root)/d(inputs[i]) for the gradient `gradOutputs` flowing into root (ones when root
 * has one element), as torch.autograd.grad: no .grad changes. null where no gradient
 * reaches an input. Used by grad() and gradgradcheck.
 */
export function gradients(
  op: string,
  root: Tensor,
  inputs: readonly Tensor[],
  opts: { gradOutputs?: Tensor; createGraph?: boolean; retainGraph?: boolean } = {},
): (Tensor | null)[] {
  const { gradOutputs, createGraph = false, retainGraph = createGraph } = opts;
  if (!root.requiresGrad) throw new Error(`${op}: the output does not require grad (shape ${fmt(root.shape)})`);
  const targets = new Map<Tensor, number>();
  inputs.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`${op}: inputs[${i}] does not require grad`);
    targets.set(t, i);
  });
  const captured = new Array<Tensor | null>(inputs.length).fill(null);
  walk(op, root, seedGrad(op, root, gradOutputs), { targets, captured }, retainGraph, createGraph);
  return captured;
}

/**
 * True when root's graph reaches a leaf that requires grad without passing through
 * `inputs`: then d root / d inputs may depend on it (a closed-over parameter, an outer
 * grad's input), and grad() records its pass so that the result stays differentiable.
 */
export function dependsOnOthers(root: Tensor, inputs: ReadonlySet<Tensor>): boolean {
  const seen = new Set<Tensor>();
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop() as Tensor;
    if (seen.has(t) || inputs.has(t) || !t.requiresGrad) continue;
    seen.add(t);
    if (t.gradFn === null) return true;
    for (const x of t.gradFn.inputs) stack.push(x);
  }
  return false;
}

/** The tensors whose gradients grad() asked for, and where they go. */
interface Capture {
  targets: Map<Tensor, number>;
  captured: (Tensor | null)[];
}

/**
 * The backward pass. Without `capture`, gradients are added into the leaves' .grad;
 * with it, only the targets' gradients are computed (the parts of the graph that lead
 * to them) and returned, and no .grad changes.
 */
function walk(op: string, root: Tensor, seed: Tensor, capture: Capture | null, retainGraph: boolean, createGraph: boolean): void {
  const pending = new Map<Tensor, Tensor>([[root, seed]]);
  const order = topoOrder(root);
  const needed = capture === null ? null : leadingTo(order, capture.targets);
  checkGraph(op, order, needed, createGraph);
  const counts = new Map<ArrayBufferLike, number>();
  const previous = gradEnabled;
  gradEnabled = createGraph;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      let g = pending.get(t);
      if (g === undefined) continue;
      pending.delete(t);
      const list = liveHooks > 0 ? hooks.get(t) : undefined;
      if (list !== undefined && list.length > 0) g = runHooks(t, g, list);
      const node = t.gradFn;
      if (!deliver(t, g, node, capture, createGraph) || node === null) continue;
      const grads = createGraph ? differentiableGrads(node, g, t, retainGraph) : rawGrads(node, g, retainGraph, counts);
      passOn(node, grads, pending, needed, createGraph);
      if (!retainGraph) {
        node.inputs = [];
        node.backward = null;
        node.differentiable = null;
      }
    }
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Hand t's gradient g to whoever wants it: the capture (grad()), or t.grad for a leaf or
 * a tensor that retains its grad. False when the walk stops at t (a leaf under backward()).
 */
function deliver(t: Tensor, g: Tensor, node: Node | null, capture: Capture | null, createGraph: boolean): boolean {
  if (capture !== null) {
    const k = capture.targets.get(t);
    if (k !== undefined) capture.captured[k] = own(g, false);
    return true;
  }
  if (node === null) {
    accumulate(t, g, true, createGraph);
    return false;
  }
  if (t.retainsGrad) accumulate(t, g, false, createGraph);
  return true;
}

/** Add each input's gradient, broadcasting undone, into what is pending for it; drop the ones nobody needs. */
function passOn(node: Node, grads: (Tensor | null)[], pending: Map<Tensor, Tensor>, needed: Set<Tensor> | null, createGraph: boolean): void {
  for (let k = 0; k < node.inputs.length; k++) {
    const input = node.inputs[k];
    const gk = grads[k];
    if (gk === null || gk === undefined) continue;
    if (!input.requiresGrad || (needed !== null && !needed.has(input))) {
      recycle(gk);
      continue;
    }
    const shaped = createGraph ? unbroadcastGraph(gk, input.shape) : unbroadcast(gk, input.shape);
    if (shaped !== gk) recycle(gk);
    const prev = pending.get(input);
    pending.set(input, prev === undefined ? shaped : createGraph ? prev.add(shaped) : addPending(prev, shaped));
  }
}

/** The raw rule, with the buffer ownership of its gradients settled (grad-buffers.ts). */
function rawGrads(node: Node, g: Tensor, retainGraph: boolean, counts: Map<ArrayBufferLike, number>): (Tensor | null)[] {
  // The rule may return g itself or views of it: settle decides ownership afresh.
  const gOwned = isOwned(g);
  own(g, false);
  const grads = (node.backward as BackwardFn)(g, retainGraph);
  settle(grads, g, gOwned && !node.keepsDout, counts);
  return grads;
}

/** The differentiable rule, run with recording on; nothing it returns is owned by the engine. */
function differentiableGrads(node: Node, g: Tensor, out: Tensor, retainGraph: boolean): (Tensor | null)[] {
  const rule = node.differentiable as true | DifferentiableBackwardFn;
  const grads = rule === true ? (node.backward as BackwardFn)(g, retainGraph) : rule(g, out);
  for (const gk of grads) if (gk) own(gk, false);
  return grads;
}

/** The tensors of `order` from which a target can be reached (each target included). */
function leadingTo(order: readonly Tensor[], targets: ReadonlyMap<Tensor, number>): Set<Tensor> {
  const needed = new Set<Tensor>();
  // Inputs come before outputs in `order`, so one pass suffices.
  for (const t of order) {
    if (targets.has(t) || (t.gradFn !== null && t.gradFn.inputs.some((x) => needed.has(x)))) needed.add(t);
  }
  return needed;
}

function seedGrad(op: string, root: Tensor, grad: Tensor | number | undefined): Tensor {
  if (grad === undefined || typeof grad === "number") {
    if (root.size !== 1) {
      throw new Error(grad === undefined
        ? `${op}: the output has shape ${fmt(root.shape)}; pass a gradient of that shape (only a one-element output needs none)`
        : `${op}: a number gradient needs a one-element output, but the output is ${fmt(root.shape)}`);
    }
    const one = allocate(root.dtype, 1);
    one[0] = grad ?? 1;
    return new Tensor(view(one, root.shape));
  }
  if (!(grad instanceof Tensor)) throw new TypeError(`${op}: grad must be a Tensor or a number, got ${describeValue(grad)}`);
  if (!isFloat(grad.dtype)) throw new TypeError(`${op}: grad is int32 ${fmt(grad.shape)}; it must be a float tensor`);
  if (!sameShape(grad.shape, root.shape)) throw new Error(`${op}: grad is ${fmt(grad.shape)} but the output is ${fmt(root.shape)}`);
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

/** Check the graph that the pass will walk (`needed`, or all of it) before any .grad changes. */
function checkGraph(op: string, order: readonly Tensor[], needed: ReadonlySet<Tensor> | null, createGraph: boolean): void {
  for (const t of order) {
    if (needed !== null && !needed.has(t)) continue;
    if (needed === null && t.grad !== null && !sameShape(t.grad.shape, t.shape)) {
      throw new Error(`${op}: the existing .grad has shape ${fmt(t.grad.shape)} but the tensor is ${fmt(t.shape)}`);
    }
    const node = t.gradFn;
    if (node !== null && node.backward === null) {
      throw new Error(
        `${op}: part of this graph was already freed by an earlier backward (shape ${fmt(t.shape)}); ` +
          `call detach() on state carried between chunks, or pass { retainGraph: true } to the first backward`,
      );
    }
    if (createGraph && node !== null && node.differentiable === null) {
      throw new Error(
        node.noDoubleBackward !== null
          ? `${node.op}: createGraph is not supported through this op; ${node.noDoubleBackward}`
          : `${node.op}: createGraph is not supported through this op: its backward is not declared differentiable (record it with { differentiable })`,
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

/** unbroadcast with Tensor ops, so that it is recorded under createGraph. */
function unbroadcastGraph(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0 || shape.some((s, i) => s !== 1 && s !== g.shape[lead + i])) {
    throw new Error(`backward: a gradient of shape ${fmt(g.shape)} cannot be summed back to ${fmt(shape)}`);
  }
  let out = g;
  for (let i = 0; i < lead; i++) out = out.sum(0);
  for (let i = 0; i < shape.length; i++) if (shape[i] === 1 && out.shape[i] !== 1) out = out.sum(i, true);
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
 * Under createGraph, and into a .grad that has a graph, the sum is out of place (recorded).
 */
function accumulate(t: Tensor, g: Tensor, consume: boolean, createGraph: boolean): void {
  if (createGraph) {
    t.grad = t.grad !== null ? t.grad.add(g) : g.requiresGrad ? g : copyOf(g, t);
    return;
  }
  if (t.grad === null) {
    if (consume && isOwned(g) && g.dtype === t.dtype && isPacked(g.view) && sameShape(g.shape, t.shape)) {
      t.grad = own(g, false);
      return;
    }
    t.grad = copyOf(g, t);
  } else if (isPacked(t.grad.view) && !t.grad.requiresGrad) {
    const d = t.grad.buffer;
    const src = flat(g.view);
    for (let i = 0; i < d.length; i++) d[i] += src[i];
  } else {
    t.grad = addInto(t.grad, g);
  }
  if (consume) recycle(g);
}

/** g's values in a new buffer of t's dtype and shape. */
function copyOf(g: Tensor, t: Tensor): Tensor {
  const copy = allocate(t.dtype, t.size);
  copy.set(flat(g.view));
  return new Tensor(view(copy, t.shape));
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
