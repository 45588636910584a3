// PyTorch float64 reference cases: build the fixture's model, load its parameters by
// name, run, and compare outputs and every gradient to 1e-9 relative. The seq_* losses
// come from @unroll/losses.

import { describe, expect, it } from "vitest";
import type { Tensor } from "@unroll/autograd";
import { crossEntropy, sequenceCrossEntropy } from "@unroll/losses";
import { Linear, lastValid, Module, RNN, RNNCell, type Nonlinearity } from "../src/index.js";
import { expectClose, fromFixture, loadFixtures, upstreamLoss, type Fixture } from "@unroll/testkit";

const dir = new URL("./fixtures/", import.meta.url);

function loadParams(model: Module, f: Fixture, rename: (n: string) => string = (n) => n): void {
  const dict: Record<string, Tensor> = {};
  for (const [n, a] of Object.entries(f.params)) dict[rename(n)] = fromFixture(a);
  model.loadStateDict(dict);
}

function expectParamGrads(model: Module, f: Fixture, rename: (n: string) => string = (n) => n): void {
  const params = new Map(model.namedParameters());
  for (const n of Object.keys(f.params)) expectClose(params.get(rename(n))!.grad, f.expected.grads[n], { what: `grad ${n}`, rtol: 1e-9, atol: 1e-12 });
}

const hasBias = (f: Fixture, prefix = ""): boolean => `${prefix}biasIh` in f.params || `${prefix}layers.0.biasIh` in f.params;

describe("rnn_cell fixtures", () => {
  const cases = loadFixtures(dir, "rnn_cell_", 9);
  for (const f of cases) {
    it(f.name, () => {
      const c = f.config;
      const cell = new RNNCell(c.inputSize as number, c.hiddenSize as number, { nonlinearity: c.nonlinearity as Nonlinearity, bias: hasBias(f) });
      loadParams(cell, f);
      const x = fromFixture(f.inputs.x, { requiresGrad: true });
      const h = f.inputs.h ? fromFixture(f.inputs.h, { requiresGrad: true }) : null;
      const output = cell.forward(x, h);
      expectClose(output, f.expected.output, { what: "output", rtol: 1e-9, atol: 1e-12 });
      upstreamLoss({ output }, f).backward();
      expectParamGrads(cell, f);
      expectClose(x.grad, f.expected.grads.x, { what: "grad x", rtol: 1e-9, atol: 1e-12 });
      if (h) expectClose(h.grad, f.expected.grads.h, { what: "grad h", rtol: 1e-9, atol: 1e-12 });
    });
  }
});

describe("rnn fixtures", () => {
  const cases = loadFixtures(dir, "rnn_", 28).filter((f) => f.kind === "rnn" && (f as { paramNames?: string }).paramNames !== "torch");
  for (const f of cases) {
    it(f.name, () => {
      const c = f.config;
      expect(c.batchFirst ?? true).toBe(true);
      const rnn = new RNN(c.inputSize as number, c.hiddenSize as number, {
        numLayers: c.numLayers as number,
        nonlinearity: c.nonlinearity as Nonlinearity,
        bias: hasBias(f),
      });
      loadParams(rnn, f);
      const x = fromFixture(f.inputs.x, { requiresGrad: true });
      const h0 = f.inputs.h0 ? fromFixture(f.inputs.h0, { requiresGrad: true }) : null;
      const lengths = f.inputs.lengths ? fromFixture(f.inputs.lengths, { dtype: "int32" }) : null;
      const { output, hN } = rnn.forward(x, h0, { lengths });
      expectClose(output, f.expected.output, { what: "output", rtol: 1e-9, atol: 1e-12 });
      expectClose(hN, f.expected.hN, { what: "hN", rtol: 1e-9, atol: 1e-12 });
      upstreamLoss({ output, hN }, f).backward();
      expectParamGrads(rnn, f);
      expectClose(x.grad, f.expected.grads.x, { what: "grad x", rtol: 1e-9, atol: 1e-12 });
      if (h0) expectClose(h0.grad, f.expected.grads.h0, { what: "grad h0", rtol: 1e-9, atol: 1e-12 });
    });
  }
});

/** The fixtures' RNN → Linear models; `rnn.weightIh` names a 1-layer RNN's `rnn.layers.0.weightIh`. */
class SeqModel extends Module {
  readonly rnn: RNN;
  readonly head: Linear;
  constructor(f: Fixture) {
    super();
    const c = f.config;
    const numLayers = (c.numLayers as number | undefined) ?? 1;
    this.rnn = this.registerModule("rnn", new RNN(c.inputSize as number, c.hiddenSize as number, { numLayers, nonlinearity: c.nonlinearity as Nonlinearity, bias: hasBias(f, "rnn.") }));
    this.head = this.registerModule("head", new Linear(c.hiddenSize as number, c.numClasses as number, { bias: "head.bias" in f.params }));
  }
}
const renameSeq = (n: string): string => n.replace(/^rnn\.(weightIh|weightHh|biasIh|biasHh)$/, "rnn.layers.0.$1");

describe("seq_classification fixtures", () => {
  const cases = loadFixtures(dir, "seq_classification_", 7);
  for (const f of cases) {
    it(f.name, () => {
      const model = new SeqModel(f);
      loadParams(model, f, renameSeq);
      const x = fromFixture(f.inputs.x);
      const lengths = f.inputs.lengths ? fromFixture(f.inputs.lengths, { dtype: "int32" }) : null;
      const { output, hN } = model.rnn.forward(x, null, { lengths });
      // The last layer's final state equals the output at each example's last valid step.
      const last = hN.select(0, hN.shape[0] - 1);
      expectClose(lastValid(output, lengths), { shape: [...last.shape], data: Array.from(last.toTypedArray()) }, { what: "lastValid vs hN", rtol: 1e-9, atol: 1e-12 });
      const logits = model.head.forward(last);
      expectClose(logits, f.expected.logits, { what: "logits", rtol: 1e-9, atol: 1e-12 });
      // mean over examples of -log softmax(logits)[y]
      const loss = crossEntropy(logits, fromFixture(f.inputs.target, { dtype: "int32" }));
      expectClose(loss, f.expected.loss, { what: "loss", rtol: 1e-9, atol: 1e-12 });
      loss.backward();
      expectParamGrads(model, f, renameSeq);
    });
  }
});

describe("seq_labeling fixtures", () => {
  const cases = loadFixtures(dir, "seq_labeling_", 14);
  for (const f of cases) {
    it(f.name, () => {
      const model = new SeqModel(f);
      loadParams(model, f, renameSeq);
      const x = fromFixture(f.inputs.x);
      const lengths = f.inputs.lengths ? fromFixture(f.inputs.lengths, { dtype: "int32" }) : null;
      const logits = model.head.forward(model.rnn.forward(x, null, { lengths }).output);
      expectClose(logits, f.expected.logits, { what: "logits", rtol: 1e-9, atol: 1e-12 });
      // per example the sum (or mean) over steps within its length whose target is not
      // ignoreIndex, then the mean over examples
      const target = fromFixture(f.inputs.target, { dtype: "int32" });
      const opts = {
        lengths: lengths ?? undefined,
        ignoreIndex: (f.config.ignoreIndex as number | undefined) ?? -100,
        timeReduction: f.config.timeReduction as "sum" | "mean",
      };
      expectClose(sequenceCrossEntropy(logits, target, { ...opts, reduction: "none" }), f.expected.perStepLoss, { what: "perStepLoss", rtol: 1e-9, atol: 1e-12 });
      const loss = sequenceCrossEntropy(logits, target, opts);
      expectClose(loss, f.expected.loss, { what: "loss", rtol: 1e-9, atol: 1e-12 });
      loss.backward();
      expectParamGrads(model, f, renameSeq);
    });
  }
});
