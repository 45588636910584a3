// The fused RNN step (kernels/rnn-step.ts has the math and the JavaScript version) with
// everything inside wasm memory: one copy in per operand and one copy out per result,
// both products, the bias and the activation in SIMD (float32 tanh is ~6x Math.tanh).
//   B batch, I input size, H hidden size
//   x [B, I], h [B, H], hOut [B, H], wIh [H, I], wHh [H, H], bIh [H], bHh [H]
// Rows past their sequence's length (d.lengths) are patched in JavaScript after the copy
// out: they carry h forward (dh carries dout back) and get no dz.

import type { FloatArray } from "../../dtype.js";
import type { RnnStepBackward, RnnStepDims, RnnStepForward } from "../rnn-step.js";
import { layout, span, view, type WasmHeap } from "./module.js";

/** Below this many multiply-adds per step the JavaScript step is as fast (a few calls and copies). */
const MIN_WORK = 4096;

function active(d: RnnStepDims, b: number): boolean {
  return d.lengths === null || d.t < d.lengths[b];
}

function allActive(d: RnnStepDims): boolean {
  if (d.lengths === null) return true;
  for (let b = 0; b < d.batch; b++) if (!(d.t < d.lengths[b])) return false;
  return true;
}

/** All arrays float32, or all float64: the one case the wasm step handles. */
function sameFloat(f32: boolean, xs: readonly (FloatArray | null)[]): boolean {
  for (const x of xs) if (x !== null && x instanceof Float32Array !== f32) return false;
  return true;
}

export interface RnnStep {
  forward: RnnStepForward;
  backward: RnnStepBackward;
}

/** The wasm step on `heap`; `js` runs steps under `minWork` multiply-adds and mixed dtypes. */
export function makeRnnStepWasm(heap: WasmHeap, js: RnnStep, minWork = MIN_WORK): RnnStep {
  const forward: RnnStepForward = (hOut, d, x, xOff, h, hOff, wIh, wHh, bIh, bHh) => {
    const { batch: B, input: I, hidden: H } = d;
    const f32 = hOut instanceof Float32Array;
    const at = B * H * (I + H) < minWork || !sameFloat(f32, [x, h, wIh, wHh, bIh, bHh]) ? null : layout(heap, f32 ? 4 : 8, [B * I, B * H, H * I, H * H, H, H, B * H]);
    if (at === null) {
      js.forward(hOut, d, x, xOff, h, hOff, wIh, wHh, bIh, bHh);
      return;
    }
    const [px, ph, pwIh, pwHh, pbIh, pbHh, pz] = at;
    const { mem, shift } = view(heap, f32);
    const ex = heap.exports;
    mem.set(span(x, xOff, B * I), px >> shift);
    mem.set(span(h, hOff, B * H), ph >> shift);
    mem.set(span(wIh, 0, H * I), pwIh >> shift);
    mem.set(span(wHh, 0, H * H), pwHh >> shift);
    if (bIh !== null) mem.set(span(bIh, 0, H), pbIh >> shift);
    if (bHh !== null) mem.set(span(bHh, 0, H), pbHh >> shift);
    // z = b_ih + b_hh + x W_ihᵀ + h W_hhᵀ, then hOut = act(z)
    (f32 ? ex.biasRowsF32 : ex.biasRowsF64)(pz, B, H, bIh === null ? 0 : pbIh, bHh === null ? 0 : pbHh);
    const gemm = f32 ? ex.sgemm : ex.dgemm;
    gemm(false, true, B, H, I, px, pwIh, pz, true, heap.work);
    gemm(false, true, B, H, H, ph, pwHh, pz, true, heap.work);
    if (d.relu) (f32 ? ex.reluF32 : ex.reluF64)(pz, B * H);
    else (f32 ? ex.tanhF32 : ex.tanhF64)(pz, B * H);
    hOut.set(mem.subarray(pz >> shift, (pz >> shift) + B * H), 0);
    if (allActive(d)) return;
    for (let b = 0; b < B; b++) {
      if (!active(d, b)) hOut.set(span(h, hOff + b * H, H), b * H);
    }
  };

  const backward: RnnStepBackward = (grads, d, dout, hOut, x, xOff, h, hOff, wIh, wHh) => {
    const { batch: B, input: I, hidden: H } = d;
    const { dx, dh, dWIh, dWHh, dbIh, dbHh } = grads;
    const f32 = dout instanceof Float32Array;
    const arrays = [hOut, x, h, wIh, wHh, dx, dh, dWIh, dWHh, dbIh, dbHh, grads.dz ?? null];
    const at = B * H * (I + H) < minWork || !sameFloat(f32, arrays) ? null : layout(heap, f32 ? 4 : 8, [B * H, B * H, B * H, B * I, B * H, H * I, H * H, B * I, B * H, H * I, H * H, H]);
    if (at === null) {
      js.backward(grads, d, dout, hOut, x, xOff, h, hOff, wIh, wHh);
      return;
    }
    const [pdout, py, pdz, px, ph, pwIh, pwHh, pdx, pdh, pdWIh, pdWHh, pdb] = at;
    const { mem, shift } = view(heap, f32);
    const ex = heap.exports;
    const gemm = f32 ? ex.sgemm : ex.dgemm;
    const out = (p: number, n: number, dst: FloatArray, off: number) => dst.set(mem.subarray(p >> shift, (p >> shift) + n), off);
    mem.set(span(dout, 0, B * H), pdout >> shift);
    mem.set(span(hOut, 0, B * H), py >> shift);
    // dz = dout · act'(z), zero on rows past their length
    (d.relu ? (f32 ? ex.reluBackwardF32 : ex.reluBackwardF64) : f32 ? ex.tanhBackwardF32 : ex.tanhBackwardF64)(pdz, pdout, py, B * H);
    if (!allActive(d)) {
      for (let b = 0; b < B; b++) if (!active(d, b)) mem.fill(0, (pdz >> shift) + b * H, (pdz >> shift) + (b + 1) * H);
    }
    if (grads.dz) out(pdz, B * H, grads.dz, grads.dzOff ?? 0);
    if (dx !== null) {
      // dx = dz W_ih
      mem.set(span(wIh, 0, H * I), pwIh >> shift);
      gemm(false, false, B, I, H, pdz, pwIh, pdx, false, heap.work);
      out(pdx, B * I, dx, grads.dxOff);
    }
    if (dh !== null) {
      // dh = dz W_hh on active rows, dout carried through on the others
      mem.set(span(wHh, 0, H * H), pwHh >> shift);
      gemm(false, false, B, H, H, pdz, pwHh, pdh, false, heap.work);
      out(pdh, B * H, dh, 0);
      if (!allActive(d)) {
        for (let b = 0; b < B; b++) if (!active(d, b)) dh.set(span(dout, b * H, H), b * H);
      }
    }
    if (dWIh !== null) {
      // dW_ih += dzᵀ x
      mem.set(span(x, xOff, B * I), px >> shift);
      mem.set(span(dWIh, 0, H * I), pdWIh >> shift);
      gemm(true, false, H, I, B, pdz, px, pdWIh, true, heap.work);
      out(pdWIh, H * I, dWIh, 0);
    }
    if (dWHh !== null) {
      // dW_hh += dzᵀ h
      mem.set(span(h, hOff, B * H), ph >> shift);
      mem.set(span(dWHh, 0, H * H), pdWHh >> shift);
      gemm(true, false, H, H, B, pdz, ph, pdWHh, true, heap.work);
      out(pdWHh, H * H, dWHh, 0);
    }
    // db_ih += Σ_b dz ; db_hh += Σ_b dz
    for (const db of [dbIh, dbHh]) {
      if (db === null) continue;
      mem.set(span(db, 0, H), pdb >> shift);
      (f32 ? ex.addColumnSumsF32 : ex.addColumnSumsF64)(pdb, pdz, B, H);
      out(pdb, H, db, 0);
    }
  };

  return { forward, backward };
}
