// Graph semantics: accumulation, reuse, deep graphs, noGrad/detach, freed graphs,
// retainGraph, seeded randomness, default dtype, int32 and dtype promotion.

import ndarray from "ndarray";
import seedrandom from "seedrandom";
import { afterEach, describe, expect, it } from "vitest";
import { cat, clone, createRng, getDefaultDtype, gradcheck, isGradEnabled, manualSeed, noGrad, rand, randn, setDefaultDtype, tensor, uniform, zeros, ones, full, arange, type Tensor } from "../src/index.js";

const values = (t: Tensor | null): number[] => Array.from(t!.toTypedArray());
const bits = (t: Tensor): string => Buffer.from(t.toTypedArray().buffer).toString("hex");

describe("gradient accumulation", () => {
  it("leaf grads add up across backward calls until reset", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(values(x.grad)).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([5, 7, 9]);
    x.grad = null;
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([3, 3, 3]);
  });

  it("a tensor used twice gets both contributions", () => {
    const x = tensor([1.5, -2], { requiresGrad: true });
    x.add(x).sum().backward();
    expect(values(x.grad)).toEqual([2, 2]);
    const y = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    // d/dy sum(y @ y) through both operands
    y.matmul(y).sum().backward();
    const expected = noGrad(() => ones([2, 2]).matmul(y.transpose(0, 1)).add(y.transpose(0, 1).matmul(ones([2, 2]))));
    expect(values(y.grad)).toEqual(values(expected));
  });

  it("a weight shared across steps sums its gradient over the steps", () => {
    const w = tensor([0.5], { requiresGrad: true });
    let h = tensor([1]);
    for (let t = 0; t < 3; t++) h = h.mul(w);
    h.sum().backward(); // d(w³)/dw = 3w²
    expect(values(w.grad)).toEqual([0.75]);
  });

  it("backward takes a gradient for a non-scalar and a number for a scalar", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(2).backward(tensor([1, -1]));
    expect(values(x.grad)).toEqual([2, -2]);
    x.sum().backward(0.5);
    expect(values(x.grad)).toEqual([2.5, -1.5]);
  });

  it("backward on a non-scalar without a gradient is an error and changes nothing", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/backward: the output has shape \[2\]; pass a gradient/);
    expect(x.grad).toBeNull();
    y.sum().backward(); // the graph is still intact
    expect(values(x.grad)).toEqual([2, 2]);
  });

  it("retainGrad keeps an intermediate's gradient; others keep none", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3).retainGrad();
    const z = y.mul(y);
    z.sum().backward();
    expect(values(y.grad)).toEqual([6, 12]);
    expect(z.grad).toBeNull();
    expect(values(x.grad)).toEqual([18, 36]);
  });
});

describe("deep graphs run backward iteratively", () => {
  it("a chain of 10,000 ops", () => {
    const x = tensor([0.3], { requiresGrad: true });
    let h: Tensor = x;
    let expected = 1;
    let v = 0.3;
    for (let i = 0; i < 10_000; i++) {
      h = h.mul(1.0001);
      expected *= 1.0001;
      v *= 1.0001;
    }
    expect(h.item()).toBeCloseTo(v, 12);
    h.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(expected, 10);
  });

  it("a 10,000-step RNN-like unroll with matmul, checked against finite differences", () => {
    // h_t = tanh(x_t W + h_{t-1} U), H = 2, I = 1; loss = sum(h_T).
    const T = 10_000;
    const xs = randn([T, 1, 1], { rng: createRng(3) });
    const steps = Array.from({ length: T }, (_, t) => xs.select(0, t));
    const w = randn([1, 2], { rng: createRng(4), requiresGrad: true });
    const u = tensor([[0.5, -0.3], [0.2, 0.4]], { requiresGrad: true });
    const unroll = (w: Tensor, u: Tensor): Tensor => {
      let h = zeros([1, 2]);
      for (const x of steps) h = x.matmul(w).add(h.matmul(u)).tanh();
      return h;
    };
    const report = gradcheck(unroll, [w, u]);
    expect(report.ok, report.message).toBe(true);
  });
});

describe("noGrad and detach", () => {
  it("noGrad records nothing and restores the state, even after a throw", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return x.mul(2).exp();
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expect(y.op).toBeNull();
    expect(() => y.sum().backward()).toThrow(/does not require grad/);
    expect(() =>
      noGrad(() => {
        throw new Error("inside");
      }),
    ).toThrow("inside");
    expect(isGradEnabled()).toBe(true);
    expect(noGrad(() => noGrad(() => isGradEnabled()))).toBe(false);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it("detach cuts the graph and shares the values", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(values(d)).toEqual([2, 4, 6]);
    d.mul(x).sum().backward(); // only the x factor: d/dx = d
    expect(values(x.grad)).toEqual([2, 4, 6]);
  });

  it("truncated BPTT: detached state between chunks keeps each backward to its chunk", () => {
    const w = tensor([0.9], { requiresGrad: true });
    let h = tensor([1]);
    for (let chunk = 0; chunk < 3; chunk++) {
      for (let t = 0; t < 2; t++) h = h.mul(w);
      h.sum().backward();
      h = h.detach();
    }
    // chunk k: h = c_k w², d/dw = 2 c_k w with c = 1, w², w⁴
    const g = [1, 0.81, 0.6561].reduce((s, c) => s + 2 * c * 0.9, 0);
    expect(w.grad!.item()).toBeCloseTo(g, 14);
  });
});

describe("freed graphs and retainGraph", () => {
  it("a second backward over a freed graph errors clearly and changes nothing", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(y.op).toBeNull(); // the node and its buffers were released
    expect(() => y.backward()).toThrow(/already freed by an earlier backward.*retainGraph/);
    expect(values(x.grad)).toEqual([2, 4]);
  });

  it("using state from a freed graph in a new graph errors, naming detach()", () => {
    const w = tensor([2], { requiresGrad: true });
    const h = w.mul(3);
    h.sum().backward();
    const next = h.mul(w).sum();
    expect(() => next.backward()).toThrow(/detach\(\)/);
    expect(values(w.grad)).toEqual([3]);
  });

  it("retainGraph keeps the graph for another backward", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    expect(y.op).toBe("sum");
    y.backward();
    expect(values(x.grad)).toEqual([4, 8]);
  });
});

describe("seeded randomness", () => {
  it("createRng(42) is seedrandom's ARC4 stream and its numbers are pinned", () => {
    const rng = createRng(42);
    const reference = seedrandom("42");
    expect(rng.random()).toBe(reference());
    expect(rng.random()).toBe(0.17185490054868188);
    expect(rng.normal()).toBe(-0.21677447872025876);
    expect(rng.normal()).toBe(0.14184562353022817);
    expect(rng.int(10)).toBe(9);
    expect(createRng(42).random()).toBe(0.00701751618236155);
  });

  it("the same seed gives the same tensors bit for bit", () => {
    for (const dtype of ["float64", "float32"] as const) {
      expect(bits(randn([5, 7], { rng: createRng(7), dtype }))).toBe(bits(randn([5, 7], { rng: createRng(7), dtype })));
      expect(bits(rand([9], { rng: createRng("s"), dtype }))).toBe(bits(rand([9], { rng: createRng("s"), dtype })));
      expect(bits(uniform([4], -3, 3, { rng: createRng(1), dtype }))).toBe(bits(uniform([4], -3, 3, { rng: createRng(1), dtype })));
    }
    expect(bits(randn([3], { rng: createRng(7) }))).not.toBe(bits(randn([3], { rng: createRng(8) })));
  });

  it("manualSeed resets the default generator; an explicit rng leaves it alone", () => {
    manualSeed(123);
    const a = randn([6]);
    const b = rand([6]);
    manualSeed(123);
    randn([2], { rng: createRng(0) });
    expect(bits(randn([6]))).toBe(bits(a));
    expect(bits(rand([6]))).toBe(bits(b));
    manualSeed(123);
    expect(bits(randn([6]))).toBe(bits(randn([6], { rng: createRng(123) })));
  });

  it("uniform stays in [low, high) and randn has the right moments", () => {
    const u = values(uniform([2000], -0.5, 0.25, { rng: createRng(5) }));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...u)).toBeLessThan(0.25);
    const n = values(randn([20000], { rng: createRng(6) }));
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe("dtypes", () => {
  afterEach(() => setDefaultDtype("float64"));

  it("float64 is the default; setDefaultDtype switches what creation makes", () => {
    expect(getDefaultDtype()).toBe("float64");
    expect(tensor([1, 2]).dtype).toBe("float64");
    setDefaultDtype("float32");
    expect(getDefaultDtype()).toBe("float32");
    for (const t of [tensor([1, 2]), zeros([2]), ones([2]), full([2], 3), arange(3), randn([2]), rand([2]), uniform([2], 0, 1)]) {
      expect(t.dtype).toBe("float32");
    }
    expect(tensor([1], { dtype: "float64" }).dtype).toBe("float64");
    expect(tensor(new Float64Array([1])).dtype).toBe("float64"); // a typed array keeps its own dtype
    expect(() => setDefaultDtype("int32" as never)).toThrow(TypeError);
    expect(getDefaultDtype()).toBe("float32");
  });

  it("int32 never requires grad", () => {
    expect(() => tensor([1, 2], { dtype: "int32", requiresGrad: true })).toThrow(/int32 tensor cannot require grad/);
    const i = tensor([1, 2], { dtype: "int32" });
    expect(() => (i.requiresGrad = true)).toThrow(TypeError);
    const x = tensor([[0.1, 0.9], [0.7, 0.3]], { requiresGrad: true });
    const am = x.argmax(1);
    expect(am.dtype).toBe("int32");
    expect(am.requiresGrad).toBe(false);
    expect(values(am)).toEqual([1, 0]);
    expect(values(x.argmax(-2))).toEqual([1, 0]);
    expect(x.to("int32").requiresGrad).toBe(false);
    // mixed with a float tensor, the int32 operand gets no gradient and the float one does
    const y = x.mul(tensor([[2, 3]], { dtype: "int32" }));
    expect(y.dtype).toBe("float64");
    y.sum().backward();
    expect(values(x.grad)).toEqual([2, 3, 2, 3]);
  });

  it("mixing float32 and float64 promotes to float64, and each leaf's grad keeps its dtype", () => {
    const a = tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
    const b = tensor([0.1, 0.2, 0.3], { requiresGrad: true });
    const y = a.mul(b);
    expect(y.dtype).toBe("float64");
    expect(values(y)).toEqual([Math.fround(1) * 0.1, 2 * 0.2, 3 * 0.3]);
    y.sum().backward();
    expect(a.grad!.dtype).toBe("float32");
    expect(b.grad!.dtype).toBe("float64");
    expect(values(a.grad)).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3])));
    expect(values(b.grad)).toEqual([1, 2, 3]);

    const m = tensor([[1, 2]], { dtype: "float32" }).matmul(tensor([[1], [1]]));
    expect(m.dtype).toBe("float64");
    expect(cat([tensor([1], { dtype: "float32" }), tensor([2])], 0).dtype).toBe("float64");
    expect(tensor([1], { dtype: "float32" }).add(tensor([1], { dtype: "float32" })).dtype).toBe("float32");
    expect(tensor([1], { dtype: "float32" }).add(2.5).dtype).toBe("float32"); // a number does not promote
  });

  it("to() converts between float dtypes and passes gradients back in the source dtype", () => {
    const a = tensor([1.1, 2.2], { dtype: "float32", requiresGrad: true });
    const b = a.to("float64");
    expect(b.dtype).toBe("float64");
    expect(values(b)).toEqual(values(a));
    b.mul(tensor([0.5, 3])).sum().backward();
    expect(a.grad!.dtype).toBe("float32");
    expect(values(a.grad)).toEqual([0.5, 3]);
    expect(a.to("float32")).toBe(a);
    expect(values(tensor([1.7, -1.7]).to("int32"))).toEqual([1, -1]);
  });
});

describe("saturated inputs give finite values and gradients", () => {
  it("softmax, logSoftmax and logSumExp at ±1000", () => {
    const x = tensor([[1000, 999, -1000]], { requiresGrad: true });
    const e = Math.E;
    expect(values(x.softmax(1))).toEqual([e / (1 + e), 1 / (1 + e), 0].map((v, i) => (i < 2 ? expect.closeTo(v, 15) : 0)));
    expect(x.logSumExp(1).item()).toBeCloseTo(1000 + Math.log1p(Math.exp(-1)), 12);
    const ls = values(x.logSoftmax(1));
    expect(ls[0]).toBeCloseTo(-Math.log1p(Math.exp(-1)), 14);
    expect(ls[2]).toBeCloseTo(-2000 - Math.log1p(Math.exp(-1)), 10);
    x.logSoftmax(1).select(1, 0).sum().backward(); // d/dx log p_0 = onehot_0 - p
    expect(values(x.grad)).toEqual([1 / (1 + e), -1 / (1 + e), 0].map((v, i) => (i < 2 ? expect.closeTo(v, 15) : 0)));
  });

  it("tanh and sigmoid at ±20 and ±1000", () => {
    const x = tensor([-1000, -20, 20, 1000], { requiresGrad: true });
    expect(values(x.sigmoid())).toEqual([0, expect.closeTo(2.061153618190204e-9, 20), expect.closeTo(1 - 2.061153618190204e-9, 15), 1]);
    expect(values(x.tanh())).toEqual([-1, -1, 1, 1]);
    x.sigmoid().add(x.tanh()).sum().backward();
    const g = values(x.grad);
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g[0]).toBe(0);
    const s = 2.061153618190204e-9; // sigmoid(-20); tanh'(-20) is below float64's resolution of 1 - y²
    expect(g[1]).toBeCloseTo(s * (1 - s), 20);
    expect(g[3]).toBe(0);
  });
});

describe("creation and reading", () => {
  it("tensor() takes numbers, nested arrays, typed arrays with a shape, ndarrays and tensors", () => {
    expect(tensor(3).shape).toEqual([]);
    expect(tensor(3).item()).toBe(3);
    expect(tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(t.transpose(0, 1).view).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const copy = tensor(t);
    expect(copy.toArray()).toEqual(t.toArray());
    copy.view.set(0, 0, 100);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]); // a copy, not a view
    expect(tensor([]).shape).toEqual([0]);
    // an ndarray over a plain Array keeps its fractions, packed or strided
    const nd = ndarray([1.5, 2.5, 3.5, 4.5], [2, 2]);
    expect(tensor(nd).toArray()).toEqual([[1.5, 2.5], [3.5, 4.5]]);
    expect(tensor(nd.transpose(1, 0)).toArray()).toEqual([[1.5, 3.5], [2.5, 4.5]]);
    expect(tensor(nd.transpose(1, 0)).dtype).toBe("float64");
  });

  it("views share their input's buffer", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    const v = t.transpose(0, 1);
    t.view.set(0, 1, 20);
    expect(v.toArray()).toEqual([[1, 4], [20, 5], [3, 6]]);
    expect(t.select(1, 1).toArray()).toEqual([20, 5]);
    expect(t.narrow(1, 1, 2).toArray()).toEqual([[20, 3], [5, 6]]);
  });

  it("clone copies a view into its own packed buffer, detached", () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const c = clone(x.transpose(0, 1));
    expect(c.requiresGrad).toBe(false);
    expect(c.toArray()).toEqual([[1, 3], [2, 4]]);
    c.view.set(0, 0, 9);
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});
