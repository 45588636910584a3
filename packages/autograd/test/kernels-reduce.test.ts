// Column sums d (+)= Σ_r g[r, :], the bias gradients' kernel: the WebAssembly version
// against the JavaScript one (the same rounding: rows in order, one running sum a column)
// and against float64 sums, for resident and ordinary buffers, offsets, odd widths, no rows.

import { describe, expect, it } from "vitest";
import { createRng } from "../src/index.js";
import { residentBuffer, releaseResident } from "../src/extend.js";
import { columnSumsJs } from "../src/kernels/reduce.js";
import { makeColumnSumsWasm } from "../src/kernels/wasm/reduce.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";

if (wasmHeap === null) throw new Error("these tests need WebAssembly SIMD (Node 20 has it)");
const columnSumsWasm = makeColumnSumsWasm(wasmHeap, columnSumsJs);

type Ctor = typeof Float32Array | typeof Float64Array;

describe("columnSums kernels", () => {
  const shapes: [rows: number, cols: number][] = [[0, 5], [1, 1], [3, 7], [7, 3], [64, 64], [1025, 13], [200, 512]];
  for (const C of [Float32Array, Float64Array] as Ctor[]) {
    for (const resident of [false, true]) {
      for (const accumulate of [false, true]) {
        it(`${C.name}, ${resident ? "resident" : "ordinary"} buffers, accumulate ${accumulate}: wasm = js bit for bit, both near the float64 sum`, () => {
          const rng = createRng(5);
          for (const [rows, cols] of shapes) {
            const gOff = 3, dOff = 2;
            const make = (n: number): Float32Array | Float64Array => (resident ? (residentBuffer(C === Float32Array ? "float32" : "float64", n) as Float32Array | Float64Array) : new C(n));
            const g = make(gOff + rows * cols + 4);
            for (let i = 0; i < g.length; i++) g[i] = rng.random() * 2 - 1;
            const d0 = new C(dOff + cols + 2).map(() => rng.random());
            const dWasm = make(d0.length);
            dWasm.set(d0);
            const dJs = d0.slice();
            columnSumsWasm(dWasm, dOff, g, gOff, rows, cols, accumulate);
            columnSumsJs(dJs, dOff, g, gOff, rows, cols, accumulate);
            expect(Array.from(dWasm), `${rows}x${cols}`).toEqual(Array.from(dJs));
            // untouched outside [dOff, dOff + cols)
            expect([dWasm[0], dWasm[1], dWasm[dOff + cols], dWasm[dOff + cols + 1]]).toEqual([d0[0], d0[1], d0[dOff + cols], d0[dOff + cols + 1]]);
            for (let j = 0; j < cols; j++) {
              let s = accumulate ? d0[dOff + j] : 0;
              for (let r = 0; r < rows; r++) s += g[gOff + r * cols + j];
              expect(Math.abs(dWasm[dOff + j] - s)).toBeLessThanOrEqual((C === Float32Array ? 1e-6 : 1e-14) * (rows + 1));
            }
            if (resident) {
              releaseResident(g);
              releaseResident(dWasm);
            }
          }
        });
      }
    }
  }
});
