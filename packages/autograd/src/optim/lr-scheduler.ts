// Learning-rate schedulers, as torch.optim.lr_scheduler: each step() computes every group's
// next lr from the current one (PyTorch's recursive, "chainable" form, so the numbers match
// torch's to the last bit), or from the closed form where SequentialLR restarts one.

import { Optimizer } from "./optimizer.js";
import { describeValue } from "../options.js";
import { int, num, readOptions, type OptionCheck, type OptionTable } from "./spec.js";

/** A scheduler's state: its options and counters (torch's names in camelCase). */
export type SchedulerStateDict = Record<string, unknown>;

/**
 * Base class of the schedulers: `step()` after each `optimizer.step()`, `getLastLr()`
 * for the lr of each group, `stateDict()` / `loadStateDict()` to resume.
 * Example: `const sched = new StepLR(opt, { stepSize: 30 }); for (...) { opt.step(); sched.step(); }`
 */
export abstract class LRScheduler {
  /** The lr each group started from (its `initialLr`). */
  baseLrs: number[];
  /** Steps taken: 0 right after construction. */
  lastEpoch = -1;
  protected stepCount = 0;
  protected isInitial = false;
  protected readonly options: Record<string, unknown>;
  private lastLr: number[] = [];

  protected constructor(
    protected readonly name: string,
    readonly optimizer: Optimizer,
    options: unknown,
    private readonly table: OptionTable,
  ) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: optimizer must be an Optimizer, got ${describeValue(optimizer)}`);
    this.options = readOptions(name, options, table);
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** Advance one step and set every group's lr. Call it after `optimizer.step()`. */
  step(): void {
    this.stepCount++;
    try {
      this.updateLr();
    } catch (e) {
      this.stepCount--;
      throw e;
    }
  }

  /** The kind of scheduler (`"StepLR"`, ...), as stored in checkpoints. */
  get kind(): string {
    return this.name;
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The options and counters, enough to resume with `loadStateDict`. */
  stateDict(): SchedulerStateDict {
    const copy = (v: unknown): unknown => (Array.isArray(v) ? v.slice() : v);
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this.options)) if (v !== undefined) out[k] = copy(v);
    return { ...out, baseLrs: this.baseLrs.slice(), lastEpoch: this.lastEpoch, stepCount: this.stepCount, lastLr: this.lastLr.slice() };
  }

  /** Resume from `stateDict()`; everything is checked first and nothing changes on a mismatch. */
  loadStateDict(sd: SchedulerStateDict): void {
    this.checkStateDict(sd)();
  }

  /** Check `sd` and return the function that loads it (SequentialLR checks all before loading any). */
  checkStateDict(sd: unknown): () => void {
    const op = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== "object" || Array.isArray(sd)) throw new TypeError(`${op}: expected an object, got ${describeValue(sd)}`);
    const s = sd as Record<string, unknown>;
    const counters = ["baseLrs", "lastEpoch", "stepCount", "lastLr"];
    const unknown = Object.keys(s).filter((k) => !counters.includes(k) && !(k in this.table));
    const missing = counters.filter((k) => s[k] === undefined);
    const problems: string[] = [];
    if (unknown.length > 0) problems.push(`unknown ${unknown.join(", ")} (the state of another scheduler?)`);
    if (missing.length > 0) problems.push(`lacks ${missing.join(", ")}`);
    let options: Record<string, unknown> = {};
    try {
      const given = Object.fromEntries(Object.keys(this.table).filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
      options = readOptions(op, given, this.table);
    } catch (e) {
      problems.push((e as Error).message.replace(`${op}: `, ""));
    }
    const n = this.optimizer.paramGroups.length;
    for (const key of ["baseLrs", "lastLr"]) {
      const v = s[key];
      if (v !== undefined && !(Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0))) {
        problems.push(`${key} must hold ${n} learning rate(s), one per group, got ${describeValue(v)}`);
      }
    }
    for (const [key, min] of [["lastEpoch", -1], ["stepCount", 0]] as const) {
      const v = s[key];
      if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= min)) problems.push(`${key} must be an integer >= ${min}, got ${describeValue(v)}`);
    }
    if (problems.length > 0) throw new Error(`${op}: ${problems.join("; ")}; nothing was loaded`);
    return () => {
      Object.assign(this.options, options);
      this.baseLrs = (s.baseLrs as number[]).slice();
      this.lastLr = (s.lastLr as number[]).slice();
      this.lastEpoch = s.lastEpoch as number;
      this.stepCount = s.stepCount as number;
    };
  }

  /** The next lr of each group, from the current ones (PyTorch's get_lr). */
  protected abstract getLr(): number[];

  /** The lr of each group at `lastEpoch` from the base lrs alone, where there is one (PyTorch's _get_closed_form_lr). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** torch's _initial_step: the first step, taken by the constructor. */
  initialStep(): void {
    this.stepCount = 0;
    this.isInitial = true;
    try {
      this.step();
    } finally {
      this.isInitial = false;
    }
  }

  /** Move to the next step (or to `epoch`, with the closed form) and write the lrs into the groups. */
  updateLr(epoch?: number): void {
    const lastEpoch = this.lastEpoch;
    let values: number[];
    try {
      this.lastEpoch = epoch ?? this.lastEpoch + 1;
      values = (epoch === undefined ? null : this.closedFormLr()) ?? this.getLr();
    } catch (e) {
      this.lastEpoch = lastEpoch;
      throw e;
    }
    this.optimizer.paramGroups.forEach((g, k) => (g.lr = values[k]));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected get lrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}

/** Strictly increasing positive integers. */
export function milestones(required = true): OptionCheck {
  return {
    default: required ? undefined : [],
    check(op, key, value) {
      if (value === undefined) throw new TypeError(`${op}: options.${key} is required`);
      if (!Array.isArray(value) || !value.every((m) => Number.isSafeInteger(m) && m > 0)) {
        throw new TypeError(`${op}: ${key} must be an array of positive integers, got ${describeValue(value)}`);
      }
      value.forEach((m, i) => {
        if (i > 0 && m <= value[i - 1]) throw new RangeError(`${op}: ${key} must be increasing, but ${key}[${i}] = ${m} follows ${value[i - 1]}`);
      });
      return value.slice();
    },
  };
}

export interface StepLROptions {
  /** Steps between decays (required). */
  stepSize: number;
  /** Factor of each decay. Default 0.1. */
  gamma?: number;
}

/**
 * Multiply every group's lr by `gamma` every `stepSize` steps.
 * Example: `new StepLR(opt, { stepSize: 30, gamma: 0.1 })`.
 */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: StepLROptions) {
    super("StepLR", optimizer, options, { stepSize: int(undefined), gamma: num(0.1) });
    this.initialStep();
  }

  protected getLr(): number[] {
    const { stepSize, gamma } = this.options as { stepSize: number; gamma: number };
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return this.lrs;
    return this.lrs.map((lr) => lr * gamma);
  }

  protected override closedFormLr(): number[] {
    const { stepSize, gamma } = this.options as { stepSize: number; gamma: number };
    return this.baseLrs.map((b) => b * gamma ** Math.floor(this.lastEpoch / stepSize));
  }
}

export interface MultiStepLROptions {
  /** Steps at which to decay, increasing (required). */
  milestones: number[];
  /** Factor of each decay. Default 0.1. */
  gamma?: number;
}

/**
 * Multiply every group's lr by `gamma` at each milestone.
 * Example: `new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 })`.
 */
export class MultiStepLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super("MultiStepLR", optimizer, options, { milestones: milestones(), gamma: num(0.1) });
    this.initialStep();
  }

  protected getLr(): number[] {
    const { milestones: ms, gamma } = this.options as { milestones: number[]; gamma: number };
    if (!ms.includes(this.lastEpoch)) return this.lrs;
    return this.lrs.map((lr) => lr * gamma);
  }

  protected override closedFormLr(): number[] {
    const { milestones: ms, gamma } = this.options as { milestones: number[]; gamma: number };
    const passed = ms.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * gamma ** passed);
  }
}

/**
 * Multiply every group's lr by `gamma` at every step.
 * Example: `new ExponentialLR(opt, { gamma: 0.95 })`.
 */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: { gamma: number }) {
    super("ExponentialLR", optimizer, options, { gamma: num(undefined) });
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.isInitial) return this.lrs;
    return this.lrs.map((lr) => lr * (this.options.gamma as number));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.options.gamma as number) ** this.lastEpoch);
  }
}

export interface CosineAnnealingLROptions {
  /** Steps of half a cosine period (required). */
  tMax: number;
  /** The lowest lr. Default 0. */
  etaMin?: number;
}

/**
 * Anneal each group's lr from its initial value to `etaMin` along half a cosine over
 * `tMax` steps, then back up (SGDR without restarts), in PyTorch's recursive form.
 * Example: `new CosineAnnealingLR(opt, { tMax: 1000, etaMin: 1e-5 })`.
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super("CosineAnnealingLR", optimizer, options, { tMax: int(undefined), etaMin: num(0) });
    this.initialStep();
  }

  protected getLr(): number[] {
    const { tMax: T, etaMin } = this.options as { tMax: number; etaMin: number };
    const e = this.lastEpoch;
    if (this.isInitial) return this.lrs;
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    if ((e - 1 - T) % (2 * T) === 0) return this.lrs.map((lr, k) => lr + ((this.baseLrs[k] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    // η_t = η_min + (η_{t-1} - η_min) · (1 + cos(πt/T)) / (1 + cos(π(t-1)/T))
    return this.lrs.map((lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { tMax: T, etaMin } = this.options as { tMax: number; etaMin: number };
    return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / T))) / 2);
  }
}

export interface LinearLROptions {
  /** Factor of the first step's lr, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor reached after totalIters steps, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Steps of the ramp. Default 5. */
  totalIters?: number;
}

const startFactor: OptionCheck = {
  default: 1 / 3,
  check(op, key, value) {
    if (typeof value !== "number" || !(value > 0 && value <= 1)) throw new RangeError(`${op}: invalid ${key} ${describeValue(value)}; it must be in (0, 1]`);
    return value;
  },
};

/**
 * Ramp each group's lr linearly from `startFactor` to `endFactor` times its initial
 * value over `totalIters` steps: a warm-up, or a linear decay.
 * Example: `new LinearLR(opt, { startFactor: 0.1, totalIters: 100 })`.
 */
export class LinearLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super("LinearLR", optimizer, options, { startFactor, endFactor: num(1, 0, 1, true), totalIters: int(5) });
    this.initialStep();
  }

  protected getLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this.options as { startFactor: number; endFactor: number; totalIters: number };
    if (this.lastEpoch === 0) return this.lrs.map((lr) => lr * s);
    if (this.isInitial || this.lastEpoch > n) return this.lrs;
    return this.lrs.map((lr) => lr * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this.options as { startFactor: number; endFactor: number; totalIters: number };
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
}
