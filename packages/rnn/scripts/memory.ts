// Memory of an unrolled graph: a 1-layer H = 32 RNN over T steps, measured after the
// forward pass (graph alive) and after backward (graph freed), each T in a fresh
// process. Not a test; run from the repository root with
//   node --expose-gc --conditions=development --import tsx packages/rnn/scripts/memory.ts
// Reports heapUsed + arrayBuffers (typed-array storage lives outside the JS heap).

import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRng, randn } from "@unroll/autograd";
import { RNN } from "../src/index.js";

const H = 32;
const I = 4;
const B = 1;

function used(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("memory.ts: run node with --expose-gc");
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Measure one T in this process: [MB after forward, MB after backward, ms, peak RSS growth in MB]. */
function measure(T: number): number[] {
  const rng = createRng(T);
  const rnn = new RNN(I, H, { rng });
  const x = randn([B, T, I], { rng, requiresGrad: true });
  const base = used();
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const { output, hN } = rnn.forward(x);
  const loss = output.mean().add(hN.sum());
  const afterForward = used() - base;
  loss.backward();
  const ms = performance.now() - start;
  const afterBackward = used() - base;
  if (output.shape[1] !== T || x.grad === null) throw new Error("memory.ts: unexpected result");
  const peakRss = process.resourceUsage().maxRSS * 1024 - rssBefore;
  return [afterForward / 2 ** 20, afterBackward / 2 ** 20, ms, peakRss / 2 ** 20];
}

const arg = process.argv[2];
if (arg !== undefined) {
  console.log(JSON.stringify(measure(Number(arg))));
} else {
  console.log(`RNN I=${I} H=${H} B=${B} float64, one fresh process per T`);
  console.log("T        after forward (MB)   bytes/step   after backward (MB)   peak RSS growth (MB)   forward+backward (ms)");
  for (const T of [2_500, 5_000, 10_000, 20_000]) {
    const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(T)], { encoding: "utf8" });
    const [fwd, bwd, ms, peak] = JSON.parse(out.trim().split("\n").pop()!) as number[];
    const perStep = Math.round((fwd * 2 ** 20) / T);
    console.log(`${String(T).padEnd(8)} ${fwd.toFixed(2).padStart(18)} ${String(perStep).padStart(12)} ${bwd.toFixed(2).padStart(21)} ${peak.toFixed(1).padStart(22)} ${ms.toFixed(0).padStart(23)}`);
  }
}
