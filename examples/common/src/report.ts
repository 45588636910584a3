// What a run prints at the end: a small aligned table and, for scripts and CI, one JSON
// object on the last line of stdout.

/** The machine-readable summary of a run (the last line of stdout with --json). */
export interface RunResult {
  example: string;
  seed: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  metrics: Record<string, number>;
}

/** The JSON line for `result`, numbers rounded to 6 significant digits. Example: `console.log(jsonLine(result))`. */
export function jsonLine(result: RunResult): string {
  return JSON.stringify(result, (_key, value: unknown) =>
    typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value,
  );
}

/**
 * Rows of cells as an aligned text table with a header rule.
 * Example: `table(["name", "guess"], [["ada", "female"]])`.
 */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(width(h), ...rows.map((r) => width(r[j] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => c + " ".repeat(widths[j]! - width(c)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Printed width of a cell: code points, ignoring ANSI colour codes. */
function width(s: string): number {
  return [...s.replace(/\x1b\[[0-9;]*m/g, "")].length;
}
