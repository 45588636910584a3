// The fused softmax-cross-entropy forward (kernels/softmax-xent.ts has the math, the
// options and the JavaScript version) with its exp-heavy half in wasm SIMD: per row the
// max m, exps = exp(x - m) and s = Σ exps (assembly/softmax.ts, about 1 ns an element
// against 7-16 in JavaScript). The per-row losses then need one log and O(1) work per
// row here, or O(C) for label smoothing and soft targets. The backward is elementwise
// and stays the JavaScript one.
//   N rows, C classes; logits, exps [N, C]; rowMax, rowSum, loss [N]

import type { FloatArray } from "../../dtype.js";
import type { SoftmaxXentForward, SoftmaxXentSaved, SoftmaxXentSpec } from "../softmax-xent.js";
import { layout, span, view, type WasmHeap } from "./module.js";

/** Below this many logits the JavaScript forward is as fast (a call and three copies). */
const MIN_LOGITS = 256;

function counts(s: SoftmaxXentSpec, r: number): boolean {
  if (s.skip !== null && s.skip[r] !== 0) return false;
  return s.target === null || s.target[r] !== s.ignoreIndex;
}

function weightSum(s: SoftmaxXentSpec): number {
  if (s.weight === null) return s.classes;
  let sum = 0;
  for (let j = 0; j < s.classes; j++) sum += s.weight[j];
  return sum;
}

/** Per-row losses from the row max and sum, with the same formulas as the JavaScript kernel. */
function losses(loss: FloatArray, x: FloatArray, rowMax: Float64Array, rowSum: Float64Array, s: SoftmaxXentSpec): void {
  const { rows: n, classes: c, target, soft, weight } = s;
  const keep = 1 - s.labelSmoothing;
  const spread = s.labelSmoothing / c;
  const wSum = weightSum(s);
  for (let r = 0; r < n; r++) {
    if (!counts(s, r)) {
      loss[r] = 0;
      continue;
    }
    const off = r * c;
    const m = rowMax[r];
    const logSum = Math.log(rowSum[r]);
    if (target !== null) {
      // -Σ q log p = (1 - ε) w_y (log s - (x_y - m)) + (ε / C) (Σw · log s - Σ_c w_c (x_c - m))
      const y = target[r];
      const wy = weight === null ? 1 : weight[y];
      let l = keep * wy * (logSum - (x[off + y] - m));
      if (spread !== 0) {
        let shifted = 0;
        if (weight === null) for (let j = 0; j < c; j++) shifted += x[off + j] - m;
        else for (let j = 0; j < c; j++) shifted += weight[j] * (x[off + j] - m);
        l += spread * (wSum * logSum - shifted);
      }
      loss[r] = l;
    } else {
      // -Σ q log p with q_c = w_c ((1 - ε) t_c + ε / C)
      const t = soft as FloatArray;
      let l = 0;
      for (let j = 0; j < c; j++) {
        const q = (keep * t[off + j] + spread) * (weight === null ? 1 : weight[j]);
        l += q * (logSum - (x[off + j] - m));
      }
      loss[r] = l;
    }
  }
}

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
    const { mem, shift } = view(heap, f32);
    mem.set(span(logits, 0, n * c), px >> shift);
    (f32 ? heap.exports.softmaxRowsF32 : heap.exports.softmaxRowsF64)(px, pe, pm, ps, n, c);
    let out = saved;
    if (out === null) {
      if (scratch === null || scratch.rowMax.length < n) scratch = { exps: new Float64Array(0), rowMax: new Float64Array(n), rowSum: new Float64Array(n) };
      out = scratch;
    } else {
      out.exps.set(mem.subarray(pe >> shift, (pe >> shift) + n * c), 0);
    }
    out.rowMax.set(heap.f64.subarray(pm >> 3, (pm >> 3) + n), 0);
    out.rowSum.set(heap.f64.subarray(ps >> 3, (ps >> 3) + n), 0);
    losses(loss, logits, out.rowMax, out.rowSum, s);
  };
}
