// The model of the cross-framework safetensors fixture (fixtures/extra/torch_roundtrip.json):
// the same layers and names as the torch `Net` of fixtures/extra/make_extra.py.
//   B batch, T time, V vocab, E embedding dim, H hidden, L layers, C classes
//   ids int32 [B, T] → Embedding [B, T, E] → RNN → Linear at every step → logits [B, T, C]

import { createRng, type Tensor } from "@unroll/autograd";
import { Embedding, Linear, Module, RNN } from "../src/index.js";

export interface NetConfig {
  vocab: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  numClasses: number;
  nonlinearity: "tanh" | "relu";
  seed: number;
}

/** Embedding → RNN (batch first) → Linear; state-dict names `embedding.weight`, `rnn.weight_ih_l0`, `head.weight` with names "torch". */
export class Net extends Module {
  readonly embedding: Embedding;
  readonly rnn: RNN;
  readonly head: Linear;

  constructor(c: NetConfig) {
    super();
    const rng = createRng(c.seed);
    this.embedding = this.registerModule("embedding", new Embedding(c.vocab, c.embeddingDim, { rng }));
    this.rnn = this.registerModule("rnn", new RNN(c.embeddingDim, c.hiddenSize, { numLayers: c.numLayers, nonlinearity: c.nonlinearity, rng }));
    this.head = this.registerModule("head", new Linear(c.hiddenSize, c.numClasses, { rng }));
  }

  forward(ids: Tensor, lengths: Tensor | null): { logits: Tensor; hN: Tensor } {
    const { output, hN } = this.rnn.forward(this.embedding.forward(ids), null, { lengths });
    return { logits: this.head.forward(output), hN };
  }
}
