// SequentialLR, as torch's: one scheduler after another, switching at milestones
// (a warm-up followed by a decay); at each switch the next one restarts from its
// closed form at step 0.

import { LRScheduler, milestones as milestonesCheck, type SchedulerStateDict } from "./lr-scheduler.js";
import type { Optimizer } from "./optimizer.js";
import { checkOptions, describeValue } from "../options.js";

export interface SequentialLROptions {
  /** The schedulers, built on the same optimizer, in the order they run. */
  schedulers: LRScheduler[];
  /** The steps at which to switch to the next scheduler: one fewer than schedulers, increasing. */
  milestones: number[];
}

/**
 * Run `schedulers[i]` between `milestones[i-1]` and `milestones[i]`.
 * Example: `new SequentialLR(opt, { schedulers: [new LinearLR(opt, { startFactor: 0.1, totalIters: 100 }), new CosineAnnealingLR(opt, { tMax: 900 })], milestones: [100] })`.
 */
export class SequentialLR {
  lastEpoch: number;
  private readonly schedulers: LRScheduler[];
  private readonly milestones: number[];
  private lastLr: number[];

  constructor(
    readonly optimizer: Optimizer,
    options: SequentialLROptions,
  ) {
    const op = "SequentialLR";
    checkOptions(op, options, { schedulers: {}, milestones: {} });
    const { schedulers } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new TypeError(`${op}: schedulers must be a non-empty array of schedulers, got ${describeValue(schedulers)}`);
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new TypeError(`${op}: schedulers[${i}] is ${(s as unknown) instanceof SequentialLR ? "a SequentialLR, which cannot be nested" : describeValue(s)}, not a scheduler`);
      if (s.optimizer !== optimizer) throw new Error(`${op}: schedulers[${i}] belongs to another optimizer; every scheduler must be built on the SequentialLR's optimizer`);
    });
    this.milestones = milestonesCheck().check(op, "milestones", options.milestones) as number[];
    if (this.milestones.length !== schedulers.length - 1) {
      throw new RangeError(`${op}: ${schedulers.length} scheduler(s) need ${schedulers.length - 1} milestone(s), got ${this.milestones.length}`);
    }
    this.schedulers = schedulers.slice();
    this.lastEpoch = 0;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    const first = this.schedulers[this.index(0)];
    first.initialStep();
    this.lastLr = first.getLastLr();
  }

  /** Advance one step: the current scheduler steps, or the next one starts at its milestone. */
  step(): void {
    this.lastEpoch++;
    const idx = this.index(this.lastEpoch);
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.updateLr(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  /** `SequentialLR(LinearLR, CosineAnnealingLR)`, as stored in checkpoints. */
  get kind(): string {
    return `SequentialLR(${this.schedulers.map((s) => s.kind).join(", ")})`;
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): SchedulerStateDict {
    return { milestones: this.milestones.slice(), lastEpoch: this.lastEpoch, lastLr: this.lastLr.slice(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /** Resume from `stateDict()`; every part is checked before any is loaded. */
  loadStateDict(sd: SchedulerStateDict): void {
    this.checkStateDict(sd)();
  }

  checkStateDict(sd: unknown): () => void {
    const op = "SequentialLR.loadStateDict";
    if (sd === null || typeof sd !== "object" || Array.isArray(sd)) throw new TypeError(`${op}: expected an object, got ${describeValue(sd)}`);
    const s = sd as Record<string, unknown>;
    const unknown = Object.keys(s).filter((k) => !["milestones", "lastEpoch", "lastLr", "schedulers"].includes(k));
    if (unknown.length > 0) throw new Error(`${op}: unknown ${unknown.join(", ")} (the state of another scheduler?); nothing was loaded`);
    const subs = s.schedulers;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new Error(`${op}: the state holds ${Array.isArray(subs) ? subs.length : "no"} scheduler(s) but this SequentialLR has ${this.schedulers.length}; nothing was loaded`);
    }
    if (JSON.stringify(s.milestones) !== JSON.stringify(this.milestones)) {
      throw new Error(`${op}: milestones ${describeValue(s.milestones)} differ from this SequentialLR's [${this.milestones.join(", ")}]; nothing was loaded`);
    }
    if (!Number.isSafeInteger(s.lastEpoch) || (s.lastEpoch as number) < 0) throw new Error(`${op}: lastEpoch must be an integer >= 0, got ${describeValue(s.lastEpoch)}`);
    const n = this.optimizer.paramGroups.length;
    if (!Array.isArray(s.lastLr) || s.lastLr.length !== n || !s.lastLr.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw new Error(`${op}: lastLr must hold ${n} learning rate(s), got ${describeValue(s.lastLr)}`);
    }
    const loads = this.schedulers.map((sub, i) => {
      try {
        return sub.checkStateDict(subs[i]);
      } catch (e) {
        throw new Error(`${op}: schedulers[${i}]: ${(e as Error).message}`);
      }
    });
    return () => {
      loads.forEach((load) => load());
      this.lastEpoch = s.lastEpoch as number;
      this.lastLr = (s.lastLr as number[]).slice();
    };
  }

  // bisect_right: the number of milestones <= epoch.
  private index(epoch: number): number {
    return this.milestones.filter((m) => m <= epoch).length;
  }
}
