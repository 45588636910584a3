// The PyTorch float64 fixtures: value and gradient to 1e-9 relative, on both kernel sets. The seq_* cases
// run their RNN (tanh or relu, with or without bias, any number of layers) by hand with
// engine ops (matmul, add, tanh / relu) and check the loss part.
//   B batch, T time, I input, H hidden, C classes

import { expect, it } from "vitest";
import { stack, zeros, type Tensor } from "@unroll/autograd";
import { crossEntropy, nllLoss, sequenceCrossEntropy } from "../src/index.js";
import { expectClose, forEachKernelSet, fromFixture, loadFixtures, values, type Fixture } from "@unroll/testkit";

const dir = new URL("./fixtures/", import.meta.url);
/** The fixtures of one kind as it.each rows [name, fixture]; fewer than `atLeast` fails. */
const cases = (prefix: string, atLeast: number): [string, Fixture][] => loadFixtures(dir, prefix, atLeast).map((f) => [f.name, f]);

function options(fx: Fixture): Record<string, unknown> {
  const opts = { ...fx.config.options };
  if (opts.weight) opts.weight = fromFixture(opts.weight);
  return opts;
}

forEachKernelSet("cross_entropy fixtures", () => {
  it.each(cases("cross_entropy_", 150))("%s", (_, fx) => {
    const logits = fromFixture(fx.inputs.logits, { requiresGrad: true });
    const target = fromFixture(fx.inputs.target, { dtype: fx.config.soft ? "float64" : "int32" });
    const loss = crossEntropy(logits, target, options(fx));
    expectClose(loss, fx.expected.loss.data, { atol: 1e-14 });
    expect(loss.shape).toEqual(fx.expected.loss.shape);
    loss.backward(fromFixture(fx.upstream!.loss));
    expectClose(logits.grad, fx.expected.grads.logits.data, { atol: 1e-14 });
  });
});

forEachKernelSet("nll fixtures", () => {
  it.each(cases("nll_", 47))("%s", (_, fx) => {
    const logProbs = fromFixture(fx.inputs.logProbs, { requiresGrad: true });
    const loss = nllLoss(logProbs, fromFixture(fx.inputs.target, { dtype: "int32" }), options(fx));
    expectClose(loss, fx.expected.loss.data, { atol: 1e-14 });
    loss.backward(fromFixture(fx.upstream!.loss));
    expectClose(logProbs.grad, fx.expected.grads.logProbs.data, { atol: 1e-14 });
  });
});

/** Layer l's parameter `name`: `rnn.weightIh` for a one-layer RNN, `rnn.layers.{l}.weightIh` otherwise; null when absent (bias false). */
function rnnParam(p: Record<string, Tensor>, l: number, name: string): Tensor | null {
  return p[`rnn.layers.${l}.${name}`] ?? (l === 0 ? p[`rnn.${name}`] : undefined) ?? null;
}

/**
 * h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) from h_0 = 0, layer l > 0 reading
 * layer l-1's states: the last layer's state at every step [B,H]. Run over every step:
 * the states within each example's length (all the losses read) are those of PyTorch.
 */
function handRnn(x: Tensor, p: Record<string, Tensor>, nonlinearity: "tanh" | "relu"): Tensor[] {
  const [batch, steps] = x.shape;
  let inputs = Array.from({ length: steps }, (_, t) => x.select(1, t));
  for (let l = 0; rnnParam(p, l, "weightIh") !== null; l++) {
    const [wIh, wHh, bIh, bHh] = ["weightIh", "weightHh", "biasIh", "biasHh"].map((n) => rnnParam(p, l, n));
    let h = zeros([batch, wHh!.shape[0]]);
    inputs = inputs.map((xt) => {
      let z = xt.matmul(wIh!.transpose(0, 1)).add(h.matmul(wHh!.transpose(0, 1)));
      if (bIh !== null) z = z.add(bIh);
      if (bHh !== null) z = z.add(bHh);
      h = nonlinearity === "relu" ? z.relu() : z.tanh();
      return h;
    });
  }
  return inputs;
}

function params(fx: Fixture): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.params)) out[k] = fromFixture(v as never, { requiresGrad: true });
  return out;
}

function expectParamGrads(fx: Fixture, p: Record<string, Tensor>): void {
  for (const [k, g] of Object.entries(fx.expected.grads)) expectClose(p[k].grad, (g as { data: number[] }).data, { atol: 1e-14 });
}

forEachKernelSet("seq_labeling fixtures (loss part)", () => {
  it.each(cases("seq_labeling_", 14))("%s", (_, fx) => {
    const p = params(fx);
    const x = fromFixture(fx.inputs.x);
    const [batch, steps] = x.shape;
    const lengths = fx.inputs.lengths ? Int32Array.from(fx.inputs.lengths.data) : null;
    const head = p["head.weight"].transpose(0, 1);
    const logits = stack(handRnn(x, p, fx.config.nonlinearity), 1).matmul(head).add(p["head.bias"]);
    const target = fromFixture(fx.inputs.target, { dtype: "int32" });
    const opts = { timeReduction: fx.config.timeReduction, ignoreIndex: fx.config.ignoreIndex, ...(lengths ? { lengths } : {}) };

    // Past a sequence's end PyTorch's packed output is 0, so compare logits on valid steps only.
    const got = values(logits);
    const C = logits.shape[2];
    for (let b = 0; b < batch; b++) {
      const valid = lengths ? lengths[b] : steps;
      const span = [b * steps * C, (b * steps + valid) * C];
      expectClose(got.slice(span[0], span[1]), fx.expected.logits.data.slice(span[0], span[1]), { atol: 1e-14 });
    }
    const perStep = sequenceCrossEntropy(logits, target, { ...opts, reduction: "none" });
    expect(perStep.shape).toEqual([batch, steps]);
    expectClose(perStep, fx.expected.perStepLoss.data, { atol: 1e-14 });

    const loss = sequenceCrossEntropy(logits, target, opts);
    expectClose(loss, fx.expected.loss.data, { atol: 1e-14 });
    loss.backward();
    expectParamGrads(fx, p);
  });
});

forEachKernelSet("seq_classification fixtures (loss part)", () => {
  it.each(cases("seq_classification_", 6))("%s", (_, fx) => {
    const p = params(fx);
    const x = fromFixture(fx.inputs.x);
    const states = handRnn(x, p, fx.config.nonlinearity);
    const lengths: number[] | null = fx.inputs.lengths ? fx.inputs.lengths.data : null;
    // The final state is the one at each sequence's last valid step.
    const final = lengths ? stack(lengths.map((len, b) => states[len - 1].select(0, b))) : states[states.length - 1];
    const logits = final.matmul(p["head.weight"].transpose(0, 1)).add(p["head.bias"]);
    expectClose(logits, fx.expected.logits.data, { atol: 1e-14 });
    const loss = crossEntropy(logits, fromFixture(fx.inputs.target, { dtype: "int32" }));
    expectClose(loss, fx.expected.loss.data, { atol: 1e-14 });
    loss.backward();
    expectParamGrads(fx, p);
  });
});
