// The one options validator and the one value describer behind every public function's
// errors: unknown names, wrong types and impossible values are rejected before anything
// runs, with the function's name (`RNN: unknown option "num_layers" (did you mean "numLayers"?)`).

/** The JavaScript type an option must have. "number" means finite; "integer" a safe integer. */
export type OptionType = "boolean" | "number" | "integer" | "string" | "function" | "object";

/** What one option accepts. Every field is optional; an omitted option (undefined) always passes unless `required`. */
export interface OptionRule {
  type?: OptionType;
  /** Inclusive bounds of a number. */
  min?: number;
  max?: number;
  /** Exclusive bounds of a number (`above: 0` for "> 0"). */
  above?: number;
  below?: number;
  /** Let a number be ±Infinity (NaN is never a valid number). */
  infinite?: boolean;
  /** The only values allowed, e.g. `["mean", "sum", "none"]`. */
  oneOf?: readonly (string | number | boolean)[];
  /** Also accept null. */
  nullable?: boolean;
  required?: boolean;
  /** A custom test, with `expected` saying what it wants: `{ is: isRng, expected: "an Rng (from createRng)" }`. */
  is?: (value: unknown) => boolean;
  expected?: string;
}

/** One rule per option name: a schema must list every key of the options interface. */
export type OptionSchema<T> = { readonly [K in keyof T]-?: OptionRule | OptionType };

/**
 * Check an options object against its schema and return it (`{}` for undefined). Throws a
 * TypeError for a non-object, an unknown name (suggesting the nearest known one) or a value
 * of the wrong type, and a RangeError for a value out of its range or set.
 * Example: `const o = checkOptions<LinearOptions>("Linear", opts, { bias: "boolean", rng: RNG_RULE, dtype: FLOAT_DTYPE_RULE })`.
 */
export function checkOptions<T extends object>(fn: string, opts: unknown, schema: OptionSchema<T>, arg = "options"): T {
  if (opts === undefined) opts = {};
  // A plain object only: a Tensor, an array or a Map given as options is a mistake, not an empty set.
  const proto = typeof opts === "object" && opts !== null ? Object.getPrototypeOf(opts) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`${fn}: ${arg} must be an object, got ${describeValue(opts)}`);
  }
  const known = Object.keys(schema);
  for (const key of Object.keys(opts as object)) {
    if (!Object.hasOwn(schema, key)) {
      const near = nearest(key, known);
      const hint = near !== null ? `did you mean ${JSON.stringify(near)}?` : known.length === 0 ? "it takes no options" : `expected ${known.map((k) => JSON.stringify(k)).join(", ")}`;
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)} (${hint})`);
    }
  }
  const values = opts as Record<string, unknown>;
  for (const key of known) {
    const rule = (schema as Record<string, OptionRule | OptionType>)[key];
    checkValue(fn, key, values[key], typeof rule === "string" ? { type: rule } : rule);
  }
  return opts as T;
}

/**
 * Check one value against a rule (an option, or a positional argument) and return it.
 * Example: `checkValue("clipGradNorm", "maxNorm", maxNorm, { type: "number", min: 0, infinite: true })`.
 */
export function checkValue<V = unknown>(fn: string, name: string, value: unknown, rule: OptionRule | OptionType): V {
  const r = typeof rule === "string" ? (TYPE_RULES[rule] ??= { type: rule }) : rule;
  if (value === undefined) {
    if (r.required) throw new TypeError(`${fn}: ${name} is required (${expectedText(r)})`);
    return value as V;
  }
  if (value === null && r.nullable) return value as V;
  const E = problemOf(value, r);
  if (E !== null) throw new E(`${fn}: ${name} must be ${expectedText(r)}, got ${describeValue(value)}`);
  return value as V;
}

/** The rules of plain type names, made once (checkValue runs on every op call). */
const TYPE_RULES: Partial<Record<OptionType, OptionRule>> = {};

/** The error a value that breaks rule r gets (the first check it fails decides), or null when it passes. */
function problemOf(value: unknown, r: OptionRule): typeof TypeError | typeof RangeError | null {
  const type = r.type ?? typeFromOneOf(r.oneOf);
  if (type !== undefined && !hasType(value, type)) return typeof value === "number" && (type === "number" || type === "integer") ? RangeError : TypeError;
  if (r.is !== undefined && !r.is(value)) return TypeError;
  if (r.oneOf !== undefined && !r.oneOf.includes(value as string)) return RangeError;
  if (typeof value === "number" && (type === "number" || type === "integer")) {
    if (Number.isNaN(value) || (!r.infinite && !Number.isFinite(value) && type === "number")) return RangeError;
    if ((r.min !== undefined && value < r.min) || (r.max !== undefined && value > r.max)) return RangeError;
    if ((r.above !== undefined && !(value > r.above)) || (r.below !== undefined && !(value < r.below))) return RangeError;
  }
  return null;
}

function hasType(v: unknown, type: OptionType): boolean {
  switch (type) {
    case "number":
      return typeof v === "number";
    case "integer":
      return Number.isSafeInteger(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    default:
      return typeof v === type;
  }
}

function typeFromOneOf(values: OptionRule["oneOf"]): OptionType | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const t = typeof values[0];
  for (const v of values) if (typeof v !== t) return undefined;
  return t as OptionType;
}

const ARTICLE: Record<OptionType, string> = {
  boolean: "a boolean",
  number: "a finite number",
  integer: "an integer",
  string: "a string",
  function: "a function",
  object: "an object",
};

function expectedText(r: OptionRule): string {
  if (r.expected !== undefined) return r.expected + (r.nullable ? " or null" : "");
  if (r.oneOf !== undefined) return orList(r.oneOf.map((v) => JSON.stringify(v))) + (r.nullable ? " or null" : "");
  const type = r.type ?? "number";
  const bare = r.max === undefined && r.above === undefined && r.below === undefined;
  if (type === "integer" && bare && (r.min === 1 || r.min === 0)) {
    return (r.min === 1 ? "a positive integer" : "a non-negative integer") + (r.nullable ? " or null" : "");
  }
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`>= ${r.min}`);
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.max !== undefined) parts.push(`<= ${r.max}`);
  if (r.below !== undefined) parts.push(`< ${r.below}`);
  const base = type === "number" && r.infinite ? "a number" : ARTICLE[type];
  return [base, parts.join(" and ")].filter(Boolean).join(" ") + (r.nullable ? " or null" : "");
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "nothing") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** The known name a misspelled one most likely meant: same letters ignoring case and `_`, or within a small edit distance. */
function nearest(key: string, known: readonly string[]): string | null {
  const norm = (s: string): string => s.toLowerCase().replace(/[_\-\s]/g, "");
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const a = norm(k);
    const b = norm(key);
    // A prefix of 4 or more letters (train → training) counts as one edit.
    const d = a === b ? 0 : Math.min(editDistance(a, b), Math.min(a.length, b.length) >= 4 && (a.startsWith(b) || b.startsWith(a)) ? 1 : Infinity);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(key.length / 3));
  return bestDistance <= Math.min(limit, 3) ? best : null;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Recognise a Tensor without importing it (this module sits below the engine). */
function isTensorLike(x: unknown): x is { dtype: string; shape: readonly number[] } {
  if (typeof x !== "object" || x === null) return false;
  const t = x as { dtype?: unknown; shape?: unknown; constructor?: { name?: string } };
  return t.constructor?.name === "Tensor" && typeof t.dtype === "string" && Array.isArray(t.shape);
}

/**
 * What a value is, for error messages: strings quoted (`"false"`), numbers as printed
 * (`NaN`, `1.5`), `null`, `an array of length 2`, `a float64 tensor [2,3]`, `a Float32Array of length 4`.
 * Example: `throw new TypeError(\`matmul: b must be a Tensor, got ${describeValue(b)}\`)`.
 */
export function describeValue(x: unknown): string {
  if (x === null) return "null";
  switch (typeof x) {
    case "undefined":
      return "undefined";
    case "string":
      return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
    case "number":
    case "boolean":
      return String(x);
    case "bigint":
      return `${x}n`;
    case "symbol":
      return x.toString();
    case "function":
      return "a function";
  }
  if (Array.isArray(x)) return x.length <= 4 && x.every((v) => typeof v === "number") ? `[${x.join(", ")}]` : `an array of length ${x.length}`;
  if (isTensorLike(x)) return `${x.dtype === "int32" ? "an" : "a"} ${x.dtype} tensor [${x.shape.join(",")}]`;
  if (ArrayBuffer.isView(x)) {
    const name = x.constructor.name;
    return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}${"length" in x ? ` of length ${(x as { length: number }).length}` : ""}`;
  }
  const name = (x as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== "Object" ? `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}` : "an object";
}

/** Rules that many options share: a dtype, a float dtype, a seeded generator. */
// A dtype names a type: a wrong one is a TypeError, as in PyTorch.
export const dtypeRule: OptionRule = { is: (v) => v === "float64" || v === "float32" || v === "int32", expected: '"float64", "float32" or "int32"' };
export const floatDtypeRule: OptionRule = { is: (v) => v === "float64" || v === "float32", expected: '"float64" or "float32"' };
export const rngRule: OptionRule = { is: isRng, expected: "an Rng (from createRng)" };

function isRng(x: unknown): boolean {
  const r = x as { random?: unknown; normal?: unknown; int?: unknown } | null;
  return typeof r === "object" && r !== null && typeof r.random === "function" && typeof r.normal === "function" && typeof r.int === "function";
}
