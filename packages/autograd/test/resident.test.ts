// Resident buffers (inside the kernels' shared memory): the kernels read and write them in
// place with the same results as ordinary buffers and without copies; a released block
// comes back zeroed; where the memory is not shared they are ordinary buffers.
//   m, n, k: C[m×n] = op(A)[m×k]·op(B)[k×n]

import { describe, expect, it } from "vitest";
import { createRng, kernelStats } from "../src/index.js";
import { kernels, releaseResident, residentBuffer } from "../src/extend.js";
import { wasmHeap } from "../src/kernels/wasm/module.js";

const shared = wasmHeap !== null && wasmHeap.shared;

describe("residentBuffer", () => {
  it("is a zeroed buffer of the dtype, in the kernels' memory when it is shared", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const a = residentBuffer(dtype, 1000);
      expect(a).toBeInstanceOf(dtype === "float32" ? Float32Array : Float64Array);
      expect(a.length).toBe(1000);
      expect(a.every((v) => v === 0)).toBe(true);
      expect(a.buffer instanceof SharedArrayBuffer).toBe(shared);
      a.fill(7);
      releaseResident(a);
      const b = residentBuffer(dtype, 1000);
      expect(b.every((v) => v === 0)).toBe(true);
      releaseResident(b);
    }
  });

  it.runIf(shared)("gives distinct blocks and survives the memory growing", () => {
    const a = residentBuffer("float32", 16);
    a.fill(3);
    const big = residentBuffer("float32", 48 << 20); // 192 MB: the memory grows in place
    const b = residentBuffer("float32", 16);
    expect(a.every((v) => v === 3)).toBe(true);
    expect(b.every((v) => v === 0)).toBe(true);
    big[big.length - 1] = 1;
    for (const x of [a, big, b]) releaseResident(x);
  });

  it("gives the kernels' results without copies, in place, for every layout and both dtypes", () => {
    const rng = createRng("resident");
    for (const dtype of ["float32", "float64"] as const) {
      const C = dtype === "float32" ? Float32Array : Float64Array;
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        const [m, n, k] = [37, 29, 70];
        const a = C.from(Array.from({ length: m * k + 2 }, () => rng.random() - 0.5));
        const b = C.from(Array.from({ length: k * n }, () => rng.random() - 0.5));
        const c = C.from(Array.from({ length: m * n }, () => rng.random() - 0.5));
        const [ra, rb, rc] = [residentBuffer(dtype, a.length), residentBuffer(dtype, b.length), residentBuffer(dtype, c.length)];
        ra.set(a);
        rb.set(b);
        rc.set(c);
        kernels.gemm(ta, tb, m, n, k, a, 2, b, 0, c, 0, true);
        const before = kernelStats().copiedFloats;
        kernels.gemm(ta, tb, m, n, k, ra, 2, rb, 0, rc, 0, true);
        if (shared) expect(kernelStats().copiedFloats).toBe(before);
        expect(Array.from(rc)).toEqual(Array.from(c));
        for (const x of [ra, rb, rc]) releaseResident(x);
      }
    }
  });
});
