// Every optimizer and option, and parameter groups with different options, against
// torch.optim over 10 steps (fixtures/make_training_fixtures.py, float64, to 1e-12),
// the state dicts against torch's layout, and resuming from torch's state after step 5.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Adagrad, Adam, AdamW, RMSprop, SGD, tensor, Tensor, type Dtype, type Optimizer, type OptimizerStateDict } from "../src/index.js";

interface Arr {
  shape: number[];
  data: number[];
}
interface TorchState {
  state: Record<string, Record<string, Arr | number>>;
  paramGroups: Record<string, unknown>[];
}
interface Case {
  name: string;
  config: { optimizer: string; options: Record<string, unknown>; groups?: ({ params: number[] } & Record<string, unknown>)[] };
  inputs: { params: Arr[]; gradsPerStep: (Arr | null)[][] };
  expected: { paramsAfterStep: Arr[][]; stateDictAfterStep5: TorchState; stateDictAfterStep10: TorchState };
}

const CASES = JSON.parse(readFileSync(new URL("./fixtures/torch_optim_groups.json", import.meta.url), "utf8")) as Case[];
const KINDS = { sgd: SGD, adam: Adam, adamw: AdamW, rmsprop: RMSprop, adagrad: Adagrad } as const;

function build(c: Case, params: Tensor[]): Optimizer {
  const Kind = KINDS[c.config.optimizer as keyof typeof KINDS];
  const groups = c.config.groups?.map(({ params: idx, ...over }) => ({ params: idx.map((i) => params[i]), ...over }));
  return new Kind((groups ?? params) as never, c.config.options as never);
}

/** The parameters in the order of the optimizer's state indices (group order). */
function order(c: Case): number[] {
  return c.config.groups ? c.config.groups.flatMap((g) => g.params) : c.inputs.params.map((_, i) => i);
}

function maxRelErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

function runSteps(c: Case, opt: Optimizer, params: Tensor[], from: number, dtype: Dtype): number {
  let worst = 0;
  for (let k = from; k < c.inputs.gradsPerStep.length; k++) {
    params.forEach((p, i) => {
      const g = c.inputs.gradsPerStep[k][i];
      p.grad = g === null ? null : tensor(g.data, { shape: g.shape, dtype });
    });
    opt.step();
    params.forEach((p, i) => (worst = Math.max(worst, maxRelErr(p.toTypedArray(), c.expected.paramsAfterStep[k][i].data))));
  }
  return worst;
}

const make = (arrs: Arr[], dtype: Dtype = "float64"): Tensor[] => arrs.map((a) => tensor(a.data, { shape: a.shape, dtype, requiresGrad: true }));

/** torch's state dict with {shape, data} turned into Tensors, ready for loadStateDict. */
function fromTorch(sd: TorchState): OptimizerStateDict {
  const state: OptimizerStateDict["state"] = {};
  for (const [i, s] of Object.entries(sd.state)) {
    state[Number(i)] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === "number" ? v : tensor(v.data, { shape: v.shape })]));
  }
  return { state, paramGroups: sd.paramGroups as OptimizerStateDict["paramGroups"] };
}

function expectSameState(ours: OptimizerStateDict, theirs: TorchState): void {
  expect(ours.paramGroups).toEqual(theirs.paramGroups);
  expect(Object.keys(ours.state).sort()).toEqual(Object.keys(theirs.state).sort());
  for (const [i, s] of Object.entries(theirs.state)) {
    const mine = ours.state[Number(i)];
    expect(Object.keys(mine).sort(), `state[${i}]`).toEqual(Object.keys(s).sort());
    for (const [k, v] of Object.entries(s)) {
      const got = mine[k];
      if (typeof v === "number") expect(got, `state[${i}].${k}`).toBe(v);
      else {
        expect((got as Tensor).shape).toEqual(v.shape);
        expect(maxRelErr((got as Tensor).toTypedArray(), v.data), `state[${i}].${k}`).toBeLessThan(1e-12);
      }
    }
  }
}

describe("torch.optim after every step, to 1e-12", () => {
  test("the fixtures cover every optimizer, groups, amsgrad, centered, nesterov and maximize", () => {
    expect(new Set(CASES.map((c) => c.config.optimizer))).toEqual(new Set(Object.keys(KINDS)));
    for (const kind of Object.keys(KINDS)) expect(CASES.some((c) => c.config.optimizer === kind && c.config.groups)).toBe(true);
    const all = CASES.flatMap((c) => [c.config.options, ...(c.config.groups ?? [])]);
    for (const key of ["amsgrad", "centered", "nesterov", "maximize", "dampening", "momentum", "weightDecay", "betas", "alpha", "lrDecay"]) {
      expect(all.some((o) => key in o && o[key] !== false && o[key] !== 0), key).toBe(true);
    }
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test.each(CASES.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const params = make(c.inputs.params);
    const opt = build(c, params);
    expect(runSteps(c, opt, params, 0, "float64")).toBeLessThan(1e-12);
  });

  test.each(CASES.map((c) => [c.name, c] as const))("float32 stays float32 and close: %s", (_n, c) => {
    const params = make(c.inputs.params, "float32");
    const opt = build(c, params);
    expect(runSteps(c, opt, params, 0, "float32")).toBeLessThan(5e-5);
    for (const s of Object.values(opt.stateDict().state)) for (const v of Object.values(s)) if (v instanceof Tensor) expect(v.dtype).toBe("float32");
  });
});

describe("state dicts in torch's layout", () => {
  test.each(CASES.map((c) => [c.name, c] as const))("after steps 5 and 10: %s", (_n, c) => {
    const params = make(c.inputs.params);
    const opt = build(c, params);
    const half = { ...c, inputs: { ...c.inputs, gradsPerStep: c.inputs.gradsPerStep.slice(0, 5) } };
    runSteps(half, opt, params, 0, "float64");
    expectSameState(opt.stateDict(), c.expected.stateDictAfterStep5);
    runSteps(c, opt, params, 5, "float64");
    expectSameState(opt.stateDict(), c.expected.stateDictAfterStep10);
  });

  test.each(CASES.map((c) => [c.name, c] as const))("torch's state after step 5 loads and resumes to torch's step 10: %s", (_n, c) => {
    const params = make(c.expected.paramsAfterStep[4]);
    const opt = build(c, params);
    opt.loadStateDict(fromTorch(c.expected.stateDictAfterStep5));
    expect(runSteps(c, opt, params, 5, "float64")).toBeLessThan(1e-12);
    expect(order(c).length).toBe(params.length);
  });
});
