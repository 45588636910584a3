// Measuring and printing. Peers are timed interleaved (round r times every case once,
// in a rotating order) so that a noisy neighbour, a GC or a thermal change hits all of
// them alike; each reported figure is a median over rounds, after a warm-up.

/** Options every suite's `run` receives from the runner. */
export interface SuiteOptions {
  /** A short run: fewer repetitions, smaller warm-ups. */
  quick: boolean;
  /** Words of the peer names to time (a peer runs when its name contains one), or null for all. */
  peers: readonly string[] | null;
}

export interface Case {
  name: string;
  /** One call = one unit of work (one matmul, one training step...). */
  fn: () => void;
  /** Rounds this case takes part in at most (for peers that take seconds per call). */
  maxRounds?: number;
  /** Runs untimed before each warm-up and each sample (e.g. switching TF.js backends). */
  before?: () => void;
  /**
   * For a peer in another process: run `calls` calls there and return the time it measured
   * per call (wall and CPU, ms). When given, `fn` is not called.
   */
  sample?: (calls: number) => { ms: number; cpuMs: number };
}

export interface TimingOptions {
  /** Warm-up time per case, in ms; at least `minWarmupCalls` (default 2) calls are made. */
  warmupMs: number;
  minWarmupCalls?: number;
  /** Time budget per case for the timed rounds, in ms; the round count follows from it. */
  budgetMs: number;
  minRounds: number;
  maxRounds: number;
  /** A sample repeats a fast call until it lasts this long, to stay above timer noise. */
  minSampleMs?: number;
}

export interface Timing {
  name: string;
  /** Median time of one call, in ms. */
  ms: number;
  /** Median process CPU time (user + system) of one call, in ms: less sensitive than `ms` to other processes on a shared machine. */
  cpuMs: number;
  /** Spread of the samples: the interquartile range divided by the median. */
  spread: number;
  rounds: number;
}

const now = (): number => performance.now();

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Warm every case up, then time them interleaved; returns one median per case, in
 * the order given. All warm-ups run before any timed round, so a one-off event that
 * a warm-up triggers (a JIT tier-up, a WebAssembly memory grow) precedes every timing.
 */
export function timeInterleaved(cases: readonly Case[], opts: TimingOptions): Timing[] {
  const minSampleMs = opts.minSampleMs ?? 5;
  const plans = cases.map((c) => {
    const minCalls = opts.minWarmupCalls ?? 2;
    let calls = 0;
    c.before?.();
    const t0 = now();
    while (calls < minCalls || now() - t0 < opts.warmupMs) {
      if (c.sample) c.sample(1);
      else c.fn();
      calls++;
    }
    // Without a warm-up there is no estimate: one call per sample, minRounds samples.
    const perCall = calls > 0 ? (now() - t0) / calls : Infinity;
    const inner = Number.isFinite(perCall) ? Math.max(1, Math.ceil(minSampleMs / Math.max(perCall, 1e-6))) : 1;
    const wanted = Math.round(opts.budgetMs / Math.max(perCall * inner, 1e-6));
    const rounds = Math.min(c.maxRounds ?? Infinity, opts.maxRounds, Math.max(opts.minRounds, wanted));
    return { c, inner, rounds, samples: [] as number[], cpu: [] as number[] };
  });
  const totalRounds = Math.max(...plans.map((p) => p.rounds));
  for (let r = 0; r < totalRounds; r++) {
    for (let i = 0; i < plans.length; i++) {
      const p = plans[(i + r) % plans.length];
      if (p.samples.length >= p.rounds) continue;
      p.c.before?.();
      if (p.c.sample) {
        const s = p.c.sample(p.inner);
        p.samples.push(s.ms);
        p.cpu.push(s.cpuMs);
        continue;
      }
      const cpu0 = process.cpuUsage();
      const t0 = now();
      for (let k = 0; k < p.inner; k++) p.c.fn();
      p.samples.push((now() - t0) / p.inner);
      const cpu = process.cpuUsage(cpu0);
      p.cpu.push((cpu.user + cpu.system) / 1e3 / p.inner);
    }
  }
  return plans.map((p) => {
    const sorted = [...p.samples].sort((a, b) => a - b);
    const ms = median(sorted);
    const spread = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / ms;
    return { name: p.c.name, ms, cpuMs: median(p.cpu), spread, rounds: p.samples.length };
  });
}

/** Print a Markdown table (so the output pastes straight into a README). */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  console.log(line(header));
  console.log("|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
  for (const r of rows) console.log(line(r));
  console.log();
}

/** A number with about three significant digits and thousands separators: 0.0123, 4.56, 2,510. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3;
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio as "3.1x". */
export function fmtRatio(x: number): string {
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}x`;
}
