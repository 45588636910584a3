// Parameter groups, writable group options, state dicts that round-trip bit for bit,
// and the bad input of the optimizers: each error is thrown before anything changes.

import { describe, expect, test } from "vitest";
import { Adagrad, Adam, AdamW, createRng, RMSprop, SGD, tensor, Tensor, type Optimizer, type OptimizerStateDict } from "../src/index.js";

const param = (n = 3, seed = 1): Tensor => {
  const rng = createRng(seed);
  return tensor(Array.from({ length: n }, () => rng.normal()), { requiresGrad: true });
};

function train(opt: Optimizer, params: Tensor[], steps: number, seed = 5): void {
  const rng = createRng(seed);
  for (let k = 0; k < steps; k++) {
    for (const p of params) p.grad = tensor(Array.from({ length: p.size }, () => rng.normal()), { shape: p.shape });
    opt.step();
  }
}

const snapshot = (opt: Optimizer, params: Tensor[]): string =>
  JSON.stringify({ params: params.map((p) => Array.from(p.toTypedArray())), sd: opt.stateDict(), groups: opt.paramGroups.map(({ params: _, ...o }) => o) }, (_k, v: unknown) =>
    v instanceof Tensor ? Array.from(v.toTypedArray()) : v,
  );

describe("parameter groups", () => {
  test("each group has its own options, from the defaults where it does not override them", () => {
    const w = param(4);
    const b = param(2);
    const opt = new AdamW([{ params: [w] }, { params: b, weightDecay: 0 }], { lr: 3e-3 });
    expect(opt.paramGroups.map((g) => [g.params, g.lr, g.weightDecay])).toEqual([
      [[w], 3e-3, 1e-2],
      [[b], 3e-3, 0],
    ]);
    expect(opt.params).toEqual([w, b]);
    expect(opt.defaults).toMatchObject({ lr: 3e-3, weightDecay: 1e-2, betas: [0.9, 0.999] });
  });

  test("a group's lr is writable and checked; optimizer.lr sets every group", () => {
    const a = param();
    const b = param();
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 1 });
    opt.paramGroups[1].lr = 0.25;
    a.grad = tensor([1, 1, 1]);
    b.grad = tensor([1, 1, 1]);
    const [a0, b0] = [a.toTypedArray(), b.toTypedArray()];
    opt.step();
    expect(Array.from(a.toTypedArray(), (x, i) => a0[i] - x)).toEqual([1, 1, 1]);
    expect(Array.from(b.toTypedArray(), (x, i) => b0[i] - x)).toEqual([0.25, 0.25, 0.25]);
    expect(() => (opt.paramGroups[0].lr = -1)).toThrow(/SGD: invalid learning rate -1/);
    expect(() => (opt.paramGroups[0].momentum = Number.NaN)).toThrow(/SGD: invalid momentum NaN/);
    expect(opt.paramGroups[0].lr).toBe(1);
    opt.lr = 0.1;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.1]);
    const adam = new Adam([a]);
    expect(() => (adam.paramGroups[0].betas = [0.9, 1])).toThrow(/invalid beta parameter at index 1/);
  });

  test("a parameter in two groups, a group without params, mixed lists and unknown group options are errors", () => {
    const a = param();
    const b = param();
    expect(() => new SGD([{ params: [a] }, { params: [b, a] }])).toThrow(
      /SGD: paramGroups\[1\].params\[1\] is the same tensor as paramGroups\[0\].params\[0\]; a parameter can be in only one group/,
    );
    expect(() => new Adam([{ params: [a] }, { lr: 0.1 } as never])).toThrow(/Adam: paramGroups\[1\] has no params/);
    expect(() => new Adam([{ params: [] }])).toThrow(/Adam: paramGroups\[0\] has an empty params list/);
    expect(() => new Adam([{ params: [a] }, b] as never)).toThrow(/Adam: paramGroups\[1\] is a float64 tensor \[3\]; give either Tensors or groups/);
    expect(() => new RMSprop([{ params: [a], momentun: 0.9 }])).toThrow(/RMSprop: paramGroups\[0\]: unknown option "momentun"/);
    expect(() => new RMSprop([{ params: [a], alpha: -1 }])).toThrow(/RMSprop: paramGroups\[0\]: invalid alpha -1/);
    expect(() => new SGD([{ params: [a], nesterov: true }])).toThrow(/SGD: paramGroups\[0\]: Nesterov momentum needs momentum > 0/);
    expect(() => new SGD([{ params: [3] as never }])).toThrow(/SGD: paramGroups\[0\].params\[0\] is a number, not a Tensor/);
    expect(() => new SGD([{ params: 3 as never }])).toThrow(/SGD: paramGroups\[0\].params must be a Tensor or an array of Tensors/);
  });

  test("bad options of AdamW and RMSprop", () => {
    const p = param();
    expect(() => new AdamW([p], { lr: -1e-3 })).toThrow(/AdamW: invalid learning rate -0.001; lr must be a finite number >= 0/);
    expect(() => new AdamW([p], { betas: [1, 0.9] })).toThrow(/AdamW: invalid beta parameter at index 0: 1; it must be in \[0, 1\)/);
    expect(() => new AdamW([p], { betas: [0.9, -0.1] })).toThrow(/AdamW: invalid beta parameter at index 1/);
    expect(() => new AdamW([p], { weightDecay: -0.1 })).toThrow(/AdamW: invalid weightDecay -0.1/);
    expect(() => new AdamW([p], { amsgrad: 1 as never })).toThrow(/AdamW: amsgrad must be true or false, got 1/);
    expect(() => new AdamW([p], { decay: 1 } as never)).toThrow(/AdamW: unknown option "decay"/);
    expect(() => new RMSprop([p], { momentum: -0.9 })).toThrow(/RMSprop: invalid momentum -0.9/);
    expect(() => new RMSprop([p], { eps: -1 })).toThrow(/RMSprop: invalid eps -1/);
    expect(() => new RMSprop([p], { centered: "yes" as never })).toThrow(/RMSprop: centered must be true or false/);
    expect(() => new RMSprop([p], { lr: Number.POSITIVE_INFINITY })).toThrow(/RMSprop: invalid learning rate Infinity/);
  });
});

describe("state dicts", () => {
  const kinds: [string, (ps: Tensor[]) => Optimizer][] = [
    ["SGD", (ps) => new SGD([{ params: ps.slice(0, 1), momentum: 0.9 }, { params: ps.slice(1), momentum: 0.5, nesterov: true }], { lr: 0.1 })],
    ["Adam", (ps) => new Adam(ps, { lr: 0.01, amsgrad: true })],
    ["AdamW", (ps) => new AdamW([{ params: ps.slice(0, 1) }, { params: ps.slice(1), weightDecay: 0 }], { lr: 0.01 })],
    ["RMSprop", (ps) => new RMSprop(ps, { momentum: 0.9, centered: true })],
    ["Adagrad", (ps) => new Adagrad(ps, { lrDecay: 0.01 })],
  ];

  test.each(kinds)("%s: stateDict, loaded into a fresh optimizer, continues bit for bit", (_name, make) => {
    const ps = [param(3, 1), param(2, 2)];
    const opt = make(ps);
    train(opt, ps, 4);
    const sd = opt.stateDict();
    const copies = ps.map((p) => tensor(p.toTypedArray(), { shape: p.shape, requiresGrad: true }));
    const fresh = make(copies);
    fresh.loadStateDict(sd);
    train(opt, ps, 3, 9);
    train(fresh, copies, 3, 9);
    expect(snapshot(fresh, copies)).toBe(snapshot(opt, ps));
  });

  test("stateDict holds copies, and loadStateDict copies too: later steps write into neither", () => {
    const ps = [param()];
    const opt = new Adam(ps);
    train(opt, ps, 2);
    const sd = opt.stateDict();
    const before = Array.from((sd.state[0].exp_avg as Tensor).toTypedArray());
    train(opt, ps, 1);
    expect(Array.from((sd.state[0].exp_avg as Tensor).toTypedArray())).toEqual(before);
    const other = new Adam([param()]);
    other.loadStateDict(sd);
    train(other, other.params as Tensor[], 1);
    expect(Array.from((sd.state[0].exp_avg as Tensor).toTypedArray())).toEqual(before);
    expect(sd.state[0].step).toBe(2);
  });

  test("a mismatched state dict is refused with what differs, and nothing changes", () => {
    const ps = [param(3), param(2)];
    const opt = new Adam([{ params: [ps[0]] }, { params: [ps[1]], lr: 0.1 }]);
    train(opt, ps, 2);
    const before = snapshot(opt, ps);
    const good = opt.stateDict();
    const bad = (f: (sd: OptimizerStateDict) => void): OptimizerStateDict => {
      const sd = opt.stateDict();
      f(sd);
      return sd;
    };
    const cases: [OptimizerStateDict, RegExp][] = [
      [bad((sd) => sd.paramGroups.pop()), /Adam.loadStateDict: the state dict has 1 parameter group\(s\) but the optimizer has 2/],
      [bad((sd) => sd.paramGroups[1].params.push(7)), /paramGroups\[1\] has 2 parameter\(s\) in the state dict but 1 in the optimizer/],
      [bad((sd) => (sd.state[1].exp_avg = tensor([1, 2, 3]))), /state\[1\].exp_avg is \[3\] but params\[1\] is \[2\]/],
      [bad((sd) => (sd.paramGroups[0].lr = -1)), /paramGroups\[0\]: invalid learning rate -1/],
      [bad((sd) => delete (sd.state[0] as Record<string, unknown>).exp_avg_sq), /state\[0\] lacks exp_avg_sq/],
      [bad((sd) => (sd.state[0].momentum_buffer = tensor([1, 2, 3]))), /state\[0\] has unknown momentum_buffer/],
      [bad((sd) => (sd.state[5] = { step: 1 })), /state\[5\] belongs to no parameter/],
      [bad((sd) => (sd.state[0].step = -2)), /state\[0\].step is -2, not a step count/],
      [new SGD([{ params: [ps[0]] }, { params: [ps[1]] }], { momentum: 0.9 }).stateDict(), /paramGroups\[0\] lacks betas, eps, amsgrad and has unknown momentum, dampening, nesterov \(a state dict of another optimizer\?\)/],
      [null as never, /Adam.loadStateDict: expected \{ state, paramGroups \}, got null/],
    ];
    for (const [sd, message] of cases) {
      expect(() => opt.loadStateDict(sd)).toThrow(message);
      expect(() => opt.loadStateDict(sd)).toThrow(/nothing was loaded|Adam.loadStateDict: (the state dict has|expected)/);
      expect(snapshot(opt, ps)).toBe(before);
    }
    opt.loadStateDict(good);
    expect(snapshot(opt, ps)).toBe(before);
  });

  test("SGD without momentum keeps no state; Adagrad has state for every parameter from the start", () => {
    const ps = [param()];
    const sgd = new SGD(ps, { lr: 0.1 });
    train(sgd, ps, 2);
    expect(sgd.stateDict().state).toEqual({});
    const ada = new Adagrad(ps, { initialAccumulatorValue: 0.5 });
    expect(ada.stateDict().state[0].step).toBe(0);
    expect(Array.from((ada.stateDict().state[0].sum as Tensor).toTypedArray())).toEqual([0.5, 0.5, 0.5]);
  });
});
