// The fused softmax-cross-entropy forward (math and JavaScript version: kernels/softmax-xent.ts)
// with its exp-heavy half in wasm SIMD: per row m, exps and s (assembly/softmax.ts); the
// per-row losses from them stay in JavaScript. Why this split: PERFORMANCE.md.
//   N rows, C classes; logits, exps [N, C]; rowMax, rowSum, loss [N]

import type { FloatArray } from "../../dtype.js";
import { rowLosses, type SoftmaxXentForward, type SoftmaxXentSaved } from "../softmax-xent.js";
import { copyIn, copyOut, layout, outAddress, type WasmHeap } from "./module.js";

/** Below this many logits the JavaScript forward is as fast (a call and three copies). */
const MIN_LOGITS = 256;

/** The wasm forward on `heap`; `js` runs below `minLogits` logits and for mixed dtypes. */
export function makeSoftmaxXentWasm(heap: WasmHeap, js: SoftmaxXentForward, minLogits = MIN_LOGITS): SoftmaxXentForward {
  let scratch: SoftmaxXentSaved | null = null;
  return (loss, saved, logits, s) => {
    const { rows: n, classes: c } = s;
    const f32 = logits instanceof Float32Array;
    const size = f32 ? 4 : 8;
    // rowMax and rowSum are float64 whatever the logits are: 8 / size elements each.
    const at = n * c < minLogits || (saved !== null && saved.exps instanceof Float32Array !== f32) ? null : layout(heap, size, [n * c, n * c, (n * 8) / size, (n * 8) / size]);
    if (at === null) {
      js(loss, saved, logits, s);
      return;
    }
    const [px, pe, pm, ps] = at;
    const x0 = copyIn(heap, logits, 0, n * c, px);
    const e0 = saved === null ? pe : outAddress(heap, saved.exps, 0, pe);
    (f32 ? heap.exports.softmaxRowsF32 : heap.exports.softmaxRowsF64)(x0, e0, pm, ps, n, c);
    let out = saved;
    if (out === null) {
      if (scratch === null || scratch.rowMax.length < n) scratch = { exps: new Float64Array(0), rowMax: new Float64Array(n), rowSum: new Float64Array(n) };
      out = scratch;
    } else {
      copyOut(heap, e0, n * c, out.exps, 0);
    }
    copyOut(heap, pm, n, out.rowMax, 0);
    copyOut(heap, ps, n, out.rowSum, 0);
    rowLosses(loss, logits, out.rowMax, out.rowSum, s);
  };
}
