// Second derivatives of every op in the shared case table (cases.ts) by gradgradcheck,
// under both kernel sets; grad(grad(tanh)) against its closed form; and gradgradcheck
// itself: it catches a wrong double backward and rejects bad input.

import { describe, expect, it } from "vitest";
import { forEachKernelSet, makeInputs } from "@unroll/testkit";
import { createRng, dropout, grad, gradgradcheck, randn, tensor, type Tensor } from "../src/index.js";
import { record } from "../src/extend.js";
import { ALL_CASES } from "./cases.js";

forEachKernelSet("gradgradcheck", () => {
  for (const c of ALL_CASES) {
    it(c.name, () => {
      const report = gradgradcheck(c.fn, makeInputs(c.inputs), c.check);
      expect(report.ok, `${c.name}: ${report.message}`).toBe(true);
    });
  }
  it("dropout (the same mask at every call: a fresh generator with one seed)", () => {
    const report = gradgradcheck((a) => dropout(a, 0.4, { rng: createRng(3) }).tanh(), makeInputs([[3, 4]]));
    expect(report.ok, report.message).toBe(true);
  });
  // A float32 step loses digits, so the central difference needs eps 1e-2 (exact for these maps).
  it("to() through float32 and back", () => {
    const report = gradgradcheck((a, b) => a.to("float32").mul(b.to("float32")).to("float64").pow(2), makeInputs([[2, 3], [3]]), { eps: 1e-2, atol: 1e-4 });
    expect(report.ok, report.message).toBe(true);
  });
});

describe("grad(grad(tanh))", () => {
  it("matches d² tanh = -2 tanh (1 - tanh²) and d³ tanh = -2 (1 - tanh²)(1 - 3 tanh²)", () => {
    const xs = [-20, -3, -1, -0.25, 0, 0.5, 1, 2.5, 20];
    const d1 = grad((x: Tensor) => x.tanh());
    const d2 = grad((x: Tensor) => d1(x));
    const d3 = grad((x: Tensor) => d2(x));
    for (const v of xs) {
      const x = tensor(v, { dtype: "float64" });
      const y = Math.tanh(v);
      expect((d1(x) as Tensor).item()).toBeCloseTo(1 - y * y, 14);
      expect((d2(x) as Tensor).item()).toBeCloseTo(-2 * y * (1 - y * y), 14);
      expect((d3(x) as Tensor).item()).toBeCloseTo(-2 * (1 - y * y) * (1 - 3 * y * y), 14);
    }
  });

  it("matches elementwise on a tensor, with the sum as the scalar", () => {
    const x = randn([3, 4], { dtype: "float64", rng: createRng(3) });
    const d2 = grad((a: Tensor) => (grad((b: Tensor) => b.tanh().sum())(a) as Tensor).sum())(x) as Tensor;
    const got = d2.toTypedArray();
    x.toTypedArray().forEach((v, i) => {
      const y = Math.tanh(v);
      expect(Math.abs(got[i] - -2 * y * (1 - y * y))).toBeLessThan(1e-15);
    });
  });
});

describe("gradgradcheck itself", () => {
  // y = x³ with a first derivative that is right (3x²) but a double backward that is not (it claims 3x² is constant).
  const wrongCube = (x: Tensor): Tensor => {
    const xv = x.toTypedArray();
    return record("cube", [x], Float64Array.from(xv, (v) => v ** 3), x.shape, (g) => [g.mul(tensor(Float64Array.from(xv, (v) => 3 * v * v), { shape: x.shape }))], {
      differentiable: (g) => [g.mul(tensor(Float64Array.from(xv, (v) => 3 * v * v), { shape: x.shape }))],
    });
  };

  it("passes gradcheck but fails gradgradcheck on a wrong double backward, naming the element", () => {
    const x = () => tensor([0.5, -1, 2], { dtype: "float64", requiresGrad: true });
    const report = gradgradcheck(wrongCube, [x()]);
    expect(report.ok).toBe(false);
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures[0].input).toBe(0);
    expect(report.message).toMatch(/^gradgradcheck: \d+ element\(s\) differ/);
  });

  it("reports the shape of gradcheck's report and checks grad outputs as the last input", () => {
    const report = gradgradcheck((a, b) => a.mul(b).tanh(), makeInputs([[2, 3], [3]]), { seed: 5 });
    expect(report.ok, report.message).toBe(true);
    expect(Object.keys(report).sort()).toEqual(["failures", "maxAbsError", "maxRelError", "message", "ok"]);
    expect(report.message).toMatch(/^gradgradcheck: ok/);
  });

  it("takes gradOutputs shaped like the output", () => {
    const [a] = makeInputs([[2, 3]]);
    const v = tensor([[1, -2, 0.5], [0, 3, -1]], { dtype: "float64" });
    expect(gradgradcheck((x) => x.sigmoid(), [a], { gradOutputs: v }).ok).toBe(true);
    expect(() => gradgradcheck((x) => x.sigmoid(), [a], { gradOutputs: tensor([1, 2], { dtype: "float64" }) })).toThrow(/gradgradcheck: gradOutputs is \[2\] but fn returned \[2,3\]/);
  });

  it("rejects unknown options, non-leaf inputs and inputs that need no grad", () => {
    const [a] = makeInputs([[3]]);
    expect(() => gradgradcheck((x) => x.exp(), [a], { epsilon: 1e-3 } as never)).toThrow(TypeError);
    expect(() => gradgradcheck((x) => x.exp(), [a], { epsilon: 1e-3 } as never)).toThrow(/gradgradcheck: unknown option "epsilon"/);
    expect(() => gradgradcheck((x) => x.exp(), [a.mul(2)])).toThrow(/gradgradcheck: inputs\[0\] is not a leaf tensor/);
    expect(() => gradgradcheck((x) => x.exp(), [tensor([1, 2], { dtype: "float64" })])).toThrow(/gradgradcheck: no input requires grad/);
  });
});
