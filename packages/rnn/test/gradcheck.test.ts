// Finite-difference checks of the recurrent op through every cell (RNN, GRU, LSTM) and
// 2-layer layers with lengths, h0 and c0, one and two directions, with and without bias.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cat, createRng, gradcheck, kernelsInUse, randn, tensor, useKernels, type KernelSet, type Tensor } from "@unroll/autograd";
import { GRU, GRUCell, lastValid, LSTM, LSTMCell, RNN, RNNCell, type Nonlinearity } from "../src/index.js";

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

const initial = kernelsInUse();
describe.each(["js", "wasm"] as KernelSet[])("gated, %s kernels", (set) => {
  beforeAll(() => useKernels(set));
  afterAll(() => useKernels(initial));

  describe("gradcheck GRUCell and LSTMCell", () => {
    for (const bias of [true, false]) {
      it(`GRUCell, bias ${bias}`, () => {
        const rng = createRng(`gru-cell-${bias}`);
        const cell = new GRUCell(3, 4, { bias, rng });
        const x = randn([2, 3], { rng, requiresGrad: true });
        const h = randn([2, 4], { rng, requiresGrad: true });
        const report = gradcheck((xx, hh) => cell.forward(xx, hh), [x, h, ...cell.parameters()]);
        expect(report.ok, report.message).toBe(true);
        expect(gradcheck((xx) => cell.forward(xx), [x, ...cell.parameters()]).ok).toBe(true);
      });
      it(`LSTMCell, bias ${bias}`, () => {
        const rng = createRng(`lstm-cell-${bias}`);
        const cell = new LSTMCell(3, 4, { bias, rng });
        const x = randn([2, 3], { rng, requiresGrad: true });
        const h = randn([2, 4], { rng, requiresGrad: true });
        const c = randn([2, 4], { rng, requiresGrad: true });
        // h' and c' together, so both paths are checked
        const fn = (xx: Tensor, hh: Tensor, cc: Tensor): Tensor => {
          const s = cell.forward(xx, { h: hh, c: cc });
          return cat([s.h, s.c.mul(0.7)], 1);
        };
        const report = gradcheck(fn, [x, h, c, ...cell.parameters()]);
        expect(report.ok, report.message).toBe(true);
      });
    }
  });

  describe("gradcheck 2-layer bidirectional layers over T = 5 with lengths, h0 and c0", () => {
    const lengths = tensor([5, 2, 4], { dtype: "int32" });
    for (const kind of ["gru", "lstm", "rnn"] as const) {
      it(kind, () => {
        const rng = createRng(`bi-${kind}`);
        const opts = { numLayers: 2, bidirectional: true, rng };
        const m = kind === "gru" ? new GRU(3, 4, opts) : kind === "lstm" ? new LSTM(3, 4, opts) : new RNN(3, 4, { ...opts, nonlinearity: "tanh" as const });
        const x = randn([3, 5, 3], { rng, requiresGrad: true });
        const h0 = randn([4, 3, 4], { rng, requiresGrad: true });
        const c0 = randn([4, 3, 4], { rng, requiresGrad: true });
        // every output, final state and (LSTM) final cell state at once
        const flatAll = (r: { output: Tensor; hN: Tensor; cN?: Tensor }): Tensor =>
          cat([r.output.reshape([-1]), r.hN.reshape([-1]), ...(r.cN ? [r.cN.reshape([-1])] : [])], 0);
        const report =
          m instanceof LSTM
            ? gradcheck((xx, hh, cc) => flatAll(m.forward(xx, { h: hh, c: cc }, { lengths })), [x, h0, c0, ...m.parameters()])
            : gradcheck((xx, hh) => flatAll(m.forward(xx, hh, { lengths })), [x, h0, ...m.parameters()]);
        expect(report.ok, report.message).toBe(true);
      });
    }
  });
});
