// The recurrent cell kernels (kernels/cells.ts has the math and the JavaScript version) on
// assembly/cells.ts's SIMD ones: per step the blocks that are not resident are copied into
// wasm memory, the pointwise math runs there, and the results are copied out.
//   B batch, H hidden, G gates, S saved blocks; per step gx, gh [B, G·H], h, c [B, H], saved [B, S·H]

import type { FloatArray } from "../../dtype.js";
import type { CellBackward, CellBuffers, CellForward } from "../cells.js";
import { copyIn, copyOut, layout, outAddress, type WasmHeap } from "./module.js";

export interface WasmCells {
  rnnTanhForward: CellForward;
  rnnTanhBackward: CellBackward;
  rnnReluForward: CellForward;
  rnnReluBackward: CellBackward;
  gruForward: CellForward;
  gruBackward: CellBackward;
  lstmForward: CellForward;
  lstmBackward: CellBackward;
}

const IN = 1;
const OUT = 2;
const INOUT = IN | OUT;
/** n elements of `a` from `off`, copied in, out or both; an absent one (null) gets address 0. */
type Block = [a: FloatArray | null, off: number, n: number, mode: number];

/** True when every buffer of s is float32 (or every one float64): the case wasm handles. */
function uniform(s: CellBuffers): boolean {
  const f32 = s.h instanceof Float32Array;
  for (const a of [s.gx, s.gh, s.bHh, s.c, s.saved, s.dgh, s.dh, s.dc, s.dhOut, s.dcOut]) {
    if (a !== null && a instanceof Float32Array !== f32) return false;
  }
  return true;
}

/** The cell kernels on `heap`; `js` runs the steps wasm cannot (mixed dtypes, beyond wasm32 memory). */
export function makeCellsWasm(heap: WasmHeap, js: WasmCells): WasmCells {
  /** Copy the blocks in, run `fn` on their byte addresses, copy them out; false when wasm cannot. */
  function run(s: CellBuffers, blocks: Block[], fn: (f32: boolean, at: number[]) => void): boolean {
    if (!uniform(s)) return false;
    const f32 = s.h instanceof Float32Array;
    const at = layout(heap, f32 ? 4 : 8, blocks.map(([a, , n]) => (a === null ? 0 : n)));
    if (at === null) return false;
    // Resident blocks are used in place; the others are copied through the scratch.
    blocks.forEach(([a, off, n, mode], k) => {
      if (a === null) at[k] = 0;
      else at[k] = mode & IN ? copyIn(heap, a, off, n, at[k]) : outAddress(heap, a, off, at[k]);
    });
    fn(f32, at);
    blocks.forEach(([a, off, n, mode], k) => {
      if (a !== null && mode & OUT) copyOut(heap, at[k], n, a, off);
    });
    return true;
  }
  const ex = heap.exports;

  const rnnForward = (relu: boolean, fallback: CellForward): CellForward => (s, t, from, to) => {
    const { batch: B, hidden: H } = s;
    const n = B * H;
    const blocks: Block[] = [[s.h, to * n, n, OUT], [s.gx, t * n, n, IN], [s.gh, 0, n, IN], [s.bHh, 0, H, IN]];
    const ok = run(s, blocks, (f32, [h, gx, gh, b]) => {
      (relu ? (f32 ? ex.rnnReluForwardF32 : ex.rnnReluForwardF64) : f32 ? ex.rnnTanhForwardF32 : ex.rnnTanhForwardF64)(h, gx, gh, b, B, H);
    });
    if (!ok) fallback(s, t, from, to);
  };

  const rnnBackward = (relu: boolean, fallback: CellBackward): CellBackward => (s, t, from, to) => {
    const n = s.batch * s.hidden;
    const blocks: Block[] = [[s.gx, t * n, n, OUT], [s.dh, 0, n, IN], [s.h, to * n, n, IN], [s.dhOut, to * n, n, IN]];
    const ok = run(s, blocks, (f32, [dz, dh, y, dy]) => {
      (relu ? (f32 ? ex.rnnReluBackwardF32 : ex.rnnReluBackwardF64) : f32 ? ex.rnnTanhBackwardF32 : ex.rnnTanhBackwardF64)(dz, dh, y, dy, n);
    });
    if (!ok) fallback(s, t, from, to);
  };

  const gruForward: CellForward = (s, t, from, to) => {
    const { batch: B, hidden: H } = s;
    const n = B * H;
    const blocks: Block[] = [
      [s.h, to * n, n, OUT], [s.saved, t * 4 * n, 4 * n, OUT],
      [s.gx, t * 3 * n, 3 * n, IN], [s.gh, 0, 3 * n, IN], [s.bHh, 0, 3 * H, IN], [s.h, from * n, n, IN],
    ];
    const ok = run(s, blocks, (f32, [h, saved, gx, gh, b, hp]) => (f32 ? ex.gruForwardF32 : ex.gruForwardF64)(h, saved, gx, gh, b, hp, B, H));
    if (!ok) js.gruForward(s, t, from, to);
  };

  const gruBackward: CellBackward = (s, t, from, to) => {
    const { batch: B, hidden: H } = s;
    const n = B * H;
    const blocks: Block[] = [
      [s.gx, t * 3 * n, 3 * n, OUT], [s.dgh, t * 3 * n, 3 * n, OUT], [s.dh, 0, n, INOUT],
      [s.saved, t * 4 * n, 4 * n, IN], [s.h, from * n, n, IN], [s.dhOut, to * n, n, IN],
    ];
    const ok = run(s, blocks, (f32, [dgx, dgh, dh, saved, hp, dy]) => (f32 ? ex.gruBackwardF32 : ex.gruBackwardF64)(dgx, dgh, dh, saved, hp, dy, B, H));
    if (!ok) js.gruBackward(s, t, from, to);
  };

  const lstmForward: CellForward = (s, t, from, to) => {
    const { batch: B, hidden: H } = s;
    const n = B * H;
    const blocks: Block[] = [
      [s.h, to * n, n, OUT], [s.c, to * n, n, OUT], [s.saved, t * 5 * n, 5 * n, OUT],
      [s.gx, t * 4 * n, 4 * n, IN], [s.gh, 0, 4 * n, IN], [s.bHh, 0, 4 * H, IN], [s.c, from * n, n, IN],
    ];
    const ok = run(s, blocks, (f32, [h, c, saved, gx, gh, b, cp]) => (f32 ? ex.lstmForwardF32 : ex.lstmForwardF64)(h, c, saved, gx, gh, b, cp, B, H));
    if (!ok) js.lstmForward(s, t, from, to);
  };

  const lstmBackward: CellBackward = (s, t, from, to) => {
    const { batch: B, hidden: H } = s;
    const n = B * H;
    const blocks: Block[] = [
      [s.gx, t * 4 * n, 4 * n, OUT], [s.dh, 0, n, IN], [s.dc, 0, n, INOUT],
      [s.saved, t * 5 * n, 5 * n, IN], [s.c, from * n, n, IN], [s.dhOut, to * n, n, IN], [s.dcOut, to * n, n, IN],
    ];
    const ok = run(s, blocks, (f32, [dgx, dh, dc, saved, cp, dy, dcy]) => (f32 ? ex.lstmBackwardF32 : ex.lstmBackwardF64)(dgx, dh, dc, saved, cp, dy, dcy, B, H));
    if (!ok) js.lstmBackward(s, t, from, to);
  };

  return {
    rnnTanhForward: rnnForward(false, js.rnnTanhForward),
    rnnReluForward: rnnForward(true, js.rnnReluForward),
    rnnTanhBackward: rnnBackward(false, js.rnnTanhBackward),
    rnnReluBackward: rnnBackward(true, js.rnnReluBackward),
    gruForward,
    gruBackward,
    lstmForward,
    lstmBackward,
  };
}
