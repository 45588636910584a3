// Higher-order gradients through the layers: Linear, Embedding and the time-major copy
// have differentiable rules (gradgradcheck, both kernel sets); the fused recurrent
// kernel has none, so createGraph through it is an error that suggests the composed step.

import { describe, expect, it } from "vitest";
import { forEachKernelSet } from "@unroll/testkit";
import { createRng, grad, gradgradcheck, randn, tensor, type Tensor } from "@unroll/autograd";
import { Embedding, GRU, GRUCell, Linear, LSTM, LSTMCell, RNN, RNNCell } from "../src/index.js";

forEachKernelSet("second derivatives through the layers", () => {
  it("Linear (x, weight and bias), batched input", () => {
    const rng = createRng(3);
    const lin = new Linear(4, 3, { rng });
    const x = randn([2, 5, 4], { rng, requiresGrad: true });
    const report = gradgradcheck((xi) => lin.forward(xi).tanh(), [x, lin.weight, lin.bias!]);
    expect(report.ok, report.message).toBe(true);
  });

  it("Linear without bias", () => {
    const rng = createRng(4);
    const lin = new Linear(3, 2, { rng, bias: false });
    const report = gradgradcheck((xi) => lin.forward(xi).pow(3), [randn([4, 3], { rng, requiresGrad: true }), lin.weight]);
    expect(report.ok, report.message).toBe(true);
  });

  it("Embedding, with a padding index and repeated ids", () => {
    const emb = new Embedding(5, 3, { rng: createRng(5), paddingIdx: 1 });
    const ids = tensor([[0, 1, 4], [4, 2, 1]], { dtype: "int32" });
    const report = gradgradcheck(() => emb.forward(ids).sigmoid(), [emb.weight]);
    expect(report.ok, report.message).toBe(true);
  });
});

describe("createGraph through the fused recurrent kernel", () => {
  const composed = /recurrent: createGraph is not supported through this op; the fused recurrent kernel has no double backward \(as PyTorch's fused RNN kernels\).*compose each step/;

  it("RNN: backward({ createGraph }) names the recurrent op, suggests the composed step, and changes nothing", () => {
    const rnn = new RNN(3, 4, { rng: createRng(6) });
    const x = randn([2, 5, 3], { rng: createRng(7), requiresGrad: true });
    const loss = rnn.forward(x).output.sum();
    expect(() => loss.backward({ createGraph: true })).toThrow(composed);
    expect(x.grad).toBeNull();
    for (const p of rnn.parameters()) expect(p.grad).toBeNull();
    // The graph is intact: a plain backward still works.
    loss.backward();
    expect(x.grad).not.toBeNull();
  });

  it("GRU, LSTM (bidirectional, two layers) and the GRU and LSTM cells too", () => {
    const x = randn([2, 4, 3], { rng: createRng(13), requiresGrad: true });
    const outputs = [
      new GRU(3, 2, { rng: createRng(14), numLayers: 2 }).forward(x).output,
      new LSTM(3, 2, { rng: createRng(15), bidirectional: true }).forward(x).output,
      new GRUCell(3, 2, { rng: createRng(16) }).forward(x.select(1, 0)),
      new LSTMCell(3, 2, { rng: createRng(17) }).forward(x.select(1, 0)).h,
    ];
    for (const out of outputs) expect(() => out.sum().backward({ createGraph: true })).toThrow(composed);
    expect(x.grad).toBeNull();
  });

  it("RNNCell: grad of a grad through it", () => {
    const cell = new RNNCell(3, 2, { rng: createRng(8) });
    const x = randn([4, 3], { rng: createRng(9) });
    const g = grad((xi: Tensor) => cell.forward(xi).sum());
    expect(() => grad((xi: Tensor) => (g(xi) as Tensor).sum())(x)).toThrow(composed);
  });

  it("the composed step it suggests does support second derivatives", () => {
    const cell = new RNNCell(3, 2, { rng: createRng(10) });
    const step = (x: Tensor, h: Tensor) =>
      x.matmul(cell.weightIh.transpose(0, 1)).add(cell.biasIh!).add(h.matmul(cell.weightHh.transpose(0, 1))).add(cell.biasHh!).tanh();
    const x = randn([4, 3], { rng: createRng(11), requiresGrad: true });
    const h = randn([4, 2], { rng: createRng(12), requiresGrad: true });
    const fused = cell.forward(x, h);
    const ours = step(x, h);
    Array.from(ours.toTypedArray()).forEach((v, i) => expect(v).toBeCloseTo(fused.toTypedArray()[i], 12));
    expect(gradgradcheck(step, [x, h]).ok).toBe(true);
  });
});
