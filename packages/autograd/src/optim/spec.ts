// The options of the optimizers and schedulers as tables of checks: each entry has a
// default and a check that returns the value or throws a RangeError / TypeError that
// names the option. The same table checks a constructor's options, a parameter
// group's overrides, an assignment such as `group.lr = 0.1` and a loaded state dict.

import { Tensor } from "../tensor.js";

/** One option: its default (undefined: required) and the check of a value. */
export interface OptionCheck {
  default: unknown;
  check(op: string, key: string, value: unknown): unknown;
}

export type OptionTable = Record<string, OptionCheck>;

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

/** Every option of `table` from `opts`, defaults filled in, each checked. */
export function readOptions(op: string, opts: unknown, table: OptionTable): Record<string, unknown> {
  const given = checkOptions(op, opts ?? {}, Object.keys(table));
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) out[key] = spec.check(op, key, given[key] === undefined ? spec.default : given[key]);
  return out;
}

/** A finite number in [min, max) (max inclusive with `closed`). */
export function num(fallback: number | undefined, min = 0, max = Infinity, closed = false): OptionCheck {
  return {
    default: fallback,
    check(op, key, value) {
      const inRange = typeof value === "number" && Number.isFinite(value) && value >= min && (closed ? value <= max : value < max);
      if (!inRange) {
        const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${closed ? "]" : ")"}`;
        if (value === undefined) throw new TypeError(`${op}: options.${key} is required`);
        throw new RangeError(`${op}: invalid ${key === "lr" ? "learning rate" : key} ${describe(value)}; ${key} must be a finite number ${range}`);
      }
      return value;
    },
  };
}

/** A positive integer (or >= min). */
export function int(fallback: number | undefined, min = 1): OptionCheck {
  return {
    default: fallback,
    check(op, key, value) {
      if (value === undefined) throw new TypeError(`${op}: options.${key} is required`);
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
        throw new RangeError(`${op}: invalid ${key} ${describe(value)}; it must be an integer >= ${min}`);
      }
      return value;
    },
  };
}

export function bool(fallback: boolean): OptionCheck {
  return {
    default: fallback,
    check(op, key, value) {
      if (typeof value !== "boolean") throw new TypeError(`${op}: ${key} must be true or false, got ${describe(value)}`);
      return value;
    },
  };
}

/** One of a few strings. */
export function oneOf(fallback: string, choices: readonly string[]): OptionCheck {
  return {
    default: fallback,
    check(op, key, value) {
      if (typeof value !== "string" || !choices.includes(value)) {
        throw new RangeError(`${op}: ${key} must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${describe(value)}`);
      }
      return value;
    },
  };
}

/** Adam's (β1, β2), each in [0, 1). */
export function betas(fallback: readonly [number, number]): OptionCheck {
  return {
    default: fallback,
    check(op, key, value) {
      if (!Array.isArray(value) || value.length !== 2) {
        throw new TypeError(`${op}: ${key} must be a pair [beta1, beta2], got ${describe(value)}`);
      }
      value.forEach((b, i) => {
        if (typeof b !== "number" || !Number.isFinite(b) || b < 0 || b >= 1) {
          throw new RangeError(`${op}: invalid beta parameter at index ${i}: ${describe(b)}; it must be in [0, 1)`);
        }
      });
      return [value[0], value[1]] as const;
    },
  };
}

/** A value for a message: numbers and strings as written, other things by kind. */
export function describe(x: unknown): string {
  if (typeof x === "number") return String(x);
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (Array.isArray(x)) return x.length <= 4 && x.every((v) => typeof v === "number") ? `[${x.join(", ")}]` : "an array";
  if (x instanceof Tensor) return "a Tensor";
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}
