// The wasm softmax-cross-entropy forward against the JavaScript one (which the losses
// package checks against PyTorch), forced onto the wasm path at every size, with every
// option: class weights, label smoothing, ignored and skipped rows, soft targets, logits
// at ±1000 and -Infinity. Then the vector exp against Math.exp.
//   N rows, C classes

import { expectClose } from "@unroll/testkit";
import { describe, expect, it } from "vitest";
import { createRng, type FloatArray, type Rng } from "../src/index.js";
import { softmaxXentForwardJs, type SoftmaxXentSaved, type SoftmaxXentSpec } from "../src/kernels/softmax-xent.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";
import { makeSoftmaxXentWasm } from "../src/kernels/wasm/softmax-xent.js";

if (wasmHeap === null) throw new Error("these tests need WebAssembly SIMD (Node 20 has it)");
const heap = wasmHeap;
/** The wasm forward at every size (kernels.softmaxXentForward sends tiny ones to JavaScript). */
const forwardWasm = makeSoftmaxXentWasm(heap, softmaxXentForwardJs, 0);

type Ctor = typeof Float32Array | typeof Float64Array;

function fill(C: Ctor, n: number, f: (i: number) => number): FloatArray {
  const x = new C(n);
  for (let i = 0; i < n; i++) x[i] = f(i);
  return x;
}

interface Options {
  weight: boolean;
  smoothing: number;
  soft: boolean;
  ignore: boolean;
  skip: boolean;
  /** Logits spread: ±scale, plus a few -Infinity entries when `masked`. */
  scale: number;
  masked: boolean;
  saved: boolean;
}

function spec(C: Ctor, n: number, c: number, o: Options, rng: Rng): SoftmaxXentSpec {
  const target = o.soft ? null : Int32Array.from({ length: n }, (_, r) => (o.ignore && r % 4 === 2 ? -100 : rng.int(c)));
  const soft = o.soft
    ? (() => {
        const t = fill(C, n * c, () => rng.random());
        for (let r = 0; r < n; r++) {
          let s = 0;
          for (let j = 0; j < c; j++) s += t[r * c + j];
          for (let j = 0; j < c; j++) t[r * c + j] /= s;
        }
        return t;
      })()
    : null;
  return {
    rows: n,
    classes: c,
    target,
    soft,
    weight: o.weight ? fill(C, c, () => 0.5 + rng.random()) : null,
    // 0 on ignored rows (target -100, never read) and on skipped ones
    rowWeight: o.ignore || o.skip ? Float64Array.from({ length: n }, (_, r) => ((o.ignore && r % 4 === 2) || (o.skip && r % 3 === 1) ? 0 : 1)) : null,
    labelSmoothing: o.smoothing,
  };
}

/** Within tol · (1 + |want|), the kernels' agreement bound. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expectClose(got, want, { rtol: tol, atol: tol, what });
}

function check(C: Ctor, n: number, c: number, o: Options, seed: number): void {
  const rng = createRng(seed);
  const label = `${C === Float32Array ? "f32" : "f64"} N${n} C${c} ${JSON.stringify(o)}`;
  const logits = fill(C, n * c, () => (rng.random() * 2 - 1) * o.scale);
  if (o.masked) for (let i = 0; i < n * c; i += 7) logits[i] = -Infinity;
  const s = spec(C, n, c, o, rng);
  const saved = (): SoftmaxXentSaved | null => (o.saved ? { exps: new C(n * c), rowMax: new Float64Array(n), rowSum: new Float64Array(n) } : null);
  const [sw, sj] = [saved(), saved()];
  const [lw, lj] = [new C(n), new C(n)];
  forwardWasm(lw, sw, logits, s);
  softmaxXentForwardJs(lj, sj, logits, s);
  const tol = C === Float32Array ? 2e-6 : 1e-13;
  close(lw, lj, tol * Math.max(1, o.scale), `${label} loss`);
  if (sw === null || sj === null) return;
  for (let r = 0; r < n; r++) {
    // Rows that do not count have no saved values in the JavaScript kernel.
    if (s.rowWeight !== null && s.rowWeight[r] === 0) continue;
    close([sw.rowMax[r], sw.rowSum[r]], [sj.rowMax[r], sj.rowSum[r]], tol, `${label} row ${r} max, sum`);
    close(sw.exps.subarray(r * c, (r + 1) * c), sj.exps.subarray(r * c, (r + 1) * c), tol, `${label} row ${r} exps`);
  }
}

const BASE: Options = { weight: false, smoothing: 0, soft: false, ignore: false, skip: false, scale: 3, masked: false, saved: true };

describe("wasm softmax-cross-entropy forward against the JavaScript one", () => {
  it("every option, both dtypes, class counts around the vector width", () => {
    const variants: Partial<Options>[] = [
      {},
      { saved: false },
      { weight: true },
      { smoothing: 0.1 },
      { weight: true, smoothing: 0.2, ignore: true },
      { skip: true },
      { soft: true },
      { soft: true, weight: true, smoothing: 0.1, skip: true },
      { scale: 1000 },
      { masked: true, weight: true },
    ];
    let seed = 1;
    for (const C of [Float32Array, Float64Array] as Ctor[]) {
      for (const [n, c] of [
        [32, 65],
        [5, 1],
        [7, 3],
        [3, 4],
        [4, 9],
        [1, 130],
      ]) {
        for (const v of variants) check(C, n, c, { ...BASE, ...v }, seed++);
      }
    }
  });
});

describe("vector exp", () => {
  for (const [name, C, lo, hi, mant, emin] of [
    ["float32", Float32Array, -110, 90, 23, -126],
    ["float64", Float64Array, -750, 711, 52, -1022],
  ] as const) {
    it(`${name}: within 2 ulp of Math.exp over [${lo}, ${hi}], 0 and ∞ past the ends, NaN for NaN`, () => {
      const n = 300_001;
      const x = new C(n + 5);
      for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
      x.set([0, Infinity, -Infinity, NaN, -1e-300], n);
      const size = C.BYTES_PER_ELEMENT;
      const p = heap.data;
      heap.reserve(p + x.length * size);
      const mem = size === 4 ? heap.f32 : heap.f64;
      mem.set(x, p / size);
      (size === 4 ? heap.exports.expF32 : heap.exports.expF64)(p, x.length);
      const y = mem.subarray(p / size, p / size + x.length);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const want = size === 4 ? Math.fround(Math.exp(x[i])) : Math.exp(x[i]);
        if (!Number.isFinite(want)) {
          expect(y[i], `exp(${x[i]})`).toBe(want);
          continue;
        }
        const ulp = 2 ** (Math.max(Math.floor(Math.log2(want || 2 ** emin)), emin) - mant);
        worst = Math.max(worst, Math.abs(y[i] - want) / ulp);
      }
      expect(worst).toBeLessThanOrEqual(2);
      expect(Array.from(y.subarray(n, n + 3))).toEqual([1, Infinity, 0]);
      expect(Number.isNaN(y[n + 3])).toBe(true);
      expect(y[n + 4]).toBe(1);
    });
  }
});
