// Tensor.registerHook, with PyTorch's semantics (checked against torch 2.13 by hand):
// a hook sees the total gradient of its tensor once per backward, may replace it, runs
// before a leaf's accumulation and before retainGrad stores a non-leaf's .grad.

import { describe, expect, it } from "vitest";
import { grad, tensor, type Tensor } from "../src/index.js";

const leaf = (values: number[]) => tensor(values, { dtype: "float64", requiresGrad: true });
const arr = (t: Tensor | null) => (t === null ? null : Array.from(t.toTypedArray()));

describe("registerHook", () => {
  it("on a leaf: sees the summed gradient once, and a returned tensor is what .grad accumulates", () => {
    const x = leaf([1, 2]);
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(arr(g)!);
      return g.mul(3);
    });
    x.mul(2).add(x).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(arr(x.grad)).toEqual([9, 9]);
    x.sum().backward();
    expect(arr(x.grad)).toEqual([12, 12]);
  });

  it("on a non-leaf: replaces the gradient that flows on to its inputs", () => {
    const x = leaf([1, 2]);
    const h = x.mul(2);
    h.registerHook((g) => g.mul(10));
    h.mul(h).sum().backward();
    // d/dx (2x)² = 8x, times 10 at h
    expect(arr(x.grad)).toEqual([80, 160]);
    expect(h.grad).toBeNull();
  });

  it("hooks run in registration order, each on the previous one's result; undefined keeps the gradient", () => {
    const x = leaf([1]);
    const log: string[] = [];
    x.registerHook((g) => {
      log.push(`h1 ${g.item()}`);
      return g.add(1);
    });
    x.registerHook((g) => {
      log.push(`h2 ${g.item()}`);
    });
    x.mul(5).sum().backward();
    expect(log).toEqual(["h1 5", "h2 6"]);
    expect(arr(x.grad)).toEqual([6]);
  });

  it("remove() stops a hook, and removing twice is harmless", () => {
    const x = leaf([1]);
    const handle = x.registerHook((g) => g.mul(100));
    x.sum().backward();
    expect(arr(x.grad)).toEqual([100]);
    handle.remove();
    handle.remove();
    x.grad = null;
    x.sum().backward();
    expect(arr(x.grad)).toEqual([1]);
  });

  it("retainGrad stores the gradient after every hook, whichever came first (PyTorch 2)", () => {
    for (const retainFirst of [true, false]) {
      const x = leaf([1, 2]);
      const h = x.mul(2);
      if (retainFirst) h.retainGrad();
      h.registerHook((g) => g.mul(100));
      if (!retainFirst) h.retainGrad();
      h.sum().backward();
      expect(arr(h.grad)).toEqual([100, 100]);
      expect(arr(x.grad)).toEqual([200, 200]);
    }
  });

  it("a hook that keeps the gradient it was given sees it unchanged later (no buffer reuse behind its back)", () => {
    // [32, 64] float64 is large enough for the buffer pool (grad-buffers.ts) to take part.
    const values = Float64Array.from({ length: 32 * 64 }, (_, i) => Math.sin(i));
    const x = tensor(values, { shape: [32, 64], dtype: "float64", requiresGrad: true });
    const kept: Tensor[] = [];
    const h = x.tanh();
    h.registerHook((g) => {
      kept.push(g);
    });
    const y = h.exp();
    y.registerHook((g) => {
      kept.push(g);
    });
    y.mul(2).sum().backward();
    const snapshot = kept.map(arr);
    // More backward passes reuse pooled buffers; the kept gradients must not change.
    for (let i = 0; i < 3; i++) x.tanh().exp().mul(7).sum().backward();
    expect(kept.map(arr)).toEqual(snapshot);
    expect(snapshot[0]).toEqual(new Array(32 * 64).fill(2));
  });

  it("runs in grad() too, on the requested input and on tensors in between", () => {
    const calls: string[] = [];
    const g = grad((a: Tensor) => {
      a.registerHook((gr) => {
        calls.push("input");
        return gr.mul(2);
      });
      const h = a.mul(3);
      h.registerHook((gr) => {
        calls.push("h");
        return gr.neg();
      });
      return h.sum();
    })(tensor([1], { dtype: "float64" })) as Tensor;
    expect(calls).toEqual(["h", "input"]);
    expect(g.item()).toBe(-6);
  });

  it("gets the gradient with its graph under createGraph", () => {
    const x = leaf([2]);
    let gradRequires: boolean | null = null;
    const h = x.pow(2);
    h.registerHook((g) => {
      gradRequires = g.requiresGrad;
    });
    h.mul(x).sum().backward({ createGraph: true });
    expect(gradRequires).toBe(true);
    // d/dx x³ = 3x² = 12, and its graph gives d²/dx² = 6x = 12 more
    expect(arr(x.grad)).toEqual([12]);
    const first = x.grad!;
    x.grad = null;
    first.backward();
    expect(arr(x.grad)).toEqual([12]);
  });

  it("bad input: a tensor that needs no grad, a non-function, a wrong return", () => {
    expect(() => tensor([1, 2]).registerHook((g) => g)).toThrow(/registerHook: cannot register a hook on a tensor that does not require grad/);
    expect(() => leaf([1]).registerHook(3 as never)).toThrow(TypeError);
    const shape = leaf([1, 2]);
    shape.registerHook(() => tensor([1, 2, 3], { dtype: "float64" }));
    expect(() => shape.sum().backward()).toThrow(/registerHook: the hook returned a gradient of shape \[3\] but the tensor is \[2\]/);
    const dtype = leaf([1, 2]);
    dtype.registerHook(() => tensor([1, 2], { dtype: "float32" }));
    expect(() => dtype.sum().backward()).toThrow(/registerHook: the hook returned a float32 gradient but the tensor is float64/);
    const kind = leaf([1, 2]);
    kind.registerHook(() => 3 as never);
    expect(() => kind.sum().backward()).toThrow(/registerHook: a hook must return a Tensor or nothing, got 3/);
  });
});
