// Adam's update (kernels/optim.ts) in wasm: the same float64 arithmetic on two lanes, so
// the same bits as the JavaScript loop. Resident buffers (parameters, the moments Adam
// allocates) are updated in place; the gradient and anything else is copied in and out.

import type { FloatArray } from "../../dtype.js";
import type { AdamUpdate } from "../optim.js";
import { copyIn, copyOut, layout, type WasmHeap } from "./module.js";

/** Below this many elements the JavaScript loop is as fast as a call and its copies. */
const MIN_ELEMENTS = 64;

export function makeAdamWasm(heap: WasmHeap, js: AdamUpdate, minElements = MIN_ELEMENTS): AdamUpdate {
  return (p, g, m, v, vMax, c) => {
    const f32 = p instanceof Float32Array;
    const n = p.length;
    const Kind = f32 ? Float32Array : Float64Array;
    const same = g instanceof Kind && m instanceof Kind && v instanceof Kind && (vMax === null || vMax instanceof Kind);
    const at = n < minElements || !same ? null : layout(heap, f32 ? 4 : 8, [n, n, n, n, vMax === null ? 0 : n]);
    if (at === null) {
      js(p, g, m, v, vMax, c);
      return;
    }
    const pp = copyIn(heap, p, 0, n, at[0]), pg = copyIn(heap, g as FloatArray, 0, n, at[1]);
    const pm = copyIn(heap, m, 0, n, at[2]), pv = copyIn(heap, v, 0, n, at[3]);
    const pMax = vMax === null ? 0 : copyIn(heap, vMax, 0, n, at[4]);
    (f32 ? heap.exports.adamF32 : heap.exports.adamF64)(pp, pg, pm, pv, pMax, n, c.stepSize, c.bias2Sqrt, c.beta1, c.beta2, c.eps, c.shrink, c.l2, c.sign);
    // the gradient is only read; the rest comes back (a no-op for a resident buffer)
    copyOut(heap, pp, n, p, 0);
    copyOut(heap, pm, n, m, 0);
    copyOut(heap, pv, n, v, 0);
    if (vMax !== null) copyOut(heap, pMax, n, vMax, 0);
  };
}
