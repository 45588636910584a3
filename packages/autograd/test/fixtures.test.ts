// PyTorch float64 reference values (test/fixtures/ops, copied from shared/golden/ops):
// each case's output and every input gradient must match to 1e-9 relative, on both
// kernel sets. The op is
// driven from the fixture's `expr` and `args` through one table, not per-file code.

import { describe, expect, it } from "vitest";
import { expectClose, forEachKernelSet, loadFixtures, type Fixture, type FixtureArray as ArrayJson } from "@unroll/testkit";
import { cat, stack, tensor, type Tensor } from "../src/index.js";

/** An `op` fixture: `expr` names the op, `args` its options. */
type OpFixture = Fixture & { expr: string; args: Record<string, unknown>; intInputs?: Record<string, ArrayJson>; upstream: ArrayJson };

type Args = Record<string, unknown>;
type Inputs = Record<string, Tensor>;

function num(args: Args, key: string): number {
  const v = args[key];
  if (typeof v !== "number") throw new Error(`fixture: args.${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}
const optNum = (args: Args, key: string): number | undefined => (args[key] === undefined ? undefined : num(args, key));
const keepDim = (args: Args): boolean => args.keepDim === true;
const ints = (args: Args, key: string): number[] => args[key] as number[];
const all = (x: Inputs): Tensor[] => Object.values(x);

// h ← tanh(0.9 h + 0.1), 200 times.
function chain(a: Tensor): Tensor {
  let h = a;
  for (let i = 0; i < 200; i++) h = h.mul(0.9).add(0.1).tanh();
  return h;
}

/** expr → the call it names. Inputs arrive by name (a, b, ...; x, h, w, u, b for the RNN step). */
const OPS: Record<string, (x: Inputs, args: Args, idx: Inputs) => Tensor> = {
  add: ({ a, b }) => a.add(b),
  sub: ({ a, b }) => a.sub(b),
  mul: ({ a, b }) => a.mul(b),
  div: ({ a, b }) => a.div(b),
  neg: ({ a }) => a.neg(),
  pow: ({ a }, args) => a.pow(num(args, "exponent")),
  exp: ({ a }) => a.exp(),
  log: ({ a }) => a.log(),
  sqrt: ({ a }) => a.sqrt(),
  tanh: ({ a }) => a.tanh(),
  sigmoid: ({ a }) => a.sigmoid(),
  relu: ({ a }) => a.relu(),
  matmul: ({ a, b }) => a.matmul(b),
  sum: ({ a }, args) => a.sum(optNum(args, "dim"), keepDim(args)),
  mean: ({ a }, args) => a.mean(optNum(args, "dim"), keepDim(args)),
  max: ({ a }, args) => a.max(num(args, "dim"), keepDim(args)),
  logSumExp: ({ a }, args) => a.logSumExp(num(args, "dim"), keepDim(args)),
  softmax: ({ a }, args) => a.softmax(num(args, "dim")),
  logSoftmax: ({ a }, args) => a.logSoftmax(num(args, "dim")),
  transpose: ({ a }, args) => a.transpose(num(args, "dim0"), num(args, "dim1")),
  permute: ({ a }, args) => a.permute(ints(args, "dims")),
  reshape: ({ a }, args) => a.reshape(ints(args, "shape")),
  narrow: ({ a }, args) => a.narrow(num(args, "dim"), num(args, "start"), num(args, "length")),
  select: ({ a }, args) => a.select(num(args, "dim"), num(args, "index")),
  gather: ({ a }, args, { index }) => a.gather(num(args, "dim"), index),
  stack: (x, args) => stack(all(x), num(args, "dim")),
  cat: (x, args) => cat(all(x), num(args, "dim")),
  composite_rnn_step: ({ x, h, w, u, b }) => x.matmul(w).add(h.matmul(u)).add(b).tanh(),
  composite_reuse: ({ a }) => a.add(a.exp()).mul(a).sum(0),
  composite_chain: ({ a }) => chain(a),
};

/** Build the op's output from a fixture; `transposeFirst: [d0, d1]` transposes input a before the op. */
function apply(f: OpFixture, inputs: Inputs): Tensor {
  const op = OPS[f.expr];
  if (op === undefined) throw new Error(`fixture: no call for expr ${JSON.stringify(f.expr)}; add it to OPS`);
  const x = { ...inputs };
  const first = f.args.transposeFirst as number[] | undefined;
  if (first !== undefined) x.a = x.a.transpose(first[0], first[1]);
  const idx: Inputs = {};
  for (const [k, v] of Object.entries(f.intInputs ?? {})) idx[k] = tensor(v.data, { dtype: "int32", shape: v.shape });
  return op(x, f.args, idx);
}

// ops: the shared golden cases; ops-extra: more shapes and options from
// fixtures/extra/make_extra.py (optional to rerun: needs torch).
const SUITES: [folder: string, atLeast: number][] = [
  ["ops", 45],
  ["ops-extra", 165],
];

forEachKernelSet("PyTorch op fixtures", () => {
  for (const [folder, atLeast] of SUITES) {
    describe(folder, () => {
      for (const f of loadFixtures(new URL(`./fixtures/${folder}/`, import.meta.url), "", atLeast) as OpFixture[]) {
        it(f.name, () => {
          expect(f.kind).toBe("op");
          const inputs: Inputs = {};
          for (const [k, v] of Object.entries(f.inputs)) inputs[k] = tensor(v.data, { shape: v.shape, requiresGrad: true });
          const out = apply(f, inputs);
          expectClose(out, f.expected.output, { rtol: 1e-9, what: `${f.name} output` });
          out.backward(tensor(f.upstream.data, { shape: f.upstream.shape }));
          const names = Object.keys(f.expected.grads);
          expect(names.sort()).toEqual(Object.keys(f.inputs).sort());
          for (const name of names) expectClose(inputs[name].grad, f.expected.grads[name], { rtol: 1e-9, what: `${f.name} grad ${name}` });
        });
      }
    });
  }
});
