// The committed src/kernels/wasm/bytes.ts must be what assembly/ compiles to today, so the
// tests (which run on src without a build) exercise the kernels as written.

import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { bytesModule, bytesModulePath } from "../scripts/build-wasm.mjs";

it("src/kernels/wasm/bytes.ts matches a fresh asc build of assembly/ (else run `pnpm build` in packages/autograd)", async () => {
  const fresh = await bytesModule();
  expect(readFileSync(bytesModulePath, "utf8") === fresh).toBe(true);
});
