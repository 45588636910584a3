// Long sequences (no stack overflow at T = 10,000), truncated BPTT across chunks,
// one recorded op per layer and direction, and repeated backward passes over one graph.

import { describe, expect, it } from "vitest";
import { Adam, clipGradNorm, createRng, noGrad, randn, tensor, type Tensor } from "@unroll/autograd";
import { crossEntropy } from "@unroll/losses";
import { lastValid, Linear, RNN, RNNCell } from "../src/index.js";

describe("long sequences", () => {
  it("a 1-layer H = 32 RNN over T = 10,000 runs forward and backward", () => {
    const rng = createRng("long");
    const rnn = new RNN(4, 32, { rng });
    const x = randn([1, 10_000, 4], { rng, requiresGrad: true });
    const { output, hN } = rnn.forward(x);
    expect(output.shape).toEqual([1, 10_000, 32]);
    output.mean().add(hN.sum()).backward();
    for (const p of [x, ...rnn.parameters()]) {
      expect(p.grad).not.toBeNull();
      expect(p.grad!.toTypedArray().every(Number.isFinite)).toBe(true);
    }
    // the gradient reaches the first step through all 10,000
    const first = x.grad!.toTypedArray().subarray(0, 4);
    expect(first.some((v) => v !== 0)).toBe(true);
  });
});

describe("truncated BPTT", () => {
  it("hN.detach() stops chunk 2's gradients from reaching chunk 1", () => {
    const rng = createRng("tbptt");
    const rnn = new RNN(3, 5, { numLayers: 2, rng });
    const x1 = randn([2, 4, 3], { rng, requiresGrad: true });
    const x2 = randn([2, 4, 3], { rng, requiresGrad: true });
    const chunk1 = rnn.forward(x1);
    const chunk2 = rnn.forward(x2, chunk1.hN.detach());
    chunk2.output.pow(2).sum().backward();
    expect(x1.grad).toBeNull();
    expect(x2.grad).not.toBeNull();
    for (const p of rnn.parameters()) expect(p.grad).not.toBeNull();
    // chunk 1's own graph is untouched and still runs backward
    rnn.zeroGrad();
    chunk1.output.sum().backward();
    expect(x1.grad).not.toBeNull();
    for (const p of rnn.parameters()) expect(p.grad).not.toBeNull();
  });

  it("without detach the gradient does reach chunk 1", () => {
    const rng = createRng("tbptt-2");
    const rnn = new RNN(3, 5, { rng });
    const x1 = randn([2, 4, 3], { rng, requiresGrad: true });
    const chunk1 = rnn.forward(x1);
    rnn.forward(randn([2, 4, 3], { rng }), chunk1.hN).output.sum().backward();
    expect(x1.grad!.toTypedArray().some((v) => v !== 0)).toBe(true);
  });
});

describe("training", () => {
  it("truncated BPTT with Adam learns to carry a symbol across the chunk boundary", () => {
    const rng = createRng("train");
    const rnn = new RNN(2, 8, { rng });
    const head = new Linear(8, 2, { rng });
    const params = [...rnn.parameters(), ...head.parameters()];
    const opt = new Adam(params, { lr: 0.05 });
    // x[b, 0] is one-hot of the label; the rest is noise, in two chunks of 3 steps
    const B = 16;
    const labels = Array.from({ length: B }, (_, b) => b % 2);
    const x = randn([B, 6, 2], { rng }).mul(0.1);
    const xv = x.buffer;
    labels.forEach((y, b) => (xv[b * 12 + y] += 1));
    // the loss at the end of the whole sequence
    const evalLoss = (): number => noGrad(() => crossEntropy(head.forward(rnn.forward(x).hN.select(0, 0)), labels).item());
    const first = evalLoss();
    for (let i = 0; i < 60; i++) {
      opt.zeroGrad();
      // chunk 1 learns from its own loss; chunk 2 from its loss with the state carried, detached
      const c1 = rnn.forward(x.narrow(1, 0, 3));
      const c2 = rnn.forward(x.narrow(1, 3, 3), c1.hN.detach());
      crossEntropy(head.forward(c1.hN.select(0, 0)), labels).add(crossEntropy(head.forward(c2.hN.select(0, 0)), labels)).backward();
      clipGradNorm(params, 5);
      opt.step();
    }
    expect(evalLoss()).toBeLessThan(first * 0.2);
  });
});

describe("the unrolled graph", () => {
  it("records one op per layer and direction, whatever T", () => {
    const node = (t: Tensor) => t.gradFn;
    const count = (root: Tensor, op: string): number => {
      const seen = new Set<Tensor>();
      const todo = [root];
      let n = 0;
      while (todo.length > 0) {
        const t = todo.pop()!;
        const nd = node(t);
        if (seen.has(t) || nd === null) continue;
        seen.add(t);
        if (nd.op === op) n++;
        todo.push(...nd.inputs);
      }
      return n;
    };
    for (const T of [1, 7, 40]) {
      const rnn = new RNN(2, 3, { numLayers: 2, bidirectional: true, rng: createRng(1) });
      const { output, hN } = rnn.forward(randn([2, T, 2], { requiresGrad: true }), null, { lengths: [T, 1] });
      expect(count(output.sum().add(hN.sum()), "recurrent")).toBe(4);
    }
    const cell = new RNNCell(2, 3, { rng: createRng(1) });
    expect(count(cell.forward(randn([1, 2], { requiresGrad: true })), "recurrent")).toBe(1);
  });

  it("a second backward with retainGraph adds the same gradients again", () => {
    const rng = createRng("retain");
    const rnn = new RNN(2, 3, { numLayers: 2, rng });
    const x = randn([2, 6, 2], { rng, requiresGrad: true });
    const lengths = tensor([6, 3], { dtype: "int32" });
    const loss = lastValid(rnn.forward(x, null, { lengths }).output, lengths).sum();
    loss.backward(undefined, { retainGraph: true });
    const once = [x, ...rnn.parameters()].map((p) => p.grad!.toTypedArray());
    loss.backward();
    [x, ...rnn.parameters()].forEach((p, i) => {
      const twice = p.grad!.toTypedArray();
      twice.forEach((v, j) => expect(v).toBeCloseTo(2 * once[i][j], 12));
    });
  });

  it("float32 matches float64 to single precision", () => {
    const run = (dtype: "float32" | "float64"): Tensor[] => {
      const rng = createRng("f32");
      const rnn = new RNN(3, 4, { numLayers: 2, rng, dtype });
      const x = randn([2, 5, 3], { rng, dtype, requiresGrad: true });
      const { output } = rnn.forward(x, null, { lengths: [5, 3] });
      output.sum().backward();
      return [output, x.grad!, ...rnn.parameters().map((p) => p.grad!)];
    };
    const a = run("float32");
    const b = run("float64");
    expect(a[0].dtype).toBe("float32");
    a.forEach((t, i) => {
      expect(t.dtype).toBe("float32");
      const u = t.toTypedArray();
      const v = b[i].toTypedArray();
      u.forEach((val, j) => expect(Math.abs(val - v[j])).toBeLessThan(1e-5 * (1 + Math.abs(v[j]))));
    });
  });
});
