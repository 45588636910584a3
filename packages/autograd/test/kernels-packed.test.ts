// op(B) packed once (kernels.packB) and multiplied many times (kernels.gemmPacked), as a
// recurrent layer does with W_hh over its steps: the same bits as kernels.gemm, for both
// kernel sets, both layouts of A and B, accumulate on and off, offsets, sizes across the
// micro-kernel edges and the KC = 256 depth blocks, resident and ordinary operands, and
// 1, 2 and 3 threads with every product split.
//   m, n, k: C[m×n] = op(A)[m×k]·op(B)[k×n]

import { describe, expect, it } from "vitest";
import { setNumThreads, useKernels } from "../src/index.js";
import { kernels, packedB, releaseResident, residentBuffer } from "../src/extend.js";
import { wasmPool } from "../src/kernels/wasm/index.js";
import { split } from "../src/kernels/wasm/threads.js";
import { restoreThreadSettingsAfterAll } from "./thread-settings.js";

const initial = restoreThreadSettingsAfterAll();

type Dtype = "float32" | "float64";
/** The first element whose bits differ (-1 when none): cheaper than toEqual on long arrays. */
function firstDifference(x: Float32Array | Float64Array, y: Float32Array | Float64Array): number {
  const bx = new Uint32Array(x.buffer, x.byteOffset, x.byteLength / 4), by = new Uint32Array(y.buffer, y.byteOffset, y.byteLength / 4);
  if (bx.length !== by.length) return 0;
  for (let i = 0; i < bx.length; i++) if (bx[i] !== by[i]) return Math.floor(i / (x.BYTES_PER_ELEMENT / 4));
  return -1;
}

function problem(dtype: Dtype, m: number, n: number, k: number, resident: boolean, seed: number) {
  let s = seed;
  const make = (len: number) => {
    const x = resident ? residentBuffer(dtype, len) : dtype === "float32" ? new Float32Array(len) : new Float64Array(len);
    for (let i = 0; i < len; i++) x[i] = Math.sin(++s * 1.37); // deterministic values in [-1, 1], cheaper than the seeded generator
    return x;
  };
  return { a: make(2 + m * k), b: make(3 + k * n), c: make(1 + m * n + 2) };
}

const shapes: [m: number, n: number, k: number][] = [[1, 1, 1], [5, 8, 16], [7, 13, 9], [32, 136, 40], [33, 130, 300], [64, 64, 64], [3, 600, 17]];

describe("packB + gemmPacked", () => {
  for (const set of ["wasm", "js"] as const) {
    for (const threads of set === "wasm" ? [1, 2, 3] : [1]) {
      it(`${set} kernels, ${threads} thread(s): the same bits as gemm`, async () => {
        useKernels(set);
        setNumThreads(threads);
        await wasmPool!.whenReady();
        split.minWorkPerThread = threads > 1 ? 1 : initial.split;
        let seed = 1;
        for (const dtype of ["float32", "float64"] as Dtype[]) {
          for (const [m, n, k] of shapes) {
            for (const transA of [false, true]) {
              for (const transB of [false, true]) {
                for (const accumulate of [false, true]) {
                  for (const resident of [false, true]) {
                    const want = problem(dtype, m, n, k, resident, seed);
                    const got = problem(dtype, m, n, k, resident, seed++);
                    kernels.gemm(transA, transB, m, n, k, want.a, 2, want.b, 3, want.c, 1, accumulate);
                    const p = Object.assign(packedB(), { transB, k, n, b: got.b, bOff: 3 });
                    kernels.packB(p);
                    if (set === "wasm" && k * n >= 256) expect(p.packed, `${m}x${n}x${k}`).toBe(true);
                    // the packed B serves more than one product, as over a layer's steps
                    for (let rep = 0; rep < 2; rep++) {
                      const c = got.c.slice();
                      kernels.gemmPacked(transA, m, got.a, 2, p, c, 1, accumulate);
                      expect(firstDifference(c, want.c), `${dtype} ${m}x${n}x${k} transA ${transA} transB ${transB} acc ${accumulate} resident ${resident}`).toBe(-1);
                    }
                    if (resident) for (const x of [want.a, want.b, want.c, got.a, got.b, got.c]) releaseResident(x);
                    if (p.store !== null) releaseResident(p.store);
                  }
                }
              }
            }
          }
        }
      });
    }
  }
});
