// One op case, checked two ways: in float64 against central differences (gradcheck,
// reduced as sum(out * r) with a fixed random r), and in float32 against float64.

import { expect } from "vitest";
import { createRng, gradcheck, tensor, Tensor, type Dtype, type GradcheckOptions } from "../../autograd/src/index.js";
import { expectClose } from "./close.js";

/**
 * One input of an op case: a shape (uniform in [-2, 2)), a shape with a range, or a
 * ready tensor (an int32 index, a constant) that is passed as is and not checked.
 * `shift` adds a pattern cyclically along the flat order, e.g. [1000, -1000] puts
 * neighbouring elements near +1000 and -1000.
 */
export type InputSpec = readonly number[] | { shape: readonly number[]; low?: number; high?: number; shift?: readonly number[] } | Tensor;

export interface OpCase {
  name: string;
  /** The op of the package's op table (by name) that `fn` calls, when it calls one. */
  expr?: string;
  fn: (...xs: Tensor[]) => Tensor;
  inputs: InputSpec[];
  /** Options for gradcheck (a larger eps for ops that round through float32). */
  check?: GradcheckOptions;
  /**
   * An absolute floor for the float32 comparison, for saturated cases only: float32
   * resolves 1 - y near y = 1 to 2^-24 ≈ 6e-8, so sigmoid'(20) ≈ 2e-9 is 0 in float32
   * (PyTorch gives 0 too).
   */
  float32Atol?: number;
}

/** Seeded values for each spec, rounded to float32 so that both dtypes see the same numbers. */
function draw(specs: readonly InputSpec[], seed: number): (Float64Array | Tensor)[] {
  const rng = createRng(seed);
  return specs.map((spec) => {
    if (spec instanceof Tensor) return spec;
    const { shape, low = -2, high = 2, shift = [0] } = Array.isArray(spec) ? { shape: spec as readonly number[] } : (spec as Exclude<InputSpec, Tensor | readonly number[]>);
    const n = shape.reduce((p, d) => p * d, 1);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = Math.fround(low + (high - low) * rng.random() + shift[i % shift.length]);
    return values;
  });
}

function shapeOf(spec: InputSpec): readonly number[] {
  if (spec instanceof Tensor) return spec.shape;
  return Array.isArray(spec) ? (spec as readonly number[]) : (spec as { shape: readonly number[] }).shape;
}

/** Fresh leaf tensors for a case in `dtype`, requiring grad (tensor specs are passed through). */
export function makeInputs(specs: readonly InputSpec[], dtype: Dtype = "float64", seed = 1): Tensor[] {
  return draw(specs, seed).map((v, i) => (v instanceof Tensor ? v : tensor(v, { dtype, shape: shapeOf(specs[i]), requiresGrad: true })));
}

/** A seeded int32 index tensor with values in [0, n), for gather. */
export function randomIndex(shape: readonly number[], n: number, seed = 7): Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  return tensor(Int32Array.from({ length: size }, () => rng.int(n)), { shape });
}

function allFinite(t: Tensor): boolean {
  return Array.from(t.toTypedArray()).every(Number.isFinite);
}

/** Gradient-check a case in float64 and require finite outputs. */
export function checkGrad(c: OpCase): void {
  const inputs = makeInputs(c.inputs);
  const out = c.fn(...inputs);
  expect(out.dtype).toBe("float64");
  expect(allFinite(out), `${c.name}: output has non-finite values`).toBe(true);
  expect(out.requiresGrad, `${c.name}: output does not require grad`).toBe(true);
  const report = gradcheck(c.fn, inputs, c.check);
  expect(report.ok, `${c.name}: ${report.message}`).toBe(true);
}

/** Run a case forward and backward (upstream r) in one dtype; return the output and the input grads. */
function run(c: OpCase, dtype: Dtype): { out: Tensor; grads: (Tensor | null)[] } {
  const inputs = makeInputs(c.inputs, dtype);
  const out = c.fn(...inputs);
  const rng = createRng(99);
  const r = tensor(Float64Array.from({ length: out.size }, () => Math.fround(rng.random() * 2 - 1)), { dtype, shape: out.shape });
  out.mul(r).sum().backward();
  return { out, grads: inputs.map((t) => (t.requiresGrad ? t.grad : null)) };
}

/** The case in float32 stays float32 and agrees with float64 to `rtol` in value and every gradient. */
export function checkFloat32(c: OpCase, rtol = 1e-5): void {
  const ref = run(c, "float64");
  const f32 = run(c, "float32");
  expect(f32.out.dtype, `${c.name}: output dtype`).toBe("float32");
  expect(f32.out.shape).toEqual(ref.out.shape);
  expect(allFinite(f32.out), `${c.name}: float32 output has non-finite values`).toBe(true);
  const close = { rtol, atol: c.float32Atol, relativeTo: "max" } as const;
  expectClose(f32.out, ref.out, { ...close, what: `${c.name}: value` });
  ref.grads.forEach((g64, i) => {
    const g32 = f32.grads[i];
    if (g64 === null) return;
    expect(g32, `${c.name}: input ${i} has no float32 grad`).not.toBeNull();
    expect(g32!.dtype, `${c.name}: grad ${i} dtype`).toBe("float32");
    expectClose(g32, g64, { ...close, what: `${c.name}: grad of input ${i}` });
  });
}

type ErrorClass = typeof Error | typeof TypeError | typeof RangeError;

/** fn throws exactly `type` and the message contains every fragment; returns the error. */
export function expectError(fn: () => unknown, type: ErrorClass, ...fragments: string[]): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected an error").toBeInstanceOf(Error);
  const err = caught as Error;
  expect(err.constructor, `${err.name}: ${err.message}`).toBe(type);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}
