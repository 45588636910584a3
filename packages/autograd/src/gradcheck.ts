// Analytic gradients against central finite differences, with PyTorch's defaults, through
// one backward of sum(out * r) for a fixed random r (every input element at once);
// gradgradcheck does the same for the gradient function itself (second derivatives).

import { allocate } from "./dtype.js";
import { cat, reshape } from "./ops/shape.js";
import { checkOptions, describeValue, type OptionSchema } from "./options.js";
import { createRng } from "./random.js";
import { flat, fmt, isPacked, sameShape } from "./strides.js";
import { enableGrad, gradients, noGrad } from "./engine.js";
import { fromFlat, Tensor } from "./tensor.js";

export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
  /** Seed of the random projection r. Default 0. */
  seed?: number;
  /** Stop listing failures after this many. Default 10. */
  maxFailures?: number;
}

const SCHEMA: OptionSchema<GradcheckOptions> = {
  eps: { type: "number", above: 0 },
  atol: { type: "number", min: 0 },
  rtol: { type: "number", min: 0 },
  seed: "integer",
  maxFailures: { type: "integer", min: 0 },
};

export interface GradcheckFailure {
  /** Position of the input in `inputs`. */
  input: number;
  /** Multi-index of the element. */
  index: number[];
  analytic: number;
  numeric: number;
}

export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  failures: GradcheckFailure[];
  /** A readable summary naming the first failures. */
  message: string;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/**
 * Check d fn / d input for every input that requires grad: pass where
 * |analytic - numeric| <= atol + rtol * |numeric|. Inputs should be float64.
 * Example: `expect(gradcheck((x) => x.tanh(), [randn([3], { requiresGrad: true })]).ok).toBe(true)`.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  checkInputs("gradcheck", fn, inputs);
  return check("gradcheck", fn, inputs, checkOptions<GradcheckOptions>("gradcheck", opts, SCHEMA));
}

function checkInputs(op: string, fn: unknown, inputs: unknown): asserts inputs is Tensor[] {
  if (typeof fn !== "function") throw new TypeError(`${op}: fn must be a function, got ${describeValue(fn)}`);
  if (!Array.isArray(inputs)) throw new TypeError(`${op}: inputs must be an array of Tensors, got ${describeValue(inputs)}`);
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: inputs[${i}] must be a Tensor, got ${describeValue(t)}`);
  });
  if (!inputs.some((t: Tensor) => t.requiresGrad)) throw new Error(`${op}: no input requires grad; create them with { requiresGrad: true }`);
  inputs.forEach((t: Tensor, i) => {
    if (t.requiresGrad && !t.isLeaf) throw new Error(`${op}: inputs[${i}] is not a leaf tensor`);
    if (t.requiresGrad && !isPacked(t.view)) throw new Error(`${op}: inputs[${i}] ${fmt(t.shape)} must own a packed buffer (pass a fresh tensor, not a view)`);
  });
}

export interface GradgradcheckOptions extends GradcheckOptions {
  /**
   * The gradient flowing into fn's output for the first derivative, shaped like the
   * output. Default: uniform in [-1, 1), seeded by `seed`. It is checked as an input too.
   */
  gradOutputs?: Tensor;
}

/**
 * Check second derivatives, as torch.autograd.gradgradcheck: gradcheck the function
 * (inputs, v) → d(sum(fn(inputs) · v))/d inputs, recorded with createGraph, against
 * central differences. Failures at input index `inputs.length` concern v.
 * Example: `expect(gradgradcheck((x) => x.tanh(), [randn([3], { requiresGrad: true })]).ok).toBe(true)`.
 */
export function gradgradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradgradcheckOptions = {}): GradcheckReport {
  checkInputs("gradgradcheck", fn, inputs);
  const { gradOutputs, ...rest } = checkOptions<GradgradcheckOptions>("gradgradcheck", opts, { ...SCHEMA, gradOutputs: {} });
  const out = output("gradgradcheck", noGrad(() => fn(...inputs)));
  let v: Tensor;
  if (gradOutputs === undefined) {
    const rng = createRng(`${rest.seed ?? 0}:gradOutputs`);
    v = fromFlat(allocate("float64", out.size).map(() => rng.random() * 2 - 1), out.shape);
  } else {
    if (!(gradOutputs instanceof Tensor)) throw new TypeError(`gradgradcheck: gradOutputs must be a Tensor, got ${describeValue(gradOutputs)}`);
    if (!sameShape(gradOutputs.shape, out.shape)) throw new Error(`gradgradcheck: gradOutputs is ${fmt(gradOutputs.shape)} but fn returned ${fmt(out.shape)}`);
    v = fromFlat(gradOutputs.to("float64").toTypedArray(), out.shape);
  }
  v.requiresGrad = true;
  const wrt = inputs.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  // The first derivatives of every input that requires grad, flattened into one vector.
  const firstOrder = (...xs: Tensor[]): Tensor =>
    enableGrad(() => {
      const y = fn(...xs.slice(0, -1));
      const targets = wrt.map((i) => xs[i]);
      const gs = y.requiresGrad ? gradients("gradgradcheck", y, targets, { gradOutputs: xs[xs.length - 1], createGraph: true, retainGraph: true }) : targets.map(() => null);
      return cat(gs.map((g, k) => reshape(g ?? fromFlat(allocate(targets[k].dtype, targets[k].size), targets[k].shape), [-1])), 0);
    });
  return check("gradgradcheck", firstOrder, [...inputs, v], rest);
}

function check(op: string, fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions): GradcheckReport {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 0, maxFailures = 10 } = opts;
  const checked = inputs.map((t) => t.requiresGrad);
  // As PyTorch: float32 differences are too coarse for the default tolerances.
  const single = inputs.findIndex((t) => t.requiresGrad && t.dtype === "float32");
  const precisionNote =
    single < 0 ? "" : `inputs[${single}] is float32, but ${op} needs float64 inputs (convert with .to("float64")); float32 rounding alone can fail it`;
  if (single >= 0) console.warn(`${op}: ${precisionNote}`);
  const first = output(op, fn(...inputs));
  const rng = createRng(seed);
  const r = allocate("float64", first.size).map(() => rng.random() * 2 - 1);
  const rTensor = fromFlat(r, first.shape);
  const objective = (): number => {
    const y = output(op, fn(...inputs));
    if (y.size !== first.size) throw new Error(`${op}: fn returned ${fmt(y.shape)} on a perturbed input but ${fmt(first.shape)} at first; its output shape must not depend on the values`);
    const out = flat(y.view);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += out[i] * r[i];
    return s;
  };

  // Analytic: one backward of sum(out * r), with the inputs' own .grad set aside.
  const saved = inputs.map((t) => t.grad);
  inputs.forEach((t) => (t.grad = null));
  const analytic: (Float64Array | null)[] = [];
  try {
    if (first.requiresGrad) first.mul(rTensor).sum().backward();
    inputs.forEach((t, i) => {
      if (!checked[i]) return analytic.push(null);
      analytic.push(t.grad === null ? new Float64Array(t.size) : Float64Array.from(t.grad.toTypedArray()));
    });
  } finally {
    inputs.forEach((t, i) => (t.grad = saved[i]));
  }

  let maxAbsError = 0;
  let maxRelError = 0;
  const failures: GradcheckFailure[] = [];
  let failureCount = 0;
  noGrad(() => {
    inputs.forEach((t, i) => {
      const a = analytic[i];
      if (a === null) return;
      const x = t.buffer;
      for (let j = 0; j < x.length; j++) {
        const orig = x[j];
        let plus: number;
        let minus: number;
        // The input is restored even when fn throws on a perturbed value.
        try {
          x[j] = orig + eps;
          plus = objective();
          x[j] = orig - eps;
          minus = objective();
        } finally {
          x[j] = orig;
        }
        const numeric = (plus - minus) / (2 * eps);
        const err = Math.abs(a[j] - numeric);
        maxAbsError = Math.max(maxAbsError, err);
        if (numeric !== 0) maxRelError = Math.max(maxRelError, err / Math.abs(numeric));
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          failureCount++;
          if (failures.length < maxFailures) failures.push({ input: i, index: unravel(j, t.shape), analytic: a[j], numeric });
        }
      }
    });
  });
  const ok = failureCount === 0;
  const lines = failures.map((f) => `  inputs[${f.input}]${fmt(f.index)}: analytic ${f.analytic} vs numeric ${f.numeric}`);
  const message = ok
    ? `${op}: ok (max abs error ${maxAbsError.toExponential(2)}, max rel error ${maxRelError.toExponential(2)})`
    : `${op}: ${failureCount} element(s) differ (atol ${atol}, rtol ${rtol}):\n${lines.join("\n")}${failureCount > failures.length ? "\n  ..." : ""}` +
      (precisionNote === "" ? "" : `\n  note: ${precisionNote}`);
  return { ok, maxAbsError, maxRelError, failures, message };
}

function output(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new TypeError(`${op}: fn must return a Tensor, got ${describeValue(y)}`);
  return y;
}
