// The optimizers' and schedulers' options as tables of checks (a default and a check that
// returns the value or throws an error naming the option), for constructors, group
// overrides, assignments such as `group.lr = 0.1` and loaded state dicts alike.

import { checkOptions, describeValue, type OptionSchema } from "../options.js";

/** One option: its default (undefined: required) and the check of a value. */
export interface OptionCheck {
  default: unknown;
  check(op: string, key: string, value: unknown): unknown;
}

export type OptionTable = Record<string, OptionCheck>;

/** The table as a schema for the shared validator: it checks the names, the table the values. */
export function namesOf(table: OptionTable): OptionSchema<Record<string, unknown>> {
  return Object.fromEntries(Object.keys(table).map((k) => [k, {}]));
}

/** Every option of `table` from `opts`, defaults filled in, each checked. */
export function readOptions(op: string, opts: unknown, table: OptionTable): Record<string, unknown> {
  const given = checkOptions<Record<string, unknown>>(op, opts, namesOf(table));
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
        throw new RangeError(`${op}: invalid ${key === "lr" ? "learning rate" : key} ${describeValue(value)}; ${key} must be a finite number ${range}`);
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
        throw new RangeError(`${op}: invalid ${key} ${describeValue(value)}; it must be an integer >= ${min}`);
      }
      return value;
    },
  };
}

export function bool(fallback: boolean): OptionCheck {
  return {
    default: fallback,
    check(op, key, value) {
      if (typeof value !== "boolean") throw new TypeError(`${op}: ${key} must be true or false, got ${describeValue(value)}`);
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
        throw new RangeError(`${op}: ${key} must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${describeValue(value)}`);
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
        throw new TypeError(`${op}: ${key} must be a pair [beta1, beta2], got ${describeValue(value)}`);
      }
      value.forEach((b, i) => {
        if (typeof b !== "number" || !Number.isFinite(b) || b < 0 || b >= 1) {
          throw new RangeError(`${op}: invalid beta parameter at index ${i}: ${describeValue(b)}; it must be in [0, 1)`);
        }
      });
      return [value[0], value[1]] as const;
    },
  };
}
