// Shared test helpers: reading golden fixtures and comparing to a relative tolerance.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { tensor, type Tensor } from "@unroll/autograd";

export interface Arr {
  shape: number[];
  data: number[];
  dtype?: string;
}

// eslint-style loose record: fixtures differ by kind
export interface Fixture {
  name: string;
  kind: string;
  config: Record<string, unknown>;
  inputs: Record<string, Arr>;
  params: Record<string, Arr>;
  upstream?: Record<string, Arr>;
  expected: Record<string, Arr> & { grads: Record<string, Arr> };
}

const dir = join(import.meta.dirname, "fixtures");

/** Every fixture whose file name starts with `prefix`: the golden ones, then fixtures/extra and fixtures/gated (from their make_*.py). */
export function fixtures(prefix: string): Fixture[] {
  return [dir, join(dir, "extra"), join(dir, "gated")].flatMap((folder) =>
    readdirSync(folder)
      .filter((f) => f.startsWith(prefix) && f.endsWith(".json"))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(folder, f), "utf8")) as Fixture),
  );
}

/** A float64 tensor (int32 when the data are integer labels/lengths and `int` is set). */
export function toTensor(a: Arr, opts: { int?: boolean; requiresGrad?: boolean } = {}): Tensor {
  return tensor(Float64Array.from(a.data), { shape: a.shape, dtype: opts.int ? "int32" : "float64", requiresGrad: opts.requiresGrad });
}

/** |actual - expected| <= rtol·|expected| + atol elementwise, with the shape checked too. */
export function expectClose(actual: Tensor | null, expected: Arr, what: string, rtol = 1e-9, atol = 1e-12): void {
  expect(actual, `${what} is null`).not.toBeNull();
  expect([...actual!.shape], `${what} shape`).toEqual(expected.shape);
  const a = actual!.toTypedArray();
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - expected.data[i]) - rtol * Math.abs(expected.data[i]);
    if (!(err <= atol) && (worst < 0 || err > worstErr)) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) expect.fail(`${what}[${worst}]: got ${a[worst]}, expected ${expected.data[worst]}`);
}

/**
 * The gated fixtures' rule (shared/golden/README.md): per element
 * |got - exp| <= rtol · (|exp| + floor · max|exp|), max over the tensor.
 */
export function expectCloseTol(actual: Tensor | null, expected: Arr, what: string, rtol = 1e-9, floor = 0.01): void {
  expect(actual, `${what} is null`).not.toBeNull();
  expect([...actual!.shape], `${what} shape`).toEqual(expected.shape);
  const a = actual!.toTypedArray();
  const scale = floor * expected.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i];
    if (!(Math.abs(a[i] - e) <= rtol * (Math.abs(e) + scale))) expect.fail(`${what}[${i}]: got ${a[i]}, expected ${e} (rtol ${rtol})`);
  }
}
