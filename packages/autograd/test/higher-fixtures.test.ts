// Second- and third-order gradients against PyTorch float64 (fixtures/higher, made by
// make_higher.py with torch.autograd.grad(create_graph=True)), under both kernel sets.
// The gradients are taken three ways: nested grad(), grad({ createGraph }) and
// backward({ createGraph }) followed by backward of the result.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectClose, forEachKernelSet, fromFixture, type FixtureArray as ArrayJson } from "@unroll/testkit";
import { cat, grad, stack, tensor, zeros, type Tensor } from "../src/index.js";

interface Case {
  name: string;
  inputs: ArrayJson[];
  intInputs: Record<string, ArrayJson>;
  upstream: ArrayJson;
  v: ArrayJson[];
  w?: ArrayJson[];
  expected: { output: ArrayJson; grads: ArrayJson[]; hvp: ArrayJson[]; third?: ArrayJson[] };
}

type Fn = (xs: Tensor[], idx: Record<string, Tensor>) => Tensor;

// h ← tanh(x_t W + h U + b) over the T steps of x [T, B, I].
function rnn3([x, w, u, b]: Tensor[]): Tensor {
  let h = zeros([x.shape[1], u.shape[0]], { dtype: "float64" });
  for (let t = 0; t < x.shape[0]; t++) h = x.select(0, t).matmul(w).add(h.matmul(u)).add(b).tanh();
  return h;
}

/** The same table as CASES in make_higher.py. */
const FNS: Record<string, Fn> = {
  tanh: ([a]) => a.tanh(),
  sigmoid: ([a]) => a.sigmoid(),
  exp: ([a]) => a.exp(),
  log: ([a]) => a.log(),
  sqrt: ([a]) => a.sqrt(),
  "pow 3": ([a]) => a.pow(3),
  "pow 2": ([a]) => a.pow(2),
  "pow -1.5": ([a]) => a.pow(-1.5),
  "pow 0.5": ([a]) => a.pow(0.5),
  "relu squared": ([a]) => a.relu().pow(2),
  "neg tanh": ([a]) => a.neg().tanh(),
  "mul [3,4] * [4]": ([a, b]) => a.mul(b),
  "div [3,4] / [3,1]": ([a, b]) => a.div(b),
  "add squared [3,4] + [4]": ([a, b]) => a.add(b).pow(2),
  "sub squared [2,3,4] - [3,1]": ([a, b]) => a.sub(b).pow(2),
  "matmul [3,4] @ [4,5]": ([a, b]) => a.matmul(b),
  "tanh of batched matmul [2,3,4] @ [4,2]": ([a, b]) => a.matmul(b).tanh(),
  "matmul aᵀ @ b squared": ([a, b]) => a.transpose(0, 1).matmul(b).pow(2),
  "sum dim 1 squared": ([a]) => a.sum(1).pow(2),
  "sum (all) cubed": ([a]) => a.sum().pow(3),
  "mean dim 0 keepDim squared": ([a]) => a.mean(0, true).pow(2),
  "mean (all) of exp": ([a]) => a.exp().mean(),
  "max dim 1 squared": ([a]) => a.max(1).pow(2),
  "logSumExp dim 1": ([a]) => a.logSumExp(1),
  "logSumExp dim 0 keepDim": ([a]) => a.logSumExp(0, true),
  "softmax dim 1": ([a]) => a.softmax(1),
  "softmax middle dim": ([a]) => a.softmax(1),
  "logSoftmax dim -1": ([a]) => a.logSoftmax(-1),
  "logSoftmax dim 0": ([a]) => a.logSoftmax(0),
  "transpose then tanh": ([a]) => a.transpose(0, 1).tanh(),
  "permute [2,0,1] then sigmoid": ([a]) => a.permute([2, 0, 1]).sigmoid(),
  "reshape [2,3,4] → [4,6] then softmax": ([a]) => a.reshape([4, 6]).softmax(1),
  "narrow dim 1 squared": ([a]) => a.narrow(1, 1, 2).pow(2),
  "select dim 1 then exp": ([a]) => a.select(1, 2).exp(),
  "gather dim 1 (repeated indices) squared": ([a], { index }) => a.gather(1, index).pow(2),
  "stack dim 1 then tanh": ([a, b]) => stack([a, b], 1).tanh(),
  "cat dim 0 of a and a*b, cubed": ([a, b]) => cat([a, a.mul(b)], 0).pow(3),
  "composed cross-entropy": ([a], { index }) => a.logSoftmax(1).gather(1, index).neg().mean(),
  "mlp tanh(x W1) W2 squared": ([x, w1, w2]) => x.matmul(w1).tanh().matmul(w2).pow(2),
  "rnn of 3 tanh steps": rnn3,
  "attention softmax(q kᵀ) v": ([q, k, v]) => q.matmul(k.transpose(0, 1)).softmax(1).matmul(v),
  "x sigmoid(1.702 x)": ([a]) => a.mul(a.mul(1.702).sigmoid()),
  "log of a / b + sqrt b": ([a, b]) => a.div(b).log().add(b.sqrt()),
};

const file = JSON.parse(readFileSync(new URL("./fixtures/higher/higher.json", import.meta.url), "utf8")) as { cases: Case[] };
const t = (a: ArrayJson, requiresGrad = false) => fromFixture(a, { requiresGrad });

/** Per element |got - want| <= 1e-9 (|want| + 0.01 max|want|), as the shared golden gated fixtures. */
const expectNear = (got: Tensor, want: ArrayJson, what: string) => expectClose(got, want, { rtol: 1e-9, floor: 0.01, what });

const dot = (gs: Tensor[], vs: Tensor[]): Tensor => gs.map((g, i) => g.mul(vs[i]).sum()).reduce((s, x) => s.add(x));

describe("PyTorch higher-order fixtures", () => {
  it("cover every case of the generator, and the table has no extra entries", () => {
    expect(file.cases.length).toBeGreaterThanOrEqual(43);
    expect(Object.keys(FNS).sort()).toEqual(file.cases.map((c) => c.name).sort());
  });
});

forEachKernelSet("PyTorch higher-order fixtures", () => {
  for (const c of file.cases) {
    const idx = Object.fromEntries(Object.entries(c.intInputs).map(([k, v]) => [k, tensor(v.data, { shape: v.shape, dtype: "int32" })]));
    const upstream = t(c.upstream);
    const v = c.v.map((a) => t(a));
    const all = c.inputs.map((_, i) => i);
    const s = (...xs: Tensor[]) => FNS[c.name](xs, idx).mul(upstream).sum();

    it(`${c.name}: nested grad`, () => {
      const xs = c.inputs.map((a) => t(a));
      const first = grad(s, { argnums: all })(...xs) as Tensor[];
      first.forEach((g, i) => expectNear(g, c.expected.grads[i], `grad ${i}`));
      const hvp = grad((...ys: Tensor[]) => dot(grad(s, { argnums: all })(...ys) as Tensor[], v), { argnums: all })(...xs) as Tensor[];
      hvp.forEach((h, i) => expectNear(h, c.expected.hvp[i], `hvp ${i}`));
      if (c.w !== undefined && c.expected.third !== undefined) {
        const w = c.w.map((a) => t(a));
        const hv = (...ys: Tensor[]) => dot(grad((...zs: Tensor[]) => dot(grad(s, { argnums: all })(...zs) as Tensor[], v), { argnums: all })(...ys) as Tensor[], w);
        const third = grad(hv, { argnums: all })(...xs) as Tensor[];
        third.forEach((h, i) => expectNear(h, c.expected.third![i], `third ${i}`));
      }
      xs.forEach((x) => expect(x.grad).toBeNull());
    });

    it(`${c.name}: backward({ createGraph }) then backward`, () => {
      const xs = c.inputs.map((a) => t(a, true));
      const out = FNS[c.name](xs, idx);
      expectNear(out, c.expected.output, "output");
      out.backward(upstream, { createGraph: true });
      const first = xs.map((x) => x.grad!);
      first.forEach((g, i) => expectNear(g, c.expected.grads[i], `grad ${i}`));
      xs.forEach((x) => (x.grad = null));
      const gv = dot(first, v);
      if (gv.requiresGrad) gv.backward();
      xs.forEach((x, i) => expectNear(x.grad ?? zeros(x.shape, { dtype: "float64" }), c.expected.hvp[i], `hvp ${i}`));
    });
  }
});
