// Development micro-benchmark of the wasm kernels against the JavaScript ones (the
// project's benchmark is benchmarks/, `pnpm bench`). Variants run interleaved in one
// process, medians of many rounds.
//   npx tsx scripts/bench-kernels.ts [gflops|copy|small|rnn|softmax|all] [f32|f64]
// gflops: n×n×n GFLOP/s, wasm (with copies) / wasm kernel alone / JS / naive.
// copy:   what the copies in and out cost at RNN sizes (µs per call, share of the call).
// small:  wasm vs JS per call for tiny products (where MIN_WORK should sit).
// rnn:    one cell step's pointwise forward + backward (RNN, GRU, LSTM), JS against wasm.
// softmax: the softmax-cross-entropy forward, JS against wasm, ns per logit.

import { gemmJs, gemmNaive, type Gemm } from "../src/kernels/matmul.js";
import { kernels, useKernels } from "../src/kernels/index.js";
import * as cells from "../src/kernels/cells.js";
import type { CellBuffers } from "../src/kernels/cells.js";
import { softmaxXentForwardJs, type SoftmaxXentSpec } from "../src/kernels/softmax-xent.js";
import { makeSoftmaxXentWasm } from "../src/kernels/wasm/softmax-xent.js";
import { makeGemmWasm } from "../src/kernels/wasm/gemm.js";
import { wasmPool } from "../src/kernels/wasm/index.js";
import { align64, wasmHeap } from "../src/kernels/wasm/module.js";

if (wasmHeap === null) throw new Error("WebAssembly SIMD kernels unavailable");
const heap = wasmHeap;
const gemmWasm = makeGemmWasm(heap, wasmPool!);
const jsCells = {
  rnnTanhForward: cells.rnnTanhForwardJs, rnnTanhBackward: cells.rnnTanhBackwardJs,
  gruForward: cells.gruForwardJs, gruBackward: cells.gruBackwardJs,
  lstmForward: cells.lstmForwardJs, lstmBackward: cells.lstmBackwardJs,
};
type Arr = Float32Array | Float64Array;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function rand(Ctor: typeof Float32Array | typeof Float64Array, n: number): Arr {
  const x = new Ctor(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() - 0.5;
  return x;
}

interface Case {
  name: string;
  run: () => void;
}

/** Seconds per call of each case: rounds interleave the cases; each round repeats a case ~budget s. */
function timeCases(cases: Case[], rounds: number, budget: number, stat: (xs: number[]) => number = median): number[] {
  const reps = cases.map((c) => {
    c.run();
    let r = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < r; i++) c.run();
      const dt = (performance.now() - t0) / 1e3;
      if (dt > budget / 4) return Math.max(1, Math.round((r * budget) / dt));
      r *= 2;
    }
  });
  const times: number[][] = cases.map(() => []);
  for (let round = 0; round < rounds; round++) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      for (let q = 0; q < reps[i]; q++) c.run();
      times[i].push((performance.now() - t0) / 1e3 / reps[i]);
    });
  }
  return times.map(stat);
}

/** The wasm kernel alone, operands already in wasm memory (no copies). */
function kernelOnly(f32: boolean, ta: boolean, tb: boolean, m: number, n: number, k: number): () => void {
  const size = f32 ? 4 : 8;
  const pa = heap.data, pb = align64(pa + m * k * size), pc = align64(pb + k * n * size);
  heap.reserve(pc + m * n * size);
  const mem = f32 ? heap.f32 : heap.f64;
  for (let i = pa / size; i < (pc + m * n * size) / size; i++) mem[i] = Math.random() - 0.5;
  const fn = f32 ? heap.exports.sgemm : heap.exports.dgemm;
  return () => fn(ta, tb, m, n, k, pa, pb, pc, false, heap.work);
}

function product(g: Gemm, ta: boolean, tb: boolean, m: number, n: number, k: number, a: Arr, b: Arr, c: Arr, acc = false): () => void {
  return () => g(ta, tb, m, n, k, a, 0, b, 0, c, 0, acc);
}

function gflops(): void {
  console.log("n×n×n matmul, GFLOP/s: median of the rounds (best round in parentheses: the least disturbed by other processes)");
  console.log("dtype    n        wasm   wasm-kernel-only            js         naive   wasm/js");
  for (const f32 of dtypes) {
    const Ctor = f32 ? Float32Array : Float64Array;
    for (const n of [64, 128, 256, 512, 1024]) {
      const a = rand(Ctor, n * n), b = rand(Ctor, n * n), c = new Ctor(n * n);
      const cases: Case[] = [
        { name: "wasm", run: product(gemmWasm, false, false, n, n, n, a, b, c) },
        { name: "kernel", run: kernelOnly(f32, false, false, n, n, n) },
        { name: "js", run: product(gemmJs, false, false, n, n, n, a, b, c) },
      ];
      if (n <= 512) cases.push({ name: "naive", run: product(gemmNaive, false, false, n, n, n, a, b, c) });
      let best: number[] = [];
      // Short rounds (~5 ms, a scheduler time slice) so that some of them run undisturbed.
      const t = timeCases(cases, n >= 512 ? 21 : 41, n >= 1024 ? 0.05 : 0.005, (xs) => {
        best.push(Math.min(...xs));
        return median(xs);
      });
      const g = t.map((s) => (2 * n ** 3) / s / 1e9);
      const gb = best.map((s) => (2 * n ** 3) / s / 1e9);
      best = [];
      const f = (i: number) => (g[i] === undefined ? "-" : `${g[i].toFixed(1)} (${gb[i].toFixed(1)})`).padStart(13);
      console.log(`${f32 ? "float32" : "float64"} ${String(n).padStart(4)} ${f(0)} ${f(1)}      ${f(2)} ${f(3)} ${(g[0] / g[2]).toFixed(1).padStart(8)}x`);
    }
  }
}

// The products of one RNN step (W1: B 32, V 65, H 128; W2: B 64, H 512; W3: B 64, I 16, H 64),
// forward and backward, as (transA, transB, m, n, k).
const RNN: [string, boolean, boolean, number, number, number][] = [
  ["W1 x·Wihᵀ [32,65]·[128,65]ᵀ", false, true, 32, 128, 65],
  ["W1 h·Whhᵀ [32,128]·[128,128]ᵀ", false, true, 32, 128, 128],
  ["W1 dz·Whh [32,128]·[128,128]", false, false, 32, 128, 128],
  ["W1 dzᵀ·h [128,32]ᵀ·[32,128]", true, false, 128, 128, 32],
  ["W1 out h·Whoᵀ [32,128]·[65,128]ᵀ", false, true, 32, 65, 128],
  ["W1 x·Wih [32,65]·[65,128]", false, false, 32, 128, 65],
  ["W2 h·Whhᵀ [64,512]·[512,512]ᵀ", false, true, 64, 512, 512],
  ["W2 dzᵀ·h [512,64]ᵀ·[64,512]", true, false, 512, 512, 64],
  ["W3 h·Whhᵀ [64,64]·[64,64]ᵀ", false, true, 64, 64, 64],
  ["W3 x·Wihᵀ [64,16]·[64,16]ᵀ", false, true, 64, 64, 16],
];

function copy(): void {
  console.log("RNN-size products: µs per call (median); copy = full call - kernel alone");
  console.log("float32 / float64".padEnd(40) + "    js   wasm kernel   copy  copy%");
  for (const f32 of dtypes) {
    const Ctor = f32 ? Float32Array : Float64Array;
    for (const [name, ta, tb, m, n, k] of RNN) {
      const a = rand(Ctor, m * k), b = rand(Ctor, k * n), c = new Ctor(m * n);
      const t = timeCases(
        [
          { name: "js", run: product(gemmJs, ta, tb, m, n, k, a, b, c, true) },
          { name: "wasm", run: product(gemmWasm, ta, tb, m, n, k, a, b, c, true) },
          { name: "kernel", run: kernelOnly(f32, ta, tb, m, n, k) },
        ],
        21,
        0.02,
      ).map((s) => s * 1e6);
      const f = (x: number) => x.toFixed(1).padStart(6);
      console.log(`${(f32 ? "f32 " : "f64 ") + name}`.padEnd(40) + `${f(t[0])} ${f(t[1])} ${f(t[2])} ${f(t[1] - t[2])} ${f((100 * (t[1] - t[2])) / t[1])}%`);
    }
  }
}

function small(): void {
  console.log("tiny products, ns per call (median): wasm (bypassing MIN_WORK) vs JS");
  for (const f32 of dtypes) {
    const Ctor = f32 ? Float32Array : Float64Array;
    for (const s of [2, 4, 6, 8, 12, 16, 24, 32]) {
      const a = rand(Ctor, s * s), b = rand(Ctor, s * s), c = new Ctor(s * s);
      const size = f32 ? 4 : 8;
      const mem = () => (f32 ? heap.f32 : heap.f64);
      // The full wasm path without the JS fallback for small sizes: copies and the kernel.
      const direct = () => {
        const pa = heap.data, pb = align64(pa + s * s * size), pc = align64(pb + s * s * size);
        const v = mem();
        v.set(a, pa / size);
        v.set(b, pb / size);
        (f32 ? heap.exports.sgemm : heap.exports.dgemm)(false, true, s, s, s, pa, pb, pc, false, heap.work);
        c.set(v.subarray(pc / size, pc / size + s * s));
      };
      const t = timeCases([{ name: "wasm", run: direct }, { name: "js", run: product(gemmJs, false, true, s, s, s, a, b, c) }], 15, 0.01);
      console.log(`${f32 ? "f32" : "f64"} ${s}×${s}×${s} (${s ** 3} madds): wasm ${(t[0] * 1e9).toFixed(0)} ns, js ${(t[1] * 1e9).toFixed(0)} ns`);
    }
  }
}

function rnn(): void {
  console.log("one cell step's pointwise forward + backward (the gemms excluded), µs (median)");
  console.log("cell, B, H".padEnd(28) + "       js     wasm");
  const cells = { rnnTanh: [1, 0], gru: [3, 4], lstm: [4, 5] } as const;
  for (const f32 of dtypes) {
    const Ctor = f32 ? Float32Array : Float64Array;
    for (const [kind, [G, S]] of Object.entries(cells) as [keyof typeof cells, readonly [number, number]][]) {
      for (const [B, H] of [[32, 128], [64, 512], [64, 64]]) {
        const n = B * H;
        const s: CellBuffers = {
          batch: B, hidden: H, gx: rand(Ctor, G * n), gh: rand(Ctor, G * n), bHh: rand(Ctor, G * H), h: rand(Ctor, 2 * n),
          c: rand(Ctor, 2 * n), saved: new Ctor(S * n), dgh: new Ctor(G * n), dh: rand(Ctor, n), dc: rand(Ctor, n), dhOut: rand(Ctor, 2 * n), dcOut: rand(Ctor, 2 * n),
        };
        const step = (k: "js" | "wasm") => () => {
          const set = k === "js" ? jsCells : kernels;
          set[`${kind}Forward`](s, 0, 0, 1);
          set[`${kind}Backward`](s, 0, 0, 1);
        };
        useKernels("wasm");
        const t = timeCases([{ name: "js", run: step("js") }, { name: "wasm", run: step("wasm") }], 21, 0.03);
        const f = (x: number) => (x * 1e6).toFixed(1).padStart(9);
        console.log(`${f32 ? "f32" : "f64"} ${kind} B${B} H${H}`.padEnd(28) + `${f(t[0])}${f(t[1])}`);
      }
    }
  }
}

function softmax(): void {
  console.log("softmax-cross-entropy forward (class targets, saved for backward), µs per call (median)");
  const forwardWasm = makeSoftmaxXentWasm(heap, softmaxXentForwardJs);
  for (const f32 of dtypes) {
    const Ctor = f32 ? Float32Array : Float64Array;
    for (const [n, c] of [[32, 65], [800, 65], [3200, 65], [64, 2]]) {
      const x = rand(Ctor, n * c).map((v) => v * 6);
      const s: SoftmaxXentSpec = { rows: n, classes: c, target: Int32Array.from({ length: n }, (_, i) => i % c), soft: null, weight: null, rowWeight: null, labelSmoothing: 0 };
      const saved = { exps: new Ctor(n * c), rowMax: new Float64Array(n), rowSum: new Float64Array(n) };
      const loss = new Ctor(n);
      const t = timeCases([{ name: "js", run: () => softmaxXentForwardJs(loss, saved, x, s) }, { name: "wasm", run: () => forwardWasm(loss, saved, x, s) }], 21, 0.02);
      const f = (v: number) => `${(v * 1e6).toFixed(1).padStart(8)} µs (${((v * 1e9) / (n * c)).toFixed(2)} ns/logit)`;
      console.log(`${f32 ? "f32" : "f64"} N${n} C${c}`.padEnd(16) + ` js ${f(t[0])}  wasm ${f(t[1])}`);
    }
  }
}

const what = process.argv[2] ?? "all";
/** An optional second argument, f32 or f64, runs one dtype: the JS kernels get slower when one process calls them with both. */
const dtypes = process.argv[3] === "f32" ? [true] : process.argv[3] === "f64" ? [false] : [true, false];
if (what === "gflops" || what === "all") gflops();
if (what === "copy" || what === "all") copy();
if (what === "small" || what === "all") small();
if (what === "rnn" || what === "all") rnn();
if (what === "softmax" || what === "all") softmax();
