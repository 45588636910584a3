// sequenceCrossEntropy forward + backward: the fused softmax-cross-entropy kernel
// against the same loss composed of the engine's generic ops (logSoftmax, gather, neg,
// mul, sum, div), in the same run. Medians of interleaved repetitions after a warm-up.
//   B batch, T time, C classes: logits [B, T, C], target int32 [B, T]

import { createRng, randn, tensor, type FloatDtype, type Tensor } from "@unroll/autograd";
import { sequenceCrossEntropy } from "@unroll/losses";
import { fmtNum, fmtRatio, printTable, timeInterleaved, type SuiteOptions } from "./timing.js";

const SHAPES: [number, number, number][] = [
  [32, 25, 65],
  [64, 50, 65],
];
const DTYPES: FloatDtype[] = ["float32", "float64"];

/**
 * The same loss from generic ops: per-step -log softmax(x)[y] times a mask of counted
 * steps, summed over time, averaged over the examples that count.
 */
function composite(logits: Tensor, index: Tensor, mask: Tensor, countedExamples: number): Tensor {
  const [batch, steps] = logits.shape;
  const picked = logits.logSoftmax(2).gather(2, index).reshape([batch, steps]);
  return picked.neg().mul(mask).sum(1).sum().div(countedExamples);
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-6));
  return worst;
}

/**
 * Medians of process CPU time per call (user + system, so GC threads count), the cases
 * interleaved. With many processes sharing two cores, wall-clock samples of a few ms
 * include time spent descheduled; CPU time does not.
 */
function cpuMedians(fns: (() => unknown)[], rounds: number): number[] {
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, i) => {
      const start = process.cpuUsage();
      fn();
      const d = process.cpuUsage(start);
      samples[i].push((d.user + d.system) / 1000);
    });
  }
  return samples.map((xs) => {
    const s = xs.sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  });
}

/** One forward + backward from fresh gradients. */
function step(logits: Tensor, loss: () => Tensor): number {
  logits.grad = null;
  const l = loss();
  l.backward();
  return l.item();
}

export async function run(opts: SuiteOptions = { quick: false, peers: null }): Promise<void> {
  console.log("sequenceCrossEntropy forward + backward (timeReduction sum, batchReduction mean): median wall-clock ms per call, then median process CPU ms per call\n");
  const rows: string[][] = [];
  for (const [batch, steps, classes] of SHAPES) {
    for (const dtype of DTYPES) {
      const rng = createRng(42);
      const logits = randn([batch, steps, classes], { rng, dtype, requiresGrad: true });
      const target = Int32Array.from({ length: batch * steps }, () => rng.int(classes));
      const index = tensor(target, { shape: [batch, steps, 1], dtype: "int32" });
      const mask = tensor(new Float64Array(batch * steps).fill(1), { shape: [batch, steps], dtype });
      const fused = (): Tensor => sequenceCrossEntropy(logits, target);
      const generic = (): Tensor => composite(logits, index, mask, batch);

      // Both compute the same loss and gradient before anything is timed.
      const fusedLoss = step(logits, fused);
      const fusedGrad = logits.grad!.toTypedArray();
      const genericLoss = step(logits, generic);
      const tol = dtype === "float64" ? 1e-10 : 1e-4;
      const gradDiff = maxRelDiff(fusedGrad, logits.grad!.toTypedArray());
      if (Math.abs(fusedLoss - genericLoss) > tol * Math.abs(genericLoss) || gradDiff > tol) {
        throw new Error(`losses: fused and generic disagree (loss ${fusedLoss} vs ${genericLoss}, grad rel diff ${gradDiff})`);
      }

      const [f, g] = timeInterleaved(
        [
          { name: "fused", fn: () => step(logits, fused) },
          { name: "generic", fn: () => step(logits, generic) },
        ],
        opts.quick ? { warmupMs: 100, budgetMs: 300, minRounds: 5, maxRounds: 30 } : { warmupMs: 500, budgetMs: 3000, minRounds: 30, maxRounds: 400 },
      );
      const [fc, gc] = cpuMedians([() => step(logits, fused), () => step(logits, generic)], opts.quick ? 20 : Math.max(30, Math.min(300, Math.round(3000 / g.ms))));
      rows.push([
        `[${batch},${steps},${classes}]`,
        dtype,
        fmtNum(f.ms),
        fmtNum(g.ms),
        fmtRatio(g.ms / f.ms),
        `${Math.round(100 * Math.max(f.spread, g.spread))}%`,
        fmtNum(fc),
        fmtNum(gc),
        fmtRatio(gc / fc),
      ]);
    }
  }
  printTable(["logits [B,T,C]", "dtype", "fused ms", "generic ops ms", "speed-up", "spread (IQR)", "fused CPU ms", "generic CPU ms", "CPU speed-up"], rows);
}
