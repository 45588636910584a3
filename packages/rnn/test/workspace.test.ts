// RNN / GRU / LSTM forwards reuse each layer's buffers (time-major input, gates, states)
// once the graph that read them has run its last backward. Reuse must never change a
// result: each case compares against a fresh module with the same weights, which has
// nothing to reuse.

import { describe, expect, it } from "vitest";
import { createRng, noGrad, randn, tensor, type Tensor } from "@unroll/autograd";
import { flat } from "@unroll/autograd/extend";
import { GRU, LSTM, RNN } from "../src/index.js";

const B = 3;
const T = 5;
const I = 4;
const H = 6;
type Layer = RNN | GRU | LSTM;
const MAKERS: [string, (opts: { rng?: ReturnType<typeof createRng> }) => Layer][] = [
  ["RNN, 2 layers", (o) => new RNN(I, H, { numLayers: 2, ...o })],
  ["GRU, 2 layers, bidirectional", (o) => new GRU(I, H, { numLayers: 2, bidirectional: true, ...o })],
  ["LSTM, 2 layers, bidirectional", (o) => new LSTM(I, H, { numLayers: 2, bidirectional: true, ...o })],
];
const LENGTHS = [5, 2, 4];

const values = (t: Tensor): number[] => Array.from(flat(t.view));

/** One forward with lengths (RNN and GRU take h0 = null, LSTM state = null). */
function fwd(m: Layer, x: Tensor, lengths?: number[] | Tensor): { output: Tensor; hN: Tensor; cN?: Tensor } {
  return m instanceof LSTM ? m.forward(x, null, { lengths }) : m.forward(x, null, { lengths });
}

/** A loss that weighs every output and final state differently, so any mixed-up buffer shows. */
function loss(r: { output: Tensor; hN: Tensor; cN?: Tensor }, seed: number): Tensor {
  const rng = createRng(seed);
  const l = r.output.mul(randn(r.output.shape, { rng })).sum().add(r.hN.mul(randn(r.hN.shape, { rng })).sum());
  return r.cN ? l.add(r.cN.mul(randn(r.cN.shape, { rng })).sum()) : l;
}

describe.each(MAKERS)("%s: workspace reuse", (_name, make) => {
  /** A fresh module with `rnn`'s current weights: no workspace to reuse. */
  function twin(rnn: Layer): Layer {
    const fresh = make({});
    fresh.loadStateDict(rnn.stateDict());
    return fresh;
  }

  /** Output, hN and every parameter gradient of one forward + backward on a fresh twin. */
  function reference(rnn: Layer, x: Tensor, seed: number, lengths?: number[]): number[][] {
    const fresh = twin(rnn);
    const r = fwd(fresh, x, lengths);
    loss(r, seed).backward();
    return [values(r.output), values(r.hN), ...fresh.parameters().map((p) => values(p.grad!))];
  }

  it("repeated steps, with and without lengths, give a fresh model's outputs and gradients", () => {
    const rnn = make({ rng: createRng("ws-1") });
    for (let step = 0; step < 4; step++) {
      const x = randn([B, T, I], { rng: createRng(step) });
      const lengths = step % 2 === 1 ? LENGTHS : undefined;
      const expected = reference(rnn, x, step, lengths);
      rnn.zeroGrad();
      const r = fwd(rnn, x, lengths);
      loss(r, step).backward();
      expect([values(r.output), values(r.hN), ...rnn.parameters().map((p) => values(p.grad!))]).toEqual(expected);
    }
  });

  it("steps past an example's length read zeros, not what an earlier forward left behind", () => {
    const rnn = make({ rng: createRng("ws-nan") });
    // leaves NaN in every reused buffer
    noGrad(() => fwd(rnn, tensor(new Float64Array(B * T * I).fill(NaN), { shape: [B, T, I] })));
    const x = randn([B, T, I], { rng: createRng(50) });
    const expected = reference(rnn, x, 8, LENGTHS);
    const r = fwd(rnn, x, LENGTHS);
    loss(r, 8).backward();
    expect([values(r.output), values(r.hN), ...rnn.parameters().map((p) => values(p.grad!))]).toEqual(expected);
  });

  it("outputs the caller keeps are not overwritten by later steps", () => {
    const rnn = make({ rng: createRng("ws-2") });
    const first = fwd(rnn, randn([B, T, I], { rng: createRng(10) }));
    loss(first, 1).backward();
    const kept = [values(first.output), values(first.hN)];
    for (let step = 0; step < 3; step++) loss(fwd(rnn, randn([B, T, I], { rng: createRng(11 + step) })), 2).backward();
    noGrad(() => fwd(rnn, randn([B, T, I], { rng: createRng(20) })));
    expect([values(first.output), values(first.hN)]).toEqual(kept);
  });

  it("two forwards before one backward, and forwards while a graph waits, keep their own buffers", () => {
    const rnn = make({ rng: createRng("ws-3") });
    // release a workspace first, so that there is one to (wrongly) share
    loss(fwd(rnn, randn([B, T, I], { rng: createRng(30) })), 3).backward();
    const x1 = randn([B, T, I], { rng: createRng(31) });
    const x2 = randn([B, T, I], { rng: createRng(32) });
    const g1 = reference(rnn, x1, 4).slice(2);
    const g2 = reference(rnn, x2, 5).slice(2);
    rnn.zeroGrad();
    const r1 = fwd(rnn, x1);
    const r2 = fwd(rnn, x2);
    noGrad(() => fwd(rnn, randn([B, T, I], { rng: createRng(33) })));
    loss(r1, 4).add(loss(r2, 5)).backward();
    const got = rnn.parameters().map((p) => values(p.grad!));
    got.forEach((g, k) => g.forEach((v, j) => expect(v).toBeCloseTo(g1[k][j] + g2[k][j], 12)));
  });

  it("retainGraph keeps the buffers for the second backward, even with other steps in between", () => {
    const rnn = make({ rng: createRng("ws-4") });
    const x = randn([B, T, I], { rng: createRng(40) });
    const expected = reference(rnn, x, 6).slice(2);
    const r = fwd(rnn, x, tensor(LENGTHS.map(() => T), { dtype: "int32" }));
    const l = loss(r, 6);
    l.backward(undefined, { retainGraph: true });
    for (let step = 0; step < 2; step++) loss(fwd(rnn, randn([B, T, I], { rng: createRng(41 + step) })), 7).backward();
    rnn.zeroGrad();
    l.backward();
    expect(rnn.parameters().map((p) => values(p.grad!))).toEqual(expected);
  });
});
