// Module: names, state dicts in both naming styles, strict and non-strict loading;
// Linear and Embedding behaviour; PyTorch's initialisation ranges.

import { describe, expect, it } from "vitest";
import { createRng, gradcheck, loadSafetensors, randn, saveSafetensors, tensor, zeros, type Tensor } from "@unroll/autograd";
import { Embedding, Linear, Module, RNN, RNNCell } from "../src/index.js";

class Classifier extends Module {
  readonly rnn: RNN;
  readonly head: Linear;
  constructor(seed: number) {
    super();
    const rng = createRng(seed);
    this.rnn = this.registerModule("rnn", new RNN(3, 4, { numLayers: 2, rng }));
    this.head = this.registerModule("head", new Linear(4, 2, { rng }));
  }
}

const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

describe("names", () => {
  it("namedParameters uses dotted camelCase names in PyTorch's order", () => {
    expect(new Classifier(0).namedParameters().map(([n]) => n)).toEqual([
      "rnn.layers.0.weightIh", "rnn.layers.0.weightHh", "rnn.layers.0.biasIh", "rnn.layers.0.biasHh",
      "rnn.layers.1.weightIh", "rnn.layers.1.weightHh", "rnn.layers.1.biasIh", "rnn.layers.1.biasHh",
      "head.weight", "head.bias",
    ]);
  });

  it("stateDict({ names: 'torch' }) uses PyTorch's names", () => {
    expect(Object.keys(new Classifier(0).stateDict({ names: "torch" }))).toEqual([
      "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
      "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1",
      "head.weight", "head.bias",
    ]);
    expect(Object.keys(new RNNCell(2, 3).stateDict({ names: "torch" }))).toEqual(["weight_ih", "weight_hh", "bias_ih", "bias_hh"]);
    expect(Object.keys(new Embedding(5, 2).stateDict({ names: "torch" }))).toEqual(["weight"]);
    expect(Object.keys(new RNN(2, 3, { bias: false }).stateDict({ names: "torch" }))).toEqual(["weight_ih_l0", "weight_hh_l0"]);
  });

  it("a state dict round-trips in both naming styles", () => {
    for (const names of ["unroll", "torch"] as const) {
      const a = new Classifier(1);
      const b = new Classifier(2);
      expect(values(b.head.weight)).not.toEqual(values(a.head.weight));
      const result = b.loadStateDict(a.stateDict({ names }), { names });
      expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
      const pa = a.namedParameters();
      b.namedParameters().forEach(([n, p], i) => {
        expect(n).toBe(pa[i][0]);
        expect(values(p)).toEqual(values(pa[i][1]));
      });
    }
  });

  it("saves to safetensors under PyTorch's names and loads back into the same model", () => {
    const a = new Classifier(10);
    const bytes = saveSafetensors(a.stateDict({ names: "torch" }));
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; shape: number[] }>;
    expect(header["rnn.weight_hh_l1"]).toMatchObject({ dtype: "F64", shape: [4, 4] });
    expect(header["head.weight"]).toMatchObject({ dtype: "F64", shape: [2, 4] });
    expect(Object.keys(header).sort()).toEqual(Object.keys(a.stateDict({ names: "torch" })).sort());
    const b = new Classifier(11);
    b.loadStateDict(loadSafetensors(bytes), { names: "torch" });
    const x = randn([2, 3, 3], { rng: createRng(12) });
    expect(values(b.head.forward(b.rnn.forward(x).hN.select(0, 1)))).toEqual(values(a.head.forward(a.rnn.forward(x).hN.select(0, 1))));
  });

  it("loading copies in place: the parameter tensors stay the same objects", () => {
    const m = new Linear(2, 2);
    const w = m.weight;
    m.loadStateDict({ weight: tensor([[1, 2], [3, 4]]), bias: tensor([5, 6]) });
    expect(m.weight).toBe(w);
    expect(values(w)).toEqual([1, 2, 3, 4]);
    // a stateDict shares the buffers but has no history
    const sd = m.stateDict();
    expect(sd.weight.requiresGrad).toBe(false);
    expect(values(sd.weight)).toEqual([1, 2, 3, 4]);
  });

  it("converts dtypes on load", () => {
    const m = new Linear(2, 1, { dtype: "float32" });
    m.loadStateDict({ weight: tensor([[0.5, 0.25]]), bias: tensor([1]) });
    expect(m.weight.dtype).toBe("float32");
    expect(values(m.weight)).toEqual([0.5, 0.25]);
  });
});

describe("strict and non-strict loading", () => {
  it("strict: lists every missing, unexpected and mis-shaped name and changes nothing", () => {
    const m = new Classifier(3);
    const before = m.parameters().map(values);
    const sd = new Classifier(4).stateDict();
    delete sd["rnn.layers.1.biasHh"];
    delete sd["head.bias"];
    sd["extra.weight"] = zeros([2]);
    sd["head.weight"] = zeros([3, 4]);
    let message = "";
    try {
      m.loadStateDict(sd);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("missing: rnn.layers.1.biasHh, head.bias");
    expect(message).toContain("unexpected: extra.weight");
    expect(message).toContain("head.weight is [3,4] in the dict but [2,4] in the module");
    expect(m.parameters().map(values)).toEqual(before);
  });

  it("a value that is not a tensor is listed too", () => {
    const m = new Linear(2, 1);
    expect(() => m.loadStateDict({ weight: [[1, 2]] as unknown as Tensor, bias: zeros([1]) })).toThrow(/weight is not a Tensor/);
  });

  it("non-strict: loads what matches and reports the rest", () => {
    const m = new Classifier(5);
    const source = new Classifier(6);
    const sd = source.stateDict();
    delete sd["head.bias"];
    sd["extra"] = zeros([1]);
    const headBias = values(m.head.bias!);
    expect(m.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ["head.bias"], unexpectedKeys: ["extra"] });
    expect(values(m.head.weight)).toEqual(values(source.head.weight));
    expect(values(m.head.bias!)).toEqual(headBias);
  });

  it("non-strict still refuses mis-shaped values, changing nothing", () => {
    const m = new Classifier(7);
    const before = m.parameters().map(values);
    const sd = new Classifier(8).stateDict();
    sd["head.bias"] = zeros([5]);
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(/head.bias is \[5\] in the dict but \[2\] in the module/);
    expect(m.parameters().map(values)).toEqual(before);
  });

  it("torch names are checked as torch names", () => {
    const m = new RNN(2, 3);
    expect(() => m.loadStateDict(m.stateDict(), { names: "torch" })).toThrow(/missing: weight_ih_l0.*unexpected: layers.0.weightIh/);
    expect(() => m.stateDict({ names: "pytorch" as "torch" })).toThrow(/names must be "unroll" or "torch"/);
  });
});

describe("zeroGrad and parameters", () => {
  it("zeroGrad sets every grad to null; grads are assignable", () => {
    const m = new Classifier(9);
    const x = randn([2, 3, 3]);
    m.head.forward(m.rnn.forward(x).output).sum().backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    m.head.bias!.grad = tensor([1, 2]);
    expect(values(m.head.bias!.grad)).toEqual([1, 2]);
  });

  it("registering rejects duplicate names and views", () => {
    const m = new Module();
    m.registerParameter("w", zeros([2], { requiresGrad: true }));
    expect(() => m.registerParameter("w", zeros([2]))).toThrow(/already taken/);
    expect(() => m.registerParameter("a.b", zeros([2]))).toThrow(/invalid name/);
    expect(() => m.registerParameter("v", zeros([2, 2]).transpose(0, 1))).toThrow(/packed buffer/);
  });
});

describe("initialisation (PyTorch's ranges, seeded)", () => {
  const within = (t: Tensor, bound: number): boolean => values(t).every((v) => Math.abs(v) <= bound);
  it("RNN and RNNCell: U(-1/√H, 1/√H); Linear: U(-1/√in, 1/√in); same seed, same weights", () => {
    const rnn = new RNN(7, 16, { numLayers: 2, rng: createRng(1) });
    for (const p of rnn.parameters()) expect(within(p, 0.25)).toBe(true);
    expect(values(rnn.parameters()[0]).some((v) => Math.abs(v) > 0.2)).toBe(true);
    const lin = new Linear(100, 3, { rng: createRng(1) });
    for (const p of lin.parameters()) expect(within(p, 0.1)).toBe(true);
    expect(values(new RNN(7, 16, { rng: createRng(1) }).parameters()[0])).toEqual(values(rnn.parameters()[0]));
  });

  it("Embedding: N(0, 1)", () => {
    const w = values(new Embedding(200, 50, { rng: createRng(2) }).weight);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe("Linear", () => {
  it("works on [N, in], [B, T, in] and [in], and passes gradcheck", () => {
    const rng = createRng(3);
    const lin = new Linear(3, 2, { rng });
    expect(lin.forward(randn([5, 3])).shape).toEqual([5, 2]);
    expect(lin.forward(randn([4, 6, 3])).shape).toEqual([4, 6, 2]);
    expect(lin.forward(randn([3])).shape).toEqual([2]);
    lin.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([0.5, -1]) });
    expect(values(lin.forward(tensor([[1, 0, -1]])))).toEqual([-1.5, -3]);
    const x = randn([2, 4, 3], { rng, requiresGrad: true });
    const report = gradcheck((xx) => lin.forward(xx), [x, ...lin.parameters()]);
    expect(report.ok, report.message).toBe(true);
    expect(new Linear(3, 2, { bias: false }).parameters().length).toBe(1);
  });
});

describe("Embedding", () => {
  it("looks up int32 indices of any shape", () => {
    const emb = new Embedding(4, 2);
    emb.loadStateDict({ weight: tensor([[0, 1], [2, 3], [4, 5], [6, 7]]) });
    const out = emb.forward(tensor([[3, 0], [1, 1]], { dtype: "int32" }));
    expect(out.shape).toEqual([2, 2, 2]);
    expect(values(out)).toEqual([6, 7, 0, 1, 2, 3, 2, 3]);
    expect(emb.forward(tensor(2, { dtype: "int32" })).shape).toEqual([2]);
  });

  it("sums the gradient of repeated indices; the padding row starts at zero and gets none", () => {
    const emb = new Embedding(5, 3, { paddingIdx: -1, rng: createRng(4) });
    expect(emb.paddingIdx).toBe(4);
    expect(values(emb.weight).slice(12)).toEqual([0, 0, 0]);
    const out = emb.forward(tensor([0, 4, 0, 2], { dtype: "int32" }));
    expect(values(out).slice(3, 6)).toEqual([0, 0, 0]);
    out.mul(tensor([[1, 1, 1], [5, 5, 5], [2, 2, 2], [3, 3, 3]])).sum().backward();
    expect(values(emb.weight.grad!)).toEqual([3, 3, 3, 0, 0, 0, 3, 3, 3, 0, 0, 0, 0, 0, 0]);
  });

  // (the padding row is left out on purpose: the output depends on it but, as in PyTorch, it gets no gradient)
  it("passes gradcheck", () => {
    const emb = new Embedding(6, 3, { rng: createRng(5) });
    const ids = tensor([[1, 2, 2], [5, 0, 1]], { dtype: "int32" });
    const report = gradcheck(() => emb.forward(ids), [emb.weight]);
    expect(report.ok, report.message).toBe(true);
  });
});
