// Checking an optimizer state dict before loading it: every problem is collected and
// reported at once (groups, parameters, options, state entries, shapes), and the new state
// is built aside, so that a failed load changes nothing.

import { allocate, type FloatArray } from "../dtype.js";
import { flat, fmt, sameShape } from "../strides.js";
import { Tensor } from "../tensor.js";
import { EXTRA_KEYS, type ParamGroup } from "./groups.js";
import { describeValue } from "../options.js";
import type { OptionTable } from "./spec.js";

/** The state of one parameter: its step count and its buffers (torch's names). */
export type ParamState = Record<string, FloatArray | number>;

/** An optimizer's state in PyTorch's layout (`{ state, param_groups }`, camelCase). */
export interface OptimizerStateDict {
  /** Per parameter index: `step` and buffers such as `exp_avg`, `momentum_buffer`. */
  state: Record<number, Record<string, Tensor | number>>;
  /** Per group: the options and `params`, the indices of its parameters. */
  paramGroups: ({ params: number[] } & Record<string, unknown>)[];
}

interface Target {
  groups: readonly ParamGroup[];
  table: OptionTable;
  stateKeys(group: Record<string, unknown>): { required: string[]; optional?: string[] };
  checkGroup(values: Record<string, unknown>, op: string): void;
}

/** The checked options of each group and the new state, or an Error listing every problem. */
export function checkStateDict(op: string, sd: unknown, target: Target): { options: Record<string, unknown>[]; state: Map<number, ParamState> } {
  if (sd === null || typeof sd !== "object" || Array.isArray(sd)) throw new TypeError(`${op}: expected { state, paramGroups }, got ${describeValue(sd)}`);
  const { state, paramGroups } = sd as Record<string, unknown>;
  if (!Array.isArray(paramGroups)) throw new TypeError(`${op}: paramGroups must be an array, got ${describeValue(paramGroups)}`);
  if (state === null || typeof state !== "object" || Array.isArray(state)) throw new TypeError(`${op}: state must be an object, got ${describeValue(state)}`);
  const { groups, table } = target;
  if (paramGroups.length !== groups.length) {
    throw new Error(`${op}: the state dict has ${paramGroups.length} parameter group(s) but the optimizer has ${groups.length}`);
  }
  const problems: string[] = [];
  const options: Record<string, unknown>[] = [];
  // Saved parameter id -> index in the optimizer's flat list, group by group (as torch).
  const idMap = new Map<string, { index: number; group: number }>();
  let index = 0;
  paramGroups.forEach((saved: unknown, k) => {
    const at = `paramGroups[${k}]`;
    const values: Record<string, unknown> = {};
    options.push(values);
    if (saved === null || typeof saved !== "object" || Array.isArray(saved)) {
      problems.push(`${at} is ${describeValue(saved)}, not an object`);
      index += groups[k].params.length;
      return;
    }
    const g = saved as Record<string, unknown>;
    const ids = g.params;
    if (!Array.isArray(ids)) problems.push(`${at}.params must be an array of indices, got ${describeValue(ids)}`);
    else if (ids.length !== groups[k].params.length) {
      problems.push(`${at} has ${ids.length} parameter(s) in the state dict but ${groups[k].params.length} in the optimizer`);
    } else {
      ids.forEach((id, j) => {
        const key = String(id);
        if (!Number.isSafeInteger(id) || (id as number) < 0) problems.push(`${at}.params[${j}] is ${describeValue(id)}, not an index`);
        else if (idMap.has(key)) problems.push(`${at}.params[${j}]: index ${key} appears twice`);
        else idMap.set(key, { index: index + j, group: k });
      });
    }
    index += groups[k].params.length;
    const known = new Set<string>([...Object.keys(table), ...EXTRA_KEYS, "params"]);
    const missing = Object.keys(table).filter((key) => g[key] === undefined);
    const unknown = Object.keys(g).filter((key) => !known.has(key));
    if (missing.length > 0 || unknown.length > 0) {
      const parts = [missing.length > 0 ? `lacks ${missing.join(", ")}` : "", unknown.length > 0 ? `has unknown ${unknown.join(", ")}` : ""].filter(Boolean);
      problems.push(`${at} ${parts.join(" and ")} (a state dict of another optimizer?)`);
      return;
    }
    for (const key of Object.keys(table)) {
      try {
        values[key] = table[key].check(op, key, Array.isArray(g[key]) ? (g[key] as unknown[]).slice() : g[key]);
      } catch (e) {
        problems.push(`${at}: ${(e as Error).message.replace(`${op}: `, "")}`);
      }
    }
    for (const key of EXTRA_KEYS) {
      if (g[key] === undefined) continue;
      if (typeof g[key] !== "number" || !Number.isFinite(g[key])) problems.push(`${at}.${key} is ${describeValue(g[key])}, not a finite number`);
      else values[key] = g[key];
    }
    try {
      target.checkGroup(values, `${op}: ${at}`);
    } catch (e) {
      problems.push((e as Error).message.replace(`${op}: `, ""));
    }
  });

  const params = groups.flatMap((g) => g.params);
  const out = new Map<number, ParamState>();
  for (const [key, entry] of Object.entries(state as Record<string, unknown>)) {
    const at = `state[${key}]`;
    const target_ = idMap.get(key);
    if (target_ === undefined) {
      problems.push(`${at} belongs to no parameter of paramGroups`);
      continue;
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push(`${at} is ${describeValue(entry)}, not an object`);
      continue;
    }
    const p = params[target_.index];
    const { required, optional = [] } = target.stateKeys(options[target_.group] ?? {});
    const e = entry as Record<string, unknown>;
    const missing = required.filter((k) => e[k] === undefined);
    const unknown = Object.keys(e).filter((k) => !required.includes(k) && !optional.includes(k));
    if (missing.length > 0) problems.push(`${at} lacks ${missing.join(", ")}`);
    if (unknown.length > 0) problems.push(`${at} has unknown ${unknown.join(", ")} (a state dict of another optimizer or other options?)`);
    const s: ParamState = {};
    for (const [k, v] of Object.entries(e)) {
      if (unknown.includes(k)) continue;
      if (k === "step") {
        const n = v instanceof Tensor && v.size === 1 ? flat(v.view)[0] : v;
        if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) problems.push(`${at}.step is ${describeValue(v)}, not a step count`);
        else s.step = n;
      } else if (!(v instanceof Tensor)) {
        problems.push(`${at}.${k} is ${describeValue(v)}, not a Tensor`);
      } else if (!sameShape(v.shape, p.shape)) {
        problems.push(`${at}.${k} is ${fmt(v.shape)} but params[${target_.index}] is ${fmt(p.shape)}`);
      } else if (v.dtype === "int32") {
        problems.push(`${at}.${k} is int32, not a float tensor`);
      } else {
        // A copy in the parameter's dtype: later steps must not write into the caller's dict.
        const buf = allocate(p.dtype, p.size) as FloatArray;
        buf.set(flat(v.view));
        s[k] = buf;
      }
    }
    out.set(target_.index, s);
  }
  if (problems.length > 0) throw new Error(`${op}: ${problems.length} problem(s), nothing was loaded: ${problems.join("; ")}`);
  return { options, state: out };
}
