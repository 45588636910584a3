// Kernel speed: matmul GFLOP/s (the installed kernels.gemm, the JavaScript gemmJs, the
// naive triple loop, TF.js wasm), elementwise throughput, and the fixed cost of one op
// on a tiny tensor.

import { add, createRng, exp, kernelsInUse, matmul, mul, tanh, tensor, type FloatArray, type FloatDtype, type Tensor } from "@unroll/autograd";
import { kernels } from "@unroll/autograd/extend";
// The JavaScript kernels are internal to the engine; the benchmark reads them from source.
import { gemmJs, gemmNaive } from "../../packages/autograd/src/kernels/matmul.js";
import { initTf, tf, useTfBackend } from "./tfjs.js";
import { fmtNum, fmtRatio, printTable, timeInterleaved, type Case, type SuiteOptions, type TimingOptions } from "./timing.js";

const rng = createRng(2);

function randomArray(dtype: FloatDtype, size: number): FloatArray {
  const out = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.random() * 2 - 1;
  return out;
}

function randomTensor(dtype: FloatDtype, shape: number[], requiresGrad = false): Tensor {
  return tensor(randomArray(dtype, shape.reduce((a, b) => a * b, 1)), { dtype, shape, requiresGrad });
}

export async function run(opts: SuiteOptions): Promise<void> {
  await initTf();
  const sizes = opts.quick ? [64, 256, 512] : [64, 128, 256, 512, 1024];
  const timing: TimingOptions = opts.quick
    ? { warmupMs: 50, budgetMs: 150, minRounds: 3, maxRounds: 15 }
    : { warmupMs: 200, budgetMs: 800, minRounds: 5, maxRounds: 41 };
  console.log(`kernels.gemm is the ${kernelsInUse()} kernel. GFLOP/s = 2·n³ / time of C = A·B (n×n, row-major), median.\n`);
  for (const dtype of ["float32", "float64"] as const) gemmTable(dtype, sizes, timing);
  layoutTable(256, timing);
  elementwiseTable(opts.quick ? 1e5 : 1e6, timing);
  tinyOpTable(timing);
}

function gemmTable(dtype: FloatDtype, sizes: readonly number[], timing: TimingOptions): void {
  const rows: string[][] = [];
  for (const n of sizes) {
    const a = randomArray(dtype, n * n);
    const b = randomArray(dtype, n * n);
    const c = randomArray(dtype, n * n);
    const cases: Case[] = [
      { name: "kernels.gemm", fn: () => kernels.gemm(false, false, n, n, n, a, 0, b, 0, c, 0, false) },
      { name: "gemmJs", fn: () => gemmJs(false, false, n, n, n, a, 0, b, 0, c, 0, false) },
      {
        name: "gemmNaive",
        fn: () => gemmNaive(false, false, n, n, n, a, 0, b, 0, c, 0, false),
        // Seconds per call at n = 1024: a few samples say enough.
        maxRounds: n >= 1024 ? 3 : undefined,
      },
    ];
    const A = tensor(a, { dtype, shape: [n, n] });
    const B = tensor(b, { dtype, shape: [n, n] });
    cases.push({ name: "matmul()", fn: () => void matmul(A, B) });
    if (dtype === "float32") {
      useTfBackend("wasm");
      const ta = tf.tensor2d(a as Float32Array, [n, n], "float32");
      const tb = tf.tensor2d(b as Float32Array, [n, n], "float32");
      cases.push({ name: "tf wasm", before: () => useTfBackend("wasm"), fn: () => tf.matMul(ta, tb).dispose() });
    }
    const t = new Map(timeInterleaved(cases, timing).map((r) => [r.name, r.ms]));
    const gf = (name: string): number => (t.has(name) ? (2 * n ** 3) / (t.get(name)! * 1e6) : NaN);
    const cell = (name: string): string => (t.has(name) ? fmtNum(gf(name)) : "—");
    const ratio = (x: string, y: string): string => (t.has(x) && t.has(y) ? fmtRatio(gf(x) / gf(y)) : "—");
    rows.push([
      String(n),
      cell("kernels.gemm"),
      cell("gemmJs"),
      cell("gemmNaive"),
      cell("matmul()"),
      cell("tf wasm"),
      ratio("kernels.gemm", "gemmNaive"),
      ratio("kernels.gemm", "tf wasm"),
    ]);
  }
  console.log(`### matmul ${dtype}, GFLOP/s\n`);
  printTable(["n", `kernels.gemm (${kernelsInUse()})`, "gemmJs", "gemmNaive", "matmul() op", "TF.js wasm", "gemm / naive", "gemm / TF.js"], rows);
}

/** The three layouts an RNN's forward and backward use, at one size. */
function layoutTable(n: number, timing: TimingOptions): void {
  const rows: string[][] = [];
  for (const dtype of ["float32", "float64"] as const) {
    const a = randomArray(dtype, n * n);
    const b = randomArray(dtype, n * n);
    const c = randomArray(dtype, n * n);
    const layouts = [
      ["A·B", false, false],
      ["A·Bᵀ", false, true],
      ["Aᵀ·B", true, false],
    ] as const;
    const cases: Case[] = [];
    for (const [label, ta, tb] of layouts) {
      cases.push({ name: `kernels.gemm ${label}`, fn: () => kernels.gemm(ta, tb, n, n, n, a, 0, b, 0, c, 0, true) });
      cases.push({ name: `gemmJs ${label}`, fn: () => gemmJs(ta, tb, n, n, n, a, 0, b, 0, c, 0, true) });
    }
    const t = new Map(timeInterleaved(cases, timing).map((r) => [r.name, r.ms]));
    for (const [label] of layouts) {
      const gf = (name: string): string => fmtNum((2 * n ** 3) / (t.get(name)! * 1e6));
      rows.push([`${dtype} ${label}`, gf(`kernels.gemm ${label}`), gf(`gemmJs ${label}`)]);
    }
  }
  console.log(`### matmul layouts at n = ${n} (accumulating into C), GFLOP/s\n`);
  printTable(["layout", `kernels.gemm (${kernelsInUse()})`, "gemmJs"], rows);
}

function elementwiseTable(size: number, timing: TimingOptions): void {
  const ops: [string, (a: Tensor, b: Tensor) => Tensor, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["add", (a, b) => add(a, b), (a, b) => tf.add(a, b)],
    ["mul", (a, b) => mul(a, b), (a, b) => tf.mul(a, b)],
    ["tanh", (a) => tanh(a), (a) => tf.tanh(a)],
    ["exp", (a) => exp(a), (a) => tf.exp(a)],
  ];
  const x64 = randomTensor("float64", [size]);
  const y64 = randomTensor("float64", [size]);
  const x32 = randomTensor("float32", [size]);
  const y32 = randomTensor("float32", [size]);
  useTfBackend("wasm");
  const tx = tf.tensor1d(x32.toTypedArray() as Float32Array);
  const ty = tf.tensor1d(y32.toTypedArray() as Float32Array);
  const cases: Case[] = [];
  for (const [name, op, tfOp] of ops) {
    cases.push({ name: `${name} f64`, fn: () => void op(x64, y64) });
    cases.push({ name: `${name} f32`, fn: () => void op(x32, y32) });
    cases.push({ name: `${name} tf`, before: () => useTfBackend("wasm"), fn: () => tfOp(tx, ty).dispose() });
  }
  const t = new Map(timeInterleaved(cases, timing).map((r) => [r.name, r.ms]));
  const rate = (name: string): string => fmtNum(size / (t.get(name)! * 1e3));
  const rows = ops.map(([name]) => [name, rate(`${name} f64`), rate(`${name} f32`), rate(`${name} tf`)]);
  console.log(`### elementwise on ${size.toLocaleString("en-US")} elements, million elements/s (output allocated per call)\n`);
  printTable(["op", "unroll float64", "unroll float32", "TF.js wasm float32"], rows);
}

/** The fixed cost of an op: dispatch, checks, allocation and (with grad) recording a node. */
function tinyOpTable(timing: TimingOptions): void {
  const a = randomTensor("float32", [2]);
  const b = randomTensor("float32", [2]);
  const ag = randomTensor("float32", [2], true);
  const m = randomTensor("float32", [2, 2]);
  useTfBackend("wasm");
  const wa = tf.tensor1d([0.5, -0.25]);
  const wm = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  useTfBackend("cpu");
  const ca = tf.tensor1d([0.5, -0.25]);
  const cm = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const rows: [string, Case, Case | null, Case | null][] = [
    [
      "add [2] + [2]",
      { name: "add", fn: () => void add(a, b) },
      { name: "tf wasm add", before: () => useTfBackend("wasm"), fn: () => tf.add(wa, wa).dispose() },
      { name: "tf cpu add", before: () => useTfBackend("cpu"), fn: () => tf.add(ca, ca).dispose() },
    ],
    ["add [2] + [2], recording a graph node", { name: "add grad", fn: () => void add(ag, b) }, null, null],
    [
      "tanh [2]",
      { name: "tanh", fn: () => void tanh(a) },
      { name: "tf wasm tanh", before: () => useTfBackend("wasm"), fn: () => tf.tanh(wa).dispose() },
      { name: "tf cpu tanh", before: () => useTfBackend("cpu"), fn: () => tf.tanh(ca).dispose() },
    ],
    [
      "matmul [2,2] · [2,2]",
      { name: "matmul", fn: () => void matmul(m, m) },
      { name: "tf wasm matmul", before: () => useTfBackend("wasm"), fn: () => tf.matMul(wm, wm).dispose() },
      { name: "tf cpu matmul", before: () => useTfBackend("cpu"), fn: () => tf.matMul(cm, cm).dispose() },
    ],
    [
      "(a·b).sum() forward + backward",
      {
        name: "fwd+bwd",
        fn: () => {
          ag.grad = null;
          mul(ag, b).sum().backward();
        },
      },
      null,
      null,
    ],
  ];
  const cases = rows.flatMap(([, ...cs]) => cs.filter((c): c is Case => c !== null));
  const t = new Map(timeInterleaved(cases, { ...timing, minSampleMs: 2 }).map((r) => [r.name, r.ms]));
  const us = (c: Case | null): string => (c ? fmtNum(t.get(c.name)! * 1e3) : "—");
  console.log("### per-op overhead on tiny float32 tensors, µs per op\n");
  printTable(
    ["op", "unroll", "TF.js wasm", "TF.js cpu"],
    rows.map(([label, u, w, c]) => [label, us(u), us(w), us(c)]),
  );
}
