// Reading the PyTorch reference fixtures that each package copies into test/fixtures.

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { expect } from "vitest";
import { mul, tensor, type Dtype, type Tensor } from "../../autograd/src/index.js";

/** An array as the fixtures store it: row-major `data` of `shape`. */
export interface FixtureArray {
  shape: number[];
  data: number[];
  dtype?: string;
}

/** A parsed fixture file; its other fields depend on its kind (see ../shared/golden/README.md). */
export interface Fixture {
  name: string;
  kind: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  config: Record<string, any>;
  inputs: Record<string, FixtureArray>;
  params: Record<string, FixtureArray>;
  upstream?: Record<string, FixtureArray>;
  expected: Record<string, FixtureArray> & { grads: Record<string, FixtureArray> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

/**
 * Every fixture whose file name starts with `prefix` in `dir`, then in each folder inside
 * it (`extra/`, ...: more cases from a generator), sorted, as `{ name, ...contents }`.
 * Fails unless at least `atLeast` load, so that a moved or emptied folder cannot pass by
 * running no case.
 * Example: `loadFixtures(new URL("./fixtures/", import.meta.url), "nll_", 20)`.
 */
export function loadFixtures(dir: URL | string, prefix: string, atLeast: number): Fixture[] {
  const root = typeof dir === "string" ? dir : fileURLToPath(dir);
  const inside = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, d.name)).sort();
  const found = [root, ...inside].flatMap((folder) =>
    readdirSync(folder)
      .filter((f) => f.startsWith(prefix) && f.endsWith(".json"))
      .sort()
      .map((f) => {
        const contents = JSON.parse(readFileSync(join(folder, f), "utf8"));
        return { ...contents, name: contents.name ?? f.slice(0, -5) } as Fixture;
      }),
  );
  expect(found.length, `fixtures "${prefix}*" in ${root}: found ${found.length}, expected at least ${atLeast}`).toBeGreaterThanOrEqual(atLeast);
  return found;
}

/** A fixture array as a tensor (float64 unless `dtype` says otherwise). */
export function fromFixture(a: FixtureArray, opts: { dtype?: Dtype; requiresGrad?: boolean } = {}): Tensor {
  return tensor(Float64Array.from(a.data), { shape: a.shape, dtype: opts.dtype ?? "float64", requiresGrad: opts.requiresGrad });
}

/** sum(out * upstream) over every output the fixture names in `upstream`: the scalar its gradients are of. */
export function upstreamLoss(outputs: Record<string, Tensor>, f: Fixture): Tensor {
  let loss: Tensor | null = null;
  for (const [n, up] of Object.entries(f.upstream!)) {
    const term = mul(outputs[n], fromFixture(up)).sum();
    loss = loss === null ? term : loss.add(term);
  }
  return loss!;
}
