// Parameter groups, as torch.optim's param_groups: `params` is a list of tensors (one
// group) or of groups `{ params, ...overrides }`. Each group is an object whose options
// are accessors that check every assignment (`group.lr = -1` throws).

import { fmt } from "../strides.js";
import { Tensor } from "../tensor.js";
import { checkOptions, describeValue } from "../options.js";
import { namesOf, type OptionTable } from "./spec.js";

/** A group as given to a constructor: its parameters and the options it overrides. */
export interface GroupInput {
  params: Tensor | Iterable<Tensor>;
  [option: string]: unknown;
}

/** One parameter group: its parameters, its options (lr always), and what schedulers add. */
export interface ParamGroup {
  readonly params: Tensor[];
  lr: number;
  /** The lr a scheduler started from (set by the first scheduler, as torch's `initial_lr`). */
  initialLr?: number;
  [option: string]: unknown;
}

// Keys the schedulers add to a group (torch's initial_lr, max_lr, min_lr, max_momentum,
// base_momentum); they travel in the state dict with the options.
export const EXTRA_KEYS = ["initialLr", "maxLr", "minLr", "maxMomentum", "baseMomentum"] as const;

/** The groups of `params`, each option from the group or else from `defaults`, all checked. */
export function buildGroups(
  op: string,
  params: unknown,
  defaults: Record<string, unknown>,
  table: OptionTable,
  checkGroup: (values: Record<string, unknown>, op: string) => void,
): ParamGroup[] {
  if (params instanceof Tensor) {
    throw new TypeError(`${op}: params must be an array (or iterable) of Tensors or of parameter groups, got a single Tensor; wrap it as [t]`);
  }
  if (params === null || typeof params !== "object" || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${op}: params must be an array (or iterable) of Tensors or of parameter groups, got ${describeValue(params)}`);
  }
  const list = Array.from(params as Iterable<unknown>);
  if (list.length === 0) throw new Error(`${op}: got an empty parameter list`);
  const grouped = list.some((x) => x !== null && typeof x === "object" && !(x instanceof Tensor) && !isIterable(x));
  const inputs: { where: string; params: unknown[]; overrides: Record<string, unknown> }[] = [];
  if (!grouped) {
    inputs.push({ where: "params", params: list, overrides: {} });
  } else {
    list.forEach((g, k) => {
      const at = `${op}: paramGroups[${k}]`;
      if (g === null || typeof g !== "object" || g instanceof Tensor || isIterable(g)) {
        throw new TypeError(`${at} is ${describeValue(g)}; give either Tensors or groups { params, ...options }, not both`);
      }
      const { params: ps, ...overrides } = g as Record<string, unknown>;
      if (ps === undefined) throw new Error(`${at} has no params`);
      const listed = ps instanceof Tensor ? [ps] : isIterable(ps) ? Array.from(ps as Iterable<unknown>) : null;
      if (listed === null) throw new TypeError(`${at}.params must be a Tensor or an array of Tensors, got ${describeValue(ps)}`);
      if (listed.length === 0) throw new Error(`${at} has an empty params list`);
      checkOptions(at, overrides, namesOf(table));
      inputs.push({ where: `paramGroups[${k}].params`, params: listed, overrides });
    });
  }
  const seen = new Map<Tensor, string>();
  return inputs.map(({ where, params: ps, overrides }, k) => {
    ps.forEach((p, i) => checkParam(op, `${where}[${i}]`, p, seen));
    const at = grouped ? `${op}: paramGroups[${k}]` : op;
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(table)) {
      values[key] = overrides[key] === undefined ? copy(defaults[key]) : spec.check(at, key, overrides[key]);
    }
    checkGroup(values, at);
    return makeGroup(op, ps as Tensor[], values, table);
  });
}

/** A group object whose options check each assignment. */
export function makeGroup(op: string, params: Tensor[], values: Record<string, unknown>, table: OptionTable): ParamGroup {
  const group = { params } as unknown as ParamGroup;
  for (const key of Object.keys(table)) {
    Object.defineProperty(group, key, {
      enumerable: true,
      get: () => values[key],
      set: (v: unknown) => {
        values[key] = table[key].check(op, key, v);
      },
    });
  }
  return group;
}

function checkParam(op: string, where: string, p: unknown, seen: Map<Tensor, string>): void {
  if (!(p instanceof Tensor)) throw new TypeError(`${op}: ${where} is ${p !== null && typeof p === "object" ? describeValue(p) : `a ${typeof p}`}, not a Tensor`);
  if (p.dtype === "int32") throw new TypeError(`${op}: ${where} (shape ${fmt(p.shape)}) is int32; only float32 and float64 tensors can be optimized`);
  if (!p.isLeaf) {
    const made = p.op === null ? "an intermediate result" : `the output of ${p.op}`;
    throw new Error(`${op}: ${where} (shape ${fmt(p.shape)}) is not a leaf tensor (it is ${made}); optimize the tensors you created, or detach() it first`);
  }
  if (!p.requiresGrad) throw new Error(`${op}: ${where} (shape ${fmt(p.shape)}) does not require grad; create it with { requiresGrad: true }`);
  const first = seen.get(p);
  if (first !== undefined) {
    const how = where.startsWith("params") ? "pass each parameter once" : "a parameter can be in only one group";
    throw new Error(`${op}: ${where} is the same tensor as ${first}; ${how}`);
  }
  seen.set(p, where);
}

function isIterable(x: unknown): boolean {
  return x !== null && typeof x === "object" && typeof (x as Iterable<unknown>)[Symbol.iterator] === "function";
}

function copy(v: unknown): unknown {
  return Array.isArray(v) ? v.slice() : v;
}
