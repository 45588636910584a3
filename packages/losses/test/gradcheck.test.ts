// Gradient checks (the shared finite-difference helper, float64) of every option
// combination of crossEntropy, nllLoss and sequenceCrossEntropy.
//   N examples, C classes, B batch, T time

import { describe, expect, it } from "vitest";
import { createRng, gradcheck, randn, rand, tensor, type Tensor } from "@unroll/autograd";
import { crossEntropy, nllLoss, sequenceCrossEntropy, type Reduction } from "../src/index.js";

const N = 5;
const C = 4;
const B = 3;
const T = 4;

/** Every combination of the given option values, as a list of objects. */
function combinations(space: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, choices] of Object.entries(space)) out = out.flatMap((o) => choices.map((v) => ({ ...o, [key]: v })));
  return out;
}

function label(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : "…"}`)
    .join(" ");
}

/** Soft targets with positive entries that sum to 1 per row, as a leaf that requires grad. */
function probabilities(shape: number[], seed: number): Tensor {
  const p = rand(shape, { rng: createRng(seed) }).toTypedArray() as Float64Array;
  const c = shape[shape.length - 1];
  for (let r = 0; r < p.length / c; r++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += (p[r * c + j] += 0.1);
    for (let j = 0; j < c; j++) p[r * c + j] /= s;
  }
  return tensor(p, { shape, requiresGrad: true });
}

function check(fn: (...t: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const report = gradcheck(fn, inputs);
  expect(report.ok, report.message).toBe(true);
}

const classWeight = tensor([0.5, 2, 1, 0.25]);

describe("crossEntropy gradcheck", () => {
  const space = {
    reduction: ["mean", "sum", "none"] as Reduction[],
    weight: [false, true],
    labelSmoothing: [0, 0.3],
    targets: ["indices", "ignored", "ignoreIndex=1", "soft"],
  };
  it.each(combinations(space).map((o) => [label(o), o] as const))("%s", (_, o) => {
    const logits = randn([N, C], { rng: createRng(1), requiresGrad: true });
    const opts = {
      reduction: o.reduction as Reduction,
      labelSmoothing: o.labelSmoothing as number,
      ...(o.weight ? { weight: classWeight } : {}),
      ...(o.targets === "ignoreIndex=1" ? { ignoreIndex: 1 } : {}),
    };
    if (o.targets === "soft") {
      check((x, p) => crossEntropy(x, p, opts), [logits, probabilities([N, C], 2)]);
      return;
    }
    const target = { indices: [0, 3, 1, 2, 1], ignored: [0, -100, 1, 2, -100], "ignoreIndex=1": [0, 1, 3, 2, 1] }[o.targets as string] as number[];
    check((x) => crossEntropy(x, target, opts), [logits]);
  });

  it("one example: logits [C]", () => {
    check((x) => crossEntropy(x, 2, { labelSmoothing: 0.1, weight: classWeight }), [randn([C], { rng: createRng(3), requiresGrad: true })]);
  });
});

describe("nllLoss gradcheck", () => {
  const space = { reduction: ["mean", "sum", "none"] as Reduction[], weight: [false, true], ignored: [false, true] };
  it.each(combinations(space).map((o) => [label(o), o] as const))("%s", (_, o) => {
    const logProbs = randn([N, C], { rng: createRng(4), requiresGrad: true });
    const target = o.ignored ? [3, -100, 0, 0, 2] : [3, 1, 0, 0, 2];
    check((x) => nllLoss(x, target, { reduction: o.reduction as Reduction, ...(o.weight ? { weight: classWeight } : {}) }), [logProbs]);
  });
});

describe("sequenceCrossEntropy gradcheck", () => {
  const space = {
    reduction: ["scalar", "none"],
    timeReduction: ["sum", "mean"],
    batchReduction: ["mean", "sum"],
    lengths: [false, true],
    padding: [false, true],
    weight: [false, true],
    labelSmoothing: [0, 0.2],
    soft: [false, true],
  };
  const cases = combinations(space).filter((o) => !(o.soft && o.padding) && !(o.reduction === "none" && (o.timeReduction !== "sum" || o.batchReduction !== "mean")));
  it.each(cases.map((o) => [label(o), o] as const))("%s", (_, o) => {
    const logits = randn([B, T, C], { rng: createRng(5), requiresGrad: true });
    const opts = {
      timeReduction: o.timeReduction as "sum" | "mean",
      batchReduction: o.batchReduction as "mean" | "sum",
      labelSmoothing: o.labelSmoothing as number,
      ...(o.reduction === "none" ? { reduction: "none" as const } : {}),
      // the last example has no valid step: it must drop out of the batch mean
      ...(o.lengths ? { lengths: [4, 2, 0] } : {}),
      ...(o.weight ? { weight: classWeight } : {}),
    };
    if (o.soft) {
      check((x, p) => sequenceCrossEntropy(x, p, opts), [logits, probabilities([B, T, C], 6)]);
      return;
    }
    const target = o.padding
      ? [
          [1, 2, 3, -100],
          [0, -100, 9, 9], // 9 lies past length 2 when lengths are given, else it must not occur
          [-100, -100, -100, -100],
        ]
      : [
          [1, 2, 3, 0],
          [0, 1, 3, 3],
          [2, 2, 1, 0],
        ];
    if (o.padding && !o.lengths) target[1] = [0, -100, 3, 1];
    check((x) => sequenceCrossEntropy(x, target, opts), [logits]);
  });
});
