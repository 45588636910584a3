// Optimizers against PyTorch: the shared golden fixtures and torch-written cases for
// the other options (after every step, to 1e-12), plus the update rules written
// out per element in this file, hand-computed numbers, float32, and bad input.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Adagrad, Adam, createRng, Optimizer, SGD, tensor, Tensor, type Dtype } from "../src/index.js";

interface Arr {
  shape: number[];
  data: number[];
}
interface OptimCase {
  name?: string;
  config: { optimizer: "sgd" | "adam" | "adagrad"; options: Record<string, unknown> };
  inputs: { params: Arr[]; gradsPerStep: (Arr | null)[][] };
  expected: { paramsAfterStep: Arr[][] };
}

const fixture = (file: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8"));

const GOLDEN = ["optim_sgd_00", "optim_sgd_01", "optim_adam_02", "optim_adagrad_03"].map((n) => fixture(`${n}.json`) as OptimCase);
const TORCH = fixture("torch_optim_options.json") as OptimCase[];
// More options and defaults, one case per file, from fixtures/extra/make_extra.py.
const EXTRA = readdirSync(new URL("./fixtures/extra/", import.meta.url))
  .filter((f) => f.startsWith("optim_") && f.endsWith(".json"))
  .sort()
  .map((f) => fixture(`extra/${f}`) as OptimCase);

function make(kind: OptimCase["config"]["optimizer"], params: Tensor[], options: Record<string, unknown>): Optimizer {
  if (kind === "sgd") return new SGD(params, options as never);
  if (kind === "adam") return new Adam(params, options as never);
  return new Adagrad(params, options as never);
}

/** Max of |a - b| / max(1, |b|) over the elements. */
function maxRelErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

/** Run a fixture case in `dtype`; returns the worst error over all steps against the float64 reference. */
function runCase(c: OptimCase, dtype: Dtype = "float64"): number {
  const params = c.inputs.params.map((a) => tensor(a.data, { shape: a.shape, dtype, requiresGrad: true }));
  const buffers = params.map((p) => p.buffer);
  const opt = make(c.config.optimizer, params, c.config.options);
  let worst = 0;
  c.inputs.gradsPerStep.forEach((grads, k) => {
    params.forEach((p, i) => {
      const g = grads[i];
      p.grad = g === null ? null : tensor(g.data, { shape: g.shape, dtype });
    });
    opt.step();
    params.forEach((p, i) => {
      expect(p.buffer).toBe(buffers[i]); // updated in place
      expect(p.dtype).toBe(dtype);
      worst = Math.max(worst, maxRelErr(p.toTypedArray(), c.expected.paramsAfterStep[k][i].data));
    });
  });
  return worst;
}

describe("optimizers match PyTorch after every step", () => {
  const cases = [
    ...[...GOLDEN, ...EXTRA].map((c) => [c.name ?? "", c] as const),
    ...TORCH.map((c) => [`torch ${c.config.optimizer} ${JSON.stringify(c.config.options)}`, c] as const),
  ];
  test.each(cases)("%s", (_name, c) => {
    expect(runCase(c)).toBeLessThan(1e-12);
  });

  test.each(cases)("float32: %s stays float32 and close to the float64 reference", (_name, c) => {
    expect(runCase(c, "float32")).toBeLessThan(2e-5);
  });

  test("the torch cases include a step where a parameter has no gradient", () => {
    expect(TORCH.every((c) => c.inputs.gradsPerStep.some((s) => s.includes(null)))).toBe(true);
  });
});

// The update rules of torch.optim, written per element from the documentation's
// pseudo-code, independently of src/optim.
type Rule = (p: number[], gradsPerStep: number[][]) => number[][];

function sgdRule(lr: number, mu: number, tau: number, wd: number, nesterov: boolean): Rule {
  return (p, steps) => {
    const theta = p.slice();
    let b: number[] | null = null;
    return steps.map((g) => {
      const d = g.map((gi, j) => gi + wd * theta[j]);
      if (mu !== 0) {
        b = b === null ? d.slice() : b.map((bj, j) => mu * bj + (1 - tau) * d[j]);
        for (let j = 0; j < d.length; j++) d[j] = nesterov ? d[j] + mu * b[j] : b[j];
      }
      for (let j = 0; j < theta.length; j++) theta[j] = theta[j] - lr * d[j];
      return theta.slice();
    });
  };
}

function adamRule(lr: number, b1: number, b2: number, eps: number, wd: number): Rule {
  return (p, steps) => {
    const theta = p.slice();
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    return steps.map((g, k) => {
      const t = k + 1;
      for (let j = 0; j < theta.length; j++) {
        const d = g[j] + wd * theta[j];
        m[j] = b1 * m[j] + (1 - b1) * d;
        v[j] = b2 * v[j] + (1 - b2) * d * d;
        const mHat = m[j] / (1 - b1 ** t);
        const vHat = v[j] / (1 - b2 ** t);
        theta[j] = theta[j] - (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
      return theta.slice();
    });
  };
}

function adagradRule(lr: number, init: number, eps: number, lrDecay = 0, wd = 0): Rule {
  return (p, steps) => {
    const theta = p.slice();
    const sum = p.map(() => init);
    return steps.map((g, k) => {
      const clr = lr / (1 + k * lrDecay);
      for (let j = 0; j < theta.length; j++) {
        const d = g[j] + wd * theta[j];
        sum[j] += d * d;
        theta[j] = theta[j] - (clr * d) / (Math.sqrt(sum[j]) + eps);
      }
      return theta.slice();
    });
  };
}

describe("options not in the golden fixtures follow the written-out rules", () => {
  const rules: [string, (ps: Tensor[]) => Optimizer, Rule][] = [
    ["SGD nesterov", (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }), sgdRule(0.1, 0.9, 0, 0, true)],
    ["SGD dampening", (ps) => new SGD(ps, { lr: 0.05, momentum: 0.7, dampening: 0.4 }), sgdRule(0.05, 0.7, 0.4, 0, false)],
    ["SGD weightDecay", (ps) => new SGD(ps, { lr: 0.2, weightDecay: 0.1 }), sgdRule(0.2, 0, 0, 0.1, false)],
    ["SGD all", (ps) => new SGD(ps, { lr: 0.1, momentum: 0.5, weightDecay: 0.03, nesterov: true }), sgdRule(0.1, 0.5, 0, 0.03, true)],
    ["Adam weightDecay", (ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.2 }), adamRule(0.01, 0.9, 0.999, 1e-8, 0.2)],
    ["Adam betas eps", (ps) => new Adam(ps, { lr: 0.03, betas: [0.5, 0.6], eps: 1e-3 }), adamRule(0.03, 0.5, 0.6, 1e-3, 0)],
    ["Adagrad initialAccumulatorValue", (ps) => new Adagrad(ps, { lr: 0.1, initialAccumulatorValue: 0.7 }), adagradRule(0.1, 0.7, 1e-10)],
    ["Adagrad lrDecay weightDecay", (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.5, weightDecay: 0.05, eps: 1e-6 }), adagradRule(0.1, 0, 1e-6, 0.5, 0.05)],
  ];
  test.each(rules)("%s", (_name, build, rule) => {
    const rng = createRng(11);
    const init = Array.from({ length: 6 }, () => rng.normal());
    const steps = Array.from({ length: 6 }, () => init.map(() => rng.normal()));
    const p = tensor(init, { shape: [2, 3], requiresGrad: true });
    const opt = build([p]);
    const expected = rule(init, steps);
    steps.forEach((g, k) => {
      p.grad = tensor(g, { shape: [2, 3] });
      opt.step();
      expect(maxRelErr(p.toTypedArray(), expected[k])).toBeLessThan(1e-12);
    });
  });
});

describe("hand-computed steps", () => {
  const scalar = (x: number): Tensor => tensor([x], { requiresGrad: true });
  const stepWith = (opt: Optimizer, p: Tensor, g: number): number => {
    p.grad = tensor([g]);
    opt.step();
    return p.item();
  };

  test("SGD: the momentum buffer starts as the first gradient, then dampens", () => {
    const p = scalar(1);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    expect(stepWith(opt, p, 0.5)).toBeCloseTo(0.95, 15); // b = 0.5
    expect(stepWith(opt, p, 0.5)).toBeCloseTo(0.88, 15); // b = 0.9·0.5 + 0.5·0.5 = 0.7
  });

  test("SGD nesterov: θ - lr (g + μ b)", () => {
    const p = scalar(1);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
    expect(stepWith(opt, p, 1)).toBeCloseTo(1 - 0.1 * 1.9, 15); // b = 1
    expect(stepWith(opt, p, 1)).toBeCloseTo(0.81 - 0.1 * (1 + 0.9 * 1.9), 15); // b = 1.9
  });

  test("SGD weightDecay adds λθ to the gradient", () => {
    const p = scalar(2);
    expect(stepWith(new SGD([p], { lr: 0.5, weightDecay: 0.25 }), p, 1)).toBeCloseTo(2 - 0.5 * (1 + 0.5), 15);
  });

  test("Adam's first step moves each element by lr·g/(|g| + ε), with weight decay in g", () => {
    const p = tensor([1, -2, 3], { requiresGrad: true });
    const opt = new Adam([p], { lr: 0.1, weightDecay: 0.5 });
    p.grad = tensor([0.5, 0, -4]);
    opt.step();
    const d = [0.5 + 0.5, 0 - 1, -4 + 1.5];
    const expected = [1, -2, 3].map((x, j) => x - (0.1 * d[j]) / (Math.abs(d[j]) + 1e-8));
    expect(maxRelErr(p.toTypedArray(), expected)).toBeLessThan(1e-15);
  });

  test("Adagrad starts its sum of squares at initialAccumulatorValue", () => {
    const p = scalar(1);
    const opt = new Adagrad([p], { lr: 0.1, initialAccumulatorValue: 1 });
    expect(stepWith(opt, p, 2)).toBeCloseTo(1 - (0.1 * 2) / (Math.sqrt(5) + 1e-10), 15);
    expect(stepWith(opt, p, -1)).toBeCloseTo(1 - (0.1 * 2) / (Math.sqrt(5) + 1e-10) + 0.1 / (Math.sqrt(6) + 1e-10), 15);
  });

  test("defaults: Adam lr 1e-3, betas [0.9, 0.999], eps 1e-8; Adagrad lr 1e-2, eps 1e-10; SGD lr 1e-3 (PyTorch 2's)", () => {
    const p = tensor([0, 0], { requiresGrad: true });
    const { params: _a, ...adam } = new Adam([p]).paramGroups[0];
    expect(adam).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    const { params: _b, ...ada } = new Adagrad([p]).paramGroups[0];
    expect(ada).toEqual({ lr: 1e-2, eps: 1e-10, initialAccumulatorValue: 0, lrDecay: 0, weightDecay: 0, maximize: false });
    const { params: _c, ...sgd } = new SGD([p]).paramGroups[0];
    expect(sgd).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  });
});

describe("parameters, gradients and state", () => {
  test("a parameter whose grad is null is skipped, and its Adam step count does not advance", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = tensor([1, 1]);
    opt.step();
    expect(Array.from(b.toTypedArray())).toEqual([3, 4]);
    // b's first step, at the optimizer's second: bias correction of step 1, so it moves by lr.
    b.grad = tensor([2, -2]);
    a.grad = null;
    const aBefore = a.toTypedArray();
    opt.step();
    expect(a.toTypedArray()).toEqual(aBefore);
    expect(maxRelErr(b.toTypedArray(), [3 - 0.1 * (2 / (2 + 1e-8)), 4 + 0.1 * (2 / (2 + 1e-8))])).toBeLessThan(1e-15);
  });

  test("lr is a mutable field for schedules, validated on assignment", () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new SGD([p], { lr: 1 });
    opt.lr = 0.5;
    p.grad = tensor([2]);
    opt.step();
    expect(p.item()).toBe(0);
    expect(() => (opt.lr = -0.1)).toThrow(/SGD: invalid learning rate -0.1/);
    expect(() => (opt.lr = Number.NaN)).toThrow(/SGD: invalid learning rate NaN/);
    expect(opt.lr).toBe(0.5);
  });

  test("zeroGrad sets grads to null, or zeros them in place with setToNone false", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const q = tensor([3], { requiresGrad: true });
    const opt = new SGD([p, q], { lr: 0.1 });
    p.grad = tensor([5, 6]);
    const g = p.grad;
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(g);
    expect(Array.from(g.toTypedArray())).toEqual([0, 0]);
    expect(q.grad).toBeNull();
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  test("works with gradients from backward, and reuses its state buffers", () => {
    const w = tensor([[0.5, -0.25], [1, 2]], { requiresGrad: true });
    const x = tensor([[1, 2]]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    for (let k = 0; k < 3; k++) {
      opt.zeroGrad();
      x.matmul(w).sum().backward();
      opt.step();
    }
    // d sum(x W)/dW = xᵀ 1 = [[1, 1], [2, 2]] every step; b = g, 1.9g, 2.71g.
    const total = 1 + 1.9 + 2.71;
    expect(maxRelErr(w.toTypedArray(), [0.5 - 0.1 * total, -0.25 - 0.1 * total, 1 - 0.2 * total, 2 - 0.2 * total])).toBeLessThan(1e-14);
  });

  test("a strided leaf parameter (a transposed view) is updated through its view", () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]]);
    const p = base.transpose(0, 1).detach();
    p.requiresGrad = true;
    p.grad = tensor([[1, 0], [0, 0], [0, 2]]);
    new SGD([p], { lr: 1 }).step();
    expect(p.toArray()).toEqual([[0, 4], [2, 5], [3, 4]]);
    expect(base.toArray()).toEqual([[0, 2, 3], [4, 5, 4]]);
  });
});

describe("bad input", () => {
  const p = (): Tensor => tensor([1, 2], { requiresGrad: true });

  test("a non-parameter is rejected, naming its position", () => {
    expect(() => new SGD([p(), 3 as unknown as Tensor], { lr: 0.1 })).toThrow(/SGD: params\[1\] is a number, not a Tensor/);
    expect(() => new Adam([tensor([1, 2])])).toThrow(/Adam: params\[0\] \(shape \[2\]\) does not require grad/);
    expect(() => new Adam([tensor([1, 2], { dtype: "int32" })])).toThrow(/Adam: params\[0\] \(shape \[2\]\) is int32/);
    const leaf = p();
    expect(() => new Adagrad([leaf, leaf.mul(2)])).toThrow(/Adagrad: params\[1\] \(shape \[2\]\) is not a leaf tensor \(it is the output of mul\)/);
    expect(() => new SGD([leaf, leaf], { lr: 0.1 })).toThrow(/SGD: params\[1\] is the same tensor as params\[0\]/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/SGD: got an empty parameter list/);
    expect(() => new SGD(leaf as never, { lr: 0.1 })).toThrow(/SGD: params must be an array .* got a single Tensor/);
    expect(() => new SGD(null as never, { lr: 0.1 })).toThrow(/SGD: params must be an array/);
  });

  test("a learning rate that is negative, NaN, infinite, missing or not a number", () => {
    expect(() => new SGD([p()], { lr: -0.01 })).toThrow(/SGD: invalid learning rate -0.01; lr must be a finite number >= 0/);
    expect(() => new SGD([p()], { lr: Number.NaN })).toThrow(/SGD: invalid learning rate NaN/);
    expect(() => new Adam([p()], { lr: Number.POSITIVE_INFINITY })).toThrow(/Adam: invalid learning rate Infinity/);
    expect(() => new Adagrad([p()], { lr: "0.1" as never })).toThrow(/Adagrad: invalid learning rate "0.1"/);
  });

  test("bad options", () => {
    expect(() => new SGD([p()], { lr: 0.1, momentum: -0.5 })).toThrow(/SGD: invalid momentum -0.5/);
    expect(() => new SGD([p()], { lr: 0.1, weightDecay: -1 })).toThrow(/SGD: invalid weightDecay -1/);
    expect(() => new SGD([p()], { lr: 0.1, nesterov: true })).toThrow(/SGD: Nesterov momentum needs momentum > 0 and dampening 0/);
    expect(() => new SGD([p()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new SGD([p()], { lr: 0.1, nesterov: "yes" as never })).toThrow(/SGD: nesterov must be true or false/);
    expect(() => new SGD([p()], { lr: 0.1, momentun: 0.9 } as never)).toThrow(/SGD: unknown option "momentun"/);
    expect(() => new Adam([p()], { betas: [0.9, 1] })).toThrow(/Adam: invalid beta parameter at index 1: 1/);
    expect(() => new Adam([p()], { betas: [-0.1, 0.9] })).toThrow(/Adam: invalid beta parameter at index 0/);
    expect(() => new Adam([p()], { betas: [0.9] as never })).toThrow(/Adam: betas must be a pair/);
    expect(() => new Adam([p()], { eps: -1e-8 })).toThrow(/Adam: invalid eps/);
    expect(() => new Adam([p()], { weightDecay: Number.NaN })).toThrow(/Adam: invalid weightDecay NaN/);
    expect(() => new Adam([p()], 0.1 as never)).toThrow(/Adam: options must be an object/);
    expect(() => new Adagrad([p()], { initialAccumulatorValue: -1 })).toThrow(/Adagrad: invalid initialAccumulatorValue -1/);
    expect(() => new Adagrad([p()], { lrDecay: -1 })).toThrow(/Adagrad: invalid lrDecay -1/);
    expect(() => new Adagrad([p()], { eps: Number.NaN })).toThrow(/Adagrad: invalid eps NaN/);
  });

  test("a gradient of the wrong shape fails the step before any parameter changes", () => {
    const a = p();
    const b = p();
    const opt = new SGD([a, b], { lr: 1 });
    a.grad = tensor([1, 1]);
    // the assignment itself is rejected (as PyTorch), so step never sees it
    expect(() => (b.grad = tensor([1, 1, 1]))).toThrow("grad: the tensor is [2] but the assigned grad is [3]");
    expect(() => (b.grad = "x" as never)).toThrow(/grad: must be a Tensor or null, got "x"/);
    expect(b.grad).toBeNull();
    opt.step();
    expect(Array.from(a.toTypedArray())).toEqual([0, 1]);
  });
});
