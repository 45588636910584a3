// RNN.forward reuses each layer's buffers (time-major input, step states) once the
// graph that read them has run its last backward. Reuse must never change a result:
// each case compares against a fresh RNN with the same weights, which has nothing to reuse.

import { describe, expect, it } from "vitest";
import { createRng, noGrad, randn, tensor, type Tensor } from "@unroll/autograd";
import { flat } from "@unroll/autograd/extend";
import { RNN, type RNNOptions } from "../src/index.js";

const B = 3;
const T = 5;
const I = 4;
const H = 6;
const OPTS: RNNOptions = { numLayers: 2 };
const LENGTHS = [5, 2, 4];

const values = (t: Tensor): number[] => Array.from(flat(t.data));

/** A loss that weighs every output and final state differently, so any mixed-up buffer shows. */
function loss(r: { output: Tensor; hN: Tensor }, seed: number): Tensor {
  const rng = createRng(seed);
  return r.output.mul(randn(r.output.shape, { rng })).sum().add(r.hN.mul(randn(r.hN.shape, { rng })).sum());
}

/** A fresh RNN with `rnn`'s current weights: no workspace to reuse. */
function twin(rnn: RNN): RNN {
  const fresh = new RNN(I, H, OPTS);
  fresh.loadStateDict(rnn.stateDict());
  return fresh;
}

/** Output, hN and every parameter gradient of one forward + backward on a fresh twin. */
function reference(rnn: RNN, x: Tensor, seed: number, lengths?: number[]): number[][] {
  const fresh = twin(rnn);
  const r = fresh.forward(x, null, { lengths });
  loss(r, seed).backward();
  return [values(r.output), values(r.hN), ...fresh.parameters().map((p) => values(p.grad!))];
}

describe("RNN workspace reuse", () => {
  it("repeated steps, with and without lengths, give a fresh model's outputs and gradients", () => {
    const rnn = new RNN(I, H, { ...OPTS, rng: createRng("ws-1") });
    for (let step = 0; step < 4; step++) {
      const x = randn([B, T, I], { rng: createRng(step) });
      const lengths = step % 2 === 1 ? LENGTHS : undefined;
      const expected = reference(rnn, x, step, lengths);
      rnn.zeroGrad();
      const r = rnn.forward(x, null, { lengths });
      loss(r, step).backward();
      expect([values(r.output), values(r.hN), ...rnn.parameters().map((p) => values(p.grad!))]).toEqual(expected);
    }
  });

  it("steps past an example's length read zeros, not what an earlier forward left behind", () => {
    const rnn = new RNN(I, H, { ...OPTS, rng: createRng("ws-nan") });
    // leaves NaN in every reused buffer
    noGrad(() => rnn.forward(tensor(new Float64Array(B * T * I).fill(NaN), { shape: [B, T, I] })));
    const x = randn([B, T, I], { rng: createRng(50) });
    const expected = reference(rnn, x, 8, LENGTHS);
    const r = rnn.forward(x, null, { lengths: LENGTHS });
    loss(r, 8).backward();
    expect([values(r.output), values(r.hN), ...rnn.parameters().map((p) => values(p.grad!))]).toEqual(expected);
  });

  it("outputs the caller keeps are not overwritten by later steps", () => {
    const rnn = new RNN(I, H, { ...OPTS, rng: createRng("ws-2") });
    const first = rnn.forward(randn([B, T, I], { rng: createRng(10) }));
    loss(first, 1).backward();
    const kept = [values(first.output), values(first.hN)];
    for (let step = 0; step < 3; step++) loss(rnn.forward(randn([B, T, I], { rng: createRng(11 + step) })), 2).backward();
    noGrad(() => rnn.forward(randn([B, T, I], { rng: createRng(20) })));
    expect([values(first.output), values(first.hN)]).toEqual(kept);
  });

  it("two forwards before one backward, and forwards while a graph waits, keep their own buffers", () => {
    const rnn = new RNN(I, H, { ...OPTS, rng: createRng("ws-3") });
    // release a workspace first, so that there is one to (wrongly) share
    loss(rnn.forward(randn([B, T, I], { rng: createRng(30) })), 3).backward();
    const x1 = randn([B, T, I], { rng: createRng(31) });
    const x2 = randn([B, T, I], { rng: createRng(32) });
    const g1 = reference(rnn, x1, 4).slice(2);
    const g2 = reference(rnn, x2, 5).slice(2);
    rnn.zeroGrad();
    const r1 = rnn.forward(x1);
    const r2 = rnn.forward(x2);
    noGrad(() => rnn.forward(randn([B, T, I], { rng: createRng(33) })));
    loss(r1, 4).add(loss(r2, 5)).backward();
    const got = rnn.parameters().map((p) => values(p.grad!));
    got.forEach((g, k) => g.forEach((v, j) => expect(v).toBeCloseTo(g1[k][j] + g2[k][j], 12)));
  });

  it("retainGraph keeps the buffers for the second backward, even with other steps in between", () => {
    const rnn = new RNN(I, H, { ...OPTS, rng: createRng("ws-4") });
    const x = randn([B, T, I], { rng: createRng(40) });
    const expected = reference(rnn, x, 6).slice(2);
    const r = rnn.forward(x, null, { lengths: tensor(LENGTHS.map(() => T), { dtype: "int32" }) });
    const l = loss(r, 6);
    l.backward(undefined, { retainGraph: true });
    for (let step = 0; step < 2; step++) loss(rnn.forward(randn([B, T, I], { rng: createRng(41 + step) })), 7).backward();
    rnn.zeroGrad();
    l.backward();
    expect(rnn.parameters().map((p) => values(p.grad!))).toEqual(expected);
  });
});
