// Finite-difference checks of the fused step through RNNCell and a 2-layer RNN with
// lengths and h0, for both nonlinearities, with and without bias.

import { describe, expect, it } from "vitest";
import { createRng, gradcheck, randn, tensor, type Tensor } from "@unroll/autograd";
import { lastValid, RNN, RNNCell, type Nonlinearity } from "../src/index.js";

const cases: [Nonlinearity, boolean][] = [
  ["tanh", true],
  ["tanh", false],
  ["relu", true],
  ["relu", false],
];

describe("gradcheck RNNCell", () => {
  for (const [nonlinearity, bias] of cases) {
    it(`${nonlinearity}, bias ${bias}`, () => {
      const rng = createRng(`cell-${nonlinearity}-${bias}`);
      const cell = new RNNCell(3, 4, { nonlinearity, bias, rng });
      const x = randn([2, 3], { rng, requiresGrad: true });
      const h = randn([2, 4], { rng, requiresGrad: true });
      const report = gradcheck((xx, hh) => cell.forward(xx, hh), [x, h, ...cell.parameters()]);
      expect(report.ok, report.message).toBe(true);
      expect(cell.parameters().length).toBe(bias ? 4 : 2);
    });
  }

  it("without h (zeros)", () => {
    const rng = createRng("cell-no-h");
    const cell = new RNNCell(3, 5, { rng });
    const x = randn([4, 3], { rng, requiresGrad: true });
    const report = gradcheck((xx) => cell.forward(xx), [x, ...cell.parameters()]);
    expect(report.ok, report.message).toBe(true);
  });
});

describe("gradcheck 2-layer RNN over T = 5 with lengths and h0", () => {
  for (const [nonlinearity, bias] of cases) {
    it(`${nonlinearity}, bias ${bias}`, () => {
      const rng = createRng(`rnn-${nonlinearity}-${bias}`);
      const rnn = new RNN(3, 4, { numLayers: 2, nonlinearity, bias, rng });
      const x = randn([3, 5, 3], { rng, requiresGrad: true });
      const h0 = randn([2, 3, 4], { rng, requiresGrad: true });
      const lengths = tensor([5, 2, 4], { dtype: "int32" });
      // output and hN together, so both paths are checked
      const fn = (xx: Tensor, hh: Tensor): Tensor => {
        const { output, hN } = rnn.forward(xx, hh, { lengths });
        return output.sum().add(hN.sum().mul(0.5)).add(lastValid(output, lengths).pow(2).sum());
      };
      const scalar = gradcheck(fn, [x, h0, ...rnn.parameters()]);
      expect(scalar.ok, scalar.message).toBe(true);
      const full = gradcheck((xx, hh) => rnn.forward(xx, hh, { lengths }).output, [x, h0, ...rnn.parameters()]);
      expect(full.ok, full.message).toBe(true);
      const final = gradcheck((xx, hh) => rnn.forward(xx, hh, { lengths }).hN, [x, h0, ...rnn.parameters()]);
      expect(final.ok, final.message).toBe(true);
    });
  }
});
