// The kernels' thread pool: setNumThreads' checks, the same bits for 1, 2 and 3 threads
// (every product split, all layouts, both dtypes, block edges), the engine's matmul
// gradients under threads, and a script that trains on threads exits by itself.
//   m, n, k: C[m×n] = op(A)[m×k]·op(B)[k×n]

import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createRng, kernelStats, matmul, numThreads, randn, setNumThreads, useKernels } from "../src/index.js";
import { kernels } from "../src/extend.js";
import { wasmPool } from "../src/kernels/wasm/index.js";
import { split } from "../src/kernels/wasm/threads.js";
import { restoreThreadSettingsAfterAll } from "./thread-settings.js";

const initial = restoreThreadSettingsAfterAll();

async function useThreads(n: number): Promise<void> {
  setNumThreads(n);
  await wasmPool!.whenReady();
  expect(numThreads()).toBe(n);
  expect(wasmPool!.ready()).toBe(n);
}

/** The bits of a Float32Array or Float64Array, to compare with toEqual. */
function bits(x: Float32Array | Float64Array): Uint32Array {
  return new Uint32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
}

describe("setNumThreads", () => {
  it("rejects what is not a positive integer, naming the function and the value", () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, "2" as unknown as number]) {
      expect(() => setNumThreads(bad)).toThrow(RangeError);
      expect(() => setNumThreads(bad)).toThrow(/^setNumThreads: n must be a positive integer, got /);
    }
    expect(numThreads()).toBe(initial.threads);
  });

  it("defaults to UNROLL_THREADS or the machine's cores, on shared memory in Node", () => {
    expect(wasmPool!.limit).toBeGreaterThan(1);
    const env = process.env.UNROLL_THREADS;
    if (env) expect(initial.threads).toBe(Number(env));
  });
});

describe.runIf(wasmPool !== null && wasmPool.limit > 1)("threads give the same bits", () => {
  const SHAPES: [number, number, number][] = [
    [32, 128, 128], // an RNN step: split by columns
    [128, 128, 96], // dW: split by rows
    [7, 9, 300], // a depth beyond KC = 256, edge tiles in both directions
    [101, 3, 17], // few columns: rows
    [2, 61, 5], // few rows: columns
  ];

  it("for every layout, both dtypes, accumulate on and off, with 1, 2 and 3 threads", async () => {
    const workerParts0 = kernelStats().workerParts;
    useKernels("wasm");
    split.minWorkPerThread = 1;
    const rng = createRng("threads-gemm");
    for (const C of [Float32Array, Float64Array]) {
      for (const [m, n, k] of SHAPES) {
        for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
          for (const acc of [false, true]) {
            const random = (len: number) => C.from(Array.from({ length: len }, () => rng.random() - 0.5));
            const [a, b, c0] = [random(m * k + 3), random(k * n + 1), random(m * n + 2)];
            const results: Uint32Array[] = [];
            for (const threads of [1, 2, 3]) {
              await useThreads(threads);
              const c = c0.slice();
              kernels.gemm(ta, tb, m, n, k, a, 3, b, 1, c, 2, acc);
              results.push(bits(c));
            }
            const what = `${C.name} ${m}×${n}×${k} ta=${ta} tb=${tb} acc=${acc}`;
            expect(results[1], what).toEqual(results[0]);
            expect(results[2], what).toEqual(results[0]);
          }
        }
      }
    }
    // The workers ran parts (the caller takes a part only when its worker has not started it).
    expect(kernelStats().workerParts).toBeGreaterThan(workerParts0);
  });

  it("for the engine's matmul forward and backward", async () => {
    useKernels("wasm");
    split.minWorkPerThread = 1;
    const run = () => {
      const rng = createRng("threads-matmul");
      const a = randn([40, 70], { rng, dtype: "float32", requiresGrad: true });
      const b = randn([70, 33], { rng, dtype: "float32", requiresGrad: true });
      const y = matmul(a, b);
      y.mul(y).sum().backward();
      return [y.buffer, a.grad!.buffer, b.grad!.buffer].map((x) => bits(x as Float32Array));
    };
    await useThreads(1);
    const one = run();
    for (const threads of [2, 3]) {
      await useThreads(threads);
      expect(run()).toEqual(one);
    }
  });
});

describe.runIf(wasmPool !== null && wasmPool.limit > 1)("the pool", () => {
  it("does not keep Node alive: a script that trains on 2 threads exits by itself", () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..");
    const script = `
      import { matmul, numThreads, randn, setNumThreads } from "./src/index.js";
      import { wasmPool } from "./src/kernels/wasm/index.js";
      setNumThreads(2);
      await wasmPool.whenReady();
      const a = randn([256, 256], { dtype: "float32", requiresGrad: true });
      const y = matmul(a, a);
      y.sum().backward();
      console.log(numThreads(), wasmPool.ready(), a.grad.shape.join("x"));
    `;
    const t0 = Date.now();
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, timeout: 30_000, env: { ...process.env, UNROLL_THREADS: "" } });
    expect(out.toString().trim()).toBe("2 2 256x256");
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});

describe("the pool's claims", () => {
  it("isNewer orders sequence numbers across the int32 wrap, so a claim never moves back", async () => {
    const { isNewer } = await import("../src/kernels/wasm/threads.js");
    expect([isNewer(5, 4), isNewer(4, 5), isNewer(4, 4)]).toEqual([true, false, false]);
    expect([isNewer(-2147483648, 2147483647), isNewer(2147483647, -2147483648)]).toEqual([true, false]);
    expect([isNewer(1, 0), isNewer(0, -1), isNewer(-1, 0)]).toEqual([true, true, false]);
  });
});
