// Adam's update kernel: the WebAssembly version against the JavaScript one, bit for bit
// (both compute each value in float64 and round it once as it is stored), with and without
// amsgrad, weight decay (L2 and decoupled), maximize, β1 above and below 0.5 (the two
// sides of torch's lerp), odd lengths, resident and ordinary buffers, both dtypes.

import { describe, expect, it } from "vitest";
import { residentBuffer, releaseResident } from "../src/extend.js";
import { adamUpdateJs, type AdamConstants } from "../src/kernels/optim.js";
import { makeAdamWasm } from "../src/kernels/wasm/optim.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";

if (wasmHeap === null) throw new Error("these tests need WebAssembly SIMD (Node 20 has it)");
const adamWasm = makeAdamWasm(wasmHeap, adamUpdateJs, 0);

const constants: AdamConstants[] = [
  { stepSize: 1e-3 / (1 - 0.9), bias2Sqrt: Math.sqrt(1 - 0.999), beta1: 0.9, beta2: 0.999, eps: 1e-8, shrink: 1, l2: 0, sign: 1 },
  { stepSize: 3e-2, bias2Sqrt: 0.3, beta1: 0.2, beta2: 0.9, eps: 1e-6, shrink: 1, l2: 0.1, sign: -1 },
  { stepSize: 5e-3, bias2Sqrt: 0.05, beta1: 0.5, beta2: 0.99, eps: 1e-8, shrink: 1 - 5e-3 * 1e-2, l2: 0, sign: 1 },
];

describe("adamUpdate kernels", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const resident of [false, true]) {
      for (const amsgrad of [false, true]) {
        it(`${dtype}, ${resident ? "resident" : "ordinary"} buffers, amsgrad ${amsgrad}: wasm = js bit for bit over 5 steps`, () => {
          for (const n of [1, 2, 3, 7, 64, 1001]) {
            constants.forEach((c, ci) => {
              const make = (f: (i: number) => number) => {
                const a = resident ? residentBuffer(dtype, n) : dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
                for (let i = 0; i < n; i++) a[i] = f(i);
                return a;
              };
              const sets = [0, 1].map(() => ({
                p: make((i) => Math.sin(i + ci)),
                m: make((i) => 0.1 * Math.cos(i)),
                v: make((i) => 0.01 * (1 + Math.sin(3 * i))),
                vMax: amsgrad ? make((i) => (i % 3 === 0 ? 0.5 : 0)) : null,
              }));
              for (let step = 0; step < 5; step++) {
                const g = make((i) => Math.cos(i * 0.7 + step) * (i % 5 === 0 ? 10 : 1));
                adamWasm(sets[0].p, g, sets[0].m, sets[0].v, sets[0].vMax, c);
                adamUpdateJs(sets[1].p, g, sets[1].m, sets[1].v, sets[1].vMax, c);
                if (resident) releaseResident(g);
              }
              for (const k of ["p", "m", "v", "vMax"] as const) {
                const [a, b] = [sets[0][k], sets[1][k]];
                if (a === null || b === null) continue;
                expect(Array.from(a), `${k}, n ${n}, constants ${ci}`).toEqual(Array.from(b));
              }
              if (resident) for (const s of sets) for (const a of [s.p, s.m, s.v, s.vMax]) if (a !== null) releaseResident(a);
            });
          }
        });
      }
    }
  }
});
