// The fused step forms dx and the parameter gradients from several steps' dz at once
// (step.ts, CHUNK_ROWS): with a batch large enough that a sequence spans several such
// chunks, and lengths ending inside them, the gradients still match the same RNN written
// in generic ops, on both kernel sets.
//   B batch, T time, I input size, H hidden size

import { afterEach, describe, expect, it } from "vitest";
import { createRng, kernelsInUse, randn, stack, tensor, useKernels, zeros, type Tensor } from "@unroll/autograd";
import { RNN } from "../src/index.js";

const initialKernels = kernelsInUse();
afterEach(() => useKernels(initialKernels));

/** Layer outputs [B, T, H] in generic ops: carried state and zero output past each length. */
function reference(rnn: RNN, x: Tensor, lengths: number[], relu: boolean): Tensor {
  const [B, T] = x.shape;
  let input = x;
  for (const cell of rnn.layers) {
    let h = zeros([B, rnn.hiddenSize]);
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const z = input.select(1, t).matmul(cell.weightIh.transpose(0, 1)).add(cell.biasIh!).add(h.matmul(cell.weightHh.transpose(0, 1))).add(cell.biasHh!);
      const keep = tensor(lengths.map((n) => (t < n ? 1 : 0)), { shape: [B, 1] });
      h = (relu ? z.relu() : z.tanh()).mul(keep).add(h.mul(keep.neg().add(1)));
      outs.push(h.mul(keep));
    }
    input = stack(outs, 1);
  }
  return input;
}

describe("rnnStep's chunked parameter gradients", () => {
  for (const set of ["js", "wasm"] as const) {
    for (const relu of [false, true]) {
      it(`B = 64, T = 37 (3 chunks), 2 layers, lengths, ${relu ? "relu" : "tanh"}, ${set} kernels`, () => {
        if (set === "wasm" && initialKernels !== "wasm") return;
        useKernels(set);
        const rng = createRng(`chunks-${set}-${relu}`);
        const [B, T, I, H] = [64, 37, 8, 16];
        const rnn = new RNN(I, H, { numLayers: 2, nonlinearity: relu ? "relu" : "tanh", rng });
        const x = randn([B, T, I], { rng, requiresGrad: true });
        const w = randn([B, T, H], { rng });
        const lengths = Array.from({ length: B }, (_, b) => (b === 0 ? T : 1 + ((b * 13) % T)));
        const leaves = [x, ...rnn.parameters()];
        const grads = (out: Tensor): Float64Array[] => {
          for (const p of leaves) p.grad = null;
          out.mul(w).sum().backward();
          return leaves.map((p) => p.grad!.toTypedArray() as Float64Array);
        };
        const fused = grads(rnn.forward(x, null, { lengths }).output);
        const generic = grads(reference(rnn, x, lengths, relu));
        fused.forEach((g, i) => {
          const err = g.reduce((m, v, j) => Math.max(m, Math.abs(v - generic[i][j]) / (1 + Math.abs(generic[i][j]))), 0);
          expect(err).toBeLessThan(1e-10);
        });
      });
    }
  }
});
