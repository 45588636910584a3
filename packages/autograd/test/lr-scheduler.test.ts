// Every scheduler against torch.optim.lr_scheduler over 100 steps, for every group, to
// 1e-12 (fixtures/make_training_fixtures.py), its state dict against torch's, resuming
// from a state dict, and bad input.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  Adagrad,
  Adam,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  SequentialLR,
  SGD,
  StepLR,
  tensor,
  type LRScheduler,
  type Optimizer,
} from "../src/index.js";

interface Spec {
  scheduler: string;
  options: Record<string, unknown>;
}
interface Case {
  name: string;
  optimizer: { kind: "sgd" | "adam"; groups: Record<string, unknown>[] };
  config: Spec;
  expected: { lrs: number[][]; momenta: number[][]; stateDictAfterStep37: Record<string, unknown> };
}

const CASES = JSON.parse(readFileSync(new URL("./fixtures/torch_schedulers.json", import.meta.url), "utf8")) as Case[];
type Scheduler = LRScheduler | SequentialLR;

function optimizer(c: Case): Optimizer {
  const groups = c.optimizer.groups.map((g, i) => ({ params: [tensor(new Array(i + 2).fill(0), { requiresGrad: true })], ...g }));
  return c.optimizer.kind === "sgd" ? new SGD(groups) : new Adam(groups as never);
}

function build(opt: Optimizer, spec: Spec): Scheduler {
  const o = spec.options as never;
  switch (spec.scheduler) {
    case "StepLR":
      return new StepLR(opt, o);
    case "MultiStepLR":
      return new MultiStepLR(opt, o);
    case "ExponentialLR":
      return new ExponentialLR(opt, o);
    case "CosineAnnealingLR":
      return new CosineAnnealingLR(opt, o);
    case "LinearLR":
      return new LinearLR(opt, o);
    case "OneCycleLR":
      return new OneCycleLR(opt, o);
    case "SequentialLR": {
      const subs = (spec.options.schedulers as Spec[]).map((s) => build(opt, s) as LRScheduler);
      return new SequentialLR(opt, { schedulers: subs, milestones: spec.options.milestones as number[] });
    }
  }
  throw new Error(`unknown scheduler ${spec.scheduler}`);
}

const momenta = (opt: Optimizer): number[] => opt.paramGroups.map((g) => (g.betas ? (g.betas as number[])[0] : (g.momentum as number)));
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** Worst relative error of the lrs (and momenta) of steps from..100 against torch's. */
function run(c: Case, opt: Optimizer, s: Scheduler, from = 0): number {
  let worst = 0;
  const check = (k: number): void => {
    s.getLastLr().forEach((lr, g) => (worst = Math.max(worst, relErr(lr, c.expected.lrs[k][g]))));
    opt.paramGroups.forEach((g, i) => expect(g.lr).toBe(s.getLastLr()[i]));
    momenta(opt).forEach((m, g) => (worst = Math.max(worst, relErr(m, c.expected.momenta[k][g]))));
  };
  if (from === 0) check(0);
  for (let k = from + 1; k <= 100; k++) {
    opt.step();
    s.step();
    check(k);
  }
  return worst;
}

describe("schedulers match torch over 100 steps, every group", () => {
  test("the fixtures cover every scheduler and OneCycleLR's options", () => {
    const kinds = new Set(CASES.map((c) => c.config.scheduler));
    for (const k of ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "OneCycleLR", "SequentialLR"]) expect(kinds.has(k), k).toBe(true);
    const one = CASES.filter((c) => c.config.scheduler === "OneCycleLR").map((c) => c.config.options);
    for (const key of ["pctStart", "annealStrategy", "divFactor", "finalDivFactor", "threePhase", "cycleMomentum", "baseMomentum", "maxMomentum", "epochs"]) {
      expect(one.some((o) => key in o), key).toBe(true);
    }
    expect(CASES.every((c) => c.expected.lrs.length === 101 && c.expected.lrs[0].length === 2)).toBe(true);
  });

  test.each(CASES.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const opt = optimizer(c);
    expect(run(c, opt, build(opt, c.config))).toBeLessThan(1e-12);
  });
});

describe("state dicts", () => {
  test.each(CASES.map((c) => [c.name, c] as const))("after step 37 like torch's, and a fresh scheduler resumes from it: %s", (_n, c) => {
    const opt = optimizer(c);
    const s = build(opt, c.config);
    for (let k = 0; k < 37; k++) {
      opt.step();
      s.step();
    }
    const sd = s.stateDict();
    const theirs = c.expected.stateDictAfterStep37;
    for (const key of ["lastEpoch", "stepCount", "milestones"]) expect(sd[key], key).toEqual(theirs[key]);
    for (const key of ["baseLrs", "lastLr"]) {
      if (theirs[key] === undefined) continue;
      (sd[key] as number[]).forEach((v, i) => expect(relErr(v, (theirs[key] as number[])[i])).toBeLessThan(1e-12));
    }
    if (theirs.schedulers) (sd.schedulers as Record<string, unknown>[]).forEach((sub, i) => expect(sub.lastEpoch).toBe((theirs.schedulers as Record<string, unknown>[])[i].lastEpoch));
    // Resume: a fresh optimizer and scheduler, the optimizer's state (its lrs, momenta) and the scheduler's loaded.
    const opt2 = optimizer(c);
    const s2 = build(opt2, c.config);
    opt2.loadStateDict(opt.stateDict());
    s2.loadStateDict(JSON.parse(JSON.stringify(sd)) as never);
    expect(run(c, opt2, s2, 37)).toBeLessThan(1e-12);
  });
});

describe("bad input", () => {
  const opt = (): SGD => new SGD([tensor([1, 2], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });

  test("unknown and bad options, before the optimizer's lr changes", () => {
    const o = opt();
    expect(() => new StepLR(o, { stepSize: 3, gama: 0.5 } as never)).toThrow(/StepLR: unknown option "gama"/);
    expect(() => new StepLR(o, {} as never)).toThrow(/StepLR: options.stepSize is required/);
    expect(() => new StepLR(o, { stepSize: 0 })).toThrow(/StepLR: invalid stepSize 0/);
    expect(() => new StepLR(o, { stepSize: 2, gamma: -1 })).toThrow(/StepLR: invalid gamma -1/);
    expect(() => new MultiStepLR(o, { milestones: [10, 5] })).toThrow(/MultiStepLR: milestones must be increasing, but milestones\[1\] = 5 follows 10/);
    expect(() => new MultiStepLR(o, { milestones: [3, 3] })).toThrow(/increasing/);
    expect(() => new MultiStepLR(o, { milestones: [1.5] })).toThrow(/MultiStepLR: milestones must be an array of positive integers/);
    expect(() => new ExponentialLR(o, {} as never)).toThrow(/ExponentialLR: options.gamma is required/);
    expect(() => new CosineAnnealingLR(o, { tMax: 10, etaMin: -1 })).toThrow(/CosineAnnealingLR: invalid etaMin -1/);
    expect(() => new LinearLR(o, { startFactor: 0 })).toThrow(/LinearLR: invalid startFactor 0; it must be in \(0, 1\]/);
    expect(() => new LinearLR(o, { endFactor: 1.5 })).toThrow(/LinearLR: invalid endFactor 1.5/);
    expect(() => new OneCycleLR(o, { maxLr: 0.1 })).toThrow(/OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/);
    expect(() => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 })).toThrow(/OneCycleLR: invalid pctStart 1.5/);
    expect(() => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, annealStrategy: "exp" as never })).toThrow(/OneCycleLR: annealStrategy must be one of "cos", "linear"/);
    expect(() => new OneCycleLR(o, { maxLr: [0.1, 0.2], totalSteps: 10 })).toThrow(/OneCycleLR: maxLr has 2 values but the optimizer has 1 parameter group/);
    expect(() => new OneCycleLR(o, { maxLr: -0.1, totalSteps: 10 })).toThrow(/OneCycleLR: invalid maxLr -0.1/);
    expect(() => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, divFactor: 0 })).toThrow(/OneCycleLR: invalid divFactor 0/);
    expect(() => new OneCycleLR(new Adagrad([tensor([1], { requiresGrad: true })]), { maxLr: 0.1, totalSteps: 10 })).toThrow(/cycleMomentum needs an optimizer with momentum or betas/);
    expect(() => new StepLR({} as never, { stepSize: 1 })).toThrow(/StepLR: optimizer must be an Optimizer/);
    expect(o.lr).toBe(0.1);
    expect(o.paramGroups[0].momentum).toBe(0.9);
  });

  test("SequentialLR: milestones increasing and one fewer than the schedulers, schedulers of the same optimizer", () => {
    const o = opt();
    const a = new LinearLR(o, { totalIters: 3 });
    const b = new ExponentialLR(o, { gamma: 0.9 });
    const c = new StepLR(o, { stepSize: 2 });
    expect(() => new SequentialLR(o, { schedulers: [a, b, c], milestones: [5, 3] })).toThrow(/SequentialLR: milestones must be increasing/);
    expect(() => new SequentialLR(o, { schedulers: [a, b], milestones: [] })).toThrow(/SequentialLR: 2 scheduler\(s\) need 1 milestone\(s\), got 0/);
    expect(() => new SequentialLR(o, { schedulers: [], milestones: [] })).toThrow(/SequentialLR: schedulers must be a non-empty array/);
    expect(() => new SequentialLR(o, { schedulers: [a, new StepLR(opt(), { stepSize: 1 })], milestones: [2] })).toThrow(/schedulers\[1\] belongs to another optimizer/);
    expect(() => new SequentialLR(o, { schedulers: [a], milestones: [], extra: 1 } as never)).toThrow(/SequentialLR: unknown option "extra"/);
  });

  test("OneCycleLR past totalSteps throws, and its counters stay", () => {
    const o = opt();
    const s = new OneCycleLR(o, { maxLr: 0.1, totalSteps: 3 });
    for (let k = 0; k < 3; k++) s.step();
    const before = s.stateDict();
    expect(() => s.step()).toThrow(/OneCycleLR.step: tried to step 4 times; totalSteps is 3/);
    expect(s.stateDict()).toEqual(before);
  });

  test("loadStateDict of another scheduler, or with bad counters, changes nothing", () => {
    const o = opt();
    const s = new StepLR(o, { stepSize: 3 });
    s.step();
    const before = s.stateDict();
    const cos = new CosineAnnealingLR(opt(), { tMax: 5 }).stateDict();
    expect(() => s.loadStateDict(cos)).toThrow(/StepLR.loadStateDict: unknown tMax, etaMin \(the state of another scheduler\?\)/);
    expect(() => s.loadStateDict({ ...before, lastEpoch: -5 })).toThrow(/lastEpoch must be an integer >= -1, got -5/);
    expect(() => s.loadStateDict({ ...before, baseLrs: [0.1, 0.2] })).toThrow(/baseLrs must hold 1 learning rate\(s\)/);
    expect(() => s.loadStateDict({ ...before, stepSize: 0 })).toThrow(/invalid stepSize 0/);
    expect(s.stateDict()).toEqual(before);
    const seq = new SequentialLR(o, { schedulers: [new LinearLR(o), new StepLR(o, { stepSize: 2 })], milestones: [4] });
    const seqBefore = seq.stateDict();
    expect(() => seq.loadStateDict({ ...seqBefore, milestones: [5] })).toThrow(/SequentialLR.loadStateDict: milestones \[5\] differ/);
    const broken = JSON.parse(JSON.stringify(seqBefore)) as { schedulers: Record<string, unknown>[] };
    broken.schedulers[1].stepSize = -1;
    expect(() => seq.loadStateDict(broken)).toThrow(/SequentialLR.loadStateDict: schedulers\[1\]: StepLR.loadStateDict: invalid stepSize -1/);
    expect(seq.stateDict()).toEqual(seqBefore);
  });
});
