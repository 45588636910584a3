// Every op and option of the engine, one line per op/shape/option, each op called by
// name through ops.ts as the fixtures call it. The float64 gradient check, the float32
// comparison and gradgradcheck all run this table.
// Shapes: M rows, K inner, N columns; B a batch dim in front.

import { cat, stack, type Tensor } from "../src/index.js";
import { randomIndex, type OpCase } from "@unroll/testkit";
import { callOp, type Args } from "./ops.js";

const pos = (shape: number[]) => ({ shape, low: 0.5, high: 2 });
const neg = (shape: number[]) => ({ shape, low: -2, high: -0.5 });
const around = (shape: number[], at: number) => ({ shape, low: at - 1, high: at + 1 });
const mixed = (shape: number[], at: number) => ({ shape, low: -1, high: 1, shift: [at, -at] });

/** A case that composes ops or views by hand. */
const c = (name: string, fn: (...xs: Tensor[]) => Tensor, ...inputs: OpCase["inputs"]): OpCase => ({ name, fn, inputs });
/** A case of one op of ops.ts, called by name with `args` (as a fixture calls it). */
const op = (name: string, expr: string, args: Args, ...inputs: OpCase["inputs"]): OpCase => opWith(name, expr, args, {}, ...inputs);
const opWith = (name: string, expr: string, args: Args, ints: Record<string, Tensor>, ...inputs: OpCase["inputs"]): OpCase =>
  ({ name, fn: (...xs) => callOp(expr, xs, args, ints), inputs, expr });

export const ELEMENTWISE: OpCase[] = [
  op("add [3,4] + [3,4]", "add", {}, [3, 4], [3, 4]),
  op("add [3,4] + [4]", "add", {}, [3, 4], [4]),
  op("add [4,1] + [1,5]", "add", {}, [4, 1], [1, 5]),
  op("add [2,3,4] + [3,1]", "add", {}, [2, 3, 4], [3, 1]),
  op("add [3] + [2,1,3] (a broadcasts)", "add", {}, [3], [2, 1, 3]),
  op("add [3,4] + 0-d", "add", {}, [3, 4], []),
  c("add [3,4] + number", (a) => a.add(2.5), [3, 4]),
  op("add 0-d + 0-d", "add", {}, [], []),
  op("sub [2,3,4] - [3,1]", "sub", {}, [2, 3, 4], [3, 1]),
  op("sub [3,1] - [2,3,4] (a broadcasts)", "sub", {}, [3, 1], [2, 3, 4]),
  c("sub [5] - number", (a) => a.sub(1.5), [5]),
  op("mul [2,3,4] * [1,4]", "mul", {}, [2, 3, 4], [1, 4]),
  op("mul [5] * 0-d", "mul", {}, [5], []),
  c("mul [2,3] * number", (a) => a.mul(-3), [2, 3]),
  op("div [3,4] / [3,1]", "div", {}, [3, 4], pos([3, 1])),
  op("div [4] / [3,4] (a broadcasts, b negative)", "div", {}, [4], neg([3, 4])),
  c("div [2,3] / number", (a) => a.div(0.7), [2, 3]),
  op("neg [5]", "neg", {}, [5]),
  op("neg [2,3]", "neg", {}, [2, 3]),
  op("pow 2", "pow", { exponent: 2 }, [3, 3]),
  op("pow 3 (negative inputs too)", "pow", { exponent: 3 }, [3, 3]),
  op("pow 1", "pow", { exponent: 1 }, [4]),
  op("pow 0", "pow", { exponent: 0 }, [4]),
  op("pow 0.5", "pow", { exponent: 0.5 }, pos([4])),
  op("pow 2.5", "pow", { exponent: 2.5 }, pos([2, 3])),
  op("pow -1", "pow", { exponent: -1 }, pos([4])),
  op("pow -0.5", "pow", { exponent: -0.5 }, pos([4])),
  op("pow -2 (negative inputs)", "pow", { exponent: -2 }, neg([2, 2])),
  op("exp", "exp", {}, [3, 2]),
  op("log", "log", {}, pos([3, 2])),
  op("sqrt", "sqrt", {}, pos([6])),
  op("tanh", "tanh", {}, [4, 3]),
  op("tanh at +20", "tanh", {}, around([4], 20)),
  op("tanh at -20", "tanh", {}, around([4], -20)),
  op("tanh at ±1000", "tanh", {}, mixed([4], 1000)),
  op("sigmoid", "sigmoid", {}, [4, 3]),
  { ...op("sigmoid at +20", "sigmoid", {}, around([4], 20)), float32Atol: 1e-7 },
  op("sigmoid at -20", "sigmoid", {}, around([4], -20)),
  op("sigmoid at ±1000", "sigmoid", {}, mixed([4], 1000)),
  op("relu", "relu", {}, [5, 4]),
  op("relu of negatives", "relu", {}, neg([3])),
  op("exp of a 0-d", "exp", {}, []),
  op("tanh of a transposed view", "tanh", { transposeFirst: [0, 1] }, [3, 4]),
  c("add of two transposed views", (a, b) => a.transpose(0, 1).add(b.transpose(0, 1)), [3, 4], [3, 4]),
  c("mul of a narrowed view by [1,2]", (a, b) => a.narrow(1, 1, 2).mul(b), [3, 4], [1, 2]),
];

export const MATMUL: OpCase[] = [
  op("matmul [3,4] @ [4,5]", "matmul", {}, [3, 4], [4, 5]),
  op("matmul [1,7] @ [7,1]", "matmul", {}, [1, 7], [7, 1]),
  op("matmul [9,7] @ [7,5] (row blocks and remainder)", "matmul", {}, [9, 7], [7, 5]),
  op("matmul [5,130] @ [130,3] (K past one cache block)", "matmul", {}, [5, 130], [130, 3]),
  op("matmul [3,40] @ [40,2] (wide aᵀ in the b gradient)", "matmul", {}, [3, 40], [40, 2]),
  op("matmul [2,3,4] @ [4,2] (batched)", "matmul", {}, [2, 3, 4], [4, 2]),
  op("matmul [2,2,3,4] @ [4,5] (batched 4-D)", "matmul", {}, [2, 2, 3, 4], [4, 5]),
  op("matmul aᵀ @ b (transposed view)", "matmul", { transposeFirst: [0, 1] }, [4, 3], [4, 5]),
  c("matmul a @ bᵀ (transposed view)", (a, b) => a.matmul(b.transpose(0, 1)), [3, 4], [5, 4]),
  c("matmul aᵀ @ bᵀ (both transposed)", (a, b) => a.transpose(0, 1).matmul(b.transpose(-1, -2)), [4, 3], [5, 4]),
  c("matmul [2,3,4] @ bᵀ (batched, transposed b)", (a, b) => a.matmul(b.transpose(0, 1)), [2, 3, 4], [2, 4]),
  op("matmul of a permuted batch [3,2,4]→[2,3,4] @ [4,5]", "matmul", { transposeFirst: [0, 1] }, [3, 2, 4], [4, 5]),
  c("matmul of a narrowed a (copied operand)", (a, b) => a.narrow(1, 1, 3).matmul(b), [4, 6], [3, 2]),
  c("matmul with a shared operand a @ a", (a) => a.matmul(a), [3, 3]),
];

export const REDUCE: OpCase[] = [
  op("sum (all)", "sum", {}, [3, 4, 5]),
  op("sum dim 1", "sum", { dim: 1 }, [3, 4, 5]),
  op("sum dim -1 keepDim", "sum", { dim: -1, keepDim: true }, [3, 4, 5]),
  op("sum dim 0 keepDim", "sum", { dim: 0, keepDim: true }, [3, 4]),
  op("sum (all) keepDim", "sum", { keepDim: true }, [2, 3]),
  op("sum of a 1-d", "sum", { dim: 0 }, [5]),
  op("sum dim 1 of a transposed view", "sum", { dim: 1, transposeFirst: [0, 1] }, [3, 4]),
  op("mean (all)", "mean", {}, [3, 4, 5]),
  op("mean dim 0", "mean", { dim: 0 }, [3, 4, 5]),
  op("mean dim -2 keepDim", "mean", { dim: -2, keepDim: true }, [3, 4, 5]),
  op("mean (all) keepDim", "mean", { keepDim: true }, [2, 3]),
  op("max dim 1", "max", { dim: 1 }, [4, 6]),
  op("max dim 0 keepDim", "max", { dim: 0, keepDim: true }, [2, 3, 4]),
  op("max dim -1", "max", { dim: -1 }, [2, 3, 4]),
  op("max dim 1 of a transposed view", "max", { dim: 1, transposeFirst: [0, 1] }, [3, 4]),
  op("logSumExp dim 1", "logSumExp", { dim: 1 }, [3, 5]),
  op("logSumExp dim -1 keepDim", "logSumExp", { dim: -1, keepDim: true }, [3, 5]),
  op("logSumExp dim 0", "logSumExp", { dim: 0 }, [3, 5]),
  op("logSumExp middle dim keepDim", "logSumExp", { dim: 1, keepDim: true }, [2, 3, 4]),
  op("logSumExp at +1000", "logSumExp", { dim: 1 }, around([3, 4], 1000)),
  op("logSumExp at -1000", "logSumExp", { dim: 1 }, around([3, 4], -1000)),
  op("logSumExp at ±1000 in one row", "logSumExp", { dim: -1 }, mixed([3, 4], 1000)),
  op("softmax dim 1", "softmax", { dim: 1 }, [4, 5]),
  op("softmax dim -1", "softmax", { dim: -1 }, [2, 3, 4]),
  op("softmax dim 0", "softmax", { dim: 0 }, [3, 4]),
  op("softmax middle dim", "softmax", { dim: 1 }, [2, 3, 4]),
  c("softmax of a permuted view", (a) => a.permute([2, 0, 1]).softmax(-1), [2, 3, 4]),
  op("softmax at +1000", "softmax", { dim: 1 }, around([3, 4], 1000)),
  op("softmax at -1000", "softmax", { dim: 1 }, around([3, 4], -1000)),
  op("softmax at ±1000 in one row", "softmax", { dim: -1 }, mixed([3, 4], 1000)),
  op("logSoftmax dim 1", "logSoftmax", { dim: 1 }, [4, 5]),
  op("logSoftmax middle dim", "logSoftmax", { dim: 1 }, [3, 2, 4]),
  op("logSoftmax dim 0", "logSoftmax", { dim: 0 }, [3, 4]),
  op("logSoftmax dim -1", "logSoftmax", { dim: -1 }, [2, 3, 4]),
  op("logSoftmax at +1000", "logSoftmax", { dim: 1 }, around([3, 4], 1000)),
  op("logSoftmax at -1000", "logSoftmax", { dim: 1 }, around([3, 4], -1000)),
  op("logSoftmax at ±1000 in one row", "logSoftmax", { dim: -1 }, mixed([3, 4], 1000)),
];

export const SHAPE: OpCase[] = [
  op("transpose 0,1", "transpose", { dim0: 0, dim1: 1 }, [3, 5]),
  op("transpose 0,2", "transpose", { dim0: 0, dim1: 2 }, [2, 3, 4]),
  op("transpose -1,-3", "transpose", { dim0: -1, dim1: -3 }, [2, 3, 4]),
  op("transpose 1,1 (identity)", "transpose", { dim0: 1, dim1: 1 }, [2, 3]),
  op("permute [2,0,1]", "permute", { dims: [2, 0, 1] }, [2, 3, 4]),
  op("permute [1,0]", "permute", { dims: [1, 0] }, [3, 4]),
  op("permute [-1,0,1]", "permute", { dims: [-1, 0, 1] }, [2, 3, 4]),
  op("reshape [3,4] → [2,6]", "reshape", { shape: [2, 6] }, [3, 4]),
  op("reshape [2,3,4] → [4,-1,2]", "reshape", { shape: [4, -1, 2] }, [2, 3, 4]),
  op("reshape [2,3,4] → [-1]", "reshape", { shape: [-1] }, [2, 3, 4]),
  op("reshape [1] → [] (0-d)", "reshape", { shape: [] }, [1]),
  op("reshape of a transposed view → [-1,4]", "reshape", { shape: [-1, 4], transposeFirst: [0, 1] }, [2, 4, 3]),
  c("reshape of a row-major narrowed view (offset)", (a) => a.narrow(0, 1, 2).reshape([4, 4]), [3, 4, 2]),
  c("reshape of a strided narrowed view", (a) => a.narrow(1, 1, 2).reshape([-1]), [3, 4, 2]),
  op("narrow dim 1", "narrow", { dim: 1, start: 2, length: 3 }, [3, 6]),
  op("narrow dim 0", "narrow", { dim: 0, start: 1, length: 2 }, [4, 3]),
  op("narrow dim -1 length 1", "narrow", { dim: -1, start: 0, length: 1 }, [3, 4]),
  op("narrow dim 2 of 3-d", "narrow", { dim: 2, start: 1, length: 2 }, [2, 3, 4]),
  c("narrow of a narrow", (a) => a.narrow(1, 1, 4).narrow(1, 2, 2), [3, 6]),
  op("select dim 1", "select", { dim: 1, index: 2 }, [3, 4, 5]),
  op("select dim 0 index -1", "select", { dim: 0, index: -1 }, [3, 4]),
  op("select dim -1", "select", { dim: -1, index: 0 }, [3, 4, 5]),
  op("select dim 2 of 3-d", "select", { dim: 2, index: 3 }, [2, 3, 4]),
  op("select of a 1-d (0-d result)", "select", { dim: 0, index: 2 }, [4]),
  opWith("gather dim 1", "gather", { dim: 1 }, { index: randomIndex([4, 2], 5) }, [4, 5]),
  opWith("gather dim 2", "gather", { dim: 2 }, { index: randomIndex([3, 4, 1], 3) }, [3, 4, 3]),
  opWith("gather dim 0, smaller index", "gather", { dim: 0 }, { index: randomIndex([2, 3], 4) }, [4, 3]),
  opWith("gather dim -1, repeated indices", "gather", { dim: -1 }, { index: randomIndex([3, 6], 2) }, [3, 4]),
  opWith("gather of a transposed view", "gather", { dim: 1, transposeFirst: [0, 1] }, { index: randomIndex([4, 2], 3) }, [3, 4]),
  op("stack dim 0", "stack", { dim: 0 }, [3, 4], [3, 4]),
  op("stack dim 1", "stack", { dim: 1 }, [3, 4], [3, 4]),
  op("stack dim -1 of three", "stack", { dim: -1 }, [2, 3], [2, 3], [2, 3]),
  op("stack of 0-d", "stack", { dim: 0 }, [], []),
  op("cat dim 0", "cat", { dim: 0 }, [2, 4], [3, 4]),
  op("cat dim -1", "cat", { dim: -1 }, [2, 3], [2, 1]),
  op("cat dim 1 of three", "cat", { dim: 1 }, [2, 3, 4], [2, 1, 4], [2, 2, 4]),
  op("cat dim 2", "cat", { dim: 2 }, [2, 3, 1], [2, 3, 2]),
  c("cat of views", (a, b) => cat([a.transpose(0, 1), b.narrow(0, 1, 2)], 0), [3, 4], [3, 3]),
];

// composite_rnn_step is tanh(x W + h U + b): one RNN step (B=3, I=4, H=5).
export const COMPOSITE: OpCase[] = [
  op("rnn step tanh(x W + h U + b)", "composite_rnn_step", {}, [3, 4], [3, 5], [4, 5], [5, 5], [5]),
  op("reuse ((a + exp a) * a).sum(0)", "composite_reuse", {}, [3, 3]),
  c("softmax-cross-entropy shape: -(logSoftmax · onehot).sum(1).mean()", (a) => a.logSoftmax(1).gather(1, randomIndex([4, 1], 5)).neg().mean(), [4, 5]),
  c("mean of sigmoid(x W) over a batch", (x, w) => x.matmul(w).sigmoid().mean(0), [2, 3, 4], [4, 2]),
];

export const ALL_CASES: OpCase[] = [...ELEMENTWISE, ...MATMUL, ...REDUCE, ...SHAPE, ...COMPOSITE];
