// Bad input: each error names the module, what was expected and what it got.

import { describe, expect, it } from "vitest";
import { randn, tensor, zeros } from "@unroll/autograd";
import { Dropout, Embedding, GRU, GRUCell, lastValid, Linear, LSTM, LSTMCell, RNN, RNNCell } from "../src/index.js";

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
      "RNN: lengths[1] is 0, outside [1, 5] (T = 5)",
    );
    expect(() => rnn.forward(x, null, { lengths: tensor([6, 2], { dtype: "int32" }) })).toThrow(/lengths\[0\] is 6, outside \[1, 5\]/);
    expect(() => rnn.forward(x, null, { lengths: [2.5, 1] })).toThrow(new TypeError("RNN: lengths[0] is 2.5, not an integer"));
    expect(() => rnn.forward(x, null, { lengths: tensor([5, 5, 5], { dtype: "int32" }) })).toThrow("RNN: lengths is [3] but the batch has B = 2; expected [2]");
    expect(() => rnn.forward(x, null, { lengths: tensor([[5, 5]], { dtype: "int32" }) })).toThrow("RNN: lengths is [1,2] but the batch has B = 2; expected [2]");
    expect(() => rnn.forward(x, null, { lengths: [5] })).toThrow("RNN: lengths is [1] but the batch has B = 2; expected [2]");
    expect(() => rnn.forward(x, null, { lengths: tensor([5, 5]) })).toThrow("RNN: lengths must be int32, got a float64 tensor [2]");
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
    expect(() => lastValid(randn([2, 3, 4]), [1, 4])).toThrow("lastValid: lengths[1] is 4, outside [1, 3] (T = 3)");
  });
  it("picks each example's output at its last valid step", () => {
    const out = tensor([[[1], [2], [3]], [[4], [5], [6]]]);
    expect(lastValid(out, tensor([2, 3], { dtype: "int32" })).toArray()).toEqual([[2], [6]]);
    expect(lastValid(out).toArray()).toEqual([[3], [6]]);
  });
});

describe("GRU and LSTM", () => {
  const gru = new GRU(4, 3, { numLayers: 2, bidirectional: true });
  const lstm = new LSTM(4, 3, { numLayers: 2 });
  const x = randn([2, 5, 4]);

  it("wrong x, h0 or c0 rank or size, naming the module and both shapes", () => {
    expect(() => gru.forward(randn([5, 4]))).toThrow("GRU: x is [5,4] but expected [B,T,4] (batch, time, inputSize)");
    expect(() => lstm.forward(randn([2, 5, 3]))).toThrow("LSTM: x is [2,5,3] but expected [B,T,4] (batch, time, inputSize)");
    expect(() => gru.forward(x, zeros([2, 2, 3]))).toThrow("GRU: h0 is [2,2,3] but expected [4,2,3] (numLayers·2, batch, hiddenSize)");
    expect(() => lstm.forward(x, { h: zeros([2, 2, 3]), c: zeros([2, 3, 3]) })).toThrow("LSTM: state.c is [2,3,3] but expected [2,2,3] (numLayers, batch, hiddenSize)");
    expect(() => lstm.forward(x, { h: zeros([2, 2]), c: zeros([2, 2, 3]) })).toThrow("LSTM: state.h is [2,2] but expected [2,2,3]");
    expect(() => new GRUCell(4, 3).forward(randn([2, 3]))).toThrow("GRUCell: x is [2,3] but expected [B,4] (batch, inputSize)");
    expect(() => new LSTMCell(4, 3).forward(randn([2, 4]), { h: zeros([2, 3]), c: zeros([3, 3]) })).toThrow("LSTMCell: c is [3,3] but expected [2,3] (batch, hiddenSize)");
    expect(() => gru.forward(randn([2, 5, 4], { dtype: "float32" }))).toThrow("GRU: x is float32 but the parameters are float64");
  });

  it("an LSTM state without c, or an RNN / GRU given { h, c }", () => {
    const h = zeros([2, 2, 3]);
    expect(() => lstm.forward(x, { h } as never)).toThrow("LSTM: state must be { h, c } with both tensors, but c is missing");
    expect(() => lstm.forward(x, h as never)).toThrow(/LSTM: state must be \{ h, c \}, got a Tensor/);
    expect(() => new LSTMCell(4, 3).forward(randn([2, 4]), { c: zeros([2, 3]) } as never)).toThrow("LSTMCell: state must be { h, c } with both tensors, but h is missing");
    expect(() => gru.forward(x, { h, c: h } as never)).toThrow(/GRU: h0 must be a Tensor \[4,2,3\], got an object \(an LSTM's \{ h, c \}\? GRU takes h0 alone\)/);
    expect(() => new RNN(4, 3).forward(x, { h, c: h } as never)).toThrow(TypeError);
    expect(() => new GRUCell(4, 3).forward(randn([2, 4]), { h: zeros([2, 3]), c: zeros([2, 3]) } as never)).toThrow("GRUCell: h must be a Tensor [2,3], got an object");
  });

  it("dropout outside [0, 1)", () => {
    expect(() => new GRU(2, 3, { dropout: 1 })).toThrow("GRU: dropout must be a finite number >= 0 and < 1, got 1");
    expect(() => new LSTM(2, 3, { dropout: -0.1 })).toThrow(RangeError);
    expect(() => new RNN(2, 3, { dropout: Number.NaN })).toThrow(/dropout/);
    expect(() => new Dropout(1.5)).toThrow("Dropout: p must be a finite number >= 0 and <= 1, got 1.5");
  });

  it("lengths out of [1, T] or of the wrong length", () => {
    expect(() => gru.forward(x, null, { lengths: [5, 0] })).toThrow("GRU: lengths[1] is 0, outside [1, 5] (T = 5)");
    expect(() => lstm.forward(x, null, { lengths: [6, 1] })).toThrow(RangeError);
    expect(() => lstm.forward(x, null, { lengths: [5] })).toThrow("LSTM: lengths is [1] but the batch has B = 2; expected [2]");
  });

  it("an unknown option name or a wrong option type", () => {
    expect(() => new GRU(2, 3, { num_layers: 2 } as never)).toThrow('GRU: unknown option "num_layers" (did you mean "numLayers"?)');
    expect(() => new LSTM(2, 3, { nonlinearity: "relu" } as never)).toThrow(/LSTM: unknown option "nonlinearity"/);
    expect(() => new RNN(2, 3, { batchFirst: true } as never)).toThrow(/RNN: unknown option "batchFirst"/);
    expect(() => new GRU(2, 3, { bidirectional: 1 } as never)).toThrow("GRU: bidirectional must be a boolean, got 1");
    expect(() => new LSTM(2, 3, { numLayers: "2" } as never)).toThrow('LSTM: numLayers must be a positive integer, got "2"');
    expect(() => new GRUCell(2, 3, { bias: "no" } as never)).toThrow('GRUCell: bias must be a boolean, got "no"');
    expect(() => new LSTMCell(2, 3, { hidden: 3 } as never)).toThrow(/LSTMCell: unknown option "hidden"/);
    expect(() => gru.forward(x, null, { length: [5, 5] } as never)).toThrow(/GRU.forward: unknown option "length" \(did you mean "lengths"\?\)/);
    expect(() => new LSTM(2, 3, { rng: 5 } as never)).toThrow("LSTM: rng must be an Rng (from createRng), got 5");
  });

  it("nothing is recorded or changed by a rejected call", () => {
    const before = lstm.parameters().map((p) => p.toTypedArray());
    expect(() => lstm.forward(x, { h: zeros([1, 2, 3]), c: zeros([2, 2, 3]) })).toThrow();
    lstm.parameters().forEach((p, i) => {
      expect(p.grad).toBeNull();
      expect(p.toTypedArray()).toEqual(before[i]);
    });
  });
});
