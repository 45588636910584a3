// Module: a named tree of parameters, as `torch.nn.Module`. Parameters and
// sub-modules are registered by name; state dicts use dotted camelCase names
// (`rnn.layers.0.weightIh`) or, with { names: "torch" }, PyTorch's (`rnn.weight_ih_l0`).

import { getDefaultDtype, Tensor, uniform, zeros, type FloatArray, type FloatDtype, type Rng } from "@unroll/autograd";
import { checkAllocation, checkOptions, describeValue, flat, floatDtypeRule, fmt, fromFlat, residentBuffer, rngRule, sizeOf, type OptionSchema } from "@unroll/autograd/extend";

/** Options every module constructor takes. */
export interface ModuleOptions {
  /** Generator for the initial weights (default: the process-wide one). */
  rng?: Rng;
  /** Parameter dtype (default: the default dtype, float64 unless changed). */
  dtype?: FloatDtype;
}

/** The options every module constructor takes, for a layer's schema: `{ ...MODULE_SCHEMA, bias: "boolean" }`. */
export const MODULE_SCHEMA: OptionSchema<ModuleOptions> = { rng: rngRule, dtype: floatDtypeRule };

export type NameStyle = "unroll" | "torch";

const NAMES_RULE = { oneOf: ["unroll", "torch"] } as const;

export interface LoadResult {
  /** Names the module has but the dict lacked (only when strict is false). */
  missingKeys: string[];
  /** Names in the dict the module does not have (only when strict is false). */
  unexpectedKeys: string[];
}

/** weightIh → weight_ih */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * U(-bound, bound) weights that require grad: PyTorch's initialisation of Linear and RNN.
 * `op` names the layer in the error when the weights are too large to allocate. Their
 * buffer is resident in the kernels' memory (residentBuffer), so that the kernels read the
 * weights in place; the optimizers and loadStateDict write into it in place.
 */
export function uniformParameter(op: string, shape: number[], bound: number, opts: ModuleOptions): Tensor {
  const dtype = opts.dtype ?? getDefaultDtype();
  checkAllocation(op, dtype, sizeOf(shape));
  const values = uniform(shape, -bound, bound, { rng: opts.rng, dtype });
  const data = residentBuffer(dtype, values.size);
  data.set(flat(values.view) as FloatArray);
  const p = fromFlat(data, shape);
  p.requiresGrad = true;
  return p;
}

export function checkSize(op: string, arg: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${op}: ${arg} must be a positive integer, got ${describeValue(n)}`);
}

/** Modules compute in their parameters' dtype; a mismatched input is an error, as in PyTorch. */
export function checkDtype(op: string, arg: string, x: Tensor, like: Tensor): void {
  if (x.dtype !== like.dtype) throw new TypeError(`${op}: ${arg} is ${x.dtype} but the parameters are ${like.dtype}`);
}

/** Base class of layers and models. Example: `class Net extends Module { head = this.registerModule("head", new Linear(4, 2)) }`. */
export class Module {
  private readonly _parameters = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();
  /** True in training mode (the default), false after eval(): dropout is active only in training. */
  training = true;

  /** Set training mode on this module and every sub-module, as PyTorch's `train(mode)`. Returns this. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError(`train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const m of this._modules.values()) m.train(mode);
    return this;
  }

  /** Evaluation mode (no dropout), as `train(false)`. Example: `model.eval(); noGrad(() => model.forward(x))`. */
  eval(): this {
    return this.train(false);
  }

  /** Add a parameter under `name` (no dots) and return it. */
  registerParameter(name: string, t: Tensor): Tensor {
    this.checkName(name, false);
    if (!(t instanceof Tensor)) throw new TypeError(`registerParameter: ${name} must be a Tensor, got ${describeValue(t)}`);
    // loadStateDict and the optimizers write into the buffer in place: it must be the tensor's own
    if (!t.isLeaf || flat(t.view) !== t.buffer) throw new Error(`registerParameter: ${name} must be a leaf tensor that owns a packed buffer (not a view)`);
    this._parameters.set(name, t);
    return t;
  }

  /** Add a sub-module under `name` (e.g. `head`, or `layers.0` for a list) and return it. */
  registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name, true);
    if (!(m instanceof Module)) throw new TypeError(`registerModule: ${name} must be a Module, got ${describeValue(m)}`);
    this._modules.set(name, m);
    return m;
  }

  private checkName(name: string, dotted: boolean): void {
    const ok = typeof name === "string" && name.length > 0 && (dotted || !name.includes(".")) && !name.split(".").includes("");
    if (!ok) throw new Error(`register: invalid name ${JSON.stringify(name)}`);
    if (this._parameters.has(name) || this._modules.has(name)) throw new Error(`register: the name ${JSON.stringify(name)} is already taken`);
  }

  /** Every parameter with its dotted name, own parameters first, in registration order. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [...this._parameters];
    for (const [prefix, m] of this._modules) for (const [n, p] of m.namedParameters()) out.push([`${prefix}.${n}`, p]);
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Reset every parameter's gradient to null, as `zero_grad(set_to_none=True)`, or with
   * `{ setToNone: false }` fill the existing gradients with zeros in place.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const { setToNone = true } = checkOptions<{ setToNone?: boolean }>("zeroGrad", opts, { setToNone: "boolean" });
    for (const p of this.parameters()) {
      if (setToNone || p.grad === null) p.grad = null;
      else if (flat(p.grad.view) === p.grad.buffer) p.grad.buffer.fill(0);
      else p.grad = zeros(p.shape as number[], { dtype: p.dtype });
    }
  }

  /**
   * PyTorch's name for one of this module's dotted parameter names. Nested modules
   * keep their prefixes; a module whose PyTorch layout differs (RNN) overrides this.
   */
  torchName(name: string): string {
    for (const [prefix, m] of this._modules) {
      if (name.startsWith(`${prefix}.`)) return `${prefix}.${m.torchName(name.slice(prefix.length + 1))}`;
    }
    return snakeCase(name);
  }

  private names(style: NameStyle | undefined): [string, Tensor][] {
    if (style === "torch") return this.namedParameters().map(([n, p]) => [this.torchName(n), p]);
    return this.namedParameters();
  }

  /**
   * The parameters by name (sharing their buffers, without history), ready to save.
   * Example: `saveSafetensors(model.stateDict({ names: "torch" }))`.
   */
  stateDict(opts: { names?: NameStyle } = {}): Record<string, Tensor> {
    const o = checkOptions<{ names?: NameStyle }>("stateDict", opts, { names: NAMES_RULE });
    const out: Record<string, Tensor> = {};
    for (const [n, p] of this.names(o.names)) out[n] = p.detach();
    return out;
  }

  /**
   * Copy `dict`'s values into the parameters in place. Every name and shape is checked
   * first: on any problem (missing, unexpected, mis-shaped, not a tensor) nothing
   * changes and the error lists them all. With strict false, missing and unexpected
   * names are allowed and returned. Example: `model.loadStateDict(loadSafetensors(bytes))`.
   */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean; names?: NameStyle } = {}): LoadResult {
    if (dict === null || typeof dict !== "object" || Array.isArray(dict) || dict instanceof Tensor) {
      throw new TypeError(`loadStateDict: dict must be an object of name → Tensor, got ${describeValue(dict)}`);
    }
    const o = checkOptions<{ strict?: boolean; names?: NameStyle }>("loadStateDict", opts, { strict: "boolean", names: NAMES_RULE });
    const strict = o.strict ?? true;
    const own = this.names(o.names);
    const known = new Set(own.map(([n]) => n));
    const missingKeys = own.filter(([n]) => !Object.hasOwn(dict, n)).map(([n]) => n);
    const unexpectedKeys = Object.keys(dict).filter((n) => !known.has(n));
    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`missing: ${missingKeys.join(", ")}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected: ${unexpectedKeys.join(", ")}`);
    const updates: [Tensor, Tensor][] = [];
    for (const [n, p] of own) {
      if (!Object.hasOwn(dict, n)) continue;
      const v = dict[n];
      if (!(v instanceof Tensor)) problems.push(`${n} is not a Tensor (got ${describeValue(v)})`);
      else if (fmt(v.shape) !== fmt(p.shape)) problems.push(`${n} is ${fmt(v.shape)} in the dict but ${fmt(p.shape)} in the module`);
      else updates.push([p, v]);
    }
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.length} problem(s): ${problems.join("; ")}`);
    for (const [p, v] of updates) copyInto(p, v);
    return { missingKeys, unexpectedKeys };
  }
}

/** Overwrite p's packed buffer with v's values (same shape), converting the dtype. */
function copyInto(p: Tensor, v: Tensor): void {
  p.buffer.set(flat(v.view));
}
