// The public gradcheck and record(): a wrong rule is caught and named, inputs are left
// as they were, and a fused op's broadcast-shaped gradient is summed back by the engine.

import { describe, expect, it } from "vitest";
import { createRng, gradcheck, randn, tensor, type Tensor } from "../src/index.js";
import { flat, fromFlat, record } from "../src/extend.js";

/** y = 3x with a backward that is wrong at flat position `bad` (2 instead of 3). */
function buggyTriple(x: Tensor, bad: number): Tensor {
  const v = flat(x.view);
  const out = Float64Array.from(v, (e) => 3 * e);
  return record("buggyTriple", [x], out, x.shape, (g) => {
    const gv = flat(g.view);
    return [fromFlat(Float64Array.from(gv, (e, i) => (i === bad ? 2 : 3) * e), x.shape)];
  });
}

describe("gradcheck", () => {
  it("passes a correct op and reports small errors", () => {
    const x = randn([3, 4], { rng: createRng(2), requiresGrad: true });
    const report = gradcheck((a) => a.tanh().mul(a), [x]);
    expect(report.ok).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.maxAbsError).toBeLessThan(1e-8);
    expect(report.message).toMatch(/^gradcheck: ok/);
  });

  it("fails a wrong rule and names the input, the element, the analytic and numeric values", () => {
    const c = randn([2], { rng: createRng(3), requiresGrad: true });
    const x = randn([2, 3], { rng: createRng(4), requiresGrad: true });
    const report = gradcheck((c, a) => buggyTriple(a, 4).add(c.sum()), [c, x], { seed: 5 });
    expect(report.ok).toBe(false);
    expect(report.failures).toHaveLength(1);
    const f = report.failures[0];
    expect(f.input).toBe(1);
    expect(f.index).toEqual([1, 1]);
    expect(f.analytic / f.numeric).toBeCloseTo(2 / 3, 6);
    expect(report.message).toContain(`inputs[1][1,1]: analytic ${f.analytic} vs numeric ${f.numeric}`);
  });

  it("leaves the inputs' values and grads as they were", () => {
    const x = tensor([0.5, -1, 2], { requiresGrad: true });
    x.grad = tensor([7, 8, 9]);
    gradcheck((a) => a.exp(), [x]);
    expect(Array.from(x.toTypedArray())).toEqual([0.5, -1, 2]);
    expect(Array.from(x.grad!.toTypedArray())).toEqual([7, 8, 9]);
  });

  it("rejects inputs it cannot check", () => {
    expect(() => gradcheck((a) => a.exp(), [tensor([1])])).toThrow(/no input requires grad/);
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    expect(() => gradcheck((a) => a.exp(), [x.transpose(0, 1)])).toThrow(/inputs\[0\] is not a leaf/);
  });
});

describe("record", () => {
  it("a fused op's broadcast-shaped gradient is summed back to the input's shape", () => {
    // y [3,4] = b [3,1] repeated along columns; the rule returns g as is ([3,4])
    const b = tensor([[1], [2], [3]], { requiresGrad: true });
    const out = new Float64Array(12).map((_, i) => flat(b.view)[Math.floor(i / 4)]);
    const y = record("repeatColumns", [b], out, [3, 4], (g) => [g]);
    expect(y.op).toBe("repeatColumns");
    y.mul(tensor([1, 2, 3, 4])).sum().backward();
    expect(b.grad!.shape).toEqual([3, 1]);
    expect(Array.from(b.grad!.toTypedArray())).toEqual([10, 10, 10]);
  });

  it("a null gradient means none for that input", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const y = record("firstOnly", [a, b], Float64Array.from([1, 2]), [2], (g) => [g, null]);
    y.sum().backward();
    expect(Array.from(a.grad!.toTypedArray())).toEqual([1, 1]);
    expect(b.grad).toBeNull();
  });
});
