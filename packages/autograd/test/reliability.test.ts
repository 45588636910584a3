// Issue 12, by defect class: each describe names the class of defect it guards, with
// the cases the issue lists and more. Every bad input gets a clear error naming the
// function the user called; nothing is silently accepted or left changed.

import { afterEach, describe, expect, it, vi } from "vitest";
import {
  arange,
  cat,
  clipGradNorm,
  createRng,
  full,
  gather,
  gradcheck,
  manualSeed,
  noGrad,
  ones,
  rand,
  randn,
  select,
  stack,
  tensor,
  uniform,
  zeros,
  type Tensor,
} from "../src/index.js";
import { fromFlat } from "../src/extend.js";
import { expectError } from "@unroll/testkit";

const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

describe("defect class: 0-d tensors take dims that do not exist", () => {
  const s = () => tensor(3, { requiresGrad: true });
  it("reductions and softmax take dim 0 and -1 as the tensor itself (PyTorch)", () => {
    for (const dim of [0, -1]) {
      for (const keepDim of [false, true]) {
        expect(s().sum(dim, keepDim).shape).toEqual([]);
        expect(s().sum(dim, keepDim).item()).toBe(3);
        expect(s().mean(dim, keepDim).item()).toBe(3);
        expect(s().max(dim, keepDim).item()).toBe(3);
        expect(s().logSumExp(dim, keepDim).item()).toBe(3);
      }
      expect(s().argmax(dim).item()).toBe(0);
      expect(s().argmax(dim).shape).toEqual([]);
      expect(s().softmax(dim).item()).toBe(1);
      expect(s().softmax(dim).shape).toEqual([]);
      expect(s().logSoftmax(dim).item()).toBe(0);
    }
  });
  it("their gradients are those of the identity (sum, max) or zero (softmax)", () => {
    const x = s();
    x.sum(0).add(x.max(-1)).add(x.logSumExp(0)).backward();
    expect(values(x.grad!)).toEqual([3]);
    const y = s();
    y.softmax(0).mul(5).backward();
    expect(values(y.grad!)).toEqual([0]);
  });
  it("other dims are out of range, as in PyTorch ([-1, 0])", () => {
    expectError(() => s().sum(1), RangeError, "sum: dim 1 is out of range for a tensor of shape [] (expected -1 to 0)");
    expectError(() => s().softmax(-2), RangeError, "softmax: dim -2 is out of range");
    expectError(() => s().max(1), RangeError, "max: dim 1");
  });
  it("select and narrow need a real dim", () => {
    expectError(() => s().select(0, 0), RangeError, "select: cannot be applied to a 0-d tensor");
    expectError(() => select(tensor(1), -1, 0), RangeError, "select: cannot be applied to a 0-d tensor");
    expectError(() => s().narrow(0, 0, 1), RangeError, "narrow: cannot be applied to a 0-d tensor");
  });
  it("cat rejects 0-d tensors; stack joins them into [n]", () => {
    expectError(() => cat([tensor(1), tensor(2)]), RangeError, "cat: tensors[0] is 0-d and cannot be concatenated");
    expectError(() => cat([tensor([1]), tensor(2)]), RangeError, "cat: tensors[1] is 0-d");
    const st = stack([tensor(1), tensor(2)]);
    expect(st.shape).toEqual([2]);
    expect(values(st)).toEqual([1, 2]);
    expect(stack([tensor(1), tensor(2)], -1).shape).toEqual([2]);
    expectError(() => stack([tensor(1)], 1), RangeError, "stack: dim 1 is out of range");
  });
  it("gather on a 0-d tensor takes a 0-d index that must be 0", () => {
    expect(gather(tensor(7), 0, tensor(0, { dtype: "int32" })).item()).toBe(7);
    expectError(() => gather(tensor(7), 0, tensor(1, { dtype: "int32" })), RangeError, "gather: index value 1", "out of range for dim 0 of size 1");
    expectError(() => gather(tensor(7), 0, tensor(-1, { dtype: "int32" })), RangeError, "gather: index value -1");
  });
  it("transpose of a 0-d tensor along dim 0 is itself", () => {
    const x = s();
    const t = x.transpose(0, -1);
    expect(t.shape).toEqual([]);
    t.mul(2).backward();
    expect(values(x.grad!)).toEqual([2]);
    expectError(() => s().transpose(0, 1), RangeError, "transpose: dim1 1 is out of range");
  });
  it("keepDim must be a boolean", () => {
    expectError(() => randn([2, 3]).sum(1, "yes" as never), TypeError, 'sum: keepDim must be a boolean, got "yes"');
    expectError(() => randn([2, 3]).max(1, 1 as never), TypeError, "max: keepDim must be a boolean, got 1");
    expectError(() => randn([2, 3]).mean(0, null as never), TypeError, "mean: keepDim must be a boolean, got null");
    expectError(() => randn([2, 3]).logSumExp(0, "true" as never), TypeError, "logSumExp: keepDim");
  });
});

describe("defect class: int32 wraps or truncates without a word", () => {
  const range = "int32 needs integers from -2147483648 to 2147483647";
  it("nested arrays", () => {
    expectError(() => tensor([2 ** 31], { dtype: "int32" }), RangeError, `tensor: ${range}, got 2147483648 at flat position 0`);
    expectError(() => tensor([[0, -(2 ** 31) - 1]], { dtype: "int32" }), RangeError, "got -2147483649 at flat position 1");
    expectError(() => tensor([1, Number.NaN], { dtype: "int32" }), TypeError, "got NaN at flat position 1");
    expectError(() => tensor([Infinity], { dtype: "int32" }), TypeError, "got Infinity");
    expect(values(tensor([2 ** 31 - 1, -(2 ** 31)], { dtype: "int32" }))).toEqual([2147483647, -2147483648]);
  });
  it("full and arange", () => {
    expectError(() => full([2], 2 ** 40, { dtype: "int32" }), RangeError, `full: ${range}, got 1099511627776`);
    expectError(() => full([2], Number.NaN, { dtype: "int32" }), TypeError, "full: int32 needs integers");
    expectError(() => arange(2 ** 31 + 1, { dtype: "int32" }), RangeError, "arange: int32 needs integers");
    expect(values(full([2], -5, { dtype: "int32" }))).toEqual([-5, -5]);
  });
  it("typed arrays and ndarrays converted to int32", () => {
    expectError(() => tensor(new Float64Array([1, 1.5]), { dtype: "int32" }), TypeError, "tensor: int32 needs integers", "got 1.5 at flat position 1");
    expectError(() => tensor(new Float64Array([Number.NaN]), { dtype: "int32" }), TypeError, "got NaN");
    expectError(() => tensor(new Float32Array([3e9]), { dtype: "int32" }), RangeError, "got 3000000000");
    expectError(() => tensor(new Uint32Array([2 ** 32 - 1])), RangeError, "got 4294967295");
    expect(tensor(new Uint8Array([1, 255])).dtype).toBe("int32");
    const nd = { data: new Float64Array([0, 2.5]), shape: [2], stride: [1], offset: 0 };
    expectError(() => tensor(nd, { dtype: "int32" }), TypeError, "got 2.5");
  });
  it("to('int32') truncates toward zero as PyTorch, but NaN, Infinity and out-of-range values are errors", () => {
    expect(values(tensor([1.7, -1.7]).to("int32"))).toEqual([1, -1]);
    expectError(() => tensor([1, Number.NaN]).to("int32"), TypeError, "to: int32 needs integers", "got NaN at flat position 1");
    expectError(() => tensor([3e9]).to("int32"), RangeError, "to: int32 needs integers");
    expectError(() => tensor([-Infinity]).to("int32"), TypeError, "got -Infinity");
  });
  it("a number operand of an int32 tensor must fit int32", () => {
    expectError(() => tensor([1], { dtype: "int32" }).add(2 ** 40), RangeError, "add: int32 needs integers");
    expect(tensor([1], { dtype: "int32" }).add(0.5).dtype).toBe("float64");
  });
});

describe("defect class: .grad of the wrong dtype is kept and used", () => {
  it("float32 on float64, int32 on float, and non-tensors are rejected at assignment", () => {
    const p = randn([3], { requiresGrad: true });
    expectError(() => (p.grad = randn([3], { dtype: "float32" })), TypeError, "grad: the tensor is float64 but the assigned grad is float32");
    expectError(() => (p.grad = tensor([1, 2, 3], { dtype: "int32" })), TypeError, "grad: the tensor is float64 but the assigned grad is int32");
    expectError(() => (p.grad = [1, 2, 3] as never), TypeError, "grad: must be a Tensor or null, got [1, 2, 3]");
    expectError(() => (p.grad = undefined as never), TypeError, "grad: must be a Tensor or null, got undefined");
    expect(p.grad).toBeNull();
    p.grad = ones([3]);
    expect(clipGradNorm([p], 1)).toBeCloseTo(Math.sqrt(3));
    p.grad = null;
    expect(p.grad).toBeNull();
  });
  it("x.grad = 5 then backward: our error at the assignment, and backward still works", () => {
    const x = randn([2], { requiresGrad: true });
    expectError(() => (x.grad = 5 as never), TypeError, "grad: must be a Tensor or null, got 5");
    x.sum().backward();
    expect(values(x.grad!)).toEqual([1, 1]);
  });
  it("backward's grad must be a float Tensor, a number or omitted", () => {
    const x = randn([2], { requiresGrad: true });
    expectError(() => x.mul(2).backward(tensor([1, 1], { dtype: "int32" })), TypeError, "backward: grad is int32 [2]");
    expectError(() => x.mul(2).backward("1" as never), TypeError, 'backward: grad must be a Tensor or a number, got "1"');
    expect(x.grad).toBeNull();
  });
});

describe("defect class: views that lie", () => {
  it("an ndarray whose data is shorter than shape, stride and offset imply", () => {
    expectError(() => tensor({ data: new Float64Array(3), shape: [2, 2], stride: [2, 1], offset: 0 }), RangeError, "tensor: the ndarray (shape [2,2], stride [2,1], offset 0) reads elements 0 to 3 but its data has 3");
    expectError(() => tensor({ data: [1, 2, 3, 4], shape: [2], stride: [1], offset: 3 }), RangeError, "reads elements 3 to 4 but its data has 4");
    expectError(() => tensor({ data: new Float64Array(4), shape: [2], stride: [-1], offset: 0 }), RangeError, "reads elements -1 to 0");
    // a negative stride that stays inside is fine
    expect(values(tensor({ data: new Float64Array([1, 2, 3]), shape: [3], stride: [-1], offset: 2 }))).toEqual([3, 2, 1]);
    // an empty view reads nothing
    expect(tensor({ data: new Float64Array(0), shape: [0, 3], stride: [3, 1], offset: 0 }).shape).toEqual([0, 3]);
  });
  it("negative, non-integer or non-array shapes, strides and offsets", () => {
    expectError(() => tensor({ data: new Float64Array(4), shape: [-2], stride: [1], offset: 0 }), TypeError, "tensor: ndarray shape must be an array of non-negative integers");
    expectError(() => tensor({ data: new Float64Array(4), shape: [2], stride: [0.5], offset: 0 }), TypeError, "tensor: ndarray stride must be 1 integers");
    expectError(() => tensor({ data: new Float64Array(4), shape: [2], stride: [1, 1], offset: 0 }), TypeError, "ndarray stride");
    expectError(() => tensor({ data: new Float64Array(4), shape: [2], stride: [1], offset: 0.5 }), TypeError, "tensor: ndarray offset must be an integer, got 0.5");
    expectError(() => tensor({ data: ["a", 1] as never, shape: [2], stride: [1], offset: 0 }), TypeError, 'tensor: ndarray data[0] is "a", expected a number');
    expectError(() => tensor({ data: "abcd" as never, shape: [2], stride: [1], offset: 0 }), TypeError, "tensor: ndarray data must be a typed array");
    expectError(() => zeros([2, -1]), TypeError, "zeros: shape must be an array of non-negative integers");
    expectError(() => ones([1.5]), TypeError, "ones: shape must be an array of non-negative integers");
    expectError(() => randn(3 as never), TypeError, "randn: shape must be an array of non-negative integers, got 3");
    expectError(() => tensor([1, 2], { shape: [-2] } as never), TypeError, "tensor: options.shape must be an array of non-negative integers");
  });
  it("fromFlat with too few elements, a bad shape or a bad buffer", () => {
    expectError(() => fromFlat(new Float64Array(3), [2, 2]), RangeError, "fromFlat: shape [2,2] needs 4 elements but data has 3");
    expectError(() => fromFlat(new Float64Array(3), [-1, -3]), RangeError, "fromFlat: shape must be an array of non-negative integers");
    expectError(() => fromFlat([1, 2] as never, [2]), TypeError, "fromFlat: data must be a Float64Array, Float32Array or Int32Array, got [1, 2]");
    expectError(() => fromFlat(new BigInt64Array(2) as never, [2]), TypeError, "fromFlat: data must be");
  });
});

describe("defect class: internal errors that leak", () => {
  it("null, arrays and numbers as the options object name the function", () => {
    const cases: [string, (o: never) => unknown][] = [
      ["tensor", (o) => tensor([1], o)],
      ["zeros", (o) => zeros([1], o)],
      ["ones", (o) => ones([1], o)],
      ["full", (o) => full([1], 2, o)],
      ["arange", (o) => arange(2, o)],
      ["randn", (o) => randn([1], o)],
      ["rand", (o) => rand([1], o)],
      ["uniform", (o) => uniform([1], 0, 1, o)],
      ["backward", (o) => randn([1], { requiresGrad: true }).sum().backward(undefined, o)],
      ["gradcheck", (o) => gradcheck((x) => x.mul(2), [randn([1], { requiresGrad: true })], o)],
      ["clipGradNorm", (o) => clipGradNorm([randn([1], { requiresGrad: true })], 1, o)],
    ];
    for (const [name, call] of cases) {
      for (const [bad, got] of [[null, "null"], [[], "[]"], [7, "7"]] as const) {
        expectError(() => call(bad as never), TypeError, `${name}: options must be an object, got ${got}`);
      }
    }
  });
  it("misspelled options of the creation functions, backward and gradcheck", () => {
    expectError(() => randn([2], { seed: 0 } as never), TypeError, 'randn: unknown option "seed"');
    expectError(() => zeros([2], { requires_grad: true } as never), TypeError, 'zeros: unknown option "requires_grad" (did you mean "requiresGrad"?)');
    expectError(() => zeros([2], { rng: createRng(0) } as never), TypeError, 'zeros: unknown option "rng"');
    expectError(() => tensor([1], { requiresGrad: "yes" } as never), TypeError, 'tensor: requiresGrad must be a boolean, got "yes"');
    const x = randn([2], { requiresGrad: true });
    expectError(() => x.sum().backward(undefined, { retain_graph: true } as never), TypeError, 'backward: unknown option "retain_graph" (did you mean "retainGraph"?)');
    expectError(() => x.sum().backward(undefined, { retainGraph: "true" } as never), TypeError, 'backward: retainGraph must be a boolean, got "true"');
    expect(x.grad).toBeNull();
    expectError(() => tensor([1], { dtype: "int32", requiresGrad: true }), TypeError, "tensor: an int32 tensor cannot require grad");
  });
  it("randn's rng, noGrad's fn, manualSeed's seed", () => {
    expectError(() => randn([2], { rng: 5 } as never), TypeError, "randn: rng must be an Rng (from createRng), got 5");
    expectError(() => uniform([2], 0, 1, { rng: {} } as never), TypeError, "uniform: rng must be an Rng");
    expectError(() => noGrad(null as never), TypeError, "noGrad: fn must be a function, got null");
    expectError(() => manualSeed(undefined as never), TypeError, "manualSeed: seed must be a finite number or a string, got undefined");
    expectError(() => manualSeed(Number.NaN), TypeError, "manualSeed: seed must be a finite number or a string, got NaN");
    expectError(() => createRng({} as never), TypeError, "createRng: seed must be a finite number or a string, got an object");
    expectError(() => uniform([2], 0, "1" as never), RangeError, 'uniform: needs finite low <= high, got low 0 and high "1"');
  });
  it("symbols, BigInts and strings in positional arguments are described, not stringified into a crash", () => {
    const x = randn([2, 3]);
    expectError(() => x.narrow(0, Symbol("s") as never, 1), TypeError, "narrow: start must be an integer, got Symbol(s)");
    expectError(() => x.select(0, 1n as never), TypeError, "select: index must be an integer, got 1n");
    expectError(() => x.permute(10n as never), Error, "permute: dims 10n must list each of the 2 dims");
    expectError(() => x.sum(Symbol("d") as never), TypeError, "sum: dim must be an integer, got Symbol(d)");
    expectError(() => x.transpose("0" as never, 1), TypeError, 'transpose: dim0 must be an integer, got "0"');
  });
  it("requiresGrad must be assigned a boolean", () => {
    const x = randn([2]);
    expectError(() => (x.requiresGrad = "yes" as never), TypeError, 'requiresGrad: must be a boolean, got "yes"');
    expectError(() => (x.requiresGrad = 1 as never), TypeError, "requiresGrad: must be a boolean, got 1");
    expect(x.requiresGrad).toBe(false);
  });
  it("unsupported typed arrays as data", () => {
    expectError(() => tensor(new BigInt64Array(2) as never), TypeError, "tensor: data a BigInt64Array of length 2 is not supported");
    expectError(() => tensor(new DataView(new ArrayBuffer(8)) as never), TypeError, "tensor: data a DataView is not supported");
    expectError(() => tensor({ data: new BigUint64Array(2), shape: [2], stride: [1], offset: 0 } as never), TypeError, "is not supported");
    expectError(() => tensor(Symbol("x") as never), TypeError, "tensor: expected a number, nested arrays of numbers, a typed array or an ndarray, got Symbol(x)");
  });
  it("sizes too large to allocate say what was asked for and the limit", () => {
    expectError(() => zeros([1e5, 1e5]), RangeError, "zeros: asked for 10000000000 float64 elements (80.0 GB)", "more than the 4294967296 elements one tensor can hold");
    expectError(() => arange(1e10), RangeError, "arange: asked for 10000000000 float64 elements (80.0 GB)");
    expectError(() => randn([1e6, 1e6], { dtype: "float32" }), RangeError, "randn: asked for 1000000000000 float32 elements (4.00 TB)");
    expectError(() => full([2 ** 33], 1, { dtype: "int32" }), RangeError, "full: asked for 8589934592 int32 elements");
    expectError(() => tensor([1], { shape: [2 ** 40] }), Error, "tensor: shape [1099511627776] does not fit the 1 given values");
  });
});

describe("defect class: gradcheck leaves inputs perturbed or misreports", () => {
  afterEach(() => vi.restoreAllMocks());
  it("restores the inputs when fn throws during the finite-difference pass", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    let calls = 0;
    const fn = (t: Tensor): Tensor => {
      if (++calls > 1) throw new Error("boom");
      return t.mul(2);
    };
    expectError(() => gradcheck(fn, [x]), Error, "boom");
    expect(values(x)).toEqual([1, 2, 3]);
    expect(x.grad).toBeNull();
  });
  it("a non-Tensor return is a clear error, with the inputs restored", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expectError(() => gradcheck(() => 5 as never, [x]), TypeError, "gradcheck: fn must return a Tensor, got 5");
    let calls = 0;
    expectError(() => gradcheck((t) => (++calls > 1 ? (null as never) : t.exp()), [x]), TypeError, "gradcheck: fn must return a Tensor, got null");
    expect(values(x)).toEqual([1, 2]);
  });
  it("an output whose shape depends on the perturbed values is an error", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let calls = 0;
    expectError(() => gradcheck((t) => (++calls > 1 ? t.sum() : t.mul(1)), [x]), Error, "gradcheck: fn returned [] on a perturbed input but [2] at first");
    expect(values(x)).toEqual([1, 2]);
  });
  it("float32 inputs: warns as PyTorch and the report says float64 is needed", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const x = randn([20], { dtype: "float32", requiresGrad: true, rng: createRng(3) });
    const report = gradcheck((t) => t.tanh().mul(t.exp()), [x]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("gradcheck: inputs[0] is float32, but gradcheck needs float64 inputs"));
    if (!report.ok) expect(report.message).toContain("needs float64 inputs");
    const y = randn([3], { requiresGrad: true });
    warn.mockClear();
    expect(gradcheck((t) => t.tanh(), [y]).ok).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });
  it("impossible options are RangeErrors, unknown ones TypeErrors", () => {
    const x = () => [randn([2], { requiresGrad: true })];
    const f = (t: Tensor) => t.mul(2);
    expectError(() => gradcheck(f, x(), { eps: 0 }), RangeError, "gradcheck: eps must be a finite number > 0, got 0");
    expectError(() => gradcheck(f, x(), { eps: -1e-6 }), RangeError, "gradcheck: eps must be a finite number > 0");
    expectError(() => gradcheck(f, x(), { atol: -1 }), RangeError, "gradcheck: atol must be a finite number >= 0, got -1");
    expectError(() => gradcheck(f, x(), { rtol: Number.NaN }), RangeError, "gradcheck: rtol must be a finite number >= 0, got NaN");
    expectError(() => gradcheck(f, x(), { maxFailures: -1 }), RangeError, "gradcheck: maxFailures must be a non-negative integer, got -1");
    expectError(() => gradcheck(f, x(), { seed: "1" } as never), TypeError, 'gradcheck: seed must be an integer, got "1"');
    expectError(() => gradcheck(f, x(), { atoll: 1 } as never), TypeError, 'gradcheck: unknown option "atoll" (did you mean "atol"?)');
    expectError(() => gradcheck(f, [randn([2], { requiresGrad: true }), 3 as never]), TypeError, "gradcheck: inputs[1] must be a Tensor, got 3");
  });
});
