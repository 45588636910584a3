// GRU and LSTM versions of W1 (and an LSTM W3) beside the vanilla RNN, as a user trains
// them, and the T-scaling line: one forward + backward of a 1-layer H = 32 RNN at
// T = 10,000 and T = 50,000, whose ratio is 5 when BPTT is linear in T.
//
// Shapes: B batch, T time, I input, H hidden, C classes.

import { createRng, randn, type FloatDtype } from "@unroll/autograd";
import { GRU, Linear, LSTM, RNN } from "@unroll/rnn";
import { fmtNum, fmtRatio, median, printTable, timeInterleaved, type SuiteOptions } from "../timing.js";
import { makeProblem, workloads, type Problem, type Trainer } from "./problem.js";
import { layerTrainer } from "./unroll.js";

type Cell = "rnn" | "gru" | "lstm";

/** The workload with `cell` as its recurrent layer (PyTorch's initialisation from a fixed seed). */
function cellTrainer(p: Problem, cell: Cell, dtype: FloatDtype): Trainer {
  const { I, H, C } = p.w;
  const rng = createRng(7);
  const layer = cell === "gru" ? new GRU(I, H, { rng, dtype }) : cell === "lstm" ? new LSTM(I, H, { rng, dtype }) : new RNN(I, H, { rng, dtype });
  return layerTrainer(p, layer, new Linear(H, C, { rng, dtype }), dtype);
}

/**
 * ms of one forward + backward of a 1-layer H = 32 RNN over x [1, T, 8] for each T, medians
 * of `n` after one warm-up, the lengths interleaved so that a slow spell of the machine
 * hits both alike.
 */
function sequenceMs(Ts: readonly number[], n: number): number[] {
  const runs = Ts.map((T) => ({ rnn: new RNN(8, 32, { rng: createRng(1), dtype: "float32" }), x: randn([1, T, 8], { rng: createRng(T), dtype: "float32" }) }));
  const times: number[][] = Ts.map(() => []);
  for (let k = -1; k < n; k++) {
    runs.forEach(({ rnn, x }, i) => {
      const t0 = performance.now();
      rnn.forward(x).output.sum().backward();
      if (k >= 0) times[i].push(performance.now() - t0);
    });
  }
  return times.map(median);
}

export async function runGated(opts: SuiteOptions): Promise<void> {
  const timing = opts.quick ? { warmupMs: 300, budgetMs: 1000, minRounds: 3, maxRounds: 11 } : { warmupMs: 1500, budgetMs: 5000, minRounds: 7, maxRounds: 41 };
  const rows: string[][] = [];
  const plan: [string, Cell[]][] = [["W1", ["rnn", "gru", "lstm"]], ["W3", ["rnn", "lstm"]]];
  for (const [name, cells] of plan) {
    const w = workloads.find((v) => v.name === name)!;
    const p = makeProblem(w);
    const trainers = cells.map((c) => cellTrainer(p, c, "float32"));
    const t = timeInterleaved(cells.map((c, i) => ({ name: c, fn: () => void trainers[i].step() })), timing);
    const rnnMs = t[0].ms;
    t.forEach((r) => rows.push([`${name} ${r.name.toUpperCase()} float32`, fmtNum(r.ms), fmtNum(r.cpuMs), fmtRatio(r.ms / rnnMs)]));
  }
  console.log("### gated layers: ms per training step (forward + BPTT + SGD), median; ÷ RNN = time ÷ the vanilla RNN's on the same workload\n");
  printTable(["workload, layer", "ms", "CPU ms", "÷ RNN"], rows);

  const n = opts.quick ? 3 : 9;
  const [short, long] = sequenceMs([10_000, 50_000], n);
  console.log("### T-scaling: one forward + backward, 1-layer RNN, H = 32, B = 1, float32 (median of " + n + ")\n");
  printTable(["T", "ms", "÷ T = 10,000"], [["10,000", fmtNum(short), "1.0x"], ["50,000", fmtNum(long), fmtRatio(long / short)]]);
}
