// Shared test helpers: golden fixtures (PyTorch float64) and closeness checks.

import { readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import { tensor, type Tensor } from "@unroll/autograd";

export interface FixtureArray {
  shape: number[];
  data: number[];
}

/** A parsed fixture file; its fields depend on its kind (see ../shared/golden/README.md). */
export type Fixture = any;

const dir = new URL("./fixtures/", import.meta.url);

/**
 * Names of the fixtures whose name starts with `prefix`, so new ones are picked up: the
 * golden ones, then `extra/...` (more PyTorch cases from fixtures/extra/make_extra.py).
 */
export function fixtureNames(prefix: string): string[] {
  return ["", "extra/"].flatMap((sub) =>
    readdirSync(new URL(sub || ".", dir))
      .filter((f) => f.startsWith(prefix) && f.endsWith(".json"))
      .map((f) => sub + f.slice(0, -5))
      .sort(),
  );
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8"));
}

export function fromFixture(a: FixtureArray, opts: { dtype?: "float64" | "float32" | "int32"; requiresGrad?: boolean } = {}): Tensor {
  return tensor(Float64Array.from(a.data), { shape: a.shape, dtype: opts.dtype ?? "float64", requiresGrad: opts.requiresGrad });
}

/** Every element within `rel` relative error (with a tiny absolute floor for exact zeros). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-9, abs = 1e-14): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Math.abs(a - e) <= rel * Math.abs(e) + abs;
    if (!ok) expect.fail(`element ${i}: got ${a}, expected ${e} (rel error ${Math.abs(a - e) / Math.abs(e)})`);
  }
}

export function values(t: Tensor | null): number[] {
  if (t === null) throw new Error("expected a tensor, got null");
  return Array.from(t.toTypedArray());
}
