// The PyTorch float64 fixtures: value and gradient to 1e-9 relative. The seq_* cases
// run their tanh RNN by hand with engine ops (matmul, add, tanh) and check the loss part.
//   B batch, T time, I input, H hidden, C classes

import { describe, expect, it } from "vitest";
import { stack, zeros, type Tensor } from "@unroll/autograd";
import { crossEntropy, nllLoss, sequenceCrossEntropy } from "../src/index.js";
import { expectClose, fixtureNames, fromFixture, loadFixture, values, type Fixture } from "./helpers.js";

function options(fx: Fixture): Record<string, unknown> {
  const opts = { ...fx.config.options };
  if (opts.weight) opts.weight = fromFixture(opts.weight);
  return opts;
}

describe("cross_entropy fixtures", () => {
  it.each(fixtureNames("cross_entropy_"))("%s", (name) => {
    const fx = loadFixture(name);
    const logits = fromFixture(fx.inputs.logits, { requiresGrad: true });
    const target = fromFixture(fx.inputs.target, { dtype: fx.config.soft ? "float64" : "int32" });
    const loss = crossEntropy(logits, target, options(fx));
    expectClose(values(loss), fx.expected.loss.data);
    expect(loss.shape).toEqual(fx.expected.loss.shape);
    loss.backward(fromFixture(fx.upstream.loss));
    expectClose(values(logits.grad), fx.expected.grads.logits.data);
  });
});

describe("nll fixtures", () => {
  it.each(fixtureNames("nll_"))("%s", (name) => {
    const fx = loadFixture(name);
    const logProbs = fromFixture(fx.inputs.logProbs, { requiresGrad: true });
    const loss = nllLoss(logProbs, fromFixture(fx.inputs.target, { dtype: "int32" }), options(fx));
    expectClose(values(loss), fx.expected.loss.data);
    loss.backward(fromFixture(fx.upstream.loss));
    expectClose(values(logProbs.grad), fx.expected.grads.logProbs.data);
  });
});

/** h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) from h_0 = 0: every state [B,H]. */
function tanhRnn(x: Tensor, p: Record<string, Tensor>): Tensor[] {
  const [batch, steps] = x.shape;
  let h = zeros([batch, p["rnn.weightHh"].shape[0]]);
  const states: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const z = x.select(1, t).matmul(p["rnn.weightIh"].transpose(0, 1)).add(p["rnn.biasIh"]);
    h = z.add(h.matmul(p["rnn.weightHh"].transpose(0, 1))).add(p["rnn.biasHh"]).tanh();
    states.push(h);
  }
  return states;
}

function params(fx: Fixture): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.params)) out[k] = fromFixture(v as never, { requiresGrad: true });
  return out;
}

function expectParamGrads(fx: Fixture, p: Record<string, Tensor>): void {
  for (const [k, g] of Object.entries(fx.expected.grads)) expectClose(values(p[k].grad), (g as { data: number[] }).data);
}

describe("seq_labeling fixtures (loss part)", () => {
  it.each(fixtureNames("seq_labeling_"))("%s", (name) => {
    const fx = loadFixture(name);
    expect(fx.config.nonlinearity).toBe("tanh");
    const p = params(fx);
    const x = fromFixture(fx.inputs.x);
    const [batch, steps] = x.shape;
    const lengths = fx.inputs.lengths ? Int32Array.from(fx.inputs.lengths.data) : null;
    const head = p["head.weight"].transpose(0, 1);
    const logits = stack(tanhRnn(x, p), 1).matmul(head).add(p["head.bias"]);
    const target = fromFixture(fx.inputs.target, { dtype: "int32" });
    const opts = { timeReduction: fx.config.timeReduction, ignoreIndex: fx.config.ignoreIndex, ...(lengths ? { lengths } : {}) };

    // Past a sequence's end PyTorch's packed output is 0, so compare logits on valid steps only.
    const got = values(logits);
    const C = logits.shape[2];
    for (let b = 0; b < batch; b++) {
      const valid = lengths ? lengths[b] : steps;
      const span = [b * steps * C, (b * steps + valid) * C];
      expectClose(got.slice(span[0], span[1]), fx.expected.logits.data.slice(span[0], span[1]));
    }
    const perStep = sequenceCrossEntropy(logits, target, { ...opts, reduction: "none" });
    expect(perStep.shape).toEqual([batch, steps]);
    expectClose(values(perStep), fx.expected.perStepLoss.data);

    const loss = sequenceCrossEntropy(logits, target, opts);
    expectClose(values(loss), fx.expected.loss.data);
    loss.backward();
    expectParamGrads(fx, p);
  });
});

describe("seq_classification fixtures (loss part)", () => {
  it.each(fixtureNames("seq_classification_"))("%s", (name) => {
    const fx = loadFixture(name);
    expect(fx.config.nonlinearity).toBe("tanh");
    const p = params(fx);
    const x = fromFixture(fx.inputs.x);
    const states = tanhRnn(x, p);
    const lengths: number[] | null = fx.inputs.lengths ? fx.inputs.lengths.data : null;
    // The final state is the one at each sequence's last valid step.
    const final = lengths ? stack(lengths.map((len, b) => states[len - 1].select(0, b))) : states[states.length - 1];
    const logits = final.matmul(p["head.weight"].transpose(0, 1)).add(p["head.bias"]);
    expectClose(values(logits), fx.expected.logits.data);
    const loss = crossEntropy(logits, fromFixture(fx.inputs.target, { dtype: "int32" }));
    expectClose(values(loss), fx.expected.loss.data);
    loss.backward();
    expectParamGrads(fx, p);
  });
});
