// Two SGD steps of an RNN and a linear head at W1's sizes (products big enough to be
// split) give the same bits on 1, 2 and 3 kernel threads: every thread owns its rows or
// columns of each product, and no sum is split.
//   B batch, T time, I input size, H hidden size, C classes

import { afterAll, describe, expect, it } from "vitest";
import { createRng, numThreads, randn, setNumThreads, SGD } from "@unroll/autograd";
import { wasmPool } from "../../autograd/src/kernels/wasm/index.js";
import { Linear, RNN } from "../src/index.js";

const initial = numThreads();
afterAll(() => setNumThreads(initial));

/** The parameters' bits after two steps of RNN + Linear + Σ logits·r with SGD. */
function train(): Uint32Array[] {
  const rng = createRng("threads-rnn");
  const [B, T, I, H, C] = [32, 25, 65, 128, 65];
  const rnn = new RNN(I, H, { rng, dtype: "float32" });
  const head = new Linear(H, C, { rng, dtype: "float32" });
  const x = randn([B, T, I], { rng, dtype: "float32" });
  const r = randn([B, T, C], { rng, dtype: "float32" });
  const params = [...rnn.parameters(), ...head.parameters()];
  const opt = new SGD(params, { lr: 0.01 });
  for (let step = 0; step < 2; step++) {
    opt.zeroGrad();
    head.forward(rnn.forward(x).output).mul(r).sum().backward();
    opt.step();
  }
  return params.map((p) => new Uint32Array((p.buffer as Float32Array).slice().buffer));
}

describe.runIf(wasmPool !== null && wasmPool.limit > 1)("RNN training on threads", () => {
  it("gives the same bits for 1, 2 and 3 threads", async () => {
    const runs: Uint32Array[][] = [];
    for (const n of [1, 2, 3]) {
      setNumThreads(n);
      await wasmPool!.whenReady();
      runs.push(train());
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });
});
