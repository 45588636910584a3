// Per-step waste and per-op overhead (issue 6): the typed arrays one steady-state training
// step allocates, counted and sized, and µs per op on tiny tensors ([2] and [4,4]), where
// only the fixed cost remains.
//
// Shapes: B batch, T time, I input, H hidden, C classes.

import { Adam, add, clipGradNorm, matmul, mul, SGD, sum, tanh, tensor, type FloatDtype, type Optimizer, type Tensor } from "@unroll/autograd";
import { crossEntropy, sequenceCrossEntropy } from "@unroll/losses";
import { Linear, RNN } from "@unroll/rnn";
import { makeProblem, workloads, type Workload } from "./rnn/problem.js";
import { fmtNum, printTable, timeInterleaved, type Case, type SuiteOptions } from "./timing.js";

// The step: RNN + Linear + loss + clipGradNorm + SGD or Adam, after warm-up steps. A
// buffer of 128 KiB or more is "large": glibc hands it out with mmap, so every fresh one
// page-faults on first touch (filling a fresh 1 MiB Float32Array measured 0.72 ms here,
// against 0.04 ms for one reused). Allocations are counted by swapping the global
// typed-array constructors for counting proxies (and wrapping slice/map/filter, which
// allocate through the species) for the duration of the counted steps only, so every
// allocation counts, whichever package makes it. UNROLL_ALLOC_SITES=1 also prints the
// call sites that allocate the most.

const LARGE = 128 * 1024;

interface Tally {
  count: number;
  bytes: number;
  largeCount: number;
  largeBytes: number;
  sites: Map<string, { count: number; bytes: number }>;
}

const CONSTRUCTORS = [
  "Float64Array",
  "Float32Array",
  "Int32Array",
  "Uint32Array",
  "Int16Array",
  "Uint16Array",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "ArrayBuffer",
] as const;

/** The first two stack frames outside this file and node internals: who allocated, and its caller. */
function site(): string {
  const lines = (new Error().stack ?? "").split("\n").slice(1);
  const frames = lines.filter((l) => !l.includes("overhead.ts") && !l.includes("node:") && !l.includes("<anonymous>"));
  const short = (l: string | undefined): string => (l ?? "?").trim().replace(/^at /, "").replace(/\(.*\/(packages|benchmarks)\//, "($1/");
  return `${short(frames[0])} < ${short(frames[1])}`;
}

/** Run `fn` with every typed-array allocation counted into a fresh tally. */
function countAllocations(fn: () => void, withSites: boolean): Tally {
  const tally: Tally = { count: 0, bytes: 0, largeCount: 0, largeBytes: 0, sites: new Map() };
  const note = (bytes: number): void => {
    tally.count++;
    tally.bytes += bytes;
    if (bytes >= LARGE) {
      tally.largeCount++;
      tally.largeBytes += bytes;
    }
    if (withSites) {
      const s = site();
      const e = tally.sites.get(s) ?? { count: 0, bytes: 0 };
      e.count++;
      e.bytes += bytes;
      tally.sites.set(s, e);
    }
  };
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = CONSTRUCTORS.map((name) => g[name]);
  const proto = Object.getPrototypeOf(Int8Array.prototype) as Record<string, (...args: unknown[]) => ArrayBufferView>;
  const methods = ["slice", "map", "filter"];
  const savedMethods = methods.map((m) => proto[m]);
  CONSTRUCTORS.forEach((name, i) => {
    const target = saved[i] as new (...args: unknown[]) => object;
    g[name] = new Proxy(target, {
      construct(t, args, newTarget) {
        // A view over an existing buffer allocates nothing.
        const obj = Reflect.construct(t, args, newTarget === g[name] ? t : newTarget) as ArrayBufferView | ArrayBuffer;
        if (!(args[0] instanceof (saved[CONSTRUCTORS.indexOf("ArrayBuffer")] as typeof ArrayBuffer))) note(obj.byteLength);
        return obj;
      },
    });
  });
  methods.forEach((m, i) => {
    const original = savedMethods[i];
    proto[m] = function (this: ArrayBufferView, ...args: unknown[]) {
      const out = original.apply(this, args);
      note(out.byteLength);
      return out;
    };
  });
  try {
    fn();
  } finally {
    CONSTRUCTORS.forEach((name, i) => (g[name] = saved[i]));
    methods.forEach((m, i) => (proto[m] = savedMethods[i]));
  }
  return tally;
}

type OptimizerKind = "SGD" | "Adam";

/**
 * One training step as a user writes it: forward, loss, backward, clip, update. With
 * `setToNone` (PyTorch's default) zeroGrad drops the gradients, so each step's .grad
 * tensors are new buffers by definition; without it they are zeroed in place.
 */
function makeTrainer(w: Workload, dtype: FloatDtype, optimizer: OptimizerKind, setToNone: boolean): () => number {
  const p = makeProblem(w);
  const { B, T, I, H, C, kind, lr } = w;
  const rnn = new RNN(I, H, { dtype });
  const head = new Linear(H, C, { dtype });
  const params = [...rnn.parameters(), ...head.parameters()];
  const opt: Optimizer = optimizer === "SGD" ? new SGD(params, { lr }) : new Adam(params, { lr: 1e-3 });
  const x = tensor(p.x, { dtype, shape: [B, T, I] });
  const y = tensor(p.y, { dtype: "int32", shape: kind === "lm" ? [B, T] : [B] });
  return () => {
    opt.zeroGrad({ setToNone });
    const { output, hN } = rnn.forward(x);
    const loss = kind === "lm" ? sequenceCrossEntropy(head.forward(output), y) : crossEntropy(head.forward(hN.select(0, 0)), y);
    loss.backward();
    clipGradNorm(params, 5);
    opt.step();
    return loss.item();
  };
}

function fmtBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

function allocationTable(opts: SuiteOptions): void {
  const withSites = process.env.UNROLL_ALLOC_SITES === "1";
  const rows: string[][] = [];
  const siteReports: string[] = [];
  const variants: [OptimizerKind, boolean][] = [
    ["SGD", true],
    ["Adam", true],
    ["SGD", false],
  ];
  for (const w of workloads.filter((v) => v.cell === "rnn")) {
    for (const [optimizer, setToNone] of variants) {
      for (const dtype of ["float32", "float64"] as FloatDtype[]) {
        if (opts.quick && dtype === "float64") continue;
        const step = makeTrainer(w, dtype, optimizer, setToNone);
        for (let i = 0; i < 3; i++) step();
        const first = countAllocations(step, false);
        const t = countAllocations(step, withSites);
        const name = `${w.name} ${optimizer} ${dtype}${setToNone ? "" : ", grads zeroed in place"}`;
        rows.push([
          name,
          String(t.count),
          fmtBytes(t.bytes),
          String(t.largeCount),
          fmtBytes(t.largeBytes),
          first.largeCount === t.largeCount ? "same" : `${first.largeCount} → ${t.largeCount}`,
        ]);
        if (withSites) {
          const top = [...t.sites].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 12);
          siteReports.push(`${name}:\n` + top.map(([s, e]) => `  ${fmtBytes(e.bytes).padStart(10)} ${String(e.count).padStart(5)}x  ${s}`).join("\n"));
        }
      }
    }
  }
  console.log("### Typed arrays allocated per training step (after 3 warm-up steps)\n");
  console.log(
    "RNN + Linear + sequenceCrossEntropy (W1, W2) / crossEntropy (W3) + clipGradNorm + optimizer, " +
      "zeroGrad() (set to none) unless noted; large = at least 128 KiB.\n",
  );
  printTable(["step", "allocations", "bytes", "large", "large bytes", "steps 4 vs 5"], rows);
  if (withSites) console.log("```\n" + siteReports.join("\n\n") + "\n```\n");
}

interface OpCase {
  name: string;
  make: (shape: number[], grad: boolean) => () => unknown;
}

/** A packed float32 tensor of `shape` with values in (-1, 1). */
function small(shape: number[], grad: boolean, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(seed * 7 + i) * 0.9;
  return tensor(v, { shape, requiresGrad: grad });
}

function binary(op: (a: Tensor, b: Tensor) => Tensor, shape: number[], grad: boolean): () => Tensor {
  const a = small(shape, grad, 1);
  const b = small(shape, grad, 2);
  return () => op(a, b);
}

function unaryCase(op: (a: Tensor) => Tensor, shape: number[], grad: boolean): () => Tensor {
  const a = small(shape, grad, 1);
  return () => op(a);
}

const OPS: OpCase[] = [
  { name: "add", make: (s, g) => binary(add, s, g) },
  { name: "mul", make: (s, g) => binary(mul, s, g) },
  { name: "tanh", make: (s, g) => unaryCase(tanh, s, g) },
  {
    name: "matmul",
    make: (s, g) => {
      // [2] becomes [1,2]·[2,2]; [4,4] is [4,4]·[4,4]
      const a = small(s.length === 1 ? [1, s[0]] : s, g, 1);
      const b = small([a.shape[1], a.shape[1]], g, 2);
      return () => matmul(a, b);
    },
  },
  { name: "sum", make: (s, g) => unaryCase((a) => sum(a), s, g) },
  {
    name: "(a·b + c).sum() fwd+bwd",
    make: (s) => {
      const a = small(s, true, 1);
      const b = small(s, true, 2);
      const c = small(s, true, 3);
      return () => {
        a.grad = b.grad = c.grad = null;
        a.mul(b).add(c).sum().backward();
      };
    },
  },
];

function perOpTable(opts: SuiteOptions): void {
  const shapes = [[2], [4, 4]];
  const cases: Case[] = [];
  const keys: string[] = [];
  for (const op of OPS) {
    for (const shape of shapes) {
      for (const grad of [false, true]) {
        if (op.name.includes("bwd") && !grad) continue;
        const fn = op.make(shape, grad);
        cases.push({ name: `${op.name} ${JSON.stringify(shape)} ${grad}`, fn });
        keys.push(`${op.name}|${JSON.stringify(shape)}|${grad}`);
      }
    }
  }
  const timings = timeInterleaved(cases, {
    warmupMs: opts.quick ? 50 : 200,
    budgetMs: opts.quick ? 150 : 600,
    minRounds: 5,
    maxRounds: opts.quick ? 15 : 41,
    minSampleMs: 2,
  });
  const us = new Map(keys.map((k, i) => [k, timings[i].ms * 1000]));
  const cell = (k: string): string => (us.has(k) ? fmtNum(us.get(k) as number) : "–");
  console.log("### µs per op on tiny float32 tensors\n");
  console.log("\"graph\": the inputs require grad, so the op records a node; the fwd+bwd row times one whole forward and backward.\n");
  printTable(
    ["op", "[2]", "[2] graph", "[4,4]", "[4,4] graph"],
    OPS.map((op) => [op.name, cell(`${op.name}|[2]|false`), cell(`${op.name}|[2]|true`), cell(`${op.name}|[4,4]|false`), cell(`${op.name}|[4,4]|true`)]),
  );
}

export async function run(opts: SuiteOptions): Promise<void> {
  // Timings first: swapping the global constructors, even once, leaves V8's lookups of
  // them slower for the rest of the process.
  perOpTable(opts);
  allocationTable(opts);
}
