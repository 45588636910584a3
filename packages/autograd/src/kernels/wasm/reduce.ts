// Column sums (kernels/reduce.ts) in wasm SIMD: a resident g (the recurrent layers' gate
// gradients) is read in place, any other is copied in once.

import type { ColumnSums } from "../reduce.js";
import { copyIn, copyOut, layout, outAddress, type WasmHeap } from "./module.js";

/** Column sums on `heap`; `js` runs mixed dtypes and what does not fit. */
export function makeColumnSumsWasm(heap: WasmHeap, js: ColumnSums): ColumnSums {
  return (d, dOff, g, gOff, rows, cols, accumulate) => {
    const f32 = d instanceof Float32Array;
    const at = g instanceof Float32Array !== f32 ? null : layout(heap, f32 ? 4 : 8, [cols, rows * cols]);
    if (at === null) {
      js(d, dOff, g, gOff, rows, cols, accumulate);
      return;
    }
    const d0 = accumulate ? copyIn(heap, d, dOff, cols, at[0]) : outAddress(heap, d, dOff, at[0]);
    const g0 = copyIn(heap, g, gOff, rows * cols, at[1]);
    (f32 ? heap.exports.columnSumsF32 : heap.exports.columnSumsF64)(d0, g0, rows, cols, accumulate);
    copyOut(heap, d0, cols, d, dOff);
  };
}
