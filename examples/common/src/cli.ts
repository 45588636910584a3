// Command-line options for the examples: one table of options (type, default, help)
// gives the parser, the --help text and the error messages, so they cannot disagree.

/** One option: its type, its default and one line of help. */
export type OptionSpec =
  | { type: "int"; default: number; help: string; min?: number; max?: number }
  | { type: "float"; default: number; help: string; min?: number; max?: number }
  | { type: "string"; default: string; help: string; choices?: readonly string[] }
  | { type: "path"; default?: string; help: string }
  | { type: "flag"; help: string };

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed values: numbers for int/float, strings, booleans for flags, `string | undefined` for paths. */
export type Options<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends { type: "int" | "float" }
    ? number
    : S[K] extends { type: "string" }
      ? string
      : S[K] extends { type: "flag" }
        ? boolean
        : string | undefined;
};

/** A mistake in the command line; the message says what was wrong and how to get help. */
export class CliError extends Error {}

/** `timeBudget` -> `--time-budget`. */
export function flagName(key: string): string {
  return "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/**
 * Parse `argv` (without node and the script) against `specs`; `--help` is answered by
 * returning `{ help: text }`.
 * Example: `parseCli(["--lr", "0.01"], { lr: { type: "float", default: 3e-3, help: "learning rate" } })`.
 */
export function parseCli<S extends OptionSpecs>(
  argv: readonly string[],
  specs: S,
): { options: Options<S>; help?: undefined } | { help: string; options?: undefined } {
  const byFlag = new Map<string, string>();
  for (const key of Object.keys(specs)) byFlag.set(flagName(key), key);

  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    values[key] = spec.type === "flag" ? false : spec.default;
  }

  const args = [...argv];
  // pnpm < 7 and npm pass a lone "--" through to the script.
  if (args[0] === "--") args.shift();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") return { help: helpText(specs) };
    if (!arg.startsWith("--")) throw new CliError(`unexpected argument "${arg}": options look like --name value`);
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const key = byFlag.get(flag);
    if (key === undefined) {
      const near = closest(flag, [...byFlag.keys()]);
      throw new CliError(`unknown option ${flag}${near ? ` (did you mean ${near}?)` : ""}`);
    }
    const spec = specs[key]!;
    if (spec.type === "flag") {
      if (eq >= 0) throw new CliError(`${flag} is a flag and takes no value`);
      values[key] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith("--") && isNaN(Number(next)))) throw new CliError(`${flag} needs a value`);
      raw = next;
      i++;
    }
    values[key] = convert(flag, spec, raw);
  }
  return { options: values as Options<S> };
}

function convert(flag: string, spec: OptionSpec, raw: string): unknown {
  switch (spec.type) {
    case "int":
    case "float": {
      const x = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(x)) throw new CliError(`${flag} must be a number, got "${raw}"`);
      if (spec.type === "int" && !Number.isInteger(x)) throw new CliError(`${flag} must be an integer, got "${raw}"`);
      if (spec.min !== undefined && x < spec.min) throw new CliError(`${flag} must be at least ${spec.min}, got ${raw}`);
      if (spec.max !== undefined && x > spec.max) throw new CliError(`${flag} must be at most ${spec.max}, got ${raw}`);
      return x;
    }
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new CliError(`${flag} must be one of ${spec.choices.join(", ")}, got "${raw}"`);
      }
      return raw;
    case "path":
      if (raw === "") throw new CliError(`${flag} needs a file name`);
      return raw;
    case "flag":
      return true;
  }
}

/** The --help text: every option with its default. */
export function helpText(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([key, spec]) => {
    const value = spec.type === "flag" ? "" : spec.type === "path" ? " <file>" : spec.type === "string" ? " <text>" : " <n>";
    let dflt = "";
    if (spec.type === "int" || spec.type === "float") dflt = ` (default ${spec.default})`;
    else if (spec.type === "string") dflt = ` (default ${JSON.stringify(spec.default)}${spec.choices ? `; one of ${spec.choices.join(", ")}` : ""})`;
    else if (spec.type === "path") dflt = spec.default === undefined ? " (default: none)" : ` (default ${spec.default})`;
    else dflt = " (default off)";
    return [flagName(key) + value, spec.help + dflt] as const;
  });
  rows.push(["--help", "show this help"]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

/** The known flag nearest to a mistyped one (edit distance at most 3), for "did you mean". */
function closest(flag: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const k of known) {
    const d = editDistance(flag, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Parse `process.argv` for a script: print the help and exit 0 on --help, print the
 * error and exit 2 on a mistake, else return the options.
 * Example: `const opts = cliOptions("name-gender", "Guess a name's gender", specs)`.
 */
export function cliOptions<S extends OptionSpecs>(name: string, about: string, specs: S, argv = process.argv.slice(2)): Options<S> {
  try {
    const parsed = parseCli(argv, specs);
    if (parsed.help !== undefined) {
      process.stdout.write(`${name}: ${about}\n\nOptions:\n${parsed.help}\n`);
      process.exit(0);
    }
    return parsed.options;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(`${name}: ${e.message}\nRun with --help to see every option.\n`);
    process.exit(2);
  }
}
