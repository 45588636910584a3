// Command-line options for the examples: one typed table of options (type, default,
// help) that commander turns into the parser, the --help text, "did you mean" and the
// error messages, so they cannot disagree.

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";

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

/** A mistake the user made (a bad option, a missing file): main prints its message on one line and exits with code 2. */
export class CliError extends Error {}

/** `timeBudget` -> `--time-budget`. */
export function flagName(key: string): string {
  return "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** `time-budget` -> `timeBudget`. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The commander program of `specs`: its help and errors are captured, never printed or exited on. */
function program(specs: OptionSpecs, name: string, about: string): Command {
  const cmd = new Command(name)
    .description(about)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .helpOption("-h, --help", "show this help")
    .allowExcessArguments(false);
  for (const [key, spec] of Object.entries(specs)) {
    const flag = flagName(key);
    const arg = spec.type === "flag" ? "" : spec.type === "path" ? " <file>" : spec.type === "string" ? " <text>" : " <n>";
    const opt = new Option(flag + arg, spec.help);
    if (spec.type === "int" || spec.type === "float") opt.argParser((raw: string) => number(flag, spec, raw)).default(spec.default);
    else if (spec.type === "string") {
      opt.default(spec.default);
      if (spec.choices) {
        const choices = spec.choices;
        opt.argParser((raw: string) => choice(flag, choices, raw));
        opt.description = `${spec.help}; one of ${choices.join(", ")}`;
      }
    } else if (spec.type === "path") opt.argParser((raw: string) => path(flag, raw)).default(spec.default);
    cmd.addOption(opt);
  }
  return cmd;
}

function number(flag: string, spec: { type: "int" | "float"; min?: number; max?: number }, raw: string): number {
  const x = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(x)) throw new InvalidArgumentError(`${flag} must be a number, got "${raw}"`);
  if (spec.type === "int" && !Number.isInteger(x)) throw new InvalidArgumentError(`${flag} must be an integer, got "${raw}"`);
  if (spec.min !== undefined && x < spec.min) throw new InvalidArgumentError(`${flag} must be at least ${spec.min}, got ${raw}`);
  if (spec.max !== undefined && x > spec.max) throw new InvalidArgumentError(`${flag} must be at most ${spec.max}, got ${raw}`);
  return x;
}

function choice(flag: string, choices: readonly string[], raw: string): string {
  if (!choices.includes(raw)) throw new InvalidArgumentError(`${flag} must be one of ${choices.join(", ")}, got "${raw}"`);
  return raw;
}

function path(flag: string, raw: string): string {
  if (raw === "") throw new InvalidArgumentError(`${flag} needs a file name`);
  return raw;
}

/** commander's message as one line: "error: option '--lr <n>' argument 'x' is invalid. --lr must be ..." -> "--lr must be ...". */
function oneLine(e: CommanderError, args: readonly string[]): string {
  const text = e.message.replace(/^error: /, "").replace(/\n\(Did you mean (.*)\?\)/, " (did you mean $1?)");
  if (e.code === "commander.excessArguments") {
    const extra = args.find((a) => !a.startsWith("-")) ?? "";
    return `unexpected argument "${extra}": options look like --name value`;
  }
  const missing = /^option '(--[\w-]+).*' argument missing$/.exec(text);
  if (missing) return `${missing[1]} needs a value`;
  const invalid = /^option '.*' argument '.*' is invalid\. (.*)$/s.exec(text);
  return (invalid ? invalid[1] : text).replace(/\s*\n\s*/g, " ");
}

/**
 * Parse `argv` (without node and the script) against `specs`; `--help` is answered by
 * returning `{ help: text }`. A mistake throws a CliError.
 * Example: `parseCli(["--lr", "0.01"], { lr: { type: "float", default: 3e-3, help: "learning rate" } })`.
 */
export function parseCli<S extends OptionSpecs>(
  argv: readonly string[],
  specs: S,
  name = "example",
  about = "",
): { options: Options<S>; help?: undefined } | { help: string; options?: undefined } {
  const cmd = program(specs, name, about);
  // pnpm < 7 and npm pass a lone "--" through to the script.
  const args = argv[0] === "--" ? argv.slice(1) : argv.slice();
  // commander reads --json=yes as an unknown option; say what is wrong instead.
  const valued = args.find((a) => a.startsWith("--") && a.includes("=") && specs[camel(a.slice(2, a.indexOf("=")))]?.type === "flag");
  if (valued) throw new CliError(`${valued.slice(0, valued.indexOf("="))} is a flag and takes no value`);
  try {
    cmd.parse(args, { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === "commander.helpDisplayed" || e.code === "commander.help") return { help: cmd.helpInformation() };
    throw new CliError(oneLine(e, args));
  }
  const values = cmd.opts();
  for (const [key, spec] of Object.entries(specs)) if (spec.type === "flag") values[key] = values[key] === true;
  return { options: values as Options<S> };
}

/** The --help text: every option with its default. */
export function helpText(specs: OptionSpecs, name = "example", about = ""): string {
  return program(specs, name, about).helpInformation();
}

/**
 * Parse `process.argv` for a script: print the help and exit 0 on --help, print the
 * error on one line and exit 2 on a mistake, else return the options.
 * Example: `const opts = cliOptions("name-gender", "Guess a name's gender", specs)`.
 */
export function cliOptions<S extends OptionSpecs>(name: string, about: string, specs: S, argv = process.argv.slice(2)): Options<S> {
  try {
    const parsed = parseCli(argv, specs, name, about);
    if (parsed.help !== undefined) {
      process.stdout.write(parsed.help);
      process.exit(0);
    }
    return parsed.options;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(`Run with --help to see every option.\n${name}: ${e.message}\n`);
    process.exit(2);
  }
}

/**
 * Run a script's `main`: a CliError (a bad option, a missing or unreadable file) ends the
 * run with one line naming the problem and exit code 2; any other error is a bug and
 * keeps its stack trace. Example: `await runMain("char-rnn", main)`.
 */
export async function runMain(name: string, main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(2);
  }
}
