// swapAxes, [A, B, L] → [B, A, L] with row pitches: the WebAssembly version against the
// JavaScript one and against the definition, resident and ordinary buffers, offsets, a dst
// pitch wider than its rows (what lies between rows stays), both dtypes.

import { describe, expect, it } from "vitest";
import { residentBuffer, releaseResident } from "../src/extend.js";
import { swapAxesJs } from "../src/kernels/layout.js";
import { makeSwapAxesWasm } from "../src/kernels/wasm/layout.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";

if (wasmHeap === null) throw new Error("these tests need WebAssembly SIMD (Node 20 has it)");
const swapAxesWasm = makeSwapAxesWasm(wasmHeap, swapAxesJs, 0);

describe("swapAxes kernels", () => {
  // [A, B, L, srcPitch, dstPitch]
  const cases: [number, number, number, number, number][] = [[0, 3, 4, 4, 4], [1, 1, 1, 1, 1], [3, 5, 7, 7, 7], [5, 3, 7, 9, 14], [25, 32, 65, 65, 65], [100, 64, 64, 64, 128], [7, 1, 3, 3, 6]];
  for (const dtype of ["float32", "float64"] as const) {
    for (const resident of [false, true]) {
      it(`${dtype}, ${resident ? "resident" : "ordinary"} buffers: wasm = js = the definition`, () => {
        for (const [A, B, L, sp, dp] of cases) {
          const sOff = 2, dOff = 3;
          const make = (n: number) => (resident ? residentBuffer(dtype, n) : dtype === "float32" ? new Float32Array(n) : new Float64Array(n));
          const src = make(sOff + A * B * sp + 1);
          for (let i = 0; i < src.length; i++) src[i] = i + 0.5;
          const dWasm = make(dOff + A * B * dp + 2);
          for (let i = 0; i < dWasm.length; i++) dWasm[i] = -i;
          const dJs = dWasm.slice();
          const want = dWasm.slice();
          for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) for (let j = 0; j < L; j++) want[dOff + (b * A + a) * dp + j] = src[sOff + (a * B + b) * sp + j];
          swapAxesWasm(dWasm, dOff, dp, src, sOff, sp, A, B, L);
          swapAxesJs(dJs, dOff, dp, src, sOff, sp, A, B, L);
          const label = `[${A},${B},${L}] pitches ${sp} → ${dp}`;
          expect(Array.from(dWasm), label).toEqual(Array.from(want));
          expect(Array.from(dJs), label).toEqual(Array.from(want));
          if (resident) {
            releaseResident(src);
            releaseResident(dWasm);
          }
        }
      });
    }
  }
});
