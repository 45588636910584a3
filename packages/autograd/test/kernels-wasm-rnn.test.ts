// The WebAssembly RNN step against the JavaScript one (which rnn-step.test.ts checks
// against engine ops), forced onto the wasm path at every size: both dtypes, tanh and
// relu, bias on and off, rows past their length, null gradient destinations. Then the
// float32 SIMD tanh against Math.tanh over its whole range.
//   B batch, I input size, H hidden size, T steps

import { describe, expect, it } from "vitest";
import { createRng, type FloatArray, type Rng } from "../src/index.js";
import { kernels } from "../src/extend.js";
import { rnnStepBackwardJs, rnnStepForwardJs, type RnnStepDims, type RnnStepGrads } from "../src/kernels/rnn-step.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";
import { makeRnnStepWasm } from "../src/kernels/wasm/rnn-step.js";

if (wasmHeap === null) throw new Error("these tests need WebAssembly SIMD (Node 20 has it)");
const heap = wasmHeap;

/** The wasm step at every size (kernels.rnnStepForward sends tiny steps to JavaScript). */
const wasm = makeRnnStepWasm(heap, { forward: rnnStepForwardJs, backward: rnnStepBackwardJs }, 0);

type Ctor = typeof Float32Array | typeof Float64Array;

function rand(C: Ctor, n: number, rng: Rng, scale = 1): FloatArray {
  const x = new C(n);
  for (let i = 0; i < n; i++) x[i] = (rng.random() * 2 - 1) * scale;
  return x;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) throw new Error(`${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

interface Case {
  C: Ctor;
  B: number;
  I: number;
  H: number;
  relu: boolean;
  bias: boolean;
  masked: boolean;
  /** Which gradient destinations are null. */
  skip: readonly ("dx" | "dh" | "dWIh" | "dWHh" | "db")[];
}

function runCase(c: Case, seed: number): void {
  const { C, B, I, H } = c;
  const rng = createRng(seed);
  const T = 3;
  const t = 1;
  const label = `${C === Float32Array ? "f32" : "f64"} B${B} I${I} H${H} ${c.relu ? "relu" : "tanh"} bias ${c.bias} masked ${c.masked} skip ${c.skip.join(",")}`;
  const xs = rand(C, T * B * I, rng, 2);
  const h = rand(C, B * H, rng);
  const wIh = rand(C, H * I, rng, 1 / Math.sqrt(I));
  const wHh = rand(C, H * H, rng, 1 / Math.sqrt(H));
  const bIh = c.bias ? rand(C, H, rng) : null;
  const bHh = c.bias ? rand(C, H, rng) : null;
  const lengths = c.masked ? Int32Array.from({ length: B }, (_, b) => (b % 3 === 1 ? t : T)) : null;
  const d: RnnStepDims = { batch: B, input: I, hidden: H, relu: c.relu, lengths, t };
  const tol = C === Float32Array ? 2e-6 : 1e-13;

  const outs = [new C(B * H), new C(B * H)];
  wasm.forward(outs[0], d, xs, t * B * I, h, 0, wIh, wHh, bIh, bHh);
  rnnStepForwardJs(outs[1], d, xs, t * B * I, h, 0, wIh, wHh, bIh, bHh);
  expectClose(outs[0], outs[1], tol, `${label} hOut`);

  const dout = rand(C, B * H, rng);
  const grads = (): RnnStepGrads => {
    const fill = (n: number) => rand(C, n, createRng(seed + 1));
    return {
      dx: c.skip.includes("dx") ? null : fill(T * B * I),
      dxOff: t * B * I,
      dh: c.skip.includes("dh") ? null : fill(B * H),
      dWIh: c.skip.includes("dWIh") ? null : fill(H * I),
      dWHh: c.skip.includes("dWHh") ? null : fill(H * H),
      dbIh: c.skip.includes("db") ? null : fill(H),
      dbHh: c.skip.includes("db") ? null : fill(H).map((v) => -v),
    };
  };
  const [gw, gj] = [grads(), grads()];
  wasm.backward(gw, d, dout, outs[1], xs, t * B * I, h, 0, wIh, wHh);
  rnnStepBackwardJs(gj, d, dout, outs[1], xs, t * B * I, h, 0, wIh, wHh);
  for (const key of ["dx", "dh", "dWIh", "dWHh", "dbIh", "dbHh"] as const) {
    const [a, b] = [gw[key], gj[key]];
    if (a === null || b === null) {
      expect(a, `${label} ${key}`).toBe(b);
      continue;
    }
    expectClose(a, b, tol * Math.max(B, H), `${label} ${key}`);
  }
}

describe("wasm RNN step against the JavaScript step", () => {
  it("RNN sizes and odd ones, both dtypes, both activations, bias and masks on and off", () => {
    let seed = 1;
    for (const C of [Float32Array, Float64Array] as Ctor[]) {
      for (const [B, I, H] of [
        [32, 65, 128],
        [3, 4, 5],
        [1, 1, 1],
        [7, 17, 9],
        [64, 16, 64],
      ]) {
        for (const relu of [false, true]) {
          for (const bias of [true, false]) runCase({ C, B, I, H, relu, bias, masked: seed % 2 === 0, skip: [] }, seed++);
        }
      }
    }
  });

  it("null gradient destinations are skipped, the others still right", () => {
    let seed = 50;
    for (const C of [Float32Array, Float64Array] as Ctor[]) {
      for (const skip of [["dx"], ["dh"], ["dWIh", "dWHh"], ["db"], ["dx", "dh", "dWIh", "dWHh", "db"]] as Case["skip"][]) {
        runCase({ C, B: 5, I: 6, H: 11, relu: false, bias: true, masked: true, skip }, seed++);
      }
    }
  });

  it("kernels.rnnStepForward is the wasm step by default and falls back for tiny steps", () => {
    // A step under the size cutoff still matches the JavaScript one exactly (it is the JavaScript one).
    const d: RnnStepDims = { batch: 2, input: 2, hidden: 2, relu: false, lengths: null, t: 0 };
    const x = new Float64Array([1, 2, 3, 4]);
    const w = new Float64Array([0.1, 0.2, 0.3, 0.4]);
    const [a, b] = [new Float64Array(4), new Float64Array(4)];
    kernels.rnnStepForward(a, d, x, 0, x, 0, w, w, null, null);
    rnnStepForwardJs(b, d, x, 0, x, 0, w, w, null, null);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe("float32 SIMD tanh", () => {
  it("is within 7 ulp and 4e-7 relative of Math.tanh over [-20, 20], x itself near 0, ±1 past 9.02, NaN for NaN", () => {
    const n = 400_001;
    const x = new Float32Array(n + 9);
    for (let i = 0; i < n; i++) x[i] = -20 + (40 * i) / (n - 1);
    x.set([0, -0, 1e-30, -3e-8, 9.02, -9.5, Infinity, -Infinity, NaN], n);
    const p = heap.data;
    heap.reserve(p + x.length * 4);
    heap.f32.set(x, p >> 2);
    heap.exports.tanhF32(p, x.length);
    const y = heap.f32.subarray(p >> 2, (p >> 2) + x.length);
    let worst = 0;
    let worstRel = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.tanh(x[i]);
      const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(want) || 2 ** -149)), -126) - 23);
      worst = Math.max(worst, Math.abs(y[i] - want) / ulp);
      if (want !== 0) worstRel = Math.max(worstRel, Math.abs(y[i] - want) / Math.abs(want));
    }
    expect(worst).toBeLessThanOrEqual(7);
    expect(worstRel).toBeLessThanOrEqual(4e-7);
    expect(Object.is(y[n], 0) && Object.is(y[n + 1], -0)).toBe(true);
    expect([y[n + 2], y[n + 3]]).toEqual([Math.fround(1e-30), Math.fround(-3e-8)]);
    expect(Array.from(y.subarray(n + 4, n + 8))).toEqual([1, -1, 1, -1]);
    expect(Number.isNaN(y[n + 8])).toBe(true);
  });
});
