// Comparing computed numbers with expected ones: the one expectClose of every test.

import { expect } from "vitest";
import { Tensor } from "../../autograd/src/index.js";

/** A tensor, plain numbers, or a fixture array `{ shape, data }`. */
export type Values = Tensor | ArrayLike<number> | { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

export interface CloseOptions {
  /** Relative tolerance; default 1e-9. */
  rtol?: number;
  /** Absolute tolerance; default 0. */
  atol?: number;
  /**
   * What `rtol` is relative to: each expected element (default), or the largest |expected|
   * of all ("max": for values that cancel near zero, as float32 against float64).
   */
  relativeTo?: "element" | "max";
  /**
   * Also allow rtol · floor · max|expected| on every element (the shared golden
   * fixtures' rule, floor 0.01: |got - exp| <= rtol · (|exp| + floor · max|exp|)); default 0.
   */
  floor?: number;
  /** Named in the failure message. */
  what?: string;
}

function parts(v: Values): { shape: readonly number[] | null; data: ArrayLike<number> } {
  if (v instanceof Tensor) return { shape: v.shape, data: v.toTypedArray() };
  if ("shape" in v && "data" in v) return { shape: v.shape, data: v.data };
  return { shape: null, data: v as ArrayLike<number> };
}

/**
 * Every element within atol + rtol · |expected| (equal infinities and NaNs pass), and the
 * same shape when both sides have one. A failure names the worst element: its index and
 * both values. Example: `expectClose(x.grad, fixture.grads.x, { rtol: 1e-9, what: "grad x" })`.
 */
export function expectClose(actual: Values | null | undefined, expected: Values, opts: CloseOptions = {}): void {
  const { rtol = 1e-9, atol = 0, relativeTo = "element", floor = 0, what = "value" } = opts;
  if (actual === null || actual === undefined) expect.fail(`${what}: got ${actual}, expected values`);
  const a = parts(actual);
  const e = parts(expected);
  if (a.shape !== null && e.shape !== null) expect([...a.shape], `${what}: shape`).toEqual([...e.shape]);
  expect(a.data.length, `${what}: number of elements`).toBe(e.data.length);
  let scale = 0;
  if (relativeTo === "max" || floor !== 0) for (let i = 0; i < e.data.length; i++) scale = Math.max(scale, Math.abs(e.data[i]));
  let worst = -1;
  let worstExcess = 0;
  let off = 0;
  for (let i = 0; i < e.data.length; i++) {
    const x = a.data[i];
    const y = e.data[i];
    if (Object.is(x, y)) continue;
    const tol = atol + rtol * ((relativeTo === "max" ? scale : Math.abs(y)) + floor * scale);
    const excess = Math.abs(x - y) - tol;
    if (excess <= 0) continue;
    off++;
    if (worst < 0 || !(excess <= worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const x = a.data[worst];
    const y = e.data[worst];
    expect.fail(`${what}[${worst}]: got ${x}, expected ${y} (error ${Math.abs(x - y)}, rtol ${rtol}, atol ${atol}); ${off} of ${e.data.length} elements off`);
  }
}

/** A tensor's values as a plain array (throws on null, for a missing gradient). */
export function values(t: Tensor | null | undefined): number[] {
  if (t === null || t === undefined) throw new Error(`expected a tensor, got ${t}`);
  return Array.from(t.toTypedArray());
}
