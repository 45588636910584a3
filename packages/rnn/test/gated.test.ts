// PyTorch float64 reference cases of the cells and layers with torch parameter names
// (gru_cell, lstm_cell, gru, lstm, bidirectional rnn): outputs and every gradient to
// 1e-9 relative (shared/golden/README.md's rule), with both kernel sets.

import { afterAll, describe, expect, it } from "vitest";
import { kernelsInUse, useKernels, type KernelSet, type Tensor } from "@unroll/autograd";
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, type Module, type Nonlinearity } from "../src/index.js";
import { expectClose, fromFixture, loadFixtures, upstreamLoss, type Fixture } from "@unroll/testkit";

const initial = kernelsInUse();
afterAll(() => useKernels(initial));

const gated = ["gru_cell", "lstm_cell", "gru", "lstm", "rnn"].flatMap((kind) => loadFixtures(new URL("./fixtures/", import.meta.url), "", 73).filter((f) => f.kind === kind && (f as { paramNames?: string }).paramNames === "torch"));

function build(f: Fixture): Module {
  const c = f.config as Record<string, never>;
  const bias = c.bias;
  const layer = { numLayers: c.numLayers, bidirectional: c.bidirectional, bias };
  switch (f.kind) {
    case "gru_cell":
      return new GRUCell(c.inputSize, c.hiddenSize, { bias });
    case "lstm_cell":
      return new LSTMCell(c.inputSize, c.hiddenSize, { bias });
    case "gru":
      return new GRU(c.inputSize, c.hiddenSize, layer);
    case "lstm":
      return new LSTM(c.inputSize, c.hiddenSize, layer);
    default:
      return c.cell === "rnn" ? new RNN(c.inputSize, c.hiddenSize, { ...layer, nonlinearity: c.nonlinearity as Nonlinearity }) : new RNNCell(c.inputSize, c.hiddenSize, { bias });
  }
}

/** Run a fixture: outputs by name, and the inputs that get gradients. */
function run(f: Fixture, m: Module): { outputs: Record<string, Tensor>; inputs: Record<string, Tensor> } {
  const inputs: Record<string, Tensor> = {};
  for (const [n, a] of Object.entries(f.inputs)) if (n !== "lengths") inputs[n] = fromFixture(a, { requiresGrad: true });
  const lengths = f.inputs.lengths ? fromFixture(f.inputs.lengths, { dtype: "int32" }) : null;
  const { x, h, c, h0, c0 } = inputs;
  if (m instanceof GRUCell) return { outputs: { output: m.forward(x, h) }, inputs };
  if (m instanceof LSTMCell) return { outputs: { ...m.forward(x, h && c ? { h, c } : null) }, inputs };
  if (m instanceof LSTM) return { outputs: { ...m.forward(x, h0 && c0 ? { h: h0, c: c0 } : null, { lengths }) }, inputs };
  if (m instanceof GRU || m instanceof RNN) return { outputs: { ...m.forward(x, h0, { lengths }) }, inputs };
  throw new Error(`unexpected module for ${f.name}`);
}

const sets: KernelSet[] = ["js", "wasm"];
describe.each(sets)("gated fixtures, %s kernels", (set) => {
  it("exist for every kind", () => {
    expect(new Set(gated.map((f) => f.kind))).toEqual(new Set(["gru_cell", "lstm_cell", "gru", "lstm", "rnn"]));
  });
  for (const f of gated) {
    it(f.name, () => {
      useKernels(set);
      const m = build(f);
      const dict: Record<string, Tensor> = {};
      for (const [n, a] of Object.entries(f.params)) dict[n] = fromFixture(a);
      m.loadStateDict(dict, { names: "torch" });
      const { outputs, inputs } = run(f, m);
      for (const n of Object.keys(f.upstream!)) expectClose(outputs[n], f.expected[n], { rtol: 1e-9, floor: 0.01, what: n });
      upstreamLoss(outputs, f).backward();
      const params = Object.fromEntries(m.namedParameters().map(([n, p]) => [m.torchName(n), p]));
      for (const [n, exp] of Object.entries(f.expected.grads)) {
        const t = params[n] ?? inputs[n];
        expect(t, `${n} is neither a parameter nor an input`).toBeDefined();
        expectClose(t.grad, exp, { rtol: 1e-9, floor: 0.01, what: `grad ${n}` });
      }
      expect(Object.keys(params).sort()).toEqual(Object.keys(f.params).sort());
    });
  }
});
