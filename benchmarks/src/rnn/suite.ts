// ms per training step (forward, BPTT, SGD) on the workloads of problem.ts: unroll against
// PyTorch (when python3 has torch), TF.js and plain JavaScript, after every implementation
// proves the same losses; then unroll / PyTorch, GFLOP/s, copies and time outside kernels.

import { kernelsInUse, setNumThreads, useKernels, type KernelSet } from "@unroll/autograd";
import { diagnose, gemmPeak, stepFlops } from "./diagnostics.js";
import { startTorch, torchVersion } from "./torch.js";
import { initTf, useTfBackend } from "../tfjs.js";
import { fmtNum, fmtRatio, printTable, timeInterleaved, type SuiteOptions, type Timing, type TimingOptions } from "../timing.js";
import { plainTrainer } from "./plain.js";
import { makeProblem, workloads, type Problem, type Trainer, type Workload } from "./problem.js";
import { tfTrainer } from "./tfjs.js";
import { runGated } from "./gated.js";
import { genericOpsTrainer, publicApiTrainer } from "./unroll.js";

interface Peer {
  name: string;
  /** Only the vanilla RNN (the LSTM workload skips it). */
  rnnOnly?: boolean;
  make(p: Problem): Trainer;
  /** Runs before each of its steps, untimed. */
  before?: () => void;
}

const torch = torchVersion();

/** PyTorch on `threads` threads in its own process: step() replays the two checked losses. */
function torchPeer(threads: number): Peer {
  return {
    name: `PyTorch ${threads} thread${threads > 1 ? "s" : ""}`,
    make(p) {
      const peer = startTorch(p, threads);
      opened.push(peer);
      let checked = 0;
      return {
        step: () => (checked < 2 ? peer.losses[checked++] : (peer.run(1), NaN)),
        sample: (calls) => peer.run(calls),
      };
    },
  };
}
const opened: { close(): void }[] = [];

// The kernel set unroll starts with (WebAssembly SIMD where the runtime has it); the
// "js kernels" row switches to the JavaScript fallback for its own steps.
const defaultKernels = kernelsInUse();
/** Before each step of an unroll peer: its kernel set, and its thread count (1 unless named). */
const kernelSet = (set: KernelSet, threads = 1) => () => {
  useKernels(set);
  setNumThreads(threads);
};

/** The first peer is the reference for the loss check. */
const allPeers: readonly Peer[] = [
  { name: "unroll float64", make: (p) => publicApiTrainer(p, "float64"), before: kernelSet(defaultKernels) },
  { name: "unroll float32", make: (p) => publicApiTrainer(p, "float32"), before: kernelSet(defaultKernels) },
  { name: "unroll float32 2 threads", make: (p) => publicApiTrainer(p, "float32"), before: kernelSet(defaultKernels, 2) },
  ...(defaultKernels === "wasm"
    ? [{ name: "unroll float32 js kernels", make: (p: Problem) => publicApiTrainer(p, "float32"), before: kernelSet("js") }]
    : []),
  { name: "unroll generic ops float32", make: (p) => genericOpsTrainer(p, "float32"), before: kernelSet(defaultKernels), rnnOnly: true },
  { name: "TF.js wasm", make: (p) => tfTrainer(p, "wasm"), before: () => useTfBackend("wasm"), rnnOnly: true },
  { name: "TF.js cpu", make: (p) => tfTrainer(p, "cpu"), before: () => useTfBackend("cpu"), rnnOnly: true },
  { name: "plain JS", make: plainTrainer, rnnOnly: true },
  ...("version" in torch ? [torchPeer(1), torchPeer(2)] : []),
];

interface Result {
  w: Workload;
  t: Map<string, Timing>;
}

/** Losses agree when within float32 rounding (accumulated over the whole step) of the float64 reference. */
const RTOL = 2e-5;

function timingFor(w: Workload, quick: boolean): TimingOptions {
  // W2 costs the peers seconds per step: a few samples each; the two checked steps are its warm-up.
  if (w.name === "W2") {
    return { warmupMs: 0, minWarmupCalls: 0, budgetMs: quick ? 0 : 8000, minRounds: quick ? 1 : 3, maxRounds: 15 };
  }
  return quick
    ? { warmupMs: 300, budgetMs: 1000, minRounds: 3, maxRounds: 11 }
    : { warmupMs: 1500, budgetMs: 5000, minRounds: 7, maxRounds: 41 };
}

/** Two steps from the shared initial weights; throws when any peer's losses disagree with the reference's. */
function checkLosses(w: Workload, peers: readonly Peer[], trainers: readonly Trainer[]): void {
  const losses = trainers.map((t, i) => {
    peers[i].before?.();
    return [t.step(), t.step()];
  });
  const [ref1, ref2] = losses[0];
  const bad: string[] = [];
  const rows = losses.map(([l1, l2], i) => {
    const err = Math.max(Math.abs(l1 - ref1) / Math.abs(ref1), Math.abs(l2 - ref2) / Math.abs(ref2));
    if (!(err <= RTOL)) bad.push(`${peers[i].name} (${l1}, ${l2})`);
    return [peers[i].name, l1.toFixed(6), l2.toFixed(6), err.toExponential(1)];
  });
  console.log(`${w.name} losses from the same initial weights and data (relative difference to ${peers[0].name}):\n`);
  printTable(["implementation", "loss, step 1", "loss, step 2", "rel. diff"], rows);
  if (bad.length > 0) {
    throw new Error(`rnn ${w.name}: losses differ from ${peers[0].name} (${ref1}, ${ref2}) by more than ${RTOL} relative: ${bad.join("; ")}`);
  }
  // Step 2's loss checks step 1's gradients only if the update moved it well beyond the tolerance.
  if (Math.abs(ref2 - ref1) / Math.abs(ref1) < 50 * RTOL) {
    throw new Error(`rnn ${w.name}: one SGD step barely changes the loss (${ref1} → ${ref2}), so it checks no gradient; raise lr`);
  }
}

export async function run(opts: SuiteOptions): Promise<void> {
  await initTf();
  console.log(
    `unroll float64/float32 train through the public API (@unroll/rnn RNN + Linear, @unroll/losses, SGD) with the ${defaultKernels} kernels;`,
    "the generic-ops row spells the same model in engine ops (matmul, add, tanh, logSoftmax, gather).\n",
  );
  // The reference (unroll float64) always runs: the loss check needs it.
  const allChosen = allPeers.filter((p, i) => i === 0 || opts.peers === null || opts.peers.some((word) => p.name.toLowerCase().includes(word)));
  const results: Result[] = [];
  for (const w of workloads) {
    const problem = makeProblem(w);
    const peers = allChosen.filter((p) => w.cell === "rnn" || p.rnnOnly !== true);
    const trainers = peers.map((peer) => {
      peer.before?.();
      return peer.make(problem);
    });
    checkLosses(w, peers, trainers);
    const timings = timeInterleaved(
      peers.map((peer, i) => ({ name: peer.name, before: peer.before, fn: () => void trainers[i].step(), sample: trainers[i].sample })),
      timingFor(w, opts.quick),
    );
    for (const peer of opened.splice(0)) peer.close();
    const detail = timings.map((t) => `${t.name} ${fmtNum(t.ms)} ms (CPU ${fmtNum(t.cpuMs)} ms, ${t.rounds} steps, IQR ${(t.spread * 100).toFixed(0)}%)`);
    console.log(`${w.name} timed: ${detail.join("; ")}\n`);
    results.push({ w, t: new Map(timings.map((t) => [t.name, t])) });
  }
  const table = (key: "ms" | "cpuMs"): void => {
    const get = (r: Result, name: string): number => r.t.get(name)![key];
    printTable(
      ["implementation", ...results.flatMap(({ w }) => [`${w.name} ms`, "÷ f32"])],
      allChosen.map(({ name }) => [
        name,
        ...results.flatMap((r) =>
          !r.t.has(name) ? ["—", "—"] : [fmtNum(get(r, name)), r.t.has("unroll float32") ? fmtRatio(get(r, name) / get(r, "unroll float32")) : "—"],
        ),
      ]),
    );
  };
  console.log("### ms per training step (forward + BPTT + SGD), median wall-clock; ÷ f32 = time ÷ unroll float32's\n");
  for (const { w } of results) console.log(`- ${w.name}: ${w.description}`);
  console.log();
  table("ms");
  console.log("### the same in process CPU time (user + system), median: steadier on a shared machine\n");
  table("cpuMs");
  await runGated(opts);
  if (!results[0].t.has("unroll float32")) return;
  torchRatios(results);
  diagnostics(results);
}

/** unroll / PyTorch at each thread count, or why PyTorch is missing. */
function torchRatios(results: readonly Result[]): void {
  console.log("### unroll float32 / PyTorch float32, ms per step (median wall-clock)\n");
  if ("skipped" in torch) {
    console.log(`PyTorch: skipped (${torch.skipped}).\n`);
    return;
  }
  console.log(`PyTorch ${torch.version}, one process per thread count.\n`);
  const ms = (r: Result, name: string): number => r.t.get(name)?.ms ?? NaN;
  const rows = results.map((r) => {
    const [u1, u2, t1, t2] = [ms(r, "unroll float32"), ms(r, "unroll float32 2 threads"), ms(r, "PyTorch 1 thread"), ms(r, "PyTorch 2 threads")];
    return [r.w.name, fmtNum(u1), fmtNum(t1), fmtRatio(u1 / t1), fmtNum(u2), fmtNum(t2), fmtRatio(u2 / t2)];
  });
  printTable(["workload", "unroll 1 thread ms", "PyTorch 1 thread ms", "1 thread: unroll / PyTorch", "unroll 2 threads ms", "PyTorch 2 threads ms", "2 threads: unroll / PyTorch"], rows);
}

/** Per workload: GFLOP/s, copies and the share of time outside kernels, from a separate instrumented run. */
function diagnostics(results: readonly Result[]): void {
  setNumThreads(1);
  useKernels(defaultKernels);
  const peak = gemmPeak();
  console.log(`### where unroll float32's step goes (kernels.gemm peak: ${fmtNum(peak.gflops)} GFLOP/s on float32 ${peak.n}³, 1 thread)\n`);
  const gflops = (flops: number, ms: number | undefined): string => (ms === undefined ? "—" : fmtNum(flops / ms / 1e6));
  const rows = results.map((r) => {
    const flops = stepFlops(r.w);
    const ms = (name: string): number | undefined => r.t.get(name)?.ms;
    const d = diagnose(publicApiTrainer(makeProblem(r.w), "float32"));
    return [
      r.w.name,
      fmtNum(flops / 1e9),
      gflops(flops, ms("unroll float32")),
      gflops(flops, ms("unroll float32 2 threads")),
      gflops(flops, ms("PyTorch 1 thread")),
      gflops(flops, ms("PyTorch 2 threads")),
      fmtNum(d.copiedFloats / 1e6),
      `${(100 * d.outside).toFixed(0)}%`,
    ];
  });
  printTable(
    ["workload", "GFLOP per step", "unroll GFLOP/s", "unroll 2 threads", "PyTorch GFLOP/s", "PyTorch 2 threads", "M floats copied per step", "time outside kernels"],
    rows,
  );
}
