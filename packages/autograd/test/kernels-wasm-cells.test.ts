// The WebAssembly cell kernels against the JavaScript ones (which packages/rnn checks
// against PyTorch and finite differences): every cell kind, both dtypes, bias on and off,
// H not a multiple of the lane count, steps forward and backward in both directions.
// Then the float32 SIMD tanh against Math.tanh over its whole range.
//   B batch, H hidden size, T steps, G gates, S saved blocks

import { describe, expect, it } from "vitest";
import { createRng, type FloatArray, type Rng } from "../src/index.js";
import type { CellBuffers } from "../src/extend.js";
import * as js from "../src/kernels/cells.js";
import { makeCellsWasm } from "../src/kernels/wasm/cells.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";

if (wasmHeap === null) throw new Error("these tests need WebAssembly SIMD (Node 20 has it)");
const heap = wasmHeap;
const jsCells = {
  rnnTanhForward: js.rnnTanhForwardJs,
  rnnTanhBackward: js.rnnTanhBackwardJs,
  rnnReluForward: js.rnnReluForwardJs,
  rnnReluBackward: js.rnnReluBackwardJs,
  gruForward: js.gruForwardJs,
  gruBackward: js.gruBackwardJs,
  lstmForward: js.lstmForwardJs,
  lstmBackward: js.lstmBackwardJs,
};
const wasm = makeCellsWasm(heap, jsCells);

type Ctor = typeof Float32Array | typeof Float64Array;
type Kind = "rnnTanh" | "rnnRelu" | "gru" | "lstm";
const SHAPE: Record<Kind, [gates: number, saved: number]> = { rnnTanh: [1, 0], rnnRelu: [1, 0], gru: [3, 4], lstm: [4, 5] };

function rand(C: Ctor, n: number, rng: Rng, scale = 1): FloatArray {
  const x = new C(n);
  for (let i = 0; i < n; i++) x[i] = (rng.random() * 2 - 1) * scale;
  return x;
}

/** Random buffers for T steps of one kind (states and saved values in their real ranges). */
function buffers(C: Ctor, kind: Kind, B: number, H: number, T: number, bias: boolean, rng: Rng): CellBuffers {
  const [G, S] = SHAPE[kind];
  const n = (T + 1) * B * H;
  return {
    batch: B,
    hidden: H,
    gx: rand(C, T * B * G * H, rng, 3),
    gh: rand(C, B * G * H, rng, 3),
    bHh: bias ? rand(C, G * H, rng) : null,
    h: rand(C, n, rng),
    c: kind === "lstm" ? rand(C, n, rng, 2) : null,
    saved: rand(C, T * B * S * H, rng).map((v) => (v + 1) / 2) as FloatArray,
    dgh: new C(T * B * G * H),
    dh: rand(C, B * H, rng),
    dc: kind === "lstm" ? rand(C, B * H, rng) : null,
    dhOut: rand(C, n, rng),
    dcOut: kind === "lstm" ? rand(C, n, rng) : null,
  };
}

function clone(s: CellBuffers): CellBuffers {
  const c = (a: FloatArray | null) => (a === null ? null : a.slice());
  return { ...s, gx: c(s.gx)!, gh: c(s.gh)!, bHh: c(s.bHh), h: c(s.h)!, c: c(s.c), saved: c(s.saved)!, dgh: c(s.dgh)!, dh: c(s.dh)!, dc: c(s.dc), dhOut: c(s.dhOut)!, dcOut: c(s.dcOut) };
}

function expectClose(got: ArrayLike<number> | null, want: ArrayLike<number> | null, tol: number, what: string): void {
  if (want === null) return expect(got).toBeNull();
  expect(got!.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got![i] - want[i]) <= tol * (1 + Math.abs(want[i])))) throw new Error(`${what}[${i}]: ${got![i]} vs ${want[i]}`);
  }
}

const FIELDS = ["gx", "h", "c", "saved", "dgh", "dh", "dc"] as const;

describe("wasm cell kernels match the JavaScript ones", () => {
  for (const kind of ["rnnTanh", "rnnRelu", "gru", "lstm"] as Kind[]) {
    for (const C of [Float64Array, Float32Array]) {
      it(`${kind} ${C === Float32Array ? "f32" : "f64"}`, () => {
        const rng = createRng(`${kind}${C.name}`);
        const tol = C === Float32Array ? 3e-6 : 1e-14;
        for (const [B, H] of [[1, 1], [3, 5], [2, 8], [4, 13], [1, 32]]) {
          for (const bias of [true, false]) {
            const T = 3;
            const a = buffers(C, kind, B, H, T, bias, rng);
            const b = clone(a);
            const label = `${kind} B${B} H${H} bias ${bias}`;
            // forward steps in both directions, then backward steps; every buffer compared after each
            for (const [t, from, to] of [[0, 0, 1], [1, 1, 2], [2, 3, 2], [1, 2, 1]]) {
              jsCells[`${kind}Forward`](a, t, from, to);
              wasm[`${kind}Forward`](b, t, from, to);
              for (const f of FIELDS) expectClose(b[f], a[f], tol, `${label} forward t${t} ${f}`);
              jsCells[`${kind}Backward`](a, t, from, to);
              wasm[`${kind}Backward`](b, t, from, to);
              for (const f of FIELDS) expectClose(b[f], a[f], tol, `${label} backward t${t} ${f}`);
            }
          }
        }
      });
    }
  }

  it("falls back to JavaScript for mixed dtypes", () => {
    const rng = createRng("mixed");
    const a = buffers(Float64Array, "gru", 2, 3, 1, true, rng);
    a.gh = Float32Array.from(a.gh);
    const b = clone(a);
    js.gruForwardJs(a, 0, 0, 1);
    wasm.gruForward(b, 0, 0, 1);
    expect(Array.from(b.h)).toEqual(Array.from(a.h));
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
