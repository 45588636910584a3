// Adam's update (kernels/optim.ts) in wasm: the same float64 arithmetic on two lanes, so
// the same bits as the JavaScript loop. Resident buffers (parameters, the moments Adam
// allocates) are updated in place; the gradient and anything else is copied in and out.

import type { AdamUpdate } from "../optim.js";
import { copyIn, copyOut, layout, type WasmHeap } from "./module.js";

/** Below this many elements the JavaScript loop is as fast as a call and its copies. */
const MIN_ELEMENTS = 64;

export function makeAdamWasm(heap: WasmHeap, js: AdamUpdate, minElements = MIN_ELEMENTS): AdamUpdate {
  return (p, g, m, v, vMax, c) => {
    const f32 = p instanceof Float32Array;
    const n = p.length;
    const same = (a: unknown): boolean => a instanceof (f32 ? Float32Array : Float64Array);
    const at = n < minElements || !same(g) || !same(m) || !same(v) || (vMax !== null && !same(vMax)) ? null : layout(heap, f32 ? 4 : 8, [n, n, n, n, vMax === null ? 0 : n]);
    if (at === null) {
      js(p, g, m, v, vMax, c);
      return;
    }
    const arrays = [p, g as typeof p, m, v, vMax];
    const ptr = arrays.map((a, k) => (a === null ? 0 : copyIn(heap, a, 0, n, at[k])));
    (f32 ? heap.exports.adamF32 : heap.exports.adamF64)(ptr[0], ptr[1], ptr[2], ptr[3], ptr[4], n, c.stepSize, c.bias2Sqrt, c.beta1, c.beta2, c.eps, c.shrink, c.l2, c.sign);
    arrays.forEach((a, k) => {
      if (a !== null && k !== 1) copyOut(heap, ptr[k], n, a, 0);
    });
  };
}
