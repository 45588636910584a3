// Bad input: each error names the module, what was expected and what it got.

import { describe, expect, it } from "vitest";
import { randn, tensor, zeros } from "@unroll/autograd";
import { Embedding, lastValid, Linear, RNN, RNNCell } from "../src/index.js";

describe("RNN", () => {
  const rnn = new RNN(4, 3, { numLayers: 2 });
  const x = randn([2, 5, 4]);

  it("wrong input rank or size", () => {
    expect(() => rnn.forward(randn([5, 4]))).toThrow("RNN: x is [5,4] but expected [B,T,4] (batch, time, inputSize)");
    expect(() => rnn.forward(randn([2, 5, 3]))).toThrow("RNN: x is [2,5,3] but expected [B,T,4] (batch, time, inputSize)");
    expect(() => rnn.forward(randn([2, 0, 4]))).toThrow("RNN: x is [2,0,4] and has no time steps");
    expect(() => rnn.forward([[1]] as never)).toThrow(TypeError);
    expect(() => rnn.forward(randn([2, 5, 4], { dtype: "float32" }))).toThrow("RNN: x is float32 but the parameters are float64");
  });

  it("lengths out of [1, T] or of the wrong length", () => {
    expect(() => rnn.forward(x, null, { lengths: tensor([5, 0], { dtype: "int32" }) })).toThrow(
      "RNN: lengths[1] is 0 but each length must be an integer in [1, 5] (T = 5)",
    );
    expect(() => rnn.forward(x, null, { lengths: tensor([6, 2], { dtype: "int32" }) })).toThrow(/lengths\[0\] is 6 but each length must be an integer in \[1, 5\]/);
    expect(() => rnn.forward(x, null, { lengths: [2.5, 1] })).toThrow(RangeError);
    expect(() => rnn.forward(x, null, { lengths: tensor([5, 5, 5], { dtype: "int32" }) })).toThrow("RNN: lengths is [3] but expected [2] (one length per example)");
    expect(() => rnn.forward(x, null, { lengths: tensor([[5, 5]], { dtype: "int32" }) })).toThrow("RNN: lengths is [1,2] but expected [2]");
    expect(() => rnn.forward(x, null, { lengths: [5] })).toThrow("RNN: lengths has 1 entries but expected 2 (one per example)");
    expect(() => rnn.forward(x, null, { lengths: tensor([5, 5]) })).toThrow("RNN: lengths must be an int32 tensor, got float64");
  });

  it("hidden state of the wrong shape", () => {
    const msg = (s: string): string => `RNN: h0 is ${s} but expected [2,2,3] (numLayers, batch, hiddenSize)`;
    expect(() => rnn.forward(x, zeros([1, 2, 3]))).toThrow(msg("[1,2,3]"));
    expect(() => rnn.forward(x, zeros([2, 3, 3]))).toThrow(msg("[2,3,3]"));
    expect(() => rnn.forward(x, zeros([2, 2, 4]))).toThrow(msg("[2,2,4]"));
    expect(() => rnn.forward(x, zeros([2, 3]))).toThrow(msg("[2,3]"));
    expect(() => rnn.forward(x, zeros([2, 2, 3], { dtype: "float32" }))).toThrow("RNN: h0 is float32 but the parameters are float64");
  });

  it("bad constructor arguments", () => {
    expect(() => new RNN(0, 3)).toThrow("RNN: inputSize must be a positive integer, got 0");
    expect(() => new RNN(2, 3, { numLayers: 1.5 })).toThrow("RNN: numLayers must be a positive integer, got 1.5");
    expect(() => new RNN(2, 3, { nonlinearity: "sigmoid" as never })).toThrow('RNN: nonlinearity must be "tanh" or "relu", got "sigmoid"');
  });

  it("nothing is recorded or changed by a rejected call", () => {
    const before = rnn.parameters().map((p) => p.toTypedArray());
    expect(() => rnn.forward(x, zeros([1, 2, 3]))).toThrow();
    rnn.parameters().forEach((p, i) => {
      expect(p.grad).toBeNull();
      expect(p.toTypedArray()).toEqual(before[i]);
    });
  });
});

describe("RNNCell", () => {
  const cell = new RNNCell(4, 3);
  it("wrong input rank or size", () => {
    expect(() => cell.forward(randn([2, 5, 4]))).toThrow("RNNCell: x is [2,5,4] but expected [B,4] (batch, inputSize)");
    expect(() => cell.forward(randn([2, 3]))).toThrow("RNNCell: x is [2,3] but expected [B,4] (batch, inputSize)");
  });
  it("hidden state of the wrong shape", () => {
    expect(() => cell.forward(randn([2, 4]), zeros([3, 3]))).toThrow("RNNCell: h is [3,3] but expected [2,3] (batch, hiddenSize)");
    expect(() => cell.forward(randn([2, 4]), zeros([1, 2, 3]))).toThrow("RNNCell: h is [1,2,3] but expected [2,3] (batch, hiddenSize)");
  });
});

describe("Linear", () => {
  it("wrong input size", () => {
    const lin = new Linear(4, 2);
    expect(() => lin.forward(randn([3, 5]))).toThrow("Linear: x is [3,5] but expected [...,4] (last dim = inFeatures)");
    expect(() => lin.forward(tensor(1))).toThrow("Linear: x is [] but expected [...,4] (last dim = inFeatures)");
    expect(() => lin.forward(randn([3, 4], { dtype: "float32" }))).toThrow("Linear: x is float32 but the parameters are float64");
  });
});

describe("Embedding", () => {
  const emb = new Embedding(5, 2);
  it("indices of the wrong dtype or out of range", () => {
    expect(() => emb.forward(tensor([1, 2]))).toThrow("Embedding: indices must be int32, got float64 (shape [2])");
    expect(() => emb.forward(tensor([[1, 5]], { dtype: "int32" }))).toThrow("Embedding: index 5 at flat position 1 of indices [1,2] is out of range for 5 embeddings");
    expect(() => emb.forward(tensor([-1], { dtype: "int32" }))).toThrow(RangeError);
  });
  it("a padding index out of range", () => {
    expect(() => new Embedding(5, 2, { paddingIdx: 5 })).toThrow("Embedding: paddingIdx 5 must be an integer in [-5, 4]");
  });
});

describe("lastValid", () => {
  it("wrong rank and bad lengths", () => {
    expect(() => lastValid(randn([2, 3]))).toThrow("lastValid: output is [2,3] but expected [B,T,H] (batch, time, hidden)");
    expect(() => lastValid(randn([2, 3, 4]), [1, 4])).toThrow("lastValid: lengths[1] is 4 but each length must be an integer in [1, 3] (T = 3)");
  });
  it("picks each example's output at its last valid step", () => {
    const out = tensor([[[1], [2], [3]], [[4], [5], [6]]]);
    expect(lastValid(out, tensor([2, 3], { dtype: "int32" })).toArray()).toEqual([[2], [6]]);
    expect(lastValid(out).toArray()).toEqual([[3], [6]]);
  });
});
