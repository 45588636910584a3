// GRU and LSTM beyond the fixtures: PyTorch's names (with _reverse) and initialisation,
// float32 against float64, train() / eval() and dropout, and linear time in T.

import { describe, expect, it } from "vitest";
import { createRng, dropout, noGrad, randn, tensor, type Tensor } from "@unroll/autograd";
import { Dropout, GRU, GRUCell, Linear, LSTM, LSTMCell, Module, RNN } from "../src/index.js";

const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

describe("names and initialisation", () => {
  it("torch names: weight_ih_l{l}, _reverse, and the cells' weight_ih", () => {
    const names = Object.keys(new LSTM(3, 4, { numLayers: 2, bidirectional: true }).stateDict({ names: "torch" }));
    const layer = (s: string) => [`weight_ih_${s}`, `weight_hh_${s}`, `bias_ih_${s}`, `bias_hh_${s}`];
    expect(names).toEqual([...layer("l0"), ...layer("l0_reverse"), ...layer("l1"), ...layer("l1_reverse")]);
    expect(Object.keys(new GRU(3, 4, { bias: false, bidirectional: true }).stateDict({ names: "torch" }))).toEqual(["weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse"]);
    expect(Object.keys(new GRUCell(2, 3).stateDict({ names: "torch" }))).toEqual(["weight_ih", "weight_hh", "bias_ih", "bias_hh"]);
    expect(Object.keys(new LSTM(3, 4, { bidirectional: true }).stateDict()).slice(4, 5)).toEqual(["layers.0.reverse.weightIh"]);
  });

  it("parameter shapes: [G·H, I] and [G·H, D·H] for layer l > 0, U(-1/√H, 1/√H)", () => {
    const m = new LSTM(3, 4, { numLayers: 2, bidirectional: true, rng: createRng(0) });
    const sd = m.stateDict({ names: "torch" });
    expect([...sd.weight_ih_l0.shape]).toEqual([16, 3]);
    expect([...sd.weight_ih_l1_reverse.shape]).toEqual([16, 8]);
    expect([...sd.weight_hh_l1.shape]).toEqual([16, 4]);
    expect([...new GRU(5, 6).stateDict({ names: "torch" }).bias_hh_l0.shape]).toEqual([18]);
    const all = m.parameters().flatMap(values);
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(Math.max(...all)).toBeGreaterThan(0.45);
  });
});

describe("float32 agrees with float64 to 1e-5", () => {
  for (const kind of ["gru", "lstm", "rnn"] as const) {
    it(kind, () => {
      const make = (dtype: "float32" | "float64") => {
        const opts = { numLayers: 2, bidirectional: true, rng: createRng(`f32-${kind}`), dtype };
        return kind === "gru" ? new GRU(3, 8, opts) : kind === "lstm" ? new LSTM(3, 8, opts) : new RNN(3, 8, opts);
      };
      const results = (["float64", "float32"] as const).map((dtype) => {
        const m = make(dtype);
        const x = randn([4, 9, 3], { rng: createRng(1), dtype, requiresGrad: true });
        const r = m.forward(x, null, { lengths: [9, 3, 1, 6] });
        r.output.mul(randn(r.output.shape, { rng: createRng(2), dtype })).sum().add(r.hN.sum()).backward();
        return [values(r.output), values(r.hN), values(x.grad!), ...m.parameters().map((p) => values(p.grad!))];
      });
      results[0].forEach((a, k) => a.forEach((v, i) => expect(Math.abs(results[1][k][i] - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v)))));
    });
  }
});

describe("cells and layers agree", () => {
  it("an LSTM layer equals its cell stepped by hand", () => {
    const lstm = new LSTM(3, 5, { rng: createRng(3) });
    const cell = new LSTMCell(3, 5);
    cell.loadStateDict(lstm.layers[0][0].stateDict());
    const x = randn([2, 4, 3], { rng: createRng(4) });
    const { output, hN, cN } = lstm.forward(x);
    let s = { h: tensor(new Float64Array(10), { shape: [2, 5] }), c: tensor(new Float64Array(10), { shape: [2, 5] }) };
    for (let t = 0; t < 4; t++) {
      s = cell.forward(x.select(1, t), s);
      values(s.h).forEach((v, i) => expect(v).toBeCloseTo(values(output.select(1, t))[i], 14));
    }
    expect(values(s.h)).toEqual(values(hN.select(0, 0)));
    expect(values(s.c)).toEqual(values(cN.select(0, 0)));
  });
});

describe("train(), eval() and dropout", () => {
  class Net extends Module {
    readonly rnn = this.registerModule("rnn", new GRU(2, 3, { numLayers: 2, dropout: 0.5, rng: createRng(5) }));
    readonly head = this.registerModule("head", new Linear(3, 1));
  }

  it("propagate to sub-modules and return the module", () => {
    const net = new Net();
    expect(net.training && net.rnn.training && net.rnn.layers[1][0].training).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.training || net.rnn.training || net.head.training || net.rnn.layers[0][0].training).toBe(false);
    net.train();
    expect(net.rnn.training && net.head.training).toBe(true);
    expect(() => net.train("no" as never)).toThrow("train: mode must be a boolean, got string");
  });

  it("layer dropout acts in training mode only, between layers, from the module's rng", () => {
    const x = randn([4, 6, 2], { rng: createRng(6) });
    const plain = new GRU(2, 3, { numLayers: 2, rng: createRng(5) });
    const withDrop = new GRU(2, 3, { numLayers: 2, dropout: 0.5, rng: createRng(5) });
    const evalOut = values(noGrad(() => withDrop.eval().forward(x).output));
    expect(evalOut).toEqual(values(plain.forward(x).output));
    withDrop.train();
    const a = values(withDrop.forward(x).output);
    expect(a).not.toEqual(evalOut);
    // one layer: nothing to drop between
    const one = new LSTM(2, 3, { dropout: 0.5, rng: createRng(7) });
    const oneRef = new LSTM(2, 3, { rng: createRng(7) });
    expect(values(one.forward(x).output)).toEqual(values(oneRef.forward(x).output));
  });

  it("dropout: eval is the identity, training keeps the expected value, a seed gives the same mask", () => {
    const x = tensor(new Float64Array(20000).fill(2), { shape: [100, 200], requiresGrad: true });
    expect(dropout(x, 0.3, { training: false })).toBe(x);
    expect(new Dropout(0.3).eval().forward(x)).toBe(x);
    const y = dropout(x, 0.3, { rng: createRng(8) });
    const v = values(y);
    const kept = v.filter((e) => e !== 0);
    expect(new Set(kept)).toEqual(new Set([2 / 0.7]));
    expect(kept.length / v.length).toBeGreaterThan(0.68);
    expect(kept.length / v.length).toBeLessThan(0.72);
    const mean = v.reduce((s, e) => s + e, 0) / v.length;
    expect(Math.abs(mean - 2)).toBeLessThan(0.05);
    expect(values(dropout(x, 0.3, { rng: createRng(8) }))).toEqual(v);
    expect(values(dropout(x, 0.3, { rng: createRng(9) }))).not.toEqual(v);
    // d x = g · mask
    y.sum().backward();
    expect(values(x.grad!)).toEqual(v.map((e) => e / 2));
    expect(values(dropout(x, 1, { rng: createRng(8) })).every((e) => e === 0)).toBe(true);
    expect(() => dropout(x, 1.2)).toThrow("dropout: p must be a finite number >= 0 and <= 1, got 1.2");
    expect(() => dropout(x, 0.1, { train: true } as never)).toThrow('dropout: unknown option "train" (did you mean "training"?)');
  });
});

describe("linear time in T", () => {
  it("T = 50,000 takes at most 6x (asserted: 12x) the time of T = 10,000, forward and backward, 1 layer H = 32", () => {
    const rnn = new RNN(8, 32, { rng: createRng(9) });
    const time = (T: number): number => {
      const x = randn([1, T, 8], { rng: createRng(T) });
      const t0 = performance.now();
      rnn.forward(x).output.sum().backward();
      return performance.now() - t0;
    };
    // warm-ups allocate the workspaces; then the best of two each (the machine may be shared)
    time(50_000);
    time(10_000);
    const short = Math.min(time(10_000), time(10_000));
    const long = Math.min(time(50_000), time(50_000));
    expect(long / short).toBeLessThan(12);
  });
});
