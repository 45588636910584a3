// The playground's settings, read from the URL (the stable contract that tests drive):
// ?task=char-rnn|name-gender|word-boundaries&cell=rnn|gru|lstm&hidden=N&lr=X&batch=N&seed=N&steps=N&autostart=1
// Every value is checked; a bad one is a message that names the parameter, and nothing starts.

export const TASKS = ["char-rnn", "name-gender", "word-boundaries"] as const;
export type TaskName = (typeof TASKS)[number];
export const CELLS = ["rnn", "gru", "lstm"] as const;
export type Cell = (typeof CELLS)[number];
/** The cells this build trains: all three, through the examples' recurrentLayer. */
export const AVAILABLE_CELLS: readonly Cell[] = CELLS;

/** What one run is: the task, the model and the schedule. */
export interface Config {
  task: TaskName;
  cell: Cell;
  hidden: number;
  lr: number;
  batch: number;
  seed: number;
  steps: number;
  autostart: boolean;
}

/**
 * Each task's defaults: those of its Node example (`pnpm --dir examples/<task> start`),
 * name-gender's 15 epochs counted as steps (101 a epoch at batch 64).
 */
export const DEFAULTS: Record<TaskName, Omit<Config, "task" | "autostart">> = {
  "char-rnn": { cell: "lstm", hidden: 128, lr: 1.2e-2, batch: 32, seed: 0, steps: 3000 },
  "name-gender": { cell: "rnn", hidden: 128, lr: 5e-3, batch: 64, seed: 0, steps: 1515 },
  "word-boundaries": { cell: "lstm", hidden: 128, lr: 1e-2, batch: 64, seed: 0, steps: 800 },
};

const KNOWN = ["task", "cell", "hidden", "lr", "batch", "seed", "steps", "autostart"];
const LIMITS = { hidden: 2048, batch: 1024, steps: 1_000_000 };

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * The settings of a URL's query string; throws a RangeError naming the parameter for an
 * unknown parameter, a repeated one or a bad value. `cells` lists the cells this build has.
 * Example: `parseParams("?task=char-rnn&hidden=64&steps=200&autostart=1")`.
 */
export function parseParams(search: string, cells: readonly Cell[] = CELLS): Config {
  const params = new URLSearchParams(search);
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!KNOWN.includes(key)) throw new RangeError(`unknown URL parameter ${JSON.stringify(key)} (known: ${KNOWN.join(", ")})`);
    if (seen.has(key)) throw new RangeError(`${key}: given more than once`);
    seen.add(key);
  }
  const get = (key: string) => params.get(key) ?? undefined;
  const taskText = get("task") ?? "char-rnn";
  if (!(TASKS as readonly string[]).includes(taskText)) {
    throw new RangeError(`task: expected one of ${TASKS.join(", ")}, got ${JSON.stringify(taskText)}`);
  }
  const task = taskText as TaskName;
  const d = DEFAULTS[task];
  const cellText = get("cell") ?? d.cell;
  if (!(CELLS as readonly string[]).includes(cellText)) {
    throw new RangeError(`cell: expected one of ${CELLS.join(", ")}, got ${JSON.stringify(cellText)}`);
  }
  if (!(cells as readonly string[]).includes(cellText)) {
    throw new RangeError(`cell: ${cellText} is not available in this build (available: ${cells.join(", ")})`);
  }
  const lrText = get("lr");
  const lr = lrText === undefined ? d.lr : Number(lrText);
  if (lrText !== undefined && (lrText.trim() === "" || !Number.isFinite(lr) || lr <= 0 || lr > 10)) {
    throw new RangeError(`lr: expected a number above 0 and at most 10, got ${JSON.stringify(lrText)}`);
  }
  const autostartText = get("autostart") ?? "0";
  if (autostartText !== "0" && autostartText !== "1") {
    throw new RangeError(`autostart: expected 1 or 0, got ${JSON.stringify(autostartText)}`);
  }
  const int = (key: "hidden" | "batch" | "steps" | "seed", min: number, max: number) => {
    const text = get(key);
    return text === undefined ? d[key] : integer(key, text, min, max);
  };
  return {
    task,
    cell: cellText as Cell,
    hidden: int("hidden", 1, LIMITS.hidden),
    lr,
    batch: int("batch", 1, LIMITS.batch),
    seed: int("seed", 0, 2 ** 32 - 1),
    steps: int("steps", 1, LIMITS.steps),
    autostart: autostartText === "1",
  };
}

/** The query string of a config, the inverse of parseParams. Example: `location.search = toSearch(config)`. */
export function toSearch(config: Config): string {
  const p = new URLSearchParams();
  for (const key of KNOWN) {
    const value = config[key as keyof Config];
    p.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
  }
  return "?" + p.toString();
}
