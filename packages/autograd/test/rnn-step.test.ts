// The raw RNN step kernel against the same math composed from engine ops, in both
// dtypes, with inactive rows (lengths) and bias on and off. A replacement kernel
// (WebAssembly) must pass the same checks.

import { describe, expect, it } from "vitest";
import { createRng, randn, relu, tanh, tensor, type FloatArray, type Tensor } from "../src/index.js";
import { kernels } from "../src/extend.js";

type Dt = "float32" | "float64";
const buf = (t: Tensor): FloatArray => t.toTypedArray() as FloatArray;

describe("kernels.rnnStepForward / rnnStepBackward", () => {
  for (const dtype of ["float64", "float32"] as Dt[]) {
    for (const relu_ of [false, true]) {
      for (const bias of [true, false]) {
        it(`${dtype}, ${relu_ ? "relu" : "tanh"}, bias ${bias}`, () => {
          const rng = createRng(`${dtype}${relu_}${bias}`);
          const [B, I, H, T, t] = [3, 4, 5, 6, 2];
          const opts = { rng, dtype, requiresGrad: true };
          const x = randn([B, I], opts); // stored at step t of a [T, B, I] buffer
          const h = randn([B, H], opts);
          const wIh = randn([H, I], opts);
          const wHh = randn([H, H], opts);
          const bIh = randn([H], opts);
          const bHh = randn([H], opts);
          const lengths = new Int32Array([T, 1, t + 1]); // row 1 is past its length at step t
          const active = [1, 0, 1];

          // reference: act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) on active rows, h elsewhere
          let z = x.matmul(wIh.transpose(0, 1)).add(h.matmul(wHh.transpose(0, 1)));
          if (bias) z = z.add(bIh).add(bHh);
          const mask = tensor(active, { dtype, shape: [B, 1] });
          const a = relu_ ? relu(z) : tanh(z);
          const ref = a.mul(mask).add(h.mul(mask.neg().add(1)));
          const dout = randn([B, H], { rng, dtype });
          ref.backward(dout);

          const xs = new (dtype === "float32" ? Float32Array : Float64Array)(T * B * I);
          xs.set(buf(x), t * B * I);
          const out = new (dtype === "float32" ? Float32Array : Float64Array)(B * H);
          const d = { batch: B, input: I, hidden: H, relu: relu_, lengths, t };
          kernels.rnnStepForward(out, d, xs, t * B * I, buf(h), 0, buf(wIh), buf(wHh), bias ? buf(bIh) : null, bias ? buf(bHh) : null);
          const tol = dtype === "float32" ? 1e-5 : 1e-12;
          const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
            expect(got.length, what).toBe(want.length);
            for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${what}[${i}]`).toBeLessThan(tol * (1 + Math.abs(want[i])));
          };
          close(out, buf(ref), "hOut");

          const like = (n: number): FloatArray => new (dtype === "float32" ? Float32Array : Float64Array)(n);
          // weight gradients accumulate: start them at 1 and expect 1 + the reference
          const grads = { dx: like(T * B * I), dxOff: t * B * I, dh: like(B * H), dWIh: like(H * I).fill(1), dWHh: like(H * H).fill(1), dbIh: bias ? like(H).fill(1) : null, dbHh: bias ? like(H).fill(1) : null };
          kernels.rnnStepBackward(grads, d, buf(dout), out, xs, t * B * I, buf(h), 0, buf(wIh), buf(wHh));
          close(grads.dx.subarray(t * B * I, (t + 1) * B * I), buf(x.grad!), "dx");
          expect(grads.dx.subarray(0, t * B * I).every((v) => v === 0)).toBe(true);
          close(grads.dh, buf(h.grad!), "dh");
          const plusOne = (g: Tensor): number[] => Array.from(buf(g), (v) => v + 1);
          close(grads.dWIh, plusOne(wIh.grad!), "dWIh");
          close(grads.dWHh, plusOne(wHh.grad!), "dWHh");
          if (bias) {
            close(grads.dbIh!, plusOne(bIh.grad!), "dbIh");
            close(grads.dbHh!, plusOne(bHh.grad!), "dbHh");
          }
        });
      }
    }
  }
});
