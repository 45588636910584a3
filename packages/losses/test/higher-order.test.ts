// Higher-order gradients and the losses: the fused softmax-cross-entropy has no double
// backward (createGraph through it is an error suggesting the composed form), while
// nllLoss on logSoftmax, the composed form, passes gradgradcheck in every reduction.

import { describe, expect, it } from "vitest";
import { expectClose, forEachKernelSet } from "@unroll/testkit";
import { createRng, grad, gradgradcheck, randn, tensor, type Tensor } from "@unroll/autograd";
import { crossEntropy, nllLoss, sequenceCrossEntropy } from "../src/index.js";

const composedHint = /createGraph is not supported through this op; it is the fused softmax-cross-entropy.*compose logSoftmax and gather/;

describe("createGraph through the fused softmax-cross-entropy", () => {
  const target = tensor([1, 0, 3], { dtype: "int32" });

  it("crossEntropy: backward({ createGraph }) names the op, suggests logSoftmax and gather, and changes nothing", () => {
    const logits = randn([3, 4], { rng: createRng(1), requiresGrad: true });
    const loss = crossEntropy(logits, target);
    expect(() => loss.backward({ createGraph: true })).toThrow(/^crossEntropy: /);
    expect(() => loss.backward({ createGraph: true })).toThrow(composedHint);
    expect(logits.grad).toBeNull();
    loss.backward();
    expect(logits.grad).not.toBeNull();
  });

  it("crossEntropy with reduction none, and grad(grad()) through it", () => {
    const logits = randn([3, 4], { rng: createRng(2), requiresGrad: true });
    expect(() => crossEntropy(logits, target, { reduction: "none" }).backward(tensor([1, 1, 1]), { createGraph: true })).toThrow(composedHint);
    const g = grad((x: Tensor) => crossEntropy(x, target));
    expect(() => grad((x: Tensor) => (g(x) as Tensor).pow(2).sum())(randn([3, 4], { rng: createRng(3) }))).toThrow(/^crossEntropy: .*compose logSoftmax and gather/);
  });

  it("sequenceCrossEntropy", () => {
    const logits = randn([2, 3, 4], { rng: createRng(4), requiresGrad: true });
    const t = tensor([[0, 1, 2], [3, 2, 1]], { dtype: "int32" });
    expect(() => sequenceCrossEntropy(logits, t).backward({ createGraph: true })).toThrow(/^sequenceCrossEntropy: .*compose logSoftmax and gather/);
    expect(logits.grad).toBeNull();
  });
});

forEachKernelSet("the composed form has second derivatives", () => {
  const target = tensor([1, 0, 3, 3], { dtype: "int32" });
  const weight = tensor([0.5, 2, 1, 1.5]);
  const cases: [string, Parameters<typeof nllLoss>[2]][] = [
    ["mean", {}],
    ["sum", { reduction: "sum" }],
    ["none", { reduction: "none" }],
    ["mean with weight and ignoreIndex", { weight, ignoreIndex: 0 }],
  ];
  for (const [name, opts] of cases) {
    it(`nllLoss(logSoftmax), ${name}`, () => {
      const x = randn([4, 4], { rng: createRng(5), requiresGrad: true });
      const report = gradgradcheck((l) => nllLoss(l.logSoftmax(1), target, opts), [x]);
      expect(report.ok, report.message).toBe(true);
    });
  }

  it("the composed gradient equals the fused one", () => {
    const x = randn([4, 4], { rng: createRng(6) });
    const fused = grad((l: Tensor) => crossEntropy(l, target))(x) as Tensor;
    const composed = grad((l: Tensor) => nllLoss(l.logSoftmax(1), target), { createGraph: true })(x) as Tensor;
    expectClose(composed, fused, { rtol: 1e-12, atol: 1e-16, what: "d loss / d logits" });
  });
});
