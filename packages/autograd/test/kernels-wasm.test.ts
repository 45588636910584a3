// The WebAssembly SIMD gemm against the JavaScript one and the textbook triple loop: every
// layout, accumulate on and off, offsets, odd sizes around the micro-kernel (5×8 f32,
// 5×4 f64) and the cache blocks (KC 256, MC 100/50), float32 and float64. Then the
// switch between kernel sets, and the engine's matmul gradients under both.

import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createRng, gradcheck, kernelsInUse, tensor, useKernels, type Rng, type Tensor } from "../src/index.js";
import { kernels } from "../src/extend.js";
import { gemmJs, gemmNaive, type Gemm } from "../src/kernels/matmul.js";
import { makeGemmWasm } from "../src/kernels/wasm/gemm.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";
import { wasmPool } from "../src/kernels/wasm/index.js";

type Ctor = typeof Float32Array | typeof Float64Array;
type Arr = Float32Array | Float64Array;

if (wasmHeap === null) throw new Error("these tests need WebAssembly SIMD (Node 20 has it)");
const heap = wasmHeap;
/** The wasm path for every size (the exported gemm sends tiny products to JavaScript). */
const gemmWasmAll = makeGemmWasm(heap, wasmPool!, 0);

function rand(C: Ctor, n: number, rng: Rng): Arr {
  const x = new C(n);
  for (let i = 0; i < n; i++) x[i] = rng.random() * 2 - 1;
  return x;
}

interface Problem {
  C: Ctor;
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  acc: boolean;
  /** Offsets of A, B and C inside their buffers; the buffers also have a tail past the operand. */
  off: [number, number, number];
}

/** Run `g` on a fresh copy of the problem's buffers (same seed, same data); return C's whole buffer. */
function run(g: Gemm, p: Problem, seed: number): { c: Arr; a: Arr; b: Arr; a0: Arr; b0: Arr } {
  const rng = createRng(seed);
  const [ao, bo, co] = p.off;
  const a = rand(p.C, ao + p.m * p.k + 3, rng);
  const b = rand(p.C, bo + p.k * p.n + 3, rng);
  const c = rand(p.C, co + p.m * p.n + 3, rng);
  const a0 = a.slice();
  const b0 = b.slice();
  g(p.ta, p.tb, p.m, p.n, p.k, a, ao, b, bo, c, co, p.acc);
  return { c, a, b, a0, b0 };
}

/**
 * Error bound of a float sum of k products: |ĉ - c| <= γ_k Σ_p |a_ip b_pj| + (accumulate)
 * with γ_k ≈ k·u, u the unit roundoff. Wrong indices give errors of the order of the
 * values themselves, far above it.
 */
function bound(p: Problem, a: Arr, b: Arr, i: number, j: number): number {
  const u = p.C === Float32Array ? 2 ** -24 : 2 ** -53;
  const [ao, bo] = p.off;
  let s = 0;
  for (let q = 0; q < p.k; q++) {
    const x = p.ta ? a[ao + q * p.m + i] : a[ao + i * p.k + q];
    const y = p.tb ? b[bo + j * p.k + q] : b[bo + q * p.n + j];
    s += Math.abs(x * y);
  }
  return 2 * (p.k + 2) * u * (s + 1) + 1e-300;
}

function name(p: Problem): string {
  const op = `${p.ta ? "Aᵀ" : "A"}·${p.tb ? "Bᵀ" : "B"}`;
  return `${p.C === Float32Array ? "f32" : "f64"} ${op} m${p.m} n${p.n} k${p.k}${p.acc ? " +=" : ""} off ${p.off.join(",")}`;
}

function same(x: Arr, y: Arr): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return x.length === y.length;
}

/** wasm and JS agree with the naive loop within the rounding bound; nothing outside C changes. */
function check(p: Problem, seed: number, wasm: Gemm = gemmWasmAll): void {
  const ref = run(gemmNaive, p, seed);
  const [, , co] = p.off;
  for (const [label, g] of [["wasm", wasm], ["js", gemmJs]] as const) {
    const got = run(g, p, seed);
    if (!same(got.a, got.a0)) throw new Error(`${name(p)} ${label}: A changed`);
    if (!same(got.b, got.b0)) throw new Error(`${name(p)} ${label}: B changed`);
    for (let x = 0; x < got.c.length; x++) {
      const inside = x >= co && x < co + p.m * p.n;
      if (!inside) {
        if (got.c[x] !== ref.c[x]) throw new Error(`${name(p)} ${label}: wrote C[${x}] outside the output`);
        continue;
      }
      const i = Math.floor((x - co) / p.n);
      const j = (x - co) % p.n;
      const err = Math.abs(got.c[x] - ref.c[x]);
      const tol = bound(p, got.a, got.b, i, j);
      if (!(err <= tol)) throw new Error(`${name(p)} ${label}: C[${i},${j}] = ${got.c[x]}, expected ${ref.c[x]} (error ${err} > ${tol})`);
    }
  }
}

const LAYOUTS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const DTYPES: Ctor[] = [Float32Array, Float64Array];

describe("wasm gemm against JS and the naive loop", () => {
  it("odd sizes around the micro-kernel, all layouts, accumulate on and off", () => {
    const sizes = [1, 3, 4, 5, 8, 17, 65];
    let seed = 1;
    for (const C of DTYPES) {
      for (const [ta, tb] of LAYOUTS) {
        for (const m of sizes) {
          for (const n of sizes) {
            const k = sizes[(m * 7 + n * 3) % sizes.length];
            for (const acc of [false, true]) check({ C, ta, tb, m, n, k, acc, off: [seed % 5, seed % 3, seed % 7] }, seed++);
          }
        }
      }
    }
  });

  it("sizes past the cache blocks (k > 256, m > 100, n not a multiple of 8)", () => {
    let seed = 100;
    for (const C of DTYPES) {
      for (const [ta, tb] of LAYOUTS) {
        for (const [m, n, k] of [
          [129, 65, 17],
          [17, 129, 300],
          [101, 3, 513],
          [1, 129, 129],
          [129, 1, 257],
        ]) {
          check({ C, ta, tb, m, n, k, acc: seed % 2 === 0, off: [1, 2, 3] }, seed++);
        }
      }
    }
  });

  it("random shapes and offsets", () => {
    const rng = createRng(5);
    for (let t = 0; t < 60; t++) {
      const dim = () => 1 + rng.int(rng.random() < 0.5 ? 12 : 140);
      const [ta, tb] = LAYOUTS[rng.int(4)];
      check({ C: DTYPES[t % 2], ta, tb, m: dim(), n: dim(), k: dim(), acc: rng.random() < 0.5, off: [rng.int(9), rng.int(9), rng.int(9)] }, 1000 + t);
    }
  });

  it("k = 0 gives zeros, or leaves C as it was when accumulating; m = 0 and n = 0 write nothing", () => {
    for (const C of DTYPES) {
      for (const acc of [false, true]) {
        check({ C, ta: false, tb: false, m: 3, n: 9, k: 0, acc, off: [0, 0, 2] }, 7);
        check({ C, ta: true, tb: true, m: 0, n: 5, k: 4, acc, off: [1, 1, 1] }, 8);
        check({ C, ta: false, tb: true, m: 6, n: 0, k: 4, acc, off: [1, 1, 1] }, 9);
      }
    }
  });

  it("the exported gemm sends tiny products to JavaScript and mixed dtypes too, with the same results", () => {
    const gemm = makeGemmWasm(heap, wasmPool!);
    check({ C: Float32Array, ta: false, tb: true, m: 2, n: 3, k: 4, acc: true, off: [1, 0, 2] }, 11, gemm);
    const rng = createRng(3);
    const a = rand(Float32Array, 40 * 30, rng);
    const b = rand(Float64Array, 30 * 20, rng);
    const c = new Float64Array(40 * 20);
    const want = new Float64Array(40 * 20);
    gemm(false, false, 40, 20, 30, a, 0, b, 0, c, 0, false);
    gemmNaive(false, false, 40, 20, 30, a, 0, b, 0, want, 0, false);
    for (let i = 0; i < c.length; i++) expect(Math.abs(c[i] - want[i])).toBeLessThan(1e-12);
  });

  it("operands bigger than the memory replace it with a bigger one, without detaching the old buffer", () => {
    const old = heap.f64;
    const before = old.length;
    // B alone is 2000×2100 float64 = 33.6 MB, more than the 32 MB reserved up front.
    check({ C: Float64Array, ta: false, tb: true, m: 2, n: 2000, k: 2100, acc: false, off: [0, 0, 0] }, 21);
    expect(heap.f64.length).toBeGreaterThan(before);
    expect(old.length, "the previous memory's buffer was detached").toBe(before);
    check({ C: Float32Array, ta: true, tb: false, m: 33, n: 17, k: 70, acc: true, off: [2, 0, 1] }, 22);
  });
});

describe("the relaxed-SIMD build (FMA)", () => {
  it("loads where the runtime has relaxed SIMD and its gemm is within the rounding bound", () => {
    // Node 20 has relaxed SIMD behind a flag only; newer runtimes load this build by default.
    const dir = dirname(fileURLToPath(import.meta.url));
    const out = execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--import", "tsx", join(dir, "wasm-relaxed-child.ts")], { cwd: dir, encoding: "utf8" });
    const { variant, worst } = JSON.parse(out) as { variant: string; worst: number };
    expect(variant).toBe("relaxed-simd");
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe("useKernels", () => {
  const initial = kernelsInUse();
  afterAll(() => useKernels(initial));

  it("starts with wasm here and switches kernels.gemm between the two sets", () => {
    expect(initial).toBe(process.env.UNROLL_KERNELS === "js" ? "js" : "wasm");
    useKernels("js");
    expect(kernelsInUse()).toBe("js");
    expect(kernels.gemm).toBe(gemmJs);
    useKernels("wasm");
    expect(kernelsInUse()).toBe("wasm");
    expect(kernels.gemm).not.toBe(gemmJs);
  });

  it("rejects an unknown set", () => {
    expect(() => useKernels("gpu" as "js")).toThrow(/useKernels: expected "wasm" or "js", got "gpu"/);
  });

  it("UNROLL_KERNELS=js in the environment starts with the JavaScript kernels", () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const entry = join(dir, "../src/kernels/index.ts");
    const script = `import(${JSON.stringify(entry)}).then((k) => console.log(k.kernelsInUse()))`;
    const runWith = (value: string) =>
      execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: dir, env: { ...process.env, UNROLL_KERNELS: value }, encoding: "utf8", stdio: "pipe" }).trim();
    expect(runWith("js")).toBe("js");
    expect(runWith("wasm")).toBe("wasm");
    expect(() => runWith("fast")).toThrow(/UNROLL_KERNELS: expected "wasm" or "js", got "fast"/);
  });

  for (const set of ["wasm", "js"] as const) {
    it(`matmul gradients pass gradcheck with the ${set} kernels, in every layout`, () => {
      useKernels(set);
      const rng = createRng(9);
      const t = (shape: number[]) => tensor(Float64Array.from({ length: shape[0] * shape[1] }, () => rng.random() * 2 - 1), { shape, requiresGrad: true });
      // Sizes above the JavaScript cutoff for tiny products, so the wasm kernel runs.
      const cases: [string, number[], number[], (a: Tensor, b: Tensor) => Tensor][] = [
        ["a·b", [11, 13], [13, 9], (a, b) => a.matmul(b)],
        ["a·bᵀ", [11, 13], [9, 13], (a, b) => a.matmul(b.transpose(0, 1))],
        ["aᵀ·b", [13, 11], [13, 9], (a, b) => a.transpose(0, 1).matmul(b)],
        ["aᵀ·bᵀ", [13, 11], [9, 13], (a, b) => a.transpose(0, 1).matmul(b.transpose(0, 1))],
      ];
      for (const [label, sa, sb, fn] of cases) {
        const report = gradcheck(fn, [t(sa), t(sb)]);
        expect(report.ok, `${set} ${label}: ${report.message}`).toBe(true);
      }
    });
  }

  it("float32 matmul agrees with float64 under both sets", () => {
    const rng = createRng(4);
    const a = Float64Array.from({ length: 37 * 70 }, () => Math.fround(rng.random() * 2 - 1));
    const b = Float64Array.from({ length: 70 * 29 }, () => Math.fround(rng.random() * 2 - 1));
    const out: Record<string, Float64Array> = {};
    for (const set of ["wasm", "js"] as const) {
      useKernels(set);
      for (const dtype of ["float32", "float64"] as const) {
        const y = tensor(a, { dtype, shape: [37, 70] }).matmul(tensor(b, { dtype, shape: [70, 29] }));
        out[`${set} ${dtype}`] = Float64Array.from(y.toTypedArray());
      }
    }
    const ref = out["js float64"];
    for (const [key, v] of Object.entries(out)) {
      for (let i = 0; i < ref.length; i++) expect(Math.abs(v[i] - ref[i]), key).toBeLessThan(key.endsWith("float64") ? 1e-12 : 1e-4);
    }
  });
});
