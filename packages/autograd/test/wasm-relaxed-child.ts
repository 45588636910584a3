// Run by kernels-wasm.test.ts in a child Node with --experimental-wasm-relaxed-simd (Node
// 20 has relaxed SIMD only behind that flag): checks the relaxed-SIMD build's gemm (FMA)
// against the naive loop and prints {variant, worst}, worst being the largest error as a
// share of the rounding bound 2(k+2)u Σ|a||b|.

import { createRng } from "../src/random.js";
import { gemmNaive } from "../src/kernels/matmul.js";
import { makeGemmWasm } from "../src/kernels/wasm/gemm.js";
import { wasmHeap, wasmVariant } from "../src/kernels/wasm/module.js";
import { wasmPool } from "../src/kernels/wasm/index.js";

const rng = createRng(3);
const gemm = makeGemmWasm(wasmHeap!, wasmPool!, 0);
function random(C: typeof Float32Array | typeof Float64Array, n: number): Float32Array | Float64Array {
  const x = new C(n);
  for (let i = 0; i < n; i++) x[i] = rng.random() * 2 - 1;
  return x;
}
let worst = 0;
for (const C of [Float32Array, Float64Array] as const) {
  const u = C === Float32Array ? 2 ** -24 : 2 ** -53;
  for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    for (const [m, n, k] of [[1, 1, 1], [17, 65, 3], [129, 9, 300], [33, 130, 65]]) {
      const a = random(C, m * k);
      const b = random(C, k * n);
      const [c, ref, mag] = [new C(m * n), new Float64Array(m * n), new Float64Array(m * n)];
      gemm(ta, tb, m, n, k, a, 0, b, 0, c, 0, false);
      gemmNaive(ta, tb, m, n, k, a, 0, b, 0, ref, 0, false);
      gemmNaive(ta, tb, m, n, k, a.map(Math.abs), 0, b.map(Math.abs), 0, mag, 0, false);
      for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / (2 * (k + 2) * u * (mag[i] + 1)));
    }
  }
}
console.log(JSON.stringify({ variant: wasmVariant, worst }));
