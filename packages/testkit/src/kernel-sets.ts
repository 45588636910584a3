// Running a block of tests once per kernel set, so that the WebAssembly kernels and the
// JavaScript ones are both held to every check.

import { afterAll, beforeAll, describe } from "vitest";
import { kernelsInUse, useKernels, type KernelSet } from "../../autograd/src/index.js";

export const KERNEL_SETS: readonly KernelSet[] = ["wasm", "js"];

/**
 * `describe` the block once with each kernel set in use (the set in use before is
 * restored after). Example: `forEachKernelSet("PyTorch fixtures", () => { test(...) })`.
 */
export function forEachKernelSet(name: string, block: (set: KernelSet) => void): void {
  for (const set of KERNEL_SETS) {
    describe(`${name} [${set} kernels]`, () => {
      let before: KernelSet = "js";
      beforeAll(() => {
        before = kernelsInUse();
        useKernels(set);
      });
      afterAll(() => useKernels(before));
      block(set);
    });
  }
}
