// A @unroll/rnn Module is a checkpoint model as it is: a checkpoint of an RNN language
// model with Adam and a schedule resumes bit for bit in fresh objects.

import { describe, expect, test } from "vitest";
import { Adam, createRng, LinearLR, loadCheckpoint, saveCheckpoint, tensor, type Rng } from "@unroll/autograd";
import { crossEntropy } from "@unroll/losses";
import { Embedding, Linear, Module, RNN } from "../src/index.js";

class Net extends Module {
  embedding: Embedding;
  rnn: RNN;
  head: Linear;
  constructor(rng: Rng) {
    super();
    this.embedding = this.registerModule("embedding", new Embedding(7, 4, { rng }));
    this.rnn = this.registerModule("rnn", new RNN(4, 6, { numLayers: 2, rng }));
    this.head = this.registerModule("head", new Linear(6, 7, { rng }));
  }
}

function fresh(seed: number) {
  const rng = createRng(seed);
  const model = new Net(rng);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  return { model, optimizer, scheduler: new LinearLR(optimizer, { startFactor: 0.2, totalIters: 6 }), rng };
}

function train(run: ReturnType<typeof fresh>, steps: number): void {
  for (let k = 0; k < steps; k++) {
    const ids = Array.from({ length: 12 }, () => run.rng.int(7));
    const x = tensor(ids, { shape: [2, 6], dtype: "int32" });
    const { output } = run.model.rnn.forward(run.model.embedding.forward(x));
    const loss = crossEntropy(run.model.head.forward(output).reshape([12, 7]), tensor(ids.map((i) => (i + 1) % 7), { dtype: "int32" }));
    run.optimizer.zeroGrad();
    loss.backward();
    run.optimizer.step();
    run.scheduler.step();
  }
}

describe("checkpoints of a Module", () => {
  test("8 steps straight = 4, save, load into fresh objects, 4", () => {
    const straight = fresh(0);
    train(straight, 8);
    const first = fresh(0);
    train(first, 4);
    const bytes = saveCheckpoint({ ...first, step: 4 });
    const second = fresh(42);
    expect(loadCheckpoint(bytes, second).step).toBe(4);
    train(second, 4);
    for (const [name, p] of second.model.namedParameters()) {
      expect(Array.from(p.toTypedArray()), name).toEqual(Array.from(straight.model.stateDict()[name]!.toTypedArray()));
    }
  });
});
