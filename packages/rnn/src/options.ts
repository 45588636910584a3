// Checking option objects: an unknown name or a value of the wrong type is an error
// that names the function (`GRU: unknown option "num_layers" (did you mean "numLayers"?)`).

import { Tensor, type Rng } from "@unroll/autograd";

export type OptionType = "boolean" | "integer" | "number" | "string" | "rng" | "lengths";

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "string" || typeof v === "number" ? JSON.stringify(v) : typeof v;
const article = (type: OptionType): string => (type === "rng" ? "an Rng (from createRng)" : type === "integer" ? "an integer" : `a ${type}`);

function fits(type: OptionType, v: unknown): boolean {
  switch (type) {
    case "boolean":
      return typeof v === "boolean";
    case "integer":
      return Number.isSafeInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "string":
      return typeof v === "string";
    case "rng":
      return typeof v === "object" && v !== null && typeof (v as Rng).random === "function";
    case "lengths":
      return v === null || v instanceof Tensor || Array.isArray(v);
  }
}

/** A close known name for a mistyped one (num_layers → numLayers), or null. */
function nearest(key: string, known: readonly string[]): string | null {
  const norm = (s: string): string => s.replace(/_/g, "").toLowerCase();
  return known.find((k) => norm(k) === norm(key)) ?? null;
}

/**
 * `opts` (undefined is {}) after checking that every key is in `schema` and every given
 * value has its type; throws a TypeError naming `fn` otherwise.
 * Example: `checkOptions("GRU", opts, { numLayers: "integer", bias: "boolean" })`.
 */
export function checkOptions<T extends object>(fn: string, opts: T | undefined, schema: Record<string, OptionType>): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== "object" || Array.isArray(opts) || opts instanceof Tensor) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(opts)}`);
  }
  const known = Object.keys(schema);
  for (const [key, value] of Object.entries(opts)) {
    if (!Object.hasOwn(schema, key)) {
      const near = nearest(key, known);
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)} (${near !== null ? `did you mean ${JSON.stringify(near)}?` : `expected ${known.join(", ")}`})`);
    }
    if (value !== undefined && !fits(schema[key], value)) {
      throw new TypeError(`${fn}: option ${key} must be ${article(schema[key])}, got ${describe(value)}`);
    }
  }
  return opts;
}

/** The options every module constructor takes. */
export const MODULE_OPTIONS: Record<string, OptionType> = { rng: "rng", dtype: "string" };
