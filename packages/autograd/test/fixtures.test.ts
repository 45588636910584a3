// PyTorch float64 reference values (test/fixtures/ops, copied from shared/golden/ops):
// each case's output and every input gradient must match to 1e-9 relative, on both
// kernel sets. The op is called from the fixture's `expr` and `args` through ops.ts.

import { describe, expect, it } from "vitest";
import { expectClose, forEachKernelSet, loadFixtures, type Fixture, type FixtureArray as ArrayJson } from "@unroll/testkit";
import { tensor, type Tensor } from "../src/index.js";
import { callOp } from "./ops.js";

/** An `op` fixture: `expr` names the op, `args` its options. */
type OpFixture = Fixture & { expr: string; args: Record<string, unknown>; intInputs?: Record<string, ArrayJson>; upstream: ArrayJson };

type Inputs = Record<string, Tensor>;

/** The op's output from a fixture: its inputs in the order the file lists them, through the one op table. */
function apply(f: OpFixture, inputs: Inputs): Tensor {
  const idx: Inputs = {};
  for (const [k, v] of Object.entries(f.intInputs ?? {})) idx[k] = tensor(v.data, { dtype: "int32", shape: v.shape });
  return callOp(f.expr, Object.values(inputs), f.args, idx);
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
