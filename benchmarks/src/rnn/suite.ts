// ms per training step (forward, BPTT, SGD update) of a vanilla RNN, unroll against
// TF.js (wasm and cpu backends) and plain JavaScript, on the workloads of problem.ts.
// Every implementation first proves it computes the same losses from the same weights
// (step 1, and step 2, which also checks the gradients of step 1); then all are timed
// interleaved in this one process.

import { initTf, useTfBackend } from "../tfjs.js";
import { fmtNum, fmtRatio, printTable, timeInterleaved, type SuiteOptions, type TimingOptions } from "../timing.js";
import { plainTrainer } from "./plain.js";
import { makeProblem, workloads, type Problem, type Trainer, type Workload } from "./problem.js";
import { tfTrainer } from "./tfjs.js";
import { genericOpsTrainer, loadPublicApi, publicApiTrainer, type PublicApi } from "./unroll.js";

interface Peer {
  name: string;
  make(p: Problem): Trainer;
  /** Runs before each of its steps, untimed. */
  before?: () => void;
}

/** Losses agree when within float32 accumulation error of the float64 reference. */
const RTOL = 2e-5;

function peers(api: PublicApi | null): Peer[] {
  const unroll = (dtype: "float32" | "float64") => (p: Problem) =>
    api ? publicApiTrainer(api, p, dtype) : genericOpsTrainer(p, dtype);
  return [
    { name: "unroll float64", make: unroll("float64") },
    { name: "unroll float32", make: unroll("float32") },
    ...(api ? [{ name: "unroll generic ops float32", make: (p: Problem) => genericOpsTrainer(p, "float32") }] : []),
    { name: "TF.js wasm", make: (p) => tfTrainer(p, "wasm"), before: () => useTfBackend("wasm") },
    { name: "TF.js cpu", make: (p) => tfTrainer(p, "cpu"), before: () => useTfBackend("cpu") },
    { name: "plain JS", make: plainTrainer },
  ];
}

function timingFor(w: Workload, quick: boolean): TimingOptions {
  // W2 costs the peers seconds per step: a few samples of each.
  if (w.name === "W2") return quick ? { warmupMs: 0, budgetMs: 0, minRounds: 2, maxRounds: 2 } : { warmupMs: 0, budgetMs: 8000, minRounds: 3, maxRounds: 15 };
  return quick ? { warmupMs: 300, budgetMs: 1000, minRounds: 3, maxRounds: 11 } : { warmupMs: 1500, budgetMs: 5000, minRounds: 7, maxRounds: 41 };
}

/** Two steps from the shared initial weights; throws when any peer's losses disagree with the reference's. */
function checkLosses(w: Workload, list: readonly Peer[], trainers: readonly Trainer[]): void {
  const losses = trainers.map((t, i) => {
    list[i].before?.();
    return [t.step(), t.step()];
  });
  const [ref1, ref2] = losses[0];
  const bad: string[] = [];
  const rows = losses.map(([l1, l2], i) => {
    const err = Math.max(Math.abs(l1 - ref1) / Math.abs(ref1), Math.abs(l2 - ref2) / Math.abs(ref2));
    if (!(err <= RTOL)) bad.push(`${list[i].name} (${l1}, ${l2})`);
    return [list[i].name, l1.toFixed(6), l2.toFixed(6), err.toExponential(1)];
  });
  console.log(`${w.name} losses from the same initial weights (max relative difference to ${list[0].name}):\n`);
  printTable(["implementation", "loss, step 1", "loss, step 2", "rel. diff"], rows);
  if (bad.length > 0) throw new Error(`rnn ${w.name}: losses differ from ${list[0].name} (${ref1}, ${ref2}) by more than ${RTOL}: ${bad.join("; ")}`);
  // Step 2's loss only checks step 1's gradients if the update moved it well beyond the tolerance.
  if (Math.abs(ref2 - ref1) / Math.abs(ref1) < 100 * RTOL) throw new Error(`rnn ${w.name}: the SGD step barely changes the loss (${ref1} → ${ref2}); raise lr`);
}

export async function run(opts: SuiteOptions): Promise<void> {
  await initTf();
  const api = await loadPublicApi();
  console.log(
    api
      ? "unroll rows train through the public API (@unroll/rnn RNN + Linear, @unroll/losses); the generic-ops row spells the same model in engine ops.\n"
      : "@unroll/rnn or @unroll/losses is not available yet: the unroll rows spell the model in the engine's generic ops.\n",
  );
  const list = peers(api);
  const results: { w: Workload; ms: Map<string, number> }[] = [];
  for (const w of workloads) {
    const problem = makeProblem(w);
    const trainers = list.map((peer) => {
      peer.before?.();
      return peer.make(problem);
    });
    checkLosses(w, list, trainers);
    const timings = timeInterleaved(
      list.map((peer, i) => ({ name: peer.name, before: peer.before, fn: () => void trainers[i].step() })),
      timingFor(w, opts.quick),
    );
    console.log(`${w.name} timed: ${timings.map((t) => `${t.name} ${fmtNum(t.ms)} ms (${t.rounds} steps, IQR ${(t.spread * 100).toFixed(0)}%)`).join("; ")}\n`);
    results.push({ w, ms: new Map(timings.map((t) => [t.name, t.ms])) });
  }
  console.log("### ms per training step (forward + BPTT + SGD), median\n");
  const names = list.map((p) => p.name);
  printTable(
    ["workload", ...names, "TF.js wasm ÷ unroll f32", "plain JS ÷ unroll f32"],
    results.map(({ w, ms }) => [
      `${w.name}: ${w.description}`,
      ...names.map((n) => fmtNum(ms.get(n)!)),
      fmtRatio(ms.get("TF.js wasm")! / ms.get("unroll float32")!),
      fmtRatio(ms.get("plain JS")! / ms.get("unroll float32")!),
    ]),
  );
}
