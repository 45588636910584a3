// Every op and option through the shared float64 gradient check (cases.ts), on both
// kernel sets, plus to() between float dtypes, which rounds through float32 and so
// needs a larger step.

import { describe, it } from "vitest";
import { COMPOSITE, ELEMENTWISE, MATMUL, REDUCE, SHAPE } from "./cases.js";
import { checkGrad, forEachKernelSet } from "@unroll/testkit";

const groups = { elementwise: ELEMENTWISE, matmul: MATMUL, reduce: REDUCE, shape: SHAPE, composite: COMPOSITE };

forEachKernelSet("gradcheck", () => {
  for (const [group, cases] of Object.entries(groups)) {
    describe(group, () => {
      for (const c of cases) it(c.name, () => checkGrad(c));
    });
  }
});

describe("gradcheck to()", () => {
  // A float32 step loses digits, so the central difference needs eps 1e-2 (exact for these linear maps).
  it("float64 → float32 → float64", () => checkGrad({ name: "to", fn: (a) => a.to("float32").to("float64"), inputs: [[3, 4]], check: { eps: 1e-2 } }));
  it("float64 → float64 (no-op)", () => checkGrad({ name: "to", fn: (a) => a.to("float64").mul(2), inputs: [[3]] }));
  it("float32 intermediate promoted back by a float64 operand", () =>
    checkGrad({ name: "to", fn: (a, b) => a.to("float32").mul(3).add(b), inputs: [[2, 3], [3]], check: { eps: 1e-2 } }));
});
