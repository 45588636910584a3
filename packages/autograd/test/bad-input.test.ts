// Bad input: each error has the right type, names the op, the argument and the
// shapes or values, and is thrown before anything is mutated (inputs keep their
// values and grads, graphs stay usable).

import { describe, expect, it } from "vitest";
import { add, cat, matmul, randn, setDefaultDtype, stack, tensor, zeros, ones, full, createRng, type Tensor } from "../src/index.js";
import { expectError } from "@unroll/testkit";

/** Snapshot values and grads of tensors; `check()` asserts they did not change. */
function snapshot(...ts: Tensor[]): { check: () => void } {
  const before = ts.map((t) => ({ v: Array.from(t.toTypedArray()), g: t.grad === null ? null : Array.from(t.grad.toTypedArray()) }));
  return {
    check: () =>
      ts.forEach((t, i) => {
        expect(Array.from(t.toTypedArray())).toEqual(before[i].v);
        expect(t.grad === null ? null : Array.from(t.grad.toTypedArray())).toEqual(before[i].g);
      }),
  };
}

const x34 = () => randn([3, 4], { rng: createRng(1), requiresGrad: true });

describe("shapes that do not broadcast", () => {
  for (const op of ["add", "sub", "mul", "div"] as const) {
    it(op, () => {
      const a = randn([2, 3], { requiresGrad: true });
      const b = randn([4], { requiresGrad: true });
      const s = snapshot(a, b);
      expectError(() => a[op](b), Error, `${op}: a is [2,3] but b is [4]`, "do not broadcast", "dim -1: 3 vs 4");
      s.check();
    });
  }
  it("in a middle dim", () => expectError(() => add(zeros([2, 3, 4]), zeros([5, 1])), Error, "add: a is [2,3,4] but b is [5,1]", "dim -2: 3 vs 5"));
  it("a non-tensor operand", () => expectError(() => zeros([2]).add("1" as never), TypeError, 'add: b must be a Tensor or a number, got "1"'));
});

describe("matmul", () => {
  it("inner dimensions that differ", () => {
    const a = randn([2, 3], { requiresGrad: true });
    const b = randn([4, 5], { requiresGrad: true });
    const s = snapshot(a, b);
    expectError(() => matmul(a, b), Error, "matmul: a is [2,3] but b is [4,5]", "inner dimensions 3 and 4 differ");
    expectError(() => randn([2, 3, 4]).matmul(randn([3, 2])), Error, "matmul: a is [2,3,4] but b is [3,2]");
    s.check();
  });
  it("operands of the wrong rank", () => {
    expectError(() => randn([3]).matmul(randn([3, 2])), Error, "matmul: a is [3] but b is [3,2]", "expected a [M,K] or [...,M,K] and b [K,N]");
    expectError(() => randn([2, 3]).matmul(randn([2, 3, 2])), Error, "matmul: a is [2,3] but b is [2,3,2]");
  });
  it("int32 operands", () => expectError(() => randn([2, 2]).matmul(tensor([[1, 0], [0, 1]], { dtype: "int32" })), TypeError, "matmul: needs float tensors", "int32"));
});

describe("a dim out of range", () => {
  const a = randn([3, 4]);
  const cases: [string, () => unknown, string][] = [
    ["sum", () => a.sum(2), "sum: dim 2 is out of range for a tensor of shape [3,4] (expected -2 to 1)"],
    ["mean", () => a.mean(-3), "mean: dim -3 is out of range for a tensor of shape [3,4]"],
    ["max", () => a.max(5), "max: dim 5 is out of range"],
    ["argmax", () => a.argmax(2), "argmax: dim 2 is out of range"],
    ["logSumExp", () => a.logSumExp(2), "logSumExp: dim 2 is out of range for a tensor of shape [3,4]"],
    ["softmax", () => a.softmax(-3), "softmax: dim -3 is out of range"],
    ["logSoftmax", () => a.logSoftmax(2), "logSoftmax: dim 2 is out of range"],
    ["transpose", () => a.transpose(0, 2), "transpose: dim1 2 is out of range for a tensor of shape [3,4]"],
    ["permute", () => a.permute([0, 2]), "permute: dims[1] 2 is out of range for a tensor of shape [3,4]"],
    ["narrow", () => a.narrow(2, 0, 1), "narrow: dim 2 is out of range"],
    ["select", () => a.select(-3, 0), "select: dim -3 is out of range"],
    ["gather", () => a.gather(2, tensor([[0]], { dtype: "int32" })), "gather: dim 2 is out of range"],
    ["cat", () => cat([a, a], 2), "cat: dim 2 is out of range for a tensor of shape [3,4]"],
    ["stack", () => stack([a, a], 3), "stack: dim 3 is out of range"],
  ];
  for (const [name, fn, message] of cases) it(name, () => expectError(fn, RangeError, message));
  it("a dim that is not an integer", () => expectError(() => a.sum(0.5), TypeError, "sum: dim must be an integer, got 0.5"));
  it("permute with a repeated or missing dim", () => {
    expectError(() => a.permute([0, 0]), Error, "permute: dims [0,0] repeat a dim");
    expectError(() => a.permute([0]), Error, "permute: dims [0] must list each of the 2 dims of [3,4] once");
  });
});

describe("an index out of range or not an integer", () => {
  it("select", () => {
    const a = x34();
    const s = snapshot(a);
    expectError(() => a.select(1, 4), RangeError, "select: index 4 is out of range for dim 1 of size 4 in [3,4] (expected -4 to 3)");
    expectError(() => a.select(1, -5), RangeError, "select: index -5 is out of range");
    expectError(() => a.select(0, 1.5), TypeError, "select: index must be an integer, got 1.5");
    s.check();
  });
  it("narrow", () => {
    const a = x34();
    expectError(() => a.narrow(1, 2, 3), RangeError, "narrow: start 2 and length 3 do not fit dim 1 of size 4 in [3,4]");
    expectError(() => a.narrow(0, -4, 1), RangeError, "narrow: start -4 and length 1");
    expectError(() => a.narrow(1, -1, 2), RangeError, "narrow: start -1 and length 2 do not fit dim 1 of size 4");
    expectError(() => a.narrow(0, 0.5, 1), TypeError, "narrow: start must be an integer, got 0.5");
    expectError(() => a.narrow(0, 0, 1.5), TypeError, "narrow: length must be an integer, got 1.5");
  });
  it("gather", () => {
    const a = x34();
    const s = snapshot(a);
    expectError(() => a.gather(1, tensor([[0, 4]], { dtype: "int32" })), RangeError, "gather: index value 4 at flat position 1 of index [1,2] is out of range for dim 1 of size 4 in a [3,4]");
    expectError(() => a.gather(1, tensor([[-1]], { dtype: "int32" })), RangeError, "gather: index value -1");
    expectError(() => a.gather(1, tensor([[0.5]])), TypeError, "gather: index must be int32, got float64");
    expectError(() => a.gather(1, tensor([0], { dtype: "int32" })), Error, "gather: index is [1] but a is [3,4]");
    expectError(() => a.gather(1, zeros([4, 1], { dtype: "int32" })), Error, "gather: index is [4,1] but a is [3,4]; dim 0 of index must not exceed a's");
    s.check();
  });
});

describe("reshape to a different size", () => {
  it("names both shapes and sizes", () => {
    const a = x34();
    const s = snapshot(a);
    expectError(() => a.reshape([5, 2]), Error, "reshape: cannot reshape [3,4] (12 elements) to [5,2] (10 elements)");
    expectError(() => a.reshape([5, -1]), Error, "reshape: cannot reshape [3,4] (12 elements) to [5,-1]");
    expectError(() => a.reshape([-1, -1]), Error, "reshape: shape [-1,-1] must hold non-negative integers and at most one -1");
    expectError(() => a.reshape([2.5, 4]), Error, "reshape: shape [2.5,4]");
    s.check();
  });
});

describe("stack and cat of mismatched tensors", () => {
  it("stack", () => expectError(() => stack([zeros([2, 3]), zeros([3, 2])], 0), Error, "stack: tensors[1] is [3,2] but tensors[0] is [2,3]"));
  it("cat", () => expectError(() => cat([zeros([2, 3]), zeros([2, 4])], 0), Error, "cat: tensors[1] is [2,4] but tensors[0] is [2,3]; all dims but 0 must agree"));
  it("empty list", () => expectError(() => cat([], 0), Error, "cat: needs a non-empty array of tensors"));
});

describe("creation", () => {
  it("ragged nested arrays", () => {
    expectError(() => tensor([[1, 2], [3]]), Error, "tensor: ragged nested arrays: [1] has length 1 but expected length 2");
    expectError(() => tensor([[[1], [2]], [[3], [4, 5]]]), Error, "tensor: ragged nested arrays: [1][1] has length 2 but expected length 1");
    expectError(() => tensor([[1, 2], 3] as never), Error, "tensor: ragged nested arrays: [1] has number but expected length 2");
    expectError(() => tensor([1, [2]] as never), TypeError, "tensor: element [1] is an array, expected a number");
  });
  it("non-numbers", () => {
    expectError(() => tensor([1, "2"] as never), TypeError, "tensor: element [1] is string, expected a number");
    expectError(() => tensor("1" as never), TypeError, "tensor: expected a number, nested arrays of numbers");
  });
  it("an unknown dtype", () => {
    expectError(() => tensor([1], { dtype: "float16" as never }), TypeError, 'tensor: dtype must be "float64", "float32" or "int32", got "float16"');
    expectError(() => zeros([2], { dtype: "bf16" as never }), TypeError, 'zeros: dtype must be "float64", "float32" or "int32", got "bf16"');
    expectError(() => ones([2], { dtype: "x" as never }), TypeError, 'ones: dtype must be "float64", "float32" or "int32", got "x"');
    expectError(() => full([2], 1, { dtype: "x" as never }), TypeError, 'full: dtype must be "float64", "float32" or "int32", got "x"');
    expectError(() => randn([2], { dtype: "x" as never }), TypeError, 'randn: dtype must be "float64", "float32" or "int32", got "x"');
    expectError(() => randn([2], { dtype: "int32" }), TypeError, "randn: needs a float dtype, got int32");
    expectError(() => zeros([2]).to("half" as never), TypeError, 'to: dtype must be "float64", "float32" or "int32", got "half"');
    expectError(() => setDefaultDtype("int32" as never), TypeError, 'setDefaultDtype: dtype must be "float64" or "float32", got "int32"');
  });
  it("bad shapes and sizes", () => {
    expectError(() => zeros([2, -1]), TypeError, "zeros: shape must be an array of non-negative integers, got [2,-1]");
    expectError(() => tensor(new Float64Array(5), { shape: [2, 3] }), Error, "tensor: shape [2,3] needs 6 elements but the typed array has 5");
    expectError(() => tensor([1.5], { dtype: "int32" }), TypeError, "tensor: int32 needs integers from -2147483648 to 2147483647, got 1.5 at flat position 0");
    expectError(() => full([2], 0.5, { dtype: "int32" }), TypeError, "full: int32 needs integers from -2147483648 to 2147483647, got 0.5 as the value");
    expectError(() => zeros([2, 3]).item(), Error, "item: the tensor has 6 elements (shape [2,3]), expected 1");
  });
});

describe("backward", () => {
  it("a gradient argument of the wrong shape", () => {
    const x = x34();
    const y = x.mul(2);
    const s = snapshot(x);
    expectError(() => y.backward(zeros([4, 3])), Error, "backward: grad is [4,3] but the output is [3,4]");
    expectError(() => y.backward(2), Error, "backward: a number gradient needs a one-element output, but the output is [3,4]");
    expectError(() => y.backward([1, 2] as never), TypeError, "backward: grad must be a Tensor or a number");
    s.check();
    y.backward(ones([3, 4])); // the graph was not consumed by the failed calls
    expect(Array.from(x.grad!.toTypedArray())).toEqual(new Array(12).fill(2));
  });
  it("defect class: .grad assignment: a .grad of the wrong shape, dtype or type is rejected when assigned", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    expectError(() => (a.grad = zeros([3])), Error, "grad: the tensor is [2] but the assigned grad is [3]");
    expectError(() => (a.grad = zeros([2], { dtype: "float32" })), TypeError, "grad: the tensor is float64 but the assigned grad is float32");
    expectError(() => (a.grad = zeros([2], { dtype: "int32" })), TypeError, "grad: the tensor is float64 but the assigned grad is int32");
    expectError(() => (a.grad = 5 as never), TypeError, "grad: must be a Tensor or null, got 5");
    expect(a.grad).toBeNull();
    // so backward afterwards gives our result, not an internal error
    a.sum().backward();
    expect(Array.from(a.grad!.toTypedArray())).toEqual([1, 1]);
  });
  it("through a tensor that does not require grad", () => {
    const a = randn([2, 2]);
    expectError(() => a.mul(2).sum().backward(), Error, "backward: the tensor does not require grad (shape [])", "requiresGrad: true");
  });
});
