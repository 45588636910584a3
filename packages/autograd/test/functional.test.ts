// grad and valueAndGrad: torch.func semantics (argnums, hasAux, nesting, zeros for
// unused inputs), gradients of exactly the requested inputs with every .grad left
// alone, and clear errors for bad input.

import { describe, expect, it } from "vitest";
import { createRng, enableGrad, grad, isGradEnabled, noGrad, randn, tensor, valueAndGrad, type Tensor } from "../src/index.js";

const rng = createRng(21);
const x64 = (shape: number[], requiresGrad = false) => randn(shape, { dtype: "float64", rng, requiresGrad });
const arr = (t: Tensor) => Array.from(t.toTypedArray());
const close = (a: Tensor, b: Tensor) => arr(a).forEach((v, i) => expect(v).toBeCloseTo(arr(b)[i], 12));

describe("grad", () => {
  it("gives d fn / d args[0] by default, shaped like it", () => {
    const x = x64([3, 2]);
    const g = grad((a: Tensor) => a.pow(3).sum())(x) as Tensor;
    expect(g.shape).toEqual([3, 2]);
    close(g, x.pow(2).mul(3));
    expect(g.requiresGrad).toBe(false);
  });

  it("argnums: a number gives one gradient, an array an array, negatives count from the end", () => {
    const a = x64([2]);
    const b = x64([2]);
    const f = (p: Tensor, q: Tensor) => p.mul(q).sum();
    close(grad(f, { argnums: 1 })(a, b) as Tensor, a);
    close(grad(f, { argnums: -1 })(a, b) as Tensor, a);
    const [ga, gb] = grad(f, { argnums: [0, 1] })(a, b) as Tensor[];
    close(ga, b);
    close(gb, a);
    const [only] = grad(f, { argnums: [1] })(a, b) as Tensor[];
    close(only, a);
  });

  it("an argument may be an array or object of tensors; the gradients mirror it", () => {
    const w = x64([2, 2]);
    const b = x64([2]);
    const x = x64([3, 2]);
    const loss = (p: { w: Tensor; b: Tensor[] }, input: Tensor) => input.matmul(p.w).add(p.b[0]).tanh().sum();
    const g = grad(loss)({ w, b: [b] }, x) as { w: Tensor; b: Tensor[] };
    const wl = w.detach();
    wl.requiresGrad = true;
    const bl = b.detach();
    bl.requiresGrad = true;
    x.matmul(wl).add(bl).tanh().sum().backward();
    close(g.w, wl.grad!);
    close(g.b[0], bl.grad!);
  });

  it("gives zeros for an input the output does not depend on, as torch.func", () => {
    const [ga, gb] = grad((a: Tensor, _b: Tensor) => a.sum(), { argnums: [0, 1] })(x64([2]), x64([3])) as Tensor[];
    expect(arr(ga)).toEqual([1, 1]);
    expect(arr(gb)).toEqual([0, 0, 0]);
    expect(arr(grad((a: Tensor) => tensor(2, { dtype: "float64" }))(x64([2])) as Tensor)).toEqual([0, 0]);
  });

  it("the same tensor in two places gets each place's partial derivative", () => {
    const x = tensor([3], { dtype: "float64" });
    const [g0, g1] = grad((a: Tensor, b: Tensor) => a.mul(b.pow(2)).sum(), { argnums: [0, 1] })(x, x) as Tensor[];
    expect(arr(g0)).toEqual([9]);
    expect(arr(g1)).toEqual([18]);
  });

  it("hasAux passes the second returned value through", () => {
    const [g, aux] = grad((a: Tensor) => [a.exp().sum(), "note"], { hasAux: true })(tensor([0], { dtype: "float64" }));
    expect(arr(g)).toEqual([1]);
    expect(aux).toBe("note");
  });

  it("gradOutputs gives a vector-Jacobian product of a non-scalar output", () => {
    const x = x64([3]);
    const v = tensor([1, 2, 3], { dtype: "float64" });
    const g = grad((a: Tensor) => a.pow(2), { gradOutputs: v })(x) as Tensor;
    close(g, x.mul(2).mul(v));
  });

  it("enableGrad records inside noGrad, as torch.enable_grad, and restores the mode", () => {
    const x = x64([2], true);
    noGrad(() => {
      expect(x.mul(2).requiresGrad).toBe(false);
      expect(enableGrad(() => x.mul(2)).requiresGrad).toBe(true);
      expect(isGradEnabled()).toBe(false);
    });
    expect(isGradEnabled()).toBe(true);
  });

  it("works under noGrad (it turns grad mode on inside, as torch.func.grad)", () => {
    const g = noGrad(() => grad((a: Tensor) => a.mul(a).sum())(tensor([2], { dtype: "float64" }))) as Tensor;
    expect(arr(g)).toEqual([4]);
  });

  it("nests: grad(grad(f)) is the second derivative, grad of a sum of a gradient the Hessian's row sums", () => {
    const x = tensor([0.5, -1.5], { dtype: "float64" });
    const d2 = grad((a: Tensor) => (grad((b: Tensor) => b.pow(4).sum())(a) as Tensor).sum())(x) as Tensor;
    close(d2, x.pow(2).mul(12));
    // Mixed: d/dy (d/dx x²y³) = 6 x y²
    const mixed = grad((y: Tensor) => (grad((xx: Tensor) => xx.pow(2).mul(y.pow(3)).sum())(x) as Tensor).sum())(tensor([2, 2], { dtype: "float64" })) as Tensor;
    close(mixed, x.mul(6 * 4));
  });

  it("createGraph: false gives a plain tensor even for an input that requires grad; true keeps the graph", () => {
    const x = x64([2], true);
    const plain = grad((a: Tensor) => a.pow(3).sum(), { createGraph: false })(x) as Tensor;
    expect(plain.requiresGrad).toBe(false);
    const kept = grad((a: Tensor) => a.pow(3).sum())(x) as Tensor;
    expect(kept.requiresGrad).toBe(true);
    kept.sum().backward();
    close(x.grad!, x.mul(6));
  });
});

describe("grad and valueAndGrad leave every .grad alone", () => {
  it("inputs, closed-over parameters and retained non-leaves keep their .grad", () => {
    const w = x64([3, 3], true);
    const x = x64([2, 3], true);
    w.grad = tensor(new Float64Array(9).fill(7), { shape: [3, 3] });
    const before = w.grad;
    let hidden: Tensor | null = null;
    const f = (a: Tensor) => {
      hidden = a.matmul(w).retainGrad();
      return hidden.tanh().sum();
    };
    const g = grad(f)(x) as Tensor;
    expect(g.shape).toEqual([2, 3]);
    expect(x.grad).toBeNull();
    expect(w.grad).toBe(before);
    expect(arr(w.grad!)).toEqual(new Array(9).fill(7));
    expect(hidden!.grad).toBeNull();
    const [value, g2] = valueAndGrad(f)(x) as [Tensor, Tensor];
    expect(value.ndim).toBe(0);
    close(g2, g);
    expect(x.grad).toBeNull();
    expect(w.grad).toBe(before);
  });

  it("valueAndGrad returns [value, grads], and [[value, aux], grads] with hasAux", () => {
    const x = tensor([1, 2], { dtype: "float64" });
    const [value, g] = valueAndGrad((a: Tensor) => a.pow(2).sum())(x) as [Tensor, Tensor];
    expect(value.item()).toBe(5);
    expect(value.requiresGrad).toBe(false);
    expect(arr(g)).toEqual([2, 4]);
    const [[v2, aux], [g0, g1]] = valueAndGrad((a: Tensor, b: Tensor) => [a.mul(b).sum(), 42], { argnums: [0, 1], hasAux: true })(x, x) as [[Tensor, number], Tensor[]];
    expect(v2.item()).toBe(5);
    expect(aux).toBe(42);
    expect(arr(g0)).toEqual([1, 2]);
    expect(arr(g1)).toEqual([1, 2]);
  });

  it("a later backward of the user's own graph is unaffected", () => {
    const x = x64([3], true);
    const y = x.exp();
    grad((a: Tensor) => a.mul(y).sum())(x);
    y.sum().backward();
    close(x.grad!, x.exp());
  });
});

describe("grad: bad input", () => {
  const x = tensor([1, 2], { dtype: "float64" });
  it("a non-scalar output without gradOutputs", () => {
    expect(() => grad((a: Tensor) => a.mul(2))(x)).toThrow(Error);
    expect(() => grad((a: Tensor) => a.mul(2))(x)).toThrow(/grad: fn returned a tensor of shape \[2\]; a non-scalar output needs \{ gradOutputs \}/);
    expect(() => valueAndGrad((a: Tensor) => a.sum(0, true))(x)).toThrow(/valueAndGrad: fn returned a tensor of shape \[1\]/);
  });
  it("gradOutputs of the wrong shape or type", () => {
    expect(() => grad((a: Tensor) => a.mul(2), { gradOutputs: tensor([1, 2, 3]) })(x)).toThrow(/grad: gradOutputs is \[3\] but fn returned \[2\]/);
    expect(() => grad((a: Tensor) => a.mul(2), { gradOutputs: [1, 2] as never })).toThrow(/grad: gradOutputs must be a Tensor, got \[1, 2\]/);
  });
  it("unknown options and bad option values", () => {
    expect(() => grad((a: Tensor) => a.sum(), { argnum: 0 } as never)).toThrow(TypeError);
    expect(() => grad((a: Tensor) => a.sum(), { argnum: 0 } as never)).toThrow(/grad: unknown option "argnum"/);
    expect(() => valueAndGrad((a: Tensor) => a.sum(), { create_graph: true } as never)).toThrow(/valueAndGrad: unknown option "create_graph"/);
    expect(() => grad((a: Tensor) => a.sum(), { createGraph: 1 } as never)).toThrow(/grad: createGraph must be a boolean, got 1/);
    expect(() => grad((a: Tensor) => a.sum(), null as never)).toThrow(/grad: options must be an object/);
    expect(() => grad((a: Tensor) => a.sum(), { argnums: [] })).toThrow(/grad: argnums must be an integer or a non-empty array/);
  });
  it("argnums out of range, repeated or not integers", () => {
    expect(() => grad((a: Tensor) => a.sum(), { argnums: 1 })(x)).toThrow(RangeError);
    expect(() => grad((a: Tensor) => a.sum(), { argnums: 1 })(x)).toThrow(/grad: argnums 1 is out of range for 1 argument/);
    expect(() => grad((a: Tensor) => a.sum(), { argnums: [0, -1] })(x)).toThrow(/grad: argnums \[0,-1\] repeat an argument/);
    expect(() => grad((a: Tensor) => a.sum(), { argnums: 0.5 })(x)).toThrow(/grad: argnums must hold integers/);
  });
  it("fn that is not a function, returns no tensor, or an argument that is no float tensor", () => {
    expect(() => grad(42 as never)).toThrow(/grad: fn must be a function, got 42/);
    expect(() => grad(() => 3)(x)).toThrow(/grad: fn must return a Tensor, got 3/);
    expect(() => grad(() => 3, { hasAux: true })(x)).toThrow(/grad: with hasAux, fn must return \[output, aux\]/);
    expect(() => grad((a: Tensor) => a.sum())(tensor(Int32Array.from([1, 2])))).toThrow(/grad: args\[0\] is an int32 tensor; only float tensors can be differentiated/);
    expect(() => grad((a: number) => tensor(a))(3)).toThrow(/grad: args\[0\] must be a Tensor \(or an array or object of Tensors\) to be differentiated, got 3/);
  });
});
