// The fused RNN time step: x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, the activation and the
// lengths mask, recorded as ONE op per step whose backward gives dx, dh and the
// parameter gradients together. The arithmetic is in @unroll/autograd's kernels.
//   B batch, T time, I input size, H hidden size
//   x [T, B, I] time-major (or [B, I] for a single step), h [B, H], result [B, H]
//
// The input and the weights are shared by every step of a sequence. Returning their
// gradient from each step would make the engine add up T full-size tensors; instead
// the steps of one sequence += into one `StepSink`, and step 0, which the engine
// always runs last (every later step depends on it), hands the sums over.
// The sums and each step's dh are engine-owned gradients (`freshGrad`): the engine keeps
// them as .grad or recycles them, so a training step does not page-fault in new buffers.

import { flat, freshGrad, kernels, record, type FloatArray, type FloatDtype, type Tensor } from "@unroll/autograd";

/** The parameters of one recurrent layer, as in `torch.nn.RNNCell`. */
export interface StepParams {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

export interface StepOptions {
  relu: boolean;
  /** Valid steps per example ([B], each in [1, T]), or null when all are full length. */
  lengths: Int32Array | null;
}

type SlotKey = "dx" | "dWIh" | "dWHh" | "dbIh" | "dbHh";

/**
 * What the steps of one unrolled sequence share: the gradients of x and of the
 * parameters, summed over the steps, and optionally where the states go.
 */
export class StepSink {
  dx: Tensor | null = null;
  dWIh: Tensor | null = null;
  dWHh: Tensor | null = null;
  dbIh: Tensor | null = null;
  dbHh: Tensor | null = null;
  /**
   * When set, step t writes its state [B, H] at t·B·H of this buffer instead of a new
   * one; the owner must not reuse it before `release` is called.
   */
  states: FloatArray | null = null;
  /** Called once step 0's backward has run for the last time: nothing reads `states` (or x) again. */
  release: (() => void) | null = null;
}

function allocate(dtype: FloatDtype, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/** The row-major values of `t` as a `dtype` buffer (a gradient may arrive in another dtype). */
function floatData(t: Tensor, dtype: FloatDtype): FloatArray {
  const a = flat(t.data);
  if (dtype === "float32") return a instanceof Float32Array ? a : Float32Array.from(a);
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

/** The sink buffer for `t` when `t` needs a gradient, made (zeroed) on first use. */
function slot(sink: StepSink, key: SlotKey, t: Tensor | null): FloatArray | null {
  if (t === null || !t.requiresGrad) return null;
  return (sink[key] ??= freshGrad(t.dtype, t.shape)).data.data as FloatArray;
}

/** Hand a summed gradient over, and empty the slot: the engine owns it from here. */
function take(sink: StepSink, key: SlotKey): Tensor | null {
  const g = sink[key];
  sink[key] = null;
  return g;
}

/**
 * One recorded time step t of a sequence: act(x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh), with
 * rows past their length carrying h. All tensors share one float dtype (the caller
 * checks shapes and dtypes). Use one fresh sink per unrolled sequence, starting at
 * t = 0 and feeding each step the previous one's result.
 * Example: `for (let t = 0; t < T; t++) h = rnnStep(x, t, h, cell, opts, sink)`.
 */
export function rnnStep(x: Tensor, t: number, h: Tensor, p: StepParams, opts: StepOptions, sink: StepSink): Tensor {
  const dtype = h.dtype as FloatDtype;
  const [B, H] = h.shape;
  const I = x.shape[x.ndim - 1];
  const dims = { batch: B, input: I, hidden: H, relu: opts.relu, lengths: opts.lengths, t };
  const xOff = t * B * I;
  const xData = floatData(x, dtype);
  const hData = floatData(h, dtype);
  const wIh = floatData(p.weightIh, dtype);
  const wHh = floatData(p.weightHh, dtype);
  const out = sink.states === null ? allocate(dtype, B * H) : sink.states.subarray(t * B * H, (t + 1) * B * H);
  kernels.rnnStepForward(out, dims, xData, xOff, hData, 0, wIh, wHh, p.biasIh && floatData(p.biasIh, dtype), p.biasHh && floatData(p.biasHh, dtype));

  const inputs = [x, h, p.weightIh, p.weightHh];
  if (p.biasIh) inputs.push(p.biasIh);
  if (p.biasHh) inputs.push(p.biasHh);
  return record("rnnStep", inputs, out, [B, H], (g, retainGraph) => {
    const dhTensor = h.requiresGrad ? freshGrad(dtype, h.shape) : null;
    const dh = dhTensor && (dhTensor.data.data as FloatArray);
    const grads = {
      dx: slot(sink, "dx", x),
      dxOff: xOff,
      dh,
      dWIh: slot(sink, "dWIh", p.weightIh),
      dWHh: slot(sink, "dWHh", p.weightHh),
      dbIh: slot(sink, "dbIh", p.biasIh),
      dbHh: slot(sink, "dbHh", p.biasHh),
    };
    // dz = dout ⊙ act'(z) on active rows; dx = dz W_ih; dh = dz W_hh (dout on carried rows);
    // dW_ih += dzᵀ x; dW_hh += dzᵀ h; db_ih = db_hh += Σ_b dz
    kernels.rnnStepBackward(grads, dims, floatData(g, dtype), out, xData, xOff, hData, 0, wIh, wHh);
    if (t !== 0) return [null, dhTensor, null, null, null, null].slice(0, inputs.length);
    if (!retainGraph && sink.release !== null) {
      sink.release();
      sink.release = null;
    }
    const result = [take(sink, "dx"), dhTensor, take(sink, "dWIh"), take(sink, "dWHh")];
    if (p.biasIh) result.push(take(sink, "dbIh"));
    if (p.biasHh) result.push(take(sink, "dbHh"));
    return result;
  }, { borrowsDout: true });
}
