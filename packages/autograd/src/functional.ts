// Gradients as values, as torch.func: grad(fn)(x) is d fn / d x, computed without
// touching any tensor's .grad. Nesting grad(grad(fn)) gives higher-order gradients.

import { allocate } from "./dtype.js";
import { dependsOnOthers, enableGrad, gradients } from "./engine.js";
import { reshape } from "./ops/shape.js";
import { checkOptions, describeValue, type OptionSchema } from "./options.js";
import { fmt, sameShape } from "./strides.js";
import { fromFlat, Tensor } from "./tensor.js";

/** A tensor, or arrays and plain objects of them (nested): what an argument or a gradient may be. */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree };

export interface GradOptions {
  /** Which arguments to differentiate: one index (one gradient) or an array (an array of gradients). Default 0. */
  argnums?: number | readonly number[];
  /**
   * Record the gradient computation itself, so that the gradients can be differentiated
   * again. Default: true when the gradients can depend on a tensor that requires grad
   * (an argument that already does, as inside an outer grad, or a closed-over parameter),
   * so that grad(grad(fn)) works and composes with backward as in torch.func.
   */
  createGraph?: boolean;
  /** fn returns [output, aux]; aux is passed through untouched. Default false. */
  hasAux?: boolean;
  /** The gradient flowing into a non-scalar output (a vector-Jacobian product), shaped like it. */
  gradOutputs?: Tensor;
}

// argnums is checked below (an integer or a list of them).
const GRAD_SCHEMA: OptionSchema<GradOptions> = { argnums: {}, createGraph: "boolean", hasAux: "boolean", gradOutputs: { is: (v) => v instanceof Tensor, expected: "a Tensor" } };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => unknown;

/**
 * The gradient of a scalar-valued `fn` with respect to its arguments `argnums`, as a
 * function of the same arguments (torch.func.grad). Example: `grad((x) => x.tanh().sum())(x)`.
 */
export function grad(fn: Fn, opts: GradOptions = {}): (...args: unknown[]) => any {
  const run = prepare("grad", fn, opts);
  return (...args: unknown[]) => {
    const { value, grads } = run(args);
    return opts.hasAux ? [grads, (value as [Tensor, unknown])[1]] : grads;
  };
}

/**
 * Like `grad`, but the function returns `[value, grads]` (with `hasAux`, `[[value, aux], grads]`).
 * Example: `const [loss, dw] = valueAndGrad((w) => loss(w))(w)`.
 */
export function valueAndGrad(fn: Fn, opts: GradOptions = {}): (...args: unknown[]) => [any, any] {
  const run = prepare("valueAndGrad", fn, opts);
  return (...args: unknown[]) => {
    const { value, grads } = run(args);
    return [value, grads];
  };
}

function prepare(op: string, fn: Fn, opts: GradOptions): (args: unknown[]) => { value: unknown; grads: unknown } {
  if (typeof fn !== "function") throw new TypeError(`${op}: fn must be a function, got ${describeValue(fn)}`);
  const { argnums = 0, createGraph, hasAux = false, gradOutputs } = checkOptions<GradOptions>(op, opts, GRAD_SCHEMA);
  const single = typeof argnums === "number";
  const nums: readonly number[] = single ? [argnums as number] : (argnums as readonly number[]);
  if (!single && (!Array.isArray(argnums) || argnums.length === 0)) {
    throw new TypeError(`${op}: argnums must be an integer or a non-empty array of integers, got ${JSON.stringify(argnums)}`);
  }

  return (args) => {
    const positions = normArgnums(op, nums, args.length);
    // Each differentiated tensor is replaced by a fresh input the gradients are taken for.
    const wrapped = args.slice();
    const inputs: Tensor[] = [];
    let watched = false;
    for (const p of positions) {
      wrapped[p] = wrapTree(op, args[p], `args[${p}]`, (x) => {
        watched ||= x.requiresGrad;
        // A new leaf over the same values, or, when x already requires grad (an outer grad
        // watches it), a recorded identity so that the gradient stays connected to x.
        const input = x.requiresGrad ? enableGrad(() => reshape(x, x.shape)) : new Tensor(x.view, true);
        inputs.push(input);
        return input;
      });
    }
    const result = enableGrad(() => fn(...wrapped));
    let out: unknown = result;
    if (hasAux) {
      if (!Array.isArray(result) || result.length !== 2) throw new TypeError(`${op}: with hasAux, fn must return [output, aux], got ${describeValue(result)}`);
      out = result[0];
    }
    if (!(out instanceof Tensor)) throw new TypeError(`${op}: fn must return a Tensor${hasAux ? " as the first of [output, aux]" : ""}, got ${describeValue(out)}`);
    if (gradOutputs === undefined && out.ndim !== 0) {
      throw new Error(`${op}: fn returned a tensor of shape ${fmt(out.shape)}; a non-scalar output needs { gradOutputs } shaped like it (or reduce it to a 0-d scalar, e.g. with .sum())`);
    }
    if (gradOutputs !== undefined && !sameShape(gradOutputs.shape, out.shape)) {
      throw new Error(`${op}: gradOutputs is ${fmt(gradOutputs.shape)} but fn returned ${fmt(out.shape)}`);
    }
    const graph = createGraph ?? (watched || (out.requiresGrad && dependsOnOthers(out, new Set(inputs))));
    const found = out.requiresGrad ? gradients(op, out, inputs, { gradOutputs, createGraph: graph, retainGraph: graph }) : inputs.map(() => null);
    // An input that does not reach the output gets zeros, as in torch.func.
    const gs = found.map((g, i) => g ?? zerosLike(inputs[i]));
    let k = 0;
    const trees = positions.map((p) => rebuild(args[p], () => gs[k++]));
    const value = graph ? out : out.detach();
    return { value: hasAux ? [value, (result as unknown[])[1]] : value, grads: single ? trees[0] : trees };
  };
}

function normArgnums(op: string, nums: readonly number[], count: number): number[] {
  const out = nums.map((n) => {
    if (!Number.isInteger(n)) throw new TypeError(`${op}: argnums must hold integers, got ${JSON.stringify(n)}`);
    if (n < -count || n >= count) throw new RangeError(`${op}: argnums ${n} is out of range for ${count} argument(s)`);
    return n < 0 ? n + count : n;
  });
  if (new Set(out).size !== out.length) throw new Error(`${op}: argnums ${JSON.stringify(nums)} repeat an argument`);
  return out;
}

/** The argument with every tensor replaced by `wrap(tensor)`. */
function wrapTree(op: string, x: unknown, where: string, wrap: (t: Tensor) => Tensor): unknown {
  if (x instanceof Tensor) {
    if (x.dtype === "int32") throw new TypeError(`${op}: ${where} is an int32 tensor; only float tensors can be differentiated`);
    return wrap(x);
  }
  if (Array.isArray(x)) return x.map((v, i) => wrapTree(op, v, `${where}[${i}]`, wrap));
  if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, wrapTree(op, v, `${where}.${k}`, wrap)]));
  }
  throw new TypeError(`${op}: ${where} must be a Tensor (or an array or object of Tensors) to be differentiated, got ${describeValue(x)}`);
}

function rebuild(x: unknown, next: () => Tensor): unknown {
  if (x instanceof Tensor) return next();
  if (Array.isArray(x)) return x.map((v) => rebuild(v, next));
  return Object.fromEntries(Object.entries(x as object).map(([k, v]) => [k, rebuild(v, next)]));
}

function zerosLike(t: Tensor): Tensor {
  return fromFlat(allocate(t.dtype, t.size), t.shape);
}
