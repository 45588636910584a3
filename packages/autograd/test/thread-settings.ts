// The kernel set, thread count and split threshold a test file started with, put back
// after its tests (files that change them share one vitest worker with others).

import { afterAll } from "vitest";
import { kernelsInUse, numThreads, setNumThreads, useKernels } from "../src/index.js";
import { wasmPool } from "../src/kernels/wasm/index.js";
import { split } from "../src/kernels/wasm/threads.js";

/** Call at the top of a test file; returns the settings it started with. */
export function restoreThreadSettingsAfterAll(): { threads: number; kernels: "wasm" | "js"; split: number } {
  const initial = { threads: numThreads(), kernels: kernelsInUse(), split: split.minWorkPerThread };
  afterAll(async () => {
    setNumThreads(initial.threads);
    useKernels(initial.kernels);
    split.minWorkPerThread = initial.split;
    await wasmPool?.whenReady();
  });
  return initial;
}
