// A training progress bar on stderr: step, loss and speed. On a terminal it redraws
// one line in place; otherwise (a pipe, CI) it prints a plain line every few seconds,
// so logs stay readable.

export interface ProgressOptions {
  /** Where to draw; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw nothing (tests). */
  quiet?: boolean;
  /** Seconds between plain lines when the stream is not a terminal; default 10. */
  logEvery?: number;
}

/**
 * A progress bar for `total` steps.
 * Example: `const bar = new Progress(500); bar.update(step, { loss }); bar.log("eval ..."); bar.done();`
 */
export class Progress {
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  private readonly logEvery: number;
  private readonly start = performance.now();
  private lastDraw = 0;
  private lastLine = -Infinity;
  private drawn = false;
  private step = 0;
  private fields: Record<string, number> = {};

  constructor(
    private total: number,
    opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.quiet = opts.quiet ?? false;
    this.logEvery = opts.logEvery ?? 10;
  }

  /** Seconds since the bar was made. */
  get seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  /** Steps per second since the start. */
  get stepsPerSecond(): number {
    return this.step / Math.max(this.seconds, 1e-9);
  }

  /** Record that `step` steps are done, with the numbers to show (say `{ loss }`). */
  update(step: number, fields: Record<string, number> = {}): void {
    this.step = step;
    this.fields = fields;
    if (this.quiet) return;
    const now = performance.now();
    if (this.tty) {
      // Redraw at most 10 times a second: drawing is not free.
      if (now - this.lastDraw < 100 && step < this.total) return;
      this.lastDraw = now;
      this.stream.write("\r\x1b[2K" + this.line(this.stream.columns ?? 100));
      this.drawn = true;
    } else if ((now - this.lastLine) / 1000 >= this.logEvery || step === this.total) {
      this.lastLine = now;
      this.stream.write(this.line(0) + "\n");
    }
  }

  /** Print a line (an evaluation, say) above the bar. */
  log(text: string): void {
    if (this.quiet) return;
    if (this.tty && this.drawn) this.stream.write("\r\x1b[2K");
    this.stream.write(text + "\n");
    if (this.tty && this.drawn) this.stream.write(this.line(this.stream.columns ?? 100));
  }

  /** Leave the bar on its own line. */
  done(): void {
    if (this.quiet) return;
    if (this.tty && this.drawn) this.stream.write("\n");
    this.drawn = false;
  }

  /** `step 120/500 [#####-----] loss 0.4321 | 12.3 steps/s | 10s, eta 31s`; a bar only when `width` > 0. */
  line(width: number): string {
    const fraction = this.total > 0 ? Math.min(this.step / this.total, 1) : 0;
    const rate = this.stepsPerSecond;
    const eta = rate > 0 ? (this.total - this.step) / rate : NaN;
    const numbers = Object.entries(this.fields)
      .map(([k, v]) => `${k} ${formatNumber(v)}`)
      .join(" ");
    const tail = `${numbers} | ${rate.toFixed(2)} steps/s | ${formatSeconds(this.seconds)}, eta ${formatSeconds(eta)}`;
    const head = `step ${String(this.step).padStart(String(this.total).length)}/${this.total}`;
    const room = width - head.length - tail.length - 4;
    if (width <= 0 || room < 10) return `${head} ${tail}`;
    const barWidth = Math.min(room, 40);
    const filled = Math.round(fraction * barWidth);
    return `${head} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${tail}`;
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
