// The one list of ops that the tests drive by name. A fixture's `expr` and an op case
// (cases.ts) both call through OPS; ops-list.test.ts holds the fixtures and the fixture
// generator (fixtures/extra/make_extra.py) to the same names.

import { cat, stack, type Tensor } from "../src/index.js";

export type Args = Record<string, unknown>;

/** An op on its inputs in order (a, b, ...; x, h, w, u, b for the RNN step), with its options and int32 index tensors. */
export type OpCall = (xs: Tensor[], args: Args, ints: Record<string, Tensor>) => Tensor;

function num(args: Args, key: string): number {
  const v = args[key];
  if (typeof v !== "number") throw new Error(`op args: ${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}
const optNum = (args: Args, key: string): number | undefined => (args[key] === undefined ? undefined : num(args, key));
const keepDim = (args: Args): boolean => args.keepDim === true;
const ints = (args: Args, key: string): number[] => args[key] as number[];

// h ← tanh(0.9 h + 0.1), 200 times.
function chain(a: Tensor): Tensor {
  let h = a;
  for (let i = 0; i < 200; i++) h = h.mul(0.9).add(0.1).tanh();
  return h;
}

export const OPS: Record<string, OpCall> = {
  add: ([a, b]) => a.add(b),
  sub: ([a, b]) => a.sub(b),
  mul: ([a, b]) => a.mul(b),
  div: ([a, b]) => a.div(b),
  neg: ([a]) => a.neg(),
  pow: ([a], args) => a.pow(num(args, "exponent")),
  exp: ([a]) => a.exp(),
  log: ([a]) => a.log(),
  sqrt: ([a]) => a.sqrt(),
  tanh: ([a]) => a.tanh(),
  sigmoid: ([a]) => a.sigmoid(),
  relu: ([a]) => a.relu(),
  matmul: ([a, b]) => a.matmul(b),
  sum: ([a], args) => a.sum(optNum(args, "dim"), keepDim(args)),
  mean: ([a], args) => a.mean(optNum(args, "dim"), keepDim(args)),
  max: ([a], args) => a.max(num(args, "dim"), keepDim(args)),
  logSumExp: ([a], args) => a.logSumExp(num(args, "dim"), keepDim(args)),
  softmax: ([a], args) => a.softmax(num(args, "dim")),
  logSoftmax: ([a], args) => a.logSoftmax(num(args, "dim")),
  transpose: ([a], args) => a.transpose(num(args, "dim0"), num(args, "dim1")),
  permute: ([a], args) => a.permute(ints(args, "dims")),
  reshape: ([a], args) => a.reshape(ints(args, "shape")),
  narrow: ([a], args) => a.narrow(num(args, "dim"), num(args, "start"), num(args, "length")),
  select: ([a], args) => a.select(num(args, "dim"), num(args, "index")),
  gather: ([a], args, { index }) => a.gather(num(args, "dim"), index),
  stack: (xs, args) => stack(xs, num(args, "dim")),
  cat: (xs, args) => cat(xs, num(args, "dim")),
  composite_rnn_step: ([x, h, w, u, b]) => x.matmul(w).add(h.matmul(u)).add(b).tanh(),
  composite_reuse: ([a]) => a.add(a.exp()).mul(a).sum(0),
  composite_chain: ([a]) => chain(a),
};

/** Call `expr` on `xs`; `args.transposeFirst: [d0, d1]` first transposes the first input (a strided view). */
export function callOp(expr: string, xs: Tensor[], args: Args = {}, intInputs: Record<string, Tensor> = {}): Tensor {
  const op = OPS[expr];
  if (op === undefined) throw new Error(`no op ${JSON.stringify(expr)} in OPS (test/ops.ts)`);
  const first = args.transposeFirst as [number, number] | undefined;
  const inputs = first === undefined ? xs : [xs[0].transpose(first[0], first[1]), ...xs.slice(1)];
  return op(inputs, args, intInputs);
}
