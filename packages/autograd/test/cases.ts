// Every op and option of the engine, one line per op/shape/option. The float64
// gradient check (ops.gradcheck.test.ts) and the float32 comparison
// (float32.test.ts) both run this table.
// Shapes: M rows, K inner, N columns; B a batch dim in front.

import { cat, stack, type Tensor } from "../src/index.js";
import { randomIndex, type OpCase } from "@unroll/testkit";

const pos = (shape: number[]) => ({ shape, low: 0.5, high: 2 });
const neg = (shape: number[]) => ({ shape, low: -2, high: -0.5 });
const around = (shape: number[], at: number) => ({ shape, low: at - 1, high: at + 1 });
const mixed = (shape: number[], at: number) => ({ shape, low: -1, high: 1, shift: [at, -at] });

const c = (name: string, fn: (...xs: Tensor[]) => Tensor, ...inputs: OpCase["inputs"]): OpCase => ({ name, fn, inputs });

export const ELEMENTWISE: OpCase[] = [
  c("add [3,4] + [3,4]", (a, b) => a.add(b), [3, 4], [3, 4]),
  c("add [3,4] + [4]", (a, b) => a.add(b), [3, 4], [4]),
  c("add [4,1] + [1,5]", (a, b) => a.add(b), [4, 1], [1, 5]),
  c("add [2,3,4] + [3,1]", (a, b) => a.add(b), [2, 3, 4], [3, 1]),
  c("add [3] + [2,1,3] (a broadcasts)", (a, b) => a.add(b), [3], [2, 1, 3]),
  c("add [3,4] + 0-d", (a, b) => a.add(b), [3, 4], []),
  c("add [3,4] + number", (a) => a.add(2.5), [3, 4]),
  c("add 0-d + 0-d", (a, b) => a.add(b), [], []),
  c("sub [2,3,4] - [3,1]", (a, b) => a.sub(b), [2, 3, 4], [3, 1]),
  c("sub [3,1] - [2,3,4] (a broadcasts)", (a, b) => a.sub(b), [3, 1], [2, 3, 4]),
  c("sub [5] - number", (a) => a.sub(1.5), [5]),
  c("mul [2,3,4] * [1,4]", (a, b) => a.mul(b), [2, 3, 4], [1, 4]),
  c("mul [5] * 0-d", (a, b) => a.mul(b), [5], []),
  c("mul [2,3] * number", (a) => a.mul(-3), [2, 3]),
  c("div [3,4] / [3,1]", (a, b) => a.div(b), [3, 4], pos([3, 1])),
  c("div [4] / [3,4] (a broadcasts, b negative)", (a, b) => a.div(b), [4], neg([3, 4])),
  c("div [2,3] / number", (a) => a.div(0.7), [2, 3]),
  c("neg [5]", (a) => a.neg(), [5]),
  c("neg [2,3]", (a) => a.neg(), [2, 3]),
  c("pow 2", (a) => a.pow(2), [3, 3]),
  c("pow 3 (negative inputs too)", (a) => a.pow(3), [3, 3]),
  c("pow 1", (a) => a.pow(1), [4]),
  c("pow 0", (a) => a.pow(0), [4]),
  c("pow 0.5", (a) => a.pow(0.5), pos([4])),
  c("pow 2.5", (a) => a.pow(2.5), pos([2, 3])),
  c("pow -1", (a) => a.pow(-1), pos([4])),
  c("pow -0.5", (a) => a.pow(-0.5), pos([4])),
  c("pow -2 (negative inputs)", (a) => a.pow(-2), neg([2, 2])),
  c("exp", (a) => a.exp(), [3, 2]),
  c("log", (a) => a.log(), pos([3, 2])),
  c("sqrt", (a) => a.sqrt(), pos([6])),
  c("tanh", (a) => a.tanh(), [4, 3]),
  c("tanh at +20", (a) => a.tanh(), around([4], 20)),
  c("tanh at -20", (a) => a.tanh(), around([4], -20)),
  c("tanh at ±1000", (a) => a.tanh(), mixed([4], 1000)),
  c("sigmoid", (a) => a.sigmoid(), [4, 3]),
  { ...c("sigmoid at +20", (a) => a.sigmoid(), around([4], 20)), float32Atol: 1e-7 },
  c("sigmoid at -20", (a) => a.sigmoid(), around([4], -20)),
  c("sigmoid at ±1000", (a) => a.sigmoid(), mixed([4], 1000)),
  c("relu", (a) => a.relu(), [5, 4]),
  c("relu of negatives", (a) => a.relu(), neg([3])),
  c("exp of a 0-d", (a) => a.exp(), []),
  c("tanh of a transposed view", (a) => a.transpose(0, 1).tanh(), [3, 4]),
  c("add of two transposed views", (a, b) => a.transpose(0, 1).add(b.transpose(0, 1)), [3, 4], [3, 4]),
  c("mul of a narrowed view by [1,2]", (a, b) => a.narrow(1, 1, 2).mul(b), [3, 4], [1, 2]),
];

export const MATMUL: OpCase[] = [
  c("matmul [3,4] @ [4,5]", (a, b) => a.matmul(b), [3, 4], [4, 5]),
  c("matmul [1,7] @ [7,1]", (a, b) => a.matmul(b), [1, 7], [7, 1]),
  c("matmul [9,7] @ [7,5] (row blocks and remainder)", (a, b) => a.matmul(b), [9, 7], [7, 5]),
  c("matmul [5,130] @ [130,3] (K past one cache block)", (a, b) => a.matmul(b), [5, 130], [130, 3]),
  c("matmul [3,40] @ [40,2] (wide aᵀ in the b gradient)", (a, b) => a.matmul(b), [3, 40], [40, 2]),
  c("matmul [2,3,4] @ [4,2] (batched)", (a, b) => a.matmul(b), [2, 3, 4], [4, 2]),
  c("matmul [2,2,3,4] @ [4,5] (batched 4-D)", (a, b) => a.matmul(b), [2, 2, 3, 4], [4, 5]),
  c("matmul aᵀ @ b (transposed view)", (a, b) => a.transpose(0, 1).matmul(b), [4, 3], [4, 5]),
  c("matmul a @ bᵀ (transposed view)", (a, b) => a.matmul(b.transpose(0, 1)), [3, 4], [5, 4]),
  c("matmul aᵀ @ bᵀ (both transposed)", (a, b) => a.transpose(0, 1).matmul(b.transpose(-1, -2)), [4, 3], [5, 4]),
  c("matmul [2,3,4] @ bᵀ (batched, transposed b)", (a, b) => a.matmul(b.transpose(0, 1)), [2, 3, 4], [2, 4]),
  c("matmul of a permuted batch [3,2,4]→[2,3,4] @ [4,5]", (a, b) => a.transpose(0, 1).matmul(b), [3, 2, 4], [4, 5]),
  c("matmul of a narrowed a (copied operand)", (a, b) => a.narrow(1, 1, 3).matmul(b), [4, 6], [3, 2]),
  c("matmul with a shared operand a @ a", (a) => a.matmul(a), [3, 3]),
];

export const REDUCE: OpCase[] = [
  c("sum (all)", (a) => a.sum(), [3, 4, 5]),
  c("sum dim 1", (a) => a.sum(1), [3, 4, 5]),
  c("sum dim -1 keepDim", (a) => a.sum(-1, true), [3, 4, 5]),
  c("sum dim 0 keepDim", (a) => a.sum(0, true), [3, 4]),
  c("sum (all) keepDim", (a) => a.sum(undefined, true), [2, 3]),
  c("sum of a 1-d", (a) => a.sum(0), [5]),
  c("sum dim 1 of a transposed view", (a) => a.transpose(0, 1).sum(1), [3, 4]),
  c("mean (all)", (a) => a.mean(), [3, 4, 5]),
  c("mean dim 0", (a) => a.mean(0), [3, 4, 5]),
  c("mean dim -2 keepDim", (a) => a.mean(-2, true), [3, 4, 5]),
  c("mean (all) keepDim", (a) => a.mean(undefined, true), [2, 3]),
  c("max dim 1", (a) => a.max(1), [4, 6]),
  c("max dim 0 keepDim", (a) => a.max(0, true), [2, 3, 4]),
  c("max dim -1", (a) => a.max(-1), [2, 3, 4]),
  c("max dim 1 of a transposed view", (a) => a.transpose(0, 1).max(1), [3, 4]),
  c("logSumExp dim 1", (a) => a.logSumExp(1), [3, 5]),
  c("logSumExp dim -1 keepDim", (a) => a.logSumExp(-1, true), [3, 5]),
  c("logSumExp dim 0", (a) => a.logSumExp(0), [3, 5]),
  c("logSumExp middle dim keepDim", (a) => a.logSumExp(1, true), [2, 3, 4]),
  c("logSumExp at +1000", (a) => a.logSumExp(1), around([3, 4], 1000)),
  c("logSumExp at -1000", (a) => a.logSumExp(1), around([3, 4], -1000)),
  c("logSumExp at ±1000 in one row", (a) => a.logSumExp(-1), mixed([3, 4], 1000)),
  c("softmax dim 1", (a) => a.softmax(1), [4, 5]),
  c("softmax dim -1", (a) => a.softmax(-1), [2, 3, 4]),
  c("softmax dim 0", (a) => a.softmax(0), [3, 4]),
  c("softmax middle dim", (a) => a.softmax(1), [2, 3, 4]),
  c("softmax of a permuted view", (a) => a.permute([2, 0, 1]).softmax(-1), [2, 3, 4]),
  c("softmax at +1000", (a) => a.softmax(1), around([3, 4], 1000)),
  c("softmax at -1000", (a) => a.softmax(1), around([3, 4], -1000)),
  c("softmax at ±1000 in one row", (a) => a.softmax(-1), mixed([3, 4], 1000)),
  c("logSoftmax dim 1", (a) => a.logSoftmax(1), [4, 5]),
  c("logSoftmax middle dim", (a) => a.logSoftmax(1), [3, 2, 4]),
  c("logSoftmax dim 0", (a) => a.logSoftmax(0), [3, 4]),
  c("logSoftmax dim -1", (a) => a.logSoftmax(-1), [2, 3, 4]),
  c("logSoftmax at +1000", (a) => a.logSoftmax(1), around([3, 4], 1000)),
  c("logSoftmax at -1000", (a) => a.logSoftmax(1), around([3, 4], -1000)),
  c("logSoftmax at ±1000 in one row", (a) => a.logSoftmax(-1), mixed([3, 4], 1000)),
];

export const SHAPE: OpCase[] = [
  c("transpose 0,1", (a) => a.transpose(0, 1), [3, 5]),
  c("transpose 0,2", (a) => a.transpose(0, 2), [2, 3, 4]),
  c("transpose -1,-3", (a) => a.transpose(-1, -3), [2, 3, 4]),
  c("transpose 1,1 (identity)", (a) => a.transpose(1, 1), [2, 3]),
  c("permute [2,0,1]", (a) => a.permute([2, 0, 1]), [2, 3, 4]),
  c("permute [1,0]", (a) => a.permute([1, 0]), [3, 4]),
  c("permute [-1,0,1]", (a) => a.permute([-1, 0, 1]), [2, 3, 4]),
  c("reshape [3,4] → [2,6]", (a) => a.reshape([2, 6]), [3, 4]),
  c("reshape [2,3,4] → [4,-1,2]", (a) => a.reshape([4, -1, 2]), [2, 3, 4]),
  c("reshape [2,3,4] → [-1]", (a) => a.reshape([-1]), [2, 3, 4]),
  c("reshape [1] → [] (0-d)", (a) => a.reshape([]), [1]),
  c("reshape of a transposed view → [-1,4]", (a) => a.transpose(0, 1).reshape([-1, 4]), [2, 4, 3]),
  c("reshape of a row-major narrowed view (offset)", (a) => a.narrow(0, 1, 2).reshape([4, 4]), [3, 4, 2]),
  c("reshape of a strided narrowed view", (a) => a.narrow(1, 1, 2).reshape([-1]), [3, 4, 2]),
  c("narrow dim 1", (a) => a.narrow(1, 2, 3), [3, 6]),
  c("narrow dim 0", (a) => a.narrow(0, 1, 2), [4, 3]),
  c("narrow dim -1 length 1", (a) => a.narrow(-1, 0, 1), [3, 4]),
  c("narrow dim 2 of 3-d", (a) => a.narrow(2, 1, 2), [2, 3, 4]),
  c("narrow of a narrow", (a) => a.narrow(1, 1, 4).narrow(1, 2, 2), [3, 6]),
  c("select dim 1", (a) => a.select(1, 2), [3, 4, 5]),
  c("select dim 0 index -1", (a) => a.select(0, -1), [3, 4]),
  c("select dim -1", (a) => a.select(-1, 0), [3, 4, 5]),
  c("select dim 2 of 3-d", (a) => a.select(2, 3), [2, 3, 4]),
  c("select of a 1-d (0-d result)", (a) => a.select(0, 2), [4]),
  c("gather dim 1", (a) => a.gather(1, randomIndex([4, 2], 5)), [4, 5]),
  c("gather dim 2", (a) => a.gather(2, randomIndex([3, 4, 1], 3)), [3, 4, 3]),
  c("gather dim 0, smaller index", (a) => a.gather(0, randomIndex([2, 3], 4)), [4, 3]),
  c("gather dim -1, repeated indices", (a) => a.gather(-1, randomIndex([3, 6], 2)), [3, 4]),
  c("gather of a transposed view", (a) => a.transpose(0, 1).gather(1, randomIndex([4, 2], 3)), [3, 4]),
  c("stack dim 0", (a, b) => stack([a, b], 0), [3, 4], [3, 4]),
  c("stack dim 1", (a, b) => stack([a, b], 1), [3, 4], [3, 4]),
  c("stack dim -1 of three", (a, b, d) => stack([a, b, d], -1), [2, 3], [2, 3], [2, 3]),
  c("stack of 0-d", (a, b) => stack([a, b], 0), [], []),
  c("cat dim 0", (a, b) => cat([a, b], 0), [2, 4], [3, 4]),
  c("cat dim -1", (a, b) => cat([a, b], -1), [2, 3], [2, 1]),
  c("cat dim 1 of three", (a, b, d) => cat([a, b, d], 1), [2, 3, 4], [2, 1, 4], [2, 2, 4]),
  c("cat dim 2", (a, b) => cat([a, b], 2), [2, 3, 1], [2, 3, 2]),
  c("cat of views", (a, b) => cat([a.transpose(0, 1), b.narrow(0, 1, 2)], 0), [3, 4], [3, 3]),
];

// tanh(x W + h U + b): one RNN step (B=3, I=4, H=5).
const rnnStep = (x: Tensor, h: Tensor, w: Tensor, u: Tensor, b: Tensor) => x.matmul(w).add(h.matmul(u)).add(b).tanh();

export const COMPOSITE: OpCase[] = [
  c("rnn step tanh(x W + h U + b)", rnnStep, [3, 4], [3, 5], [4, 5], [5, 5], [5]),
  c("reuse ((a + exp a) * a).sum(0)", (a) => a.add(a.exp()).mul(a).sum(0), [3, 3]),
  c("softmax-cross-entropy shape: -(logSoftmax · onehot).sum(1).mean()", (a) => a.logSoftmax(1).gather(1, randomIndex([4, 1], 5)).neg().mean(), [4, 5]),
  c("mean of sigmoid(x W) over a batch", (x, w) => x.matmul(w).sigmoid().mean(0), [2, 3, 4], [4, 2]),
];

export const ALL_CASES: OpCase[] = [...ELEMENTWISE, ...MATMUL, ...REDUCE, ...SHAPE, ...COMPOSITE];
