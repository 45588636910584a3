// Gradient clipping, in place on the .grad buffers, as torch.nn.utils
// clip_grad_norm_ and clip_grad_value_. Used between backward() and step().

import type { TypedArray } from "./dtype.js";
import { flat } from "./strides.js";
import { checkOptions, checkValue, describeValue } from "./options.js";
import { Tensor } from "./tensor.js";
import { writeBack } from "./optim/optimizer.js";

export interface ClipGradNormOptions {
  /** The p of the p-norm: 2 (default), any p > 0, or Infinity for the largest magnitude. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default true); when false, return it and leave the gradients alone. */
  errorIfNonfinite?: boolean;
}

/**
 * Scale all gradients together so that their joint L2 norm is at most `maxNorm`
 * (by maxNorm / (norm + 1e-6) when that is below 1) and return the norm before clipping.
 * Parameters whose grad is null are skipped. Example: `const norm = clipGradNorm(model.parameters(), 1.0)`.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const list = paramList("clipGradNorm", params);
  checkValue("clipGradNorm", "maxNorm", maxNorm, { type: "number", min: 0, infinite: true, required: true });
  const o = checkOptions<ClipGradNormOptions>("clipGradNorm", options, {
    normType: { type: "number", above: 0, infinite: true },
    errorIfNonfinite: "boolean",
  });
  const { errorIfNonfinite = true, normType = 2 } = o;
  const norm = (b: TypedArray | Float64Array): number => (normType === 2 ? l2(b) : pNorm(b, normType));

  const grads = list.map((p) => p.grad).filter((g): g is Tensor => g !== null && g !== undefined);
  const bufs = grads.map((g) => flat(g.view));
  // As PyTorch: the norm of each gradient, then the norm of those norms.
  const norms = new Float64Array(bufs.length);
  bufs.forEach((b, i) => (norms[i] = norm(b)));
  const total = norm(norms);
  if (!Number.isFinite(total)) {
    if (!errorIfNonfinite) return total;
    const bad = list.findIndex((p) => p.grad && !Number.isFinite(norm(flat(p.grad.view))));
    throw new Error(
      `clipGradNorm: the total norm of the gradients is ${total}` +
        (bad >= 0 ? ` (params[${bad}] has a non-finite gradient)` : "") +
        `; the gradients were not changed. Pass { errorIfNonfinite: false } to get the norm back without an error`,
    );
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    grads.forEach((g, i) => {
      const b = bufs[i];
      for (let j = 0; j < b.length; j++) b[j] *= coef;
      writeBack(g, b);
    });
  }
  return total;
}

/**
 * Clamp every gradient element into [-limit, limit] in place; NaN stays NaN.
 * Example: `clipGradValue(model.parameters(), 5)` (min-char-rnn's clip to [-5, 5]).
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, limit: number): void {
  const list = paramList("clipGradValue", params);
  checkValue("clipGradValue", "limit", limit, { type: "number", min: 0, infinite: true, required: true });
  for (const p of list) {
    if (p.grad === null || p.grad === undefined) continue;
    const b = flat(p.grad.view);
    for (let j = 0; j < b.length; j++) {
      const x = b[j];
      if (x > limit) b[j] = limit;
      else if (x < -limit) b[j] = -limit;
    }
    writeBack(p.grad, b);
  }
}

/**
 * The L2 norm of a buffer. The plain sum of squares is exact enough and matches
 * PyTorch; when it overflows or underflows, rescale by the largest magnitude.
 */
function l2(b: TypedArray): number {
  let ss = 0;
  for (let j = 0; j < b.length; j++) ss += b[j] * b[j];
  if (ss !== Infinity && !(ss > 0 && ss < 1e-280)) return Math.sqrt(ss);
  let scale = 0;
  for (let j = 0; j < b.length; j++) scale = Math.max(scale, Math.abs(b[j]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let j = 0; j < b.length; j++) s += (b[j] / scale) ** 2;
  return scale * Math.sqrt(s);
}

/** (Σ |b|^p)^(1/p), or the largest magnitude for p = Infinity. */
function pNorm(b: TypedArray | Float64Array, p: number): number {
  let m = 0;
  for (let j = 0; j < b.length; j++) m = Math.max(m, Math.abs(b[j]));
  for (let j = 0; j < b.length; j++) if (Number.isNaN(b[j])) return NaN;
  if (p === Infinity || m === 0 || !Number.isFinite(m)) return m;
  // Scaled by the largest magnitude so that |b|^p neither overflows nor underflows.
  let s = 0;
  for (let j = 0; j < b.length; j++) s += (Math.abs(b[j]) / m) ** p;
  return m * s ** (1 / p);
}

function paramList(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  if (params instanceof Tensor) return [params];
  if (params === null || typeof params !== "object" || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== "function") {
    throw new TypeError(`${op}: params must be a Tensor or an array (or iterable) of Tensors, got ${describeValue(params)}`);
  }
  const list = Array.from(params);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: params[${i}] is not a Tensor (got ${describeValue(p)})`);
    if (p.grad !== null && p.grad !== undefined && !(p.grad instanceof Tensor)) {
      throw new TypeError(`${op}: params[${i}].grad is not a Tensor or null`);
    }
  });
  return list;
}
