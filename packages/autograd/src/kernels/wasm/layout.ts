// swapAxes (kernels/layout.ts) in wasm: rows moved by vector copies, the operands moved in
// and out in bulk when they are not resident. Rows of a dst with a wider pitch keep what lies
// between them (copied in first).

import type { SwapAxes } from "../layout.js";
import { copyIn, copyOut, layout, outAddress, type WasmHeap } from "./module.js";

/** Below this many elements the JavaScript loop is as fast as a call and two bulk copies. */
const MIN_ELEMENTS = 1024;

export function makeSwapAxesWasm(heap: WasmHeap, js: SwapAxes, minElements = MIN_ELEMENTS): SwapAxes {
  return (dst, dOff, dstPitch, src, sOff, srcPitch, A, B, L) => {
    const f32 = dst instanceof Float32Array;
    const n = A * B;
    const size = f32 ? 4 : 8;
    const srcSpan = n === 0 ? 0 : (n - 1) * srcPitch + L;
    const dstSpan = n === 0 ? 0 : (n - 1) * dstPitch + L;
    const at = n * L < minElements || src instanceof Float32Array !== f32 ? null : layout(heap, size, [srcSpan, dstSpan]);
    if (at === null) {
      js(dst, dOff, dstPitch, src, sOff, srcPitch, A, B, L);
      return;
    }
    const s0 = copyIn(heap, src, sOff, srcSpan, at[0]);
    const d0 = dstPitch > L ? copyIn(heap, dst, dOff, dstSpan, at[1]) : outAddress(heap, dst, dOff, at[1]);
    heap.exports.swapAxes(d0, dstPitch * size, s0, srcPitch * size, A, B, L * size);
    copyOut(heap, d0, dstSpan, dst, dOff);
  };
}
