// float32 is the fast path: every op of the case table run in float32 stays float32
// and agrees with float64 on the same (float32-representable) inputs to about 1e-5,
// in value and in every gradient.

import { describe, it } from "vitest";
import { ALL_CASES } from "./cases.js";
import { checkFloat32 } from "@unroll/testkit";

describe("float32 agrees with float64", () => {
  for (const c of ALL_CASES) it(c.name, () => checkFloat32(c));
});
