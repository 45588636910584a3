// The raw-buffer softmax-cross-entropy kernel behind `kernels` (whatever implementation
// is installed there, so a WebAssembly one is held to the same checks), on typed arrays.
//   N rows, C classes

import { describe, expect, it } from "vitest";
import { type FloatArray } from "@unroll/autograd";
import { kernels, type SoftmaxXentSaved, type SoftmaxXentSpec } from "@unroll/autograd/extend";
import { expectClose } from "@unroll/testkit";

function spec(rows: number, classes: number, over: Partial<SoftmaxXentSpec> = {}): SoftmaxXentSpec {
  return { rows, classes, target: null, soft: null, weight: null, rowWeight: null, labelSmoothing: 0, ...over };
}

function saved(make: (n: number) => FloatArray, rows: number, classes: number): SoftmaxXentSaved {
  return { exps: make(rows * classes), rowMax: new Float64Array(rows), rowSum: new Float64Array(rows) };
}

const f64 = (n: number): FloatArray => new Float64Array(n);
const f32 = (n: number): FloatArray => new Float32Array(n);

describe("softmaxXentForward", () => {
  it("saves exp(x - m) within a few ulp of Math.exp, from 0 down past underflow", () => {
    // row r = [0, -d_r]: exps[2r + 1] = exp(-d_r)
    const d = [0, 1e-300, 1e-9, 0.3, 0.5 * Math.LN2, 1, 2.5, 10, 37.7, 100, 333.3, 699.9, 700.1, 744, 745.2, 800, 1e4];
    for (let i = 0; i < 2000; i++) d.push((i / 2000) * 720);
    const x = new Float64Array(2 * d.length);
    d.forEach((v, r) => (x[2 * r + 1] = -v));
    const s = spec(d.length, 2, { target: new Int32Array(d.length) });
    const sv = saved(f64, d.length, 2);
    const loss = new Float64Array(d.length);
    kernels.softmaxXentForward(loss, sv, x, s);
    const got = d.map((_, r) => sv.exps[2 * r + 1]);
    expectClose(got, d.map((v) => Math.exp(-v)), { rtol: 1e-15, atol: 0 });
    d.forEach((v, r) => {
      expect(sv.exps[2 * r]).toBe(1);
      expect(sv.rowMax[r]).toBe(0);
      // the loss of class 0 is log(1 + exp(-d))
      expect(Math.abs(loss[r] - Math.log1p(Math.exp(-v)))).toBeLessThanOrEqual(1e-15);
    });
  });

  it("writes 0 for rows that do not count and leaves their saved rows alone", () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const s = spec(3, 3, { target: Int32Array.from([0, -100, 2]), rowWeight: Float64Array.from([1, 0, 0]) });
    const loss = Float64Array.from([9, 9, 9]);
    const sv = saved(f64, 3, 3);
    kernels.softmaxXentForward(loss, sv, x, s);
    expect(loss[0]).toBeCloseTo(2 + Math.log(1 + Math.exp(-1) + Math.exp(-2)), 14);
    expect([loss[1], loss[2]]).toEqual([0, 0]);
    expect(Array.from(sv.exps.subarray(3))).toEqual(new Array(6).fill(0));
  });

  it("computes without saving when `saved` is null, and the same loss either way", () => {
    const x = Float32Array.from([0.5, -1, 2, 3, 0, -2]);
    const s = spec(2, 3, { target: Int32Array.from([2, 0]), labelSmoothing: 0.1, weight: Float64Array.from([1, 2, 3]) });
    const a = f32(2);
    const b = f32(2);
    kernels.softmaxXentForward(a, null, x, s);
    kernels.softmaxXentForward(b, saved(f32, 2, 3), x, s);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe("softmaxXentBackward", () => {
  for (const [name, make] of [["float64", f64], ["float32", f32]] as const) {
    it(`${name}: (Σq · softmax - q) · scale, in place over the saved exps, one scale per group of rows`, () => {
      const x = make(12);
      x.set([0.1, -0.4, 2, 1, 0.3, 0.3, -1, 0, 4, -2, 1, 0.5]);
      const w = Float64Array.from([0.5, 2, 1]);
      const eps = 0.2;
      const target = Int32Array.from([2, 0, -100, 1]);
      // the row the losses leave out (ρ = 0) gets no gradient
      const s = spec(4, 3, { target, weight: w, labelSmoothing: eps, rowWeight: Float64Array.from([1, 1, 0, 1]) });
      const sv = saved(make, 4, 3);
      kernels.softmaxXentForward(make(4), sv, x, s);
      const rowScale = Float64Array.from([0.25, -3]);
      kernels.softmaxXentBackward(sv.exps, null, sv, x, rowScale, 2, s);
      const want: number[] = [];
      for (let r = 0; r < 4; r++) {
        const row = Array.from(x.subarray(3 * r, 3 * r + 3));
        const z = row.reduce((acc, v) => acc + Math.exp(v), 0);
        const y = target[r];
        for (let c = 0; c < 3; c++) {
          if (y === -100) {
            want.push(0);
            continue;
          }
          const q = (c === y ? (1 - eps) * w[y] : 0) + (eps / 3) * w[c];
          const qSum = (1 - eps) * w[y] + (eps / 3) * (w[0] + w[1] + w[2]);
          want.push(rowScale[r >> 1] * (qSum * (Math.exp(row[c]) / z) - q));
        }
      }
      expectClose(Array.from(sv.exps), want, { rtol: name === "float64" ? 1e-14 : 1e-6, atol: name === "float64" ? 1e-16 : 1e-7 });
    });
  }

  it("soft targets: d logits and d target, with the target class gradient -(1 - ε) w log p", () => {
    const x = Float64Array.from([1, 2, 0.5, -1, 0, 3]);
    const soft = Float64Array.from([0.2, 0.7, 0.1, 1, 0, 0]);
    const w = Float64Array.from([1, 0.5, 2]);
    const s = spec(2, 3, { soft, weight: w, labelSmoothing: 0.3 });
    const sv = saved(f64, 2, 3);
    kernels.softmaxXentForward(f64(2), sv, x, s);
    const dx = f64(6);
    const dsoft = f64(6);
    kernels.softmaxXentBackward(dx, dsoft, sv, x, Float64Array.from([2]), 2, s);
    for (let r = 0; r < 2; r++) {
      const row = Array.from(x.subarray(3 * r, 3 * r + 3));
      const lse = Math.log(row.reduce((acc, v) => acc + Math.exp(v), 0));
      const q = [0, 1, 2].map((c) => w[c] * (0.7 * soft[3 * r + c] + 0.1));
      const qSum = q[0] + q[1] + q[2];
      for (let c = 0; c < 3; c++) {
        expect(dx[3 * r + c]).toBeCloseTo(2 * (qSum * Math.exp(row[c] - lse) - q[c]), 14);
        expect(dsoft[3 * r + c]).toBeCloseTo(-2 * 0.7 * w[c] * (row[c] - lse), 14);
      }
    }
  });
});
