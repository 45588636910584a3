// Setup of the "2 threads" test project (vitest.config.ts): split every product the
// WebAssembly kernels run across the pool, and start once both threads are up.

import { wasmPool } from "../packages/autograd/src/kernels/wasm/index.js";
import { split } from "../packages/autograd/src/kernels/wasm/threads.js";

split.minWorkPerThread = 1;
await wasmPool?.whenReady();
