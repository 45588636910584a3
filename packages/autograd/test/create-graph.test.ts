// backward({ createGraph }) and the op-author side of higher-order gradients: how
// record declares a differentiable backward or none, and the errors when a graph
// cannot be recorded through an op.

import { describe, expect, it } from "vitest";
import { grad, tensor, type Tensor } from "../src/index.js";
import { record } from "../src/extend.js";

const leaf = (values: number[]) => tensor(values, { dtype: "float64", requiresGrad: true });
const arr = (t: Tensor | null) => (t === null ? null : Array.from(t.toTypedArray()));

describe("backward({ createGraph })", () => {
  it("takes the options first for a scalar, or after the gradient", () => {
    const x = leaf([3]);
    x.pow(3).sum().backward({ createGraph: true });
    expect(arr(x.grad)).toEqual([27]);
    expect(x.grad!.requiresGrad).toBe(true);
    const y = leaf([1, 2]);
    y.pow(2).backward(tensor([1, 1], { dtype: "float64" }), { createGraph: true });
    expect(x.grad!.requiresGrad).toBe(true);
    expect(arr(y.grad)).toEqual([2, 4]);
  });

  it("accumulates into an existing .grad out of place, keeping both graphs", () => {
    const x = leaf([2]);
    x.pow(2).sum().backward({ createGraph: true });
    const first = x.grad!;
    x.pow(3).sum().backward({ createGraph: true });
    expect(x.grad).not.toBe(first);
    expect(arr(first)).toEqual([4]);
    expect(arr(x.grad)).toEqual([4 + 12]);
    const total = x.grad!;
    x.grad = null;
    total.backward();
    // d/dx (2x + 3x²) = 2 + 6x
    expect(arr(x.grad)).toEqual([14]);
  });

  it("keeps the graph by default (retainGraph follows createGraph), so it can run twice", () => {
    const x = leaf([1]);
    const y = x.exp().sum();
    y.backward({ createGraph: true });
    y.backward({ createGraph: true });
    expect(arr(x.grad)![0]).toBeCloseTo(2 * Math.E, 14);
  });

  it("without createGraph the gradient has no graph", () => {
    const x = leaf([3]);
    x.pow(3).sum().backward();
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it("a retained non-leaf's .grad has a graph too", () => {
    const x = leaf([3]);
    const h = x.pow(2).retainGrad();
    h.pow(2).sum().backward({ createGraph: true });
    // d h² / d h = 2h = 2x², whose derivative in x is 4x
    expect(arr(h.grad)).toEqual([18]);
    expect(h.grad!.requiresGrad).toBe(true);
    x.grad = null;
    h.grad!.backward();
    expect(arr(x.grad)).toEqual([12]);
  });

  it("float32 stays float32 and agrees with float64", () => {
    const run = (dtype: "float32" | "float64") => {
      const x = tensor([0.3, -1.2, 2], { dtype, requiresGrad: true });
      const w = tensor([[0.5, -0.25], [1, 0.75], [-0.5, 0.1]], { dtype, requiresGrad: true });
      x.reshape([1, 3]).matmul(w).tanh().logSoftmax(1).sum().mul(x.sigmoid().sum()).backward({ createGraph: true });
      const gx = x.grad!;
      x.grad = null;
      w.grad = null;
      gx.pow(2).sum().backward();
      return { gx, hx: x.grad!, hw: w.grad! };
    };
    const f32 = run("float32");
    const f64 = run("float64");
    for (const k of ["gx", "hx", "hw"] as const) {
      expect(f32[k].dtype).toBe("float32");
      arr(f64[k])!.forEach((v, i) => expect(Math.abs(arr(f32[k])![i] - v)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
    }
  });

  it("rejects unknown options and a bad createGraph", () => {
    const x = leaf([3]);
    expect(() => x.sum().backward({ create_graph: true } as never)).toThrow(/backward: unknown option "create_graph"/);
    expect(() => x.sum().backward(undefined, { createGraph: "yes" } as never)).toThrow(/backward: createGraph must be a boolean, got "yes"/);
    expect(x.grad).toBeNull();
  });
});

describe("record: declaring the double backward", () => {
  const values = (x: Tensor, f: (v: number) => number) => Float64Array.from(x.toTypedArray(), f);

  it("{ differentiable: true } says the backward is written in Tensor ops and is its own double backward", () => {
    const square = (x: Tensor) => record("square", [x], values(x, (v) => v * v), x.shape, (g) => [g.mul(x).mul(2)], { differentiable: true });
    const d2 = grad((a: Tensor) => (grad((b: Tensor) => square(b).sum())(a) as Tensor).sum())(tensor([1, 5], { dtype: "float64" })) as Tensor;
    expect(arr(d2)).toEqual([2, 2]);
  });

  it("a function as `differentiable` is used under createGraph, the raw backward otherwise", () => {
    let raw = 0;
    let graph = 0;
    const cube = (x: Tensor) =>
      record("cube", [x], values(x, (v) => v ** 3), x.shape, (g) => {
        raw++;
        return [tensor(Float64Array.from(g.toTypedArray(), (gv, i) => gv * 3 * x.toTypedArray()[i] ** 2), { shape: x.shape })];
      }, { differentiable: (g, out) => {
        graph++;
        expect(arr(out)).toEqual(arr(x.pow(3)));
        return [g.mul(x.pow(2)).mul(3)];
      } });
    const x = tensor([2], { dtype: "float64" });
    expect(arr(grad((a: Tensor) => cube(a).sum())(x) as Tensor)).toEqual([12]);
    expect([raw, graph]).toEqual([1, 0]);
    expect(arr(grad((a: Tensor) => (grad((b: Tensor) => cube(b).sum())(a) as Tensor).sum())(x) as Tensor)).toEqual([12]);
    expect(graph).toBe(1);
  });

  it("{ noDoubleBackward } makes createGraph through the op an error with the author's message", () => {
    const fused = (x: Tensor) => record("fusedThing", [x], values(x, Math.exp), x.shape, (g) => [g.mul(x.exp())], { noDoubleBackward: "compose exp() instead" });
    const x = leaf([1]);
    expect(() => fused(x).sum().backward({ createGraph: true })).toThrow(/fusedThing: createGraph is not supported through this op; compose exp\(\) instead/);
    expect(x.grad).toBeNull();
    fused(x).sum().backward();
    expect(arr(x.grad)![0]).toBeCloseTo(Math.E, 14);
  });

  it("the check covers the whole graph before any .grad changes", () => {
    const fused = (x: Tensor) => record("fusedThing", [x], values(x, Math.exp), x.shape, (g) => [g.mul(x.exp())], { noDoubleBackward: "compose exp() instead" });
    const a = leaf([1, 2]);
    const b = leaf([3]);
    const h = a.mul(2);
    h.retainGrad();
    // b and h are reached before the fused op's input would be, in reverse order
    const loss = fused(a).sum().add(b.pow(2).sum()).add(h.sum());
    expect(() => loss.backward({ createGraph: true })).toThrow(/fusedThing: createGraph is not supported/);
    expect([a.grad, b.grad, h.grad]).toEqual([null, null, null]);
  });

  it("an op that declares neither is an error under createGraph, never a silently wrong second derivative", () => {
    const opaque = (x: Tensor) => record("opaque", [x], values(x, (v) => v * v), x.shape, (g) => [g.mul(x).mul(2)]);
    const x = leaf([1]);
    expect(() => opaque(x).sum().backward({ createGraph: true })).toThrow(/opaque: createGraph is not supported through this op: its backward is not declared differentiable/);
    expect(x.grad).toBeNull();
  });

  it("rejects a bad declaration when the op is recorded", () => {
    const x = leaf([1]);
    expect(() => record("bad", [x], new Float64Array(1), [1], (g) => [g], { differentiable: 3 } as never)).toThrow(/record: differentiable must be true or a function/);
    expect(() => record("bad", [x], new Float64Array(1), [1], (g) => [g], { differentiable: true, noDoubleBackward: "x" })).toThrow(/record: bad declares both differentiable and noDoubleBackward/);
    expect(() => record("bad", [x], new Float64Array(1), [1], (g) => [g], { doubleBackward: true } as never)).toThrow(/record: unknown option "doubleBackward"/);
  });
});
