// A training progress bar on stderr: step, loss, speed and time left, redrawn in place by
// cli-progress on a terminal; on a pipe or in CI a plain line every few seconds, printed by
// hand (cli-progress prints those from a timer, which never fires in a synchronous loop).

import cliProgress from "cli-progress";

export interface ProgressOptions {
  /** Where to draw; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw nothing (tests). */
  quiet?: boolean;
  /** Seconds between plain lines when the stream is not a terminal; default 10. */
  logEvery?: number;
}

const FORMAT = "step {value}/{total} [{bar}] {fields} | {speed} steps/s | {duration_formatted}, eta {eta_formatted}";

/**
 * A progress bar for `total` steps.
 * Example: `const bar = new Progress(500); bar.update(step, { loss }); bar.log("eval ..."); bar.done();`
 */
export class Progress {
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  // The terminal bar; null on a pipe (plain lines) or when quiet.
  private readonly bar: cliProgress.SingleBar | null;
  private readonly quiet: boolean;
  private readonly logEvery: number;
  private readonly start = performance.now();
  private lastLine = -Infinity;

  constructor(
    private readonly total: number,
    opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.quiet = opts.quiet ?? false;
    this.logEvery = opts.logEvery ?? 10;
    this.bar =
      this.quiet || !this.stream.isTTY
        ? null
        : new cliProgress.SingleBar({
            stream: this.stream,
            format: FORMAT,
            barsize: 30,
            barCompleteChar: "#",
            barIncompleteChar: "-",
            hideCursor: false,
            gracefulExit: true,
            forceRedraw: true, // so that log() can redraw the bar under its line
            formatValue: (v, _o, type) => (type === "value" ? String(v).padStart(String(total).length) : String(v)),
          });
    this.bar?.start(total, 0, { fields: "", speed: "0.00" });
  }

  /** Record that `step` steps are done, with the numbers to show (say `{ loss }`). */
  update(step: number, fields: Record<string, number> = {}): void {
    if (this.quiet) return;
    const seconds = (performance.now() - this.start) / 1000;
    const numbers = Object.entries(fields)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join(" ");
    const speed = step / Math.max(seconds, 1e-9);
    if (this.bar !== null) {
      this.bar.update(step, { fields: numbers, speed: speed.toFixed(2) });
    } else if (seconds - this.lastLine >= this.logEvery || step === this.total) {
      this.lastLine = seconds;
      const eta = speed > 0 ? (this.total - step) / speed : NaN;
      const head = `step ${String(step).padStart(String(this.total).length)}/${this.total}`;
      this.stream.write(`${head} ${numbers} | ${speed.toFixed(2)} steps/s | ${formatSeconds(seconds)}, eta ${formatSeconds(eta)}\n`);
    }
  }

  /** Print a line (an evaluation, say) above the bar. */
  log(text: string): void {
    if (this.quiet) return;
    this.stream.write((this.bar !== null ? "\r\x1b[2K" : "") + text + "\n");
    this.bar?.render();
  }

  /** Leave the bar (its last state) on its own line. */
  done(): void {
    if (this.bar === null) return;
    // stop() moves the cursor back to where start() saved it, above any logged lines:
    // save it again here, at the bar's own line.
    this.stream.write("\r\x1b7");
    this.bar.stop();
  }
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4);
}

/** `75` -> `1m15s`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const r = Math.round(s);
  if (r < 60) return `${r}s`;
  return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, "0")}s`;
}
