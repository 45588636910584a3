// Variable-length batches: checking `lengths`, joining the directions' states into the
// layer output (zero past each example's length) and picking each example's output
// at its last valid step.
//   B batch, T time, H hidden size

import { gather, Tensor, type FloatArray, type FloatDtype } from "@unroll/autograd";
import { checkLengths as checkLengthsIn, differentiable, floatBuffer, floatData, fmt, freshGrad, fromFlat, kernels, record } from "@unroll/autograd/extend";
import { RECURRENT_NO_DOUBLE_BACKWARD } from "./recurrent.js";

/** `lengths` checked as [B] with each value in [1, T], or null when none is given. `op` names the caller in errors. */
export function checkLengths(op: string, lengths: unknown, B: number, T: number): Int32Array | null {
  return checkLengthsIn(op, lengths, B, { min: 1, max: T });
}

/**
 * A layer's output from the states of its directions ([T+1, B, H] each, as `recurrent`
 * returns them): time t is slot t+1 of the forward direction and slot t of the reverse,
 * side by side, 0 where t >= lengths[b]. [B, T, D·H] (batchFirst) or [T, B, D·H]. With
 * `into` (at least T·B·D·H long) the result is written there instead of a new buffer.
 */
export function layerOutput(dirs: Tensor[], lengths: Int32Array | null, batchFirst: boolean, into: FloatArray | null = null): Tensor {
  const [T1, B, H] = dirs[0].shape;
  const T = T1 - 1;
  const D = dirs.length;
  const dtype = dirs[0].dtype as FloatDtype;
  // row (b, t) of the output starts here
  const at = (b: number, t: number): number => (batchFirst ? b * T + t : t * B + b) * D * H;
  // time t is slot t + 1 of the forward direction, slot t of the reverse
  const first = (d: number): number => (d === 0 ? B * H : 0);
  // the states' rows [T, B] become the output's [B, T] (batchFirst), or stay in order
  const [A, Bo] = batchFirst ? [T, B] : [T * B, 1];
  /** Rows (b, t) past their length: 0 in the output, and no gradient back. */
  const padded: [number, number][] = [];
  if (lengths !== null) for (let b = 0; b < B; b++) for (let t = lengths[b]; t < T; t++) padded.push([b, t]);
  const out = into !== null ? into.subarray(0, B * T * D * H) : floatBuffer(dtype, B * T * D * H);
  dirs.forEach((s, d) => {
    kernels.swapAxes(out, d * H, D * H, floatData(s.view, dtype), first(d), H, A, Bo, H);
  });
  for (const [b, t] of padded) out.fill(0, at(b, t), at(b, t) + D * H);
  const shape = batchFirst ? [B, T, D * H] : [T, B, D * H];
  // d layerOutput / d states = g at step t in the direction's slot (t + 1 forward, t reverse) on rows within their length, 0 past it
  return record("layerOutput", dirs, out, shape, (g) => {
    const dout = floatData(g.view, dtype);
    return dirs.map((s, d) => {
      if (!s.requiresGrad) return null;
      const dsTensor = freshGrad(dtype, s.shape);
      const ds = dsTensor.buffer as FloatArray;
      kernels.swapAxes(ds, first(d), H, dout, d * H, D * H, Bo, A, H);
      for (const [b, t] of padded) ds.fill(0, first(d) + (t * B + b) * H, first(d) + (t * B + b + 1) * H);
      return dsTensor;
    });
  }, { noDoubleBackward: RECURRENT_NO_DOUBLE_BACKWARD });
}

/**
 * x [B, T, I] as [T, B, I] (time-major, so that each step reads one packed [B, I] block),
 * copied into `into` (at least T·B·I long). Differentiable.
 */
export function timeMajor(x: Tensor, into: FloatArray): Tensor {
  const [B, T, I] = x.shape;
  const out = into.subarray(0, T * B * I);
  kernels.swapAxes(out, 0, I, floatData(x.view, x.dtype), 0, I, B, T, I);
  // d timeMajor / d x = g[t, b] moved back to [b, t]
  return record("timeMajor", [x], out, [T, B, I], (g) => {
    const dx = freshGrad(x.dtype, x.shape);
    kernels.swapAxes(dx.buffer as FloatArray, 0, I, floatData(g.view, x.dtype), 0, I, T, B, I);
    return [dx];
  }, differentiable((g) => [g.permute([1, 0, 2])]));
}

/**
 * Each example's output at its last valid step: output [B, T, H] → [B, H], at
 * t = lengths[b] - 1 (t = T - 1 without lengths). Differentiable.
 * Example: `const last = lastValid(rnn.forward(x, null, { lengths }).output, lengths)`.
 */
export function lastValid(output: Tensor, lengths?: Tensor | readonly number[] | null): Tensor {
  if (!(output instanceof Tensor)) throw new TypeError(`lastValid: output must be a Tensor`);
  if (output.ndim !== 3) throw new Error(`lastValid: output is ${fmt(output.shape)} but expected [B,T,H] (batch, time, hidden)`);
  const [B, T, H] = output.shape;
  if (T === 0) throw new Error(`lastValid: output is ${fmt(output.shape)} and has no time steps`);
  const lens = checkLengths("lastValid", lengths, B, T);
  const index = new Int32Array(B * H);
  for (let b = 0; b < B; b++) index.fill(lens === null ? T - 1 : lens[b] - 1, b * H, (b + 1) * H);
  return gather(output, 1, fromFlat(index, [B, 1, H])).reshape([B, H]);
}
