// Semantics and numerics: the worked examples from first principles, agreement with
// a plain re-statement of PyTorch's F.cross_entropy (LossNLL.cpp), logits of ±10,000,
// the nothing-counts cases, and the forms a target may take.
//   N examples, C classes, B batch, T time

import { describe, expect, it } from "vitest";
import { createRng, noGrad, randn, tensor, type Tensor } from "@unroll/autograd";
import { crossEntropy, nllLoss, sequenceCrossEntropy } from "../src/index.js";
import { expectClose, values } from "@unroll/testkit";


interface RefOptions {
  reduction?: "mean" | "sum" | "none";
  ignoreIndex?: number;
  labelSmoothing?: number;
  weight?: number[];
}

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

/**
 * F.cross_entropy as PyTorch composes it: (1 - ε) · nll_loss(log_softmax(x)) + ε / C ·
 * smooth_loss, both reduced alike ("mean" divides by Σ w_y over rows not ignored); soft
 * targets: -Σ w · ((1 - ε) t + ε / C) · log_softmax(x), "mean" divides by N.
 */
function referenceCrossEntropy(x: number[][], target: number[] | number[][], o: RefOptions = {}): number | number[] {
  const eps = o.labelSmoothing ?? 0;
  const ignore = o.ignoreIndex ?? -100;
  const C = x[0].length;
  const w = o.weight ?? new Array<number>(C).fill(1);
  const logp = x.map(logSoftmax);
  let rows: number[];
  let divisor: number;
  if (Array.isArray(target[0])) {
    const t = target as number[][];
    rows = logp.map((lp, i) => -lp.reduce((s, v, c) => s + v * w[c] * (t[i][c] * (1 - eps) + eps / C), 0));
    divisor = x.length;
  } else {
    const t = target as number[];
    const nll = logp.map((lp, i) => (t[i] === ignore ? 0 : -w[t[i]] * lp[t[i]]));
    const smooth = logp.map((lp, i) => (t[i] === ignore ? 0 : -lp.reduce((s, v, c) => s + v * w[c], 0)));
    rows = nll.map((v, i) => (1 - eps) * v + (eps / C) * smooth[i]);
    divisor = t.reduce((s, y) => (y === ignore ? s : s + w[y]), 0);
  }
  const total = rows.reduce((s, v) => s + v, 0);
  if (o.reduction === "none") return rows;
  return o.reduction === "sum" ? total : total / divisor;
}

function nested(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

describe("worked examples from first principles", () => {
  it("two classes, true label positive, predicted [0.8, 0.2]: loss -log 0.8", () => {
    const logits = tensor([Math.log(0.8), Math.log(0.2)], { requiresGrad: true });
    const loss = crossEntropy(logits, 0);
    expect(loss.item()).toBeCloseTo(-Math.log(0.8), 14);
    loss.backward();
    // softmax - onehot = [0.8 - 1, 0.2]
    expectClose(logits.grad, [-0.2, 0.2], { rtol: 1e-12, atol: 1e-14 });
    expect(nllLoss(tensor([[Math.log(0.8), Math.log(0.2)]]), [0]).item()).toBeCloseTo(-Math.log(0.8), 14);
    expect(crossEntropy(tensor([[Math.log(0.8), Math.log(0.2)]]), tensor([[1, 0]])).item()).toBeCloseTo(-Math.log(0.8), 14);
  });

  it("one example as logits [C]: a class index or probabilities [C], and reduction none gives a scalar", () => {
    const x = [0.3, -1.2, 2.2];
    const p = [0.1, 0.6, 0.3];
    expect(crossEntropy(tensor(x), 1).item()).toBeCloseTo(crossEntropy(tensor([x]), [1]).item(), 15);
    expect(crossEntropy(tensor(x), tensor(p), { labelSmoothing: 0.1 }).item()).toBeCloseTo(crossEntropy(tensor([x]), tensor([p]), { labelSmoothing: 0.1 }).item(), 15);
    expect(crossEntropy(tensor(x), 1, { reduction: "none" }).shape).toEqual([]);
    expect(nllLoss(tensor(x), 2, { reduction: "none" }).item()).toBe(-2.2);
  });

  it("a 3-step labelling example totals L1 + L2 + L3", () => {
    const rows = [
      [2.0, -1.0, 0.5],
      [0.1, 0.2, 0.3],
      [-3.0, 4.0, 1.0],
    ];
    const target = [2, 0, 1];
    const L = rows.map((r, t) => -Math.log(Math.exp(r[target[t]]) / r.reduce((s, v) => s + Math.exp(v), 0)));
    const logits = tensor([rows], { requiresGrad: true });
    expectClose(sequenceCrossEntropy(logits, [target], { reduction: "none" }), L, { rtol: 1e-12, atol: 1e-14 });
    const total = sequenceCrossEntropy(logits, [target]);
    expect(total.item()).toBeCloseTo(L[0] + L[1] + L[2], 12);
    expect(sequenceCrossEntropy(logits, [target], { timeReduction: "mean" }).item()).toBeCloseTo((L[0] + L[1] + L[2]) / 3, 12);
    total.backward();
    // d L_t / d x_t = softmax(x_t) - onehot(y_t)
    const expected = rows.flatMap((r, t) => {
      const z = r.reduce((s, v) => s + Math.exp(v), 0);
      return r.map((v, c) => Math.exp(v) / z - (c === target[t] ? 1 : 0));
    });
    expectClose(logits.grad, expected, { rtol: 1e-12, atol: 1e-14 });
  });
});

describe("agreement with PyTorch's formulation", () => {
  const rng = createRng(7);
  const cases: [string, RefOptions, boolean][] = [];
  for (const reduction of ["mean", "sum", "none"] as const)
    for (const labelSmoothing of [0, 0.15, 1])
      for (const weight of [undefined, [0.3, 1.7, 0, 2.5, 1]])
        for (const soft of [false, true]) cases.push([`${reduction} ε=${labelSmoothing} ${weight ? "weighted" : ""} ${soft ? "soft" : ""}`, { reduction, labelSmoothing, weight }, soft]);

  it.each(cases)("crossEntropy %s", (_, o, soft) => {
    const N = 7;
    const C = 5;
    const x = nested(randn([N, C], { rng }).mul(3));
    const hard = [4, -100, 0, 2, 3, -100, 1];
    const probs = x.map((r) => logSoftmax(r.map((v) => -v / 2)).map(Math.exp));
    const got = crossEntropy(tensor(x), soft ? tensor(probs) : hard, { ...o, weight: o.weight && tensor(o.weight) });
    const want = referenceCrossEntropy(x, soft ? probs : hard, o);
    expectClose(got, Array.isArray(want) ? want : [want], { rtol: 1e-12, atol: 1e-14 });
  });

  it("sequenceCrossEntropy is per-example F.cross_entropy, then a mean over examples that count", () => {
    const [B, T, C] = [4, 6, 5];
    const x = randn([B, T, C], { rng: createRng(8) });
    const rows = x.toArray() as number[][][];
    const target = [
      [1, 2, -100, 4, 0, 3],
      [-100, -100, -100, -100, -100, -100],
      [0, 0, 1, 1, 2, 9],
      [3, 4, -100, 2, 1, 0],
    ];
    const lengths = [6, 3, 5, 4];
    const weight = [1, 0.5, 2, 1.5, 0.25];
    for (const timeReduction of ["sum", "mean"] as const) {
      for (const batchReduction of ["sum", "mean"] as const) {
        const opts = { labelSmoothing: 0.1, weight };
        const perExample: number[] = [];
        for (let b = 0; b < B; b++) {
          const valid = target[b].slice(0, lengths[b]);
          if (valid.every((y) => y === -100)) continue;
          perExample.push(referenceCrossEntropy(rows[b].slice(0, lengths[b]), valid, { ...opts, reduction: timeReduction }) as number);
        }
        const sum = perExample.reduce((s, v) => s + v, 0);
        const want = batchReduction === "sum" ? sum : sum / perExample.length;
        const got = sequenceCrossEntropy(x, target, { timeReduction, batchReduction, lengths, labelSmoothing: 0.1, weight: tensor(weight) });
        expectClose(got, [want], { rtol: 1e-12, atol: 1e-14 });
      }
    }
  });

  it('timeReduction "sum" + batchReduction "mean" equals F.cross_entropy(reduction="sum") / B without padding', () => {
    const [B, T, C] = [3, 5, 4];
    const x = randn([B, T, C], { rng: createRng(9) });
    const target = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % C);
    const seq = sequenceCrossEntropy(x, target).item();
    const flatLoss = crossEntropy(x.reshape([B * T, C]), target, { reduction: "sum" }).item();
    expect(seq).toBeCloseTo(flatLoss / B, 12);
    // and "mean" over time equals the flat mean when every example has T steps
    expect(sequenceCrossEntropy(x, target, { timeReduction: "mean" }).item()).toBeCloseTo(crossEntropy(x.reshape([B * T, C]), target).item(), 12);
  });
});

describe("logits of ±10,000", () => {
  const rows = [
    [10000, -10000, 0],
    [-10000, 10000, 5],
    [0, -10000, 10000],
  ];
  for (const dtype of ["float64", "float32"] as const) {
    it(`${dtype}: finite losses and gradients, exact where the math is`, () => {
      const logits = tensor(rows, { dtype, requiresGrad: true });
      const loss = crossEntropy(logits, [1, 0, 2]);
      expect(loss.dtype).toBe(dtype);
      // rows 0 and 1 lose 20000 each, row 2 loses nothing: mean 40000 / 3
      expect(loss.item()).toBeCloseTo(40000 / 3, dtype === "float64" ? 9 : 1);
      loss.backward();
      const third = 1 / 3;
      expectClose(logits.grad, [third, -third, 0, -third, third, 0, 0, 0, 0], { rtol: dtype === "float64" ? 1e-12 : 1e-6, atol: 1e-14 });
    });

    it(`${dtype}: every option stays finite`, () => {
      const logits = tensor([rows, rows.map((r) => r.map((v) => -v))], { dtype, requiresGrad: true });
      const soft = tensor([rows.map(() => [0.2, 0.5, 0.3]), rows.map(() => [1, 0, 0])], { dtype, requiresGrad: true });
      const weight = tensor([1, 2, 0.5], { dtype });
      const losses = [
        sequenceCrossEntropy(logits, [[1, 0, 2], [2, -100, 1]], { labelSmoothing: 0.1, weight, timeReduction: "mean", lengths: [3, 2] }),
        sequenceCrossEntropy(logits, soft, { labelSmoothing: 0.2, weight }),
        sequenceCrossEntropy(logits, [[1, 0, 2], [2, 1, 1]], { reduction: "none" }).sum(),
      ];
      for (const loss of losses) {
        expect(Number.isFinite(loss.item())).toBe(true);
        loss.backward();
        for (const g of [logits.grad, soft.grad]) if (g) expect(values(g).every(Number.isFinite)).toBe(true);
      }
      expect(values(soft.grad).some((v) => v !== 0)).toBe(true);
    });
  }

  it("fixture-sized logits near ±1000 through nllLoss of a stable logSoftmax", () => {
    const x = tensor([[-1000, 1000, 0]], { requiresGrad: true });
    const loss = nllLoss(x.logSoftmax(1), [0]);
    expect(loss.item()).toBeCloseTo(2000, 9);
  });
});

describe("nothing to count gives 0 with zero gradients (PyTorch: NaN)", () => {
  it("crossEntropy with every target ignored, with and without weights and smoothing", () => {
    for (const opts of [{}, { weight: tensor([1, 2, 3]) }, { labelSmoothing: 0.2 }]) {
      const logits = randn([3, 3], { rng: createRng(10), requiresGrad: true });
      const loss = crossEntropy(logits, [-100, -100, -100], opts);
      expect(loss.item()).toBe(0);
      loss.backward();
      expect(values(logits.grad)).toEqual(new Array(9).fill(0));
    }
  });

  it("nllLoss with every target ignored, and empty batches", () => {
    const logProbs = randn([2, 3], { rng: createRng(11), requiresGrad: true });
    const loss = nllLoss(logProbs, [-100, -100]);
    expect(loss.item()).toBe(0);
    loss.backward();
    expect(values(logProbs.grad)).toEqual(new Array(6).fill(0));
    expect(crossEntropy(tensor(new Float64Array(0), { shape: [0, 3] }), []).item()).toBe(0);
    expect(sequenceCrossEntropy(tensor(new Float64Array(0), { shape: [0, 4, 3] }), Int32Array.from([])).item()).toBe(0);
  });

  it("sequenceCrossEntropy: all lengths 0, or every step padding", () => {
    const logits = randn([2, 3, 4], { rng: createRng(12), requiresGrad: true });
    for (const loss of [
      sequenceCrossEntropy(logits, [[9, 9, 9], [9, 9, 9]], { lengths: [0, 0] }),
      sequenceCrossEntropy(logits, [[-100, -100, -100], [-100, -100, -100]], { timeReduction: "mean" }),
    ]) {
      expect(loss.item()).toBe(0);
      loss.backward();
      expect(values(logits.grad)).toEqual(new Array(24).fill(0));
    }
  });

  it("an example with no counted step is left out of the batch mean", () => {
    const logits = randn([2, 3, 4], { rng: createRng(13) });
    const both = sequenceCrossEntropy(logits, [[1, 2, 3], [-100, -100, -100]]).item();
    const first = sequenceCrossEntropy(logits.narrow(0, 0, 1), [[1, 2, 3]]).item();
    expect(both).toBeCloseTo(first, 14);
  });
});

describe("graph behaviour and input forms", () => {
  it("a second backward with retainGraph adds the same gradient again", () => {
    for (const reduction of ["mean", "none"] as const) {
      const logits = randn([4, 3], { rng: createRng(14), requiresGrad: true });
      let loss = crossEntropy(logits, [0, 1, 2, 1], { reduction, labelSmoothing: 0.1 });
      if (reduction === "none") loss = loss.sum();
      loss.backward(undefined, { retainGraph: true });
      const once = values(logits.grad);
      loss.backward();
      expectClose(logits.grad, once.map((v) => 2 * v), { rtol: 1e-14, atol: 1e-14 });
    }
  });

  it("records no graph under noGrad, and none for inputs that need no grad", () => {
    const logits = randn([2, 3], { rng: createRng(15), requiresGrad: true });
    expect(noGrad(() => crossEntropy(logits, [0, 1])).requiresGrad).toBe(false);
    expect(crossEntropy(logits.detach(), [0, 1]).requiresGrad).toBe(false);
  });

  it("reads strided (transposed) logits like their packed copy", () => {
    const base = randn([3, 4], { rng: createRng(16), requiresGrad: true });
    const view = base.transpose(0, 1); // [4, 3], not packed
    const loss = crossEntropy(view, [2, 0, 1, 1], { labelSmoothing: 0.2 });
    loss.backward();
    const packed = tensor(view.toArray() as number[][], { requiresGrad: true });
    const ref = crossEntropy(packed, [2, 0, 1, 1], { labelSmoothing: 0.2 });
    ref.backward();
    expect(loss.item()).toBeCloseTo(ref.item(), 14);
    const g = values(packed.grad);
    const gT = [0, 1, 2].flatMap((i) => [0, 1, 2, 3].map((j) => g[j * 3 + i]));
    expectClose(base.grad, gT, { rtol: 1e-14, atol: 1e-14 });
  });

  it("takes targets as an int32 Tensor, an Int32Array, numbers or nested numbers", () => {
    const logits = randn([2, 3, 4], { rng: createRng(17) });
    const nestedTarget = [
      [1, 3, 0],
      [2, 2, 1],
    ];
    const want = sequenceCrossEntropy(logits, nestedTarget).item();
    expect(sequenceCrossEntropy(logits, Int32Array.from(nestedTarget.flat())).item()).toBe(want);
    expect(sequenceCrossEntropy(logits, tensor(nestedTarget, { dtype: "int32" })).item()).toBe(want);
    const flatLogits = logits.reshape([6, 4]);
    const byList = crossEntropy(flatLogits, nestedTarget.flat()).item();
    expect(crossEntropy(flatLogits, Int32Array.from(nestedTarget.flat())).item()).toBe(byList);
    expect(crossEntropy(flatLogits, tensor(nestedTarget.flat(), { dtype: "int32" })).item()).toBe(byList);
    expect(sequenceCrossEntropy(logits, nestedTarget, { lengths: tensor([3, 2], { dtype: "int32" }) }).item()).toBe(
      sequenceCrossEntropy(logits, nestedTarget, { lengths: Int32Array.from([3, 2]) }).item(),
    );
  });

  it("float32 agrees with float64 and stays float32", () => {
    const x64 = randn([3, 7, 6], { rng: createRng(18), requiresGrad: true });
    const x32 = tensor(x64.toTypedArray(), { shape: x64.shape, dtype: "float32", requiresGrad: true });
    const target = Int32Array.from({ length: 21 }, (_, i) => (i % 5 === 4 ? -100 : (i * 5) % 6));
    const opts = { timeReduction: "mean" as const, labelSmoothing: 0.1, lengths: [7, 4, 6] };
    const l64 = sequenceCrossEntropy(x64, target, opts);
    const l32 = sequenceCrossEntropy(x32, target, opts);
    expect(l32.dtype).toBe("float32");
    expect(l32.item()).toBeCloseTo(l64.item(), 5);
    l64.backward();
    l32.backward();
    expect(x32.grad?.dtype).toBe("float32");
    expectClose(x32.grad, values(x64.grad), { rtol: 1e-4, atol: 1e-7 });
  });
});
