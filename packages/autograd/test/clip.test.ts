// Gradient clipping against PyTorch's clip_grad_norm_ fixture and against the
// definition (one L2 norm over all gradients, scale by maxNorm / (norm + 1e-6)).

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { clipGradNorm, clipGradValue, createRng, tensor, Tensor } from "../src/index.js";

interface Arr {
  shape: number[];
  data: number[];
}
interface ClipCase {
  config: { maxNorm: number };
  inputs: { grads: Arr[] };
  expected: { totalNorm: number; grads: Arr[] };
}

const read = (file: string): ClipCase => JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8")) as ClipCase;
const extra = readdirSync(new URL("./fixtures/extra/", import.meta.url)).filter((f) => f.startsWith("clip_grad_norm_") && f.endsWith(".json"));
const fixtures: [string, ClipCase][] = ["clip_grad_norm_04.json", ...extra.sort().map((f) => `extra/${f}`)].map((f) => [f, read(f)]);

function withGrads(grads: (number[] | null)[], dtype: "float64" | "float32" = "float64"): Tensor[] {
  return grads.map((g, i) => {
    const p = tensor(new Array(g?.length ?? i + 1).fill(0), { dtype, requiresGrad: true });
    p.grad = g === null ? null : tensor(g, { dtype });
    return p;
  });
}

const gradValues = (ps: Tensor[]): (number[] | null)[] => ps.map((p) => (p.grad ? Array.from(p.grad.toTypedArray()) : null));

describe("clipGradNorm", () => {
  // The golden case, and tiny / huge / just-binding maxNorm and zero gradients from fixtures/extra/make_extra.py.
  test.each(fixtures)("matches torch.nn.utils.clip_grad_norm_ (%s)", (_name, c) => {
    const params = c.inputs.grads.map((g) => {
      const p = tensor(new Array(g.data.length).fill(0), { shape: g.shape, requiresGrad: true });
      p.grad = tensor(g.data, { shape: g.shape });
      return p;
    });
    const total = clipGradNorm(params, c.config.maxNorm);
    expect(Math.abs(total - c.expected.totalNorm)).toBeLessThanOrEqual(1e-12 * c.expected.totalNorm);
    params.forEach((p, i) => {
      const got = p.grad!.toTypedArray();
      c.expected.grads[i].data.forEach((e, j) => expect(Math.abs(got[j] - e)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e))));
    });
  });

  test("one norm over all gradients; scaled by maxNorm / (norm + 1e-6); null grads skipped", () => {
    const rng = createRng(3);
    const raw = [Array.from({ length: 7 }, () => 3 * rng.normal()), null, Array.from({ length: 4 }, () => rng.normal())];
    const params = withGrads(raw);
    const norm = Math.sqrt([...raw[0]!, ...raw[2]!].reduce((s, x) => s + x * x, 0));
    expect(clipGradNorm(params, 2)).toBeCloseTo(norm, 12);
    const coef = 2 / (norm + 1e-6);
    const got = gradValues(params);
    expect(got[1]).toBeNull();
    [0, 2].forEach((i) => got[i]!.forEach((x, j) => expect(x).toBeCloseTo(raw[i]![j] * coef, 14)));
    // The clipped norm is maxNorm (up to the 1e-6 guard).
    const after = Math.sqrt([...got[0]!, ...got[2]!].reduce((s, x) => s + x * x, 0));
    expect(after).toBeCloseTo(2, 5);
  });

  test("leaves gradients untouched when the norm is already below maxNorm, and accepts one Tensor", () => {
    const [p] = withGrads([[0.3, -0.4]]);
    expect(clipGradNorm(p, 1)).toBeCloseTo(0.5, 15);
    expect(gradValues([p])[0]).toEqual([0.3, -0.4]);
  });

  test("float32 gradients stay float32", () => {
    const params = withGrads([[3, 4], [12]], "float32");
    expect(clipGradNorm(params, 1)).toBe(13);
    expect(params[0].grad!.dtype).toBe("float32");
    expect(params[0].grad!.toTypedArray()[0]).toBeCloseTo(3 / 13, 6);
  });

  test("a norm that overflows a plain sum of squares is still computed", () => {
    const params = withGrads([[3e200, 4e200]]);
    expect(clipGradNorm(params, 1) / 5e200).toBeCloseTo(1, 14);
    expect(gradValues(params)[0]![0]).toBeCloseTo(0.6, 10);
  });

  test("a non-finite norm throws, naming the parameter, and changes nothing", () => {
    const params = withGrads([[1, 2], [3, Number.NaN]]);
    expect(() => clipGradNorm(params, 1)).toThrow(/clipGradNorm: the total norm of the gradients is NaN \(params\[1\] has a non-finite gradient\)/);
    expect(gradValues(params)[0]).toEqual([1, 2]);
    const inf = withGrads([[Number.POSITIVE_INFINITY, 1]]);
    expect(() => clipGradNorm(inf, 1)).toThrow(/total norm of the gradients is Infinity/);
  });

  test("with errorIfNonfinite false a non-finite norm is returned and the gradients are left alone", () => {
    const params = withGrads([[5, Number.POSITIVE_INFINITY]]);
    expect(clipGradNorm(params, 1, { errorIfNonfinite: false })).toBe(Number.POSITIVE_INFINITY);
    expect(gradValues(params)[0]).toEqual([5, Number.POSITIVE_INFINITY]);
  });

  test("a strided gradient (transposed view) is scaled through its view", () => {
    const p = tensor([[0, 0], [0, 0]], { requiresGrad: true });
    const base = tensor([[3, 0], [4, 0]]);
    p.grad = base.transpose(0, 1);
    clipGradNorm(p, 1);
    const c = 1 / (5 + 1e-6);
    expect(base.toArray()).toEqual([[3 * c, 0], [4 * c, 0]]);
  });

  test("bad input", () => {
    const params = withGrads([[1]]);
    expect(() => clipGradNorm(params, -1)).toThrow(/clipGradNorm: maxNorm must be a number >= 0, got -1/);
    expect(() => clipGradNorm(params, Number.NaN)).toThrow(/maxNorm must be a number >= 0, got NaN/);
    expect(() => clipGradNorm([1 as never], 1)).toThrow(/clipGradNorm: params\[0\] is not a Tensor/);
    expect(() => clipGradNorm(5 as never, 1)).toThrow(/clipGradNorm: params must be a Tensor or an array/);
    expect(() => clipGradNorm(params, 1, { errorIfNonfinite: "no" as never })).toThrow(/clipGradNorm: errorIfNonfinite must be a boolean, got "no"/);
  });
});

describe("clipGradValue", () => {
  test("clamps every element into [-limit, limit]; NaN stays NaN; null grads skipped", () => {
    const params = withGrads([[-7, -5, 0.5, 5, 9], null, [Number.NaN, Number.NEGATIVE_INFINITY]]);
    clipGradValue(params, 5);
    expect(gradValues(params)).toEqual([[-5, -5, 0.5, 5, 5], null, [Number.NaN, -5]]);
  });

  test("bad limit", () => {
    const params = withGrads([[1]]);
    expect(() => clipGradValue(params, -5)).toThrow(/clipGradValue: limit must be a number >= 0, got -5/);
    expect(() => clipGradValue(params, Number.NaN)).toThrow(/clipGradValue: limit must be a number >= 0, got NaN/);
  });
});
