// The optimizer base, as torch.optim.Optimizer: parameter groups with their own options,
// per-parameter state, step() over raw buffers and state dicts in PyTorch's layout. SGD,
// Adam, AdamW, RMSprop and Adagrad supply the option table and the update rule.

import ops from "ndarray-ops";
import type { FloatArray, TypedArray } from "../dtype.js";
import { flat, fmt, sameShape, view } from "../strides.js";
import { checkOptions } from "../options.js";
import { fromFlat, Tensor } from "../tensor.js";
import { buildGroups, EXTRA_KEYS, type GroupInput, type ParamGroup } from "./groups.js";
import { readOptions, type OptionTable } from "./spec.js";
import { checkStateDict, type OptimizerStateDict, type ParamState } from "./state-dict.js";

export type { ParamGroup, GroupInput } from "./groups.js";
export type { OptimizerStateDict, ParamState } from "./state-dict.js";

/**
 * Base class of the optimizers: holds the parameter groups and the per-parameter
 * state, and implements `step()`, `zeroGrad()` and the state dicts. Subclasses give
 * the option table and `update`.
 * Example: `const opt = new SGD(model.parameters(), { lr: 0.1 }); loss.backward(); opt.step(); opt.zeroGrad();`
 */
export abstract class Optimizer {
  /** Every parameter, group after group: the indices of the state dict. */
  readonly params: readonly Tensor[];
  /** The groups, each with its params and options; options are writable (checked) as in PyTorch. */
  readonly paramGroups: ParamGroup[];
  /** The options given to the constructor, defaults filled in: what a group without overrides gets. */
  readonly defaults: Readonly<Record<string, unknown>>;
  // The state of params[i] (step count and buffers), created at its first update.
  private readonly state = new Map<number, ParamState>();
  // Reused by every step: the flat gradient of each parameter, or null to skip it.
  private readonly grads: (TypedArray | null)[];
  private readonly groupOf: number[] = [];

  protected constructor(
    protected readonly name: string,
    params: Iterable<Tensor> | Iterable<GroupInput>,
    options: unknown,
    private readonly table: OptionTable,
  ) {
    this.defaults = readOptions(name, options, table);
    this.paramGroups = buildGroups(name, params, this.defaults, table, (g, op) => this.checkGroup(g, op));
    this.params = this.paramGroups.flatMap((g) => g.params);
    this.paramGroups.forEach((g, k) => g.params.forEach(() => this.groupOf.push(k)));
    this.grads = new Array<TypedArray | null>(this.params.length).fill(null);
  }

  /** The first group's learning rate; assigning sets every group's. It must stay finite and >= 0. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }
  set lr(value: number) {
    this.table.lr.check(this.name, "lr", value);
    for (const g of this.paramGroups) g.lr = value;
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
        throw new TypeError(`${this.name}.step: params[${i}].grad is ${typeof g === "object" ? "an object" : `a ${typeof g}`}, expected a Tensor or null`);
      }
      if (!sameShape(g.shape, params[i].shape)) {
        grads.fill(null);
        throw new Error(`${this.name}.step: params[${i}] is ${fmt(params[i].shape)} but its grad is ${fmt(g.shape)}`);
      }
      grads[i] = flat(g.view);
    }
    for (let i = 0; i < params.length; i++) {
      const g = grads[i];
      if (g === null) continue;
      grads[i] = null;
      const p = params[i];
      const buf = flat(p.view) as FloatArray;
      const s = this.state.get(i) ?? {};
      this.update(buf, g, s, this.paramGroups[this.groupOf[i]], p);
      // Only parameters with something to keep get an entry (SGD without momentum has none).
      if (!this.state.has(i) && Object.keys(s).length > 0) this.state.set(i, s);
      writeBack(p, buf);
    }
  }

  /**
   * Clear the gradients: set them to null (PyTorch's default), or with
   * `{ setToNone: false }` fill them with zeros in place.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const { setToNone = true } = checkOptions<{ setToNone?: boolean }>(`${this.name}.zeroGrad`, options, { setToNone: "boolean" });
    for (const p of this.params) zeroGradOf(p, setToNone);
  }

  /**
   * The state in PyTorch's layout: `state[i]` holds params[i]'s step count and buffers
   * (copies) under torch's names (`exp_avg`, `momentum_buffer`, ...); `paramGroups[k]`
   * holds group k's options and `params` as indices.
   * Example: `saveSafetensors(...)`, or `other.loadStateDict(opt.stateDict())`.
   */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict["state"] = {};
    for (const [i, s] of [...this.state].sort((a, b) => a[0] - b[0])) {
      const entry: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(s)) entry[k] = typeof v === "number" ? v : fromFlat(v.slice(), this.params[i].shape);
      state[i] = entry;
    }
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const out: Record<string, unknown> = {};
      for (const key of [...Object.keys(this.table), ...EXTRA_KEYS]) {
        const v = g[key];
        if (v !== undefined) out[key] = Array.isArray(v) ? v.slice() : v;
      }
      out.params = g.params.map(() => next++);
      return out;
    });
    return { state, paramGroups: paramGroups as OptimizerStateDict["paramGroups"] };
  }

  /**
   * Load a state dict from `stateDict()` (of this optimizer kind, for parameters of the
   * same shapes). Everything is checked first: on any mismatch nothing changes and the
   * error lists what differs. Example: `opt.loadStateDict(saved)`.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const { options, state } = this.check(sd);
    options.forEach((values, k) => {
      const group = this.paramGroups[k];
      // As torch, the saved group replaces the current one: scheduler keys it lacks go.
      for (const key of EXTRA_KEYS) if (values[key] === undefined) delete group[key];
      Object.assign(group, values);
    });
    this.state.clear();
    for (const [i, s] of state) this.state.set(i, s);
  }

  /** Throws when `stateDict` would not load (what `loadStateDict` checks), without changing anything. */
  checkStateDict(sd: OptimizerStateDict): void {
    this.check(sd);
  }

  private check(sd: OptimizerStateDict): ReturnType<typeof checkStateDict> {
    return checkStateDict(`${this.name}.loadStateDict`, sd, {
      groups: this.paramGroups,
      table: this.table,
      stateKeys: (group) => this.stateKeys(group),
      checkGroup: (g, op) => this.checkGroup(g, op),
    });
  }

  /** The kind of optimizer (`"Adam"`, ...), as stored in checkpoints. */
  get kind(): string {
    return this.name;
  }

  /** Update `param` (the flat values of `p`) in place from its flat gradient, with its state and group. */
  protected abstract update(param: FloatArray, grad: TypedArray, state: ParamState, group: ParamGroup, p: Tensor): void;

  /** The state keys a parameter of `group` has once updated: `required` always, `optional` sometimes. */
  protected abstract stateKeys(group: Record<string, unknown>): { required: string[]; optional?: string[] };

  /** Checks across options of one group (SGD: Nesterov needs momentum); throws naming `op`. */
  protected checkGroup(_group: Record<string, unknown>, _op: string): void {}

  /** Set params[i]'s state (Adagrad creates it up front, as PyTorch). */
  protected initState(i: number, s: ParamState): void {
    this.state.set(i, s);
  }
}

/** Clear one tensor's gradient, as `Optimizer.zeroGrad` does. */
export function zeroGradOf(p: Tensor, setToNone: boolean): void {
  if (setToNone || p.grad === null) {
    p.grad = null;
    return;
  }
  const buf = flat(p.grad.view);
  buf.fill(0);
  writeBack(p.grad, buf);
}

/**
 * Copy `buf` back into `t` when `flat` had to copy (a strided view); when `buf`
 * is the tensor's own memory the update already happened in place.
 */
export function writeBack(t: Tensor, buf: TypedArray): void {
  if (buf.buffer === t.buffer.buffer) return;
  ops.assign(t.view, view(buf, t.shape));
}
