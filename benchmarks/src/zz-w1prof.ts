import { makeProblem, workloads } from "/work/main/benchmarks/src/rnn/problem.ts";
import { publicApiTrainer } from "/work/main/benchmarks/src/rnn/unroll.ts";
const w = workloads.find((x) => x.name === (process.env.W ?? "W1"))!;
const tr = publicApiTrainer(makeProblem(w), (process.env.DT ?? "float32") as "float32");
for (let i = 0; i < 20; i++) tr.step();
const ts: number[] = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < Number(process.env.N ?? 60); i++) { const t0 = performance.now(); tr.step(); ts.push(performance.now() - t0); }
const cpu = process.cpuUsage(cpu0);
ts.sort((a, b) => a - b);
console.log(w.name, "median ms", ts[ts.length >> 1].toFixed(2), "best", ts[0].toFixed(2), "cpu ms/step", ((cpu.user + cpu.system) / 1000 / ts.length).toFixed(2));
