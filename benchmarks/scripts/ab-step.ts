// One workload's public-API training step timed in this checkout, for before/after
// comparisons between two checkouts run alternately (each in its own process):
//   for r in 1 2 3; do for repo in ../old ../new; do (cd $repo/benchmarks && node --conditions=development --import tsx scripts/ab-step.ts W3 60); done; done
// Prints {"med", "min", "cpu"} in ms per step (median, minimum, process CPU time). TH sets the thread count.

import * as autograd from "@unroll/autograd";
import { makeProblem, workloads } from "../src/rnn/problem.js";
import { publicApiTrainer } from "../src/rnn/unroll.js";

const [name = "W3", stepsText = "60"] = process.argv.slice(2);
const steps = Number(stepsText);
const w = workloads.find((v) => v.name === name);
if (w === undefined || !(steps > 0)) throw new Error(`usage: ab-step.ts W1|W2|W3|W4 steps (got ${name} ${stepsText})`);
// Older checkouts may lack ready() and setNumThreads: use them where they exist.
const api = autograd as { ready?: () => Promise<unknown>; setNumThreads?: (n: number) => void };
await api.ready?.();
api.setNumThreads?.(Number(process.env.TH ?? 1));
await new Promise((resolve) => setTimeout(resolve, 200));
const trainer = publicApiTrainer(makeProblem(w), "float32");
for (let i = 0; i < 10; i++) trainer.step();
const times: number[] = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  trainer.step();
  times.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpu0);
times.sort((a, b) => a - b);
console.log(JSON.stringify({ med: times[steps >> 1], min: times[0], cpu: (cpu.user + cpu.system) / 1000 / steps }));
process.exit(0);
