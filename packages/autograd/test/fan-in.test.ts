// Guards the defect class "backward time grows with the square of the fan-in": the
// engine once compared every returned gradient with every other one. It must be linear
// in the number of inputs of one op. The bounds are generous (the linear engine takes
// well under a second on a quiet machine; the quadratic one took minutes).

import { describe, expect, test } from "vitest";
import { cat, stack, tensor, type Tensor } from "../src/index.js";
import { freshGrad, record } from "../src/extend.js";

const N = 100_000;
const leaves = (): Tensor[] => Array.from({ length: N }, (_, i) => tensor([i, -i], { requiresGrad: true }));

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

describe("fan-in of 100,000 inputs (defect class: quadratic backward in the fan-in)", () => {
  test.each([["stack", stack], ["cat", cat]] as const)("%s backward is linear", (_, join) => {
    const xs = leaves();
    const y = join(xs).sum();
    expect(timed(() => y.backward())).toBeLessThan(5000);
    expect(xs[N - 1].grad?.toArray()).toEqual([1, 1]);
  }, 60_000);

  test("an op handing over 100,000 fresh gradients (each owned, so each is checked for sharing)", () => {
    const xs = leaves();
    const y = record("gatherAll", xs, new Float64Array(1), [], (g) =>
      xs.map(() => {
        const d = freshGrad("float64", [2]);
        d.buffer.fill(g.item());
        return d;
      }),
    );
    expect(timed(() => y.backward(3))).toBeLessThan(5000);
    expect(xs[0].grad?.toArray()).toEqual([3, 3]);
    expect(xs[N - 1].grad?.toArray()).toEqual([3, 3]);
  }, 60_000);
});
