// Issue 12 for the layers, by defect class: misspelled and mistyped options, null as
// the options object, an int32 dtype, sizes too large to allocate. Every error names
// the module the user called.

import { describe, expect, it } from "vitest";
import { createRng, randn, tensor, zeros } from "@unroll/autograd";
import { expectError } from "@unroll/testkit";
import { Embedding, GRU, GRUCell, Linear, LSTM, LSTMCell, RNN, RNNCell } from "../src/index.js";

describe("defect class: silently ignored options (layers)", () => {
  it("misspelled names are errors that suggest the right one", () => {
    expectError(() => new RNN(4, 8, { num_layers: 2 } as never), TypeError, 'RNN: unknown option "num_layers" (did you mean "numLayers"?)');
    expectError(() => new Embedding(5, 3, { padding_idx: 0 } as never), TypeError, 'Embedding: unknown option "padding_idx" (did you mean "paddingIdx"?)');
    expectError(() => new Linear(2, 3, { biass: false } as never), TypeError, 'Linear: unknown option "biass" (did you mean "bias"?)');
    const x = randn([2, 3, 4]);
    expectError(() => new RNN(4, 8).forward(x, null, { lenghts: [3, 1] } as never), TypeError, 'RNN.forward: unknown option "lenghts" (did you mean "lengths"?)');
    expectError(() => new LSTM(4, 8).forward(x, null, { lengths: [3, 1], batchFirst: true } as never), TypeError, 'LSTM.forward: unknown option "batchFirst"');
  });
  it("values of the wrong type are not coerced", () => {
    expectError(() => new Linear(2, 3, { bias: "false" } as never), TypeError, 'Linear: bias must be a boolean, got "false"');
    expectError(() => new RNNCell(2, 3, { nonlinearity: "sigmoid" } as never), RangeError, 'RNNCell: nonlinearity must be "tanh" or "relu", got "sigmoid"');
    expectError(() => new GRU(2, 3, { numLayers: 2.5 }), RangeError, "GRU: numLayers must be a positive integer, got 2.5");
    expectError(() => new Embedding(5, 3, { paddingIdx: "0" } as never), TypeError, 'Embedding: paddingIdx must be an integer or null, got "0"');
    expectError(() => new LSTMCell(2, 3, { rng: 42 } as never), TypeError, "LSTMCell: rng must be an Rng (from createRng), got 42");
  });
  it("an int32 dtype names the layer, not an inner function", () => {
    for (const [name, make] of [
      ["Linear", () => new Linear(2, 3, { dtype: "int32" as never })],
      ["Embedding", () => new Embedding(4, 3, { dtype: "int32" as never })],
      ["RNN", () => new RNN(2, 3, { dtype: "int32" as never })],
      ["GRUCell", () => new GRUCell(2, 3, { dtype: "int32" as never })],
    ] as const) {
      expectError(make, TypeError, `${name}: dtype must be "float64" or "float32", got "int32"`);
    }
    expectError(() => new Linear(2, 3).forward(tensor([[1, 2]], { dtype: "int32" })), TypeError, "Linear: x is int32 but the parameters are float64");
  });
});

describe("defect class: internal errors that leak (layers)", () => {
  it("null, arrays and numbers as options name the module or method", () => {
    const x = randn([2, 3, 4]);
    const m = new Linear(2, 2);
    const cases: [string, (o: never) => unknown][] = [
      ["Linear", (o) => new Linear(2, 3, o)],
      ["Embedding", (o) => new Embedding(4, 3, o)],
      ["RNNCell", (o) => new RNNCell(2, 3, o)],
      ["RNN", (o) => new RNN(4, 3, o)],
      ["GRU", (o) => new GRU(4, 3, o)],
      ["LSTM", (o) => new LSTM(4, 3, o)],
      ["RNN.forward", (o) => new RNN(4, 3).forward(x, null, o)],
      ["GRU.forward", (o) => new GRU(4, 3).forward(x, null, o)],
      ["zeroGrad", (o) => m.zeroGrad(o)],
      ["stateDict", (o) => m.stateDict(o)],
      ["loadStateDict", (o) => m.loadStateDict(m.stateDict(), o)],
    ];
    for (const [name, call] of cases) {
      for (const [bad, got] of [[null, "null"], [[1], "[1]"], [5, "5"], [randn([1]), "a float64 tensor [1]"]] as const) {
        expectError(() => call(bad as never), TypeError, `${name}: options must be an object, got ${got}`);
      }
    }
    expectError(() => m.loadStateDict(null as never), TypeError, "loadStateDict: dict must be an object of name → Tensor, got null");
  });
  it("sizes too large to allocate say what was asked for, naming the layer", () => {
    expectError(() => new Linear(1e9, 1e9), RangeError, "Linear: asked for 1000000000000000000 float64 elements (8.00 EB)", "more than the 4294967296 elements");
    expectError(() => new Embedding(1e6, 1e5, { dtype: "float32" }), RangeError, "Embedding: asked for 100000000000 float32 elements (400 GB)");
    expectError(() => new LSTM(1e5, 1e5), RangeError, "LSTM: asked for");
    expectError(() => new Linear(2 ** 60, 1), RangeError, "Linear: inFeatures must be a positive integer");
  });
  it("zeroGrad({ setToNone: false }) zeroes in place; the default sets null", () => {
    const m = new Linear(2, 2, { rng: createRng(0) });
    m.forward(randn([3, 2])).sum().backward();
    const g = m.weight.grad!;
    m.zeroGrad({ setToNone: false });
    expect(m.weight.grad).toBe(g);
    expect(Array.from(g.toTypedArray())).toEqual([0, 0, 0, 0]);
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
    expect(m.bias!.grad).toBeNull();
  });
  it("a state dict with a non-tensor says what it got", () => {
    const m = new Linear(2, 2);
    expectError(() => m.loadStateDict({ weight: [1, 2] as never, bias: zeros([2]) }), Error, "loadStateDict: 1 problem(s): weight is not a Tensor (got [1, 2])");
  });
});
