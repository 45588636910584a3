// OneCycleLR, as torch's: the lr rises from maxLr/divFactor to maxLr over the first
// pctStart of the run, then falls to initial/finalDivFactor (three phases with
// threePhase); the momentum (or Adam's β1) moves the opposite way.

import { LRScheduler } from "./lr-scheduler.js";
import type { Optimizer } from "./optimizer.js";
import { describeValue } from "../options.js";
import { bool, num, oneOf, type OptionCheck } from "./spec.js";

export interface OneCycleLROptions {
  /** The peak lr, one for all groups or one per group (required). */
  maxLr: number | number[];
  /** Steps of the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent rising. Default 0.3. */
  pctStart?: number;
  /** "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (SGD, RMSprop) or β1 (Adam, AdamW) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** Lowest momentum, at the peak lr. Default 0.85; one value or one per group. */
  baseMomentum?: number | number[];
  /** Highest momentum, at the start and the end. Default 0.95; one value or one per group. */
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Rise, fall back to initialLr, then anneal to minLr. Default false. */
  threePhase?: boolean;
}

type Phase = { endStep: number; startLr: string; endLr: string; startMomentum: string; endMomentum: string };

/** A positive integer or undefined. */
const optionalCount: OptionCheck = {
  default: undefined,
  check(op, key, value) {
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) throw new RangeError(`${op}: ${key} must be a positive integer, got ${describeValue(value)}`);
    return value;
  },
};

/** One finite number >= 0, or a list of them. */
function perGroup(fallback: number | undefined): OptionCheck {
  return {
    default: fallback,
    check(op, key, value) {
      if (value === undefined) throw new TypeError(`${op}: options.${key} is required`);
      const ok = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x) && x >= 0;
      if (!(ok(value) || (Array.isArray(value) && value.length > 0 && value.every(ok)))) {
        throw new RangeError(`${op}: invalid ${key} ${describeValue(value)}; it must be a finite number >= 0 or one per group`);
      }
      return Array.isArray(value) ? value.slice() : value;
    },
  };
}

const OPTIONS = {
  maxLr: perGroup(undefined),
  totalSteps: optionalCount,
  epochs: optionalCount,
  stepsPerEpoch: optionalCount,
  pctStart: num(0.3, 0, 1, true),
  annealStrategy: oneOf("cos", ["cos", "linear"]),
  cycleMomentum: bool(true),
  baseMomentum: perGroup(0.85),
  maxMomentum: perGroup(0.95),
  divFactor: { ...num(25), check: (op: string, key: string, v: unknown) => positive(op, key, v) },
  finalDivFactor: { ...num(1e4), check: (op: string, key: string, v: unknown) => positive(op, key, v) },
  threePhase: bool(false),
};

function positive(op: string, key: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new RangeError(`${op}: invalid ${key} ${describeValue(v)}; it must be a finite number > 0`);
  return v;
}

/**
 * The 1cycle policy (Smith & Topin), stepped once per batch, as torch's OneCycleLR.
 * Example: `new OneCycleLR(opt, { maxLr: 0.01, totalSteps: 1000 })`.
 */
export class OneCycleLR extends LRScheduler {
  private readonly phases: Phase[];
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super("OneCycleLR", optimizer, options, OPTIONS);
    const o = this.options as Required<OneCycleLROptions>;
    const groups = optimizer.paramGroups;
    if (o.totalSteps === undefined) {
      if (o.epochs === undefined || o.stepsPerEpoch === undefined) throw new TypeError(`OneCycleLR: give totalSteps, or epochs and stepsPerEpoch`);
      this.options.totalSteps = o.epochs * o.stepsPerEpoch;
    }
    const total = this.options.totalSteps as number;
    const list = (key: string, v: number | number[]): number[] => {
      if (!Array.isArray(v)) return groups.map(() => v);
      if (v.length !== groups.length) throw new RangeError(`OneCycleLR: ${key} has ${v.length} values but the optimizer has ${groups.length} parameter group(s)`);
      return v;
    };
    const maxLrs = list("maxLr", o.maxLr);
    this.useBeta1 = "betas" in optimizer.defaults;
    if (o.cycleMomentum && !this.useBeta1 && !("momentum" in optimizer.defaults)) {
      throw new TypeError(`OneCycleLR: cycleMomentum needs an optimizer with momentum or betas; ${optimizer.kind} has neither (pass cycleMomentum: false)`);
    }
    const maxMomenta = list("maxMomentum", o.maxMomentum);
    const baseMomenta = list("baseMomentum", o.baseMomentum);
    const pct = o.pctStart;
    this.phases = o.threePhase
      ? [
          { endStep: pct * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: 2 * pct * total - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
          { endStep: total - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
        ]
      : [
          { endStep: pct * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: total - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        ];
    groups.forEach((g, k) => {
      g.initialLr = maxLrs[k] / o.divFactor;
      g.maxLr = maxLrs[k];
      g.minLr = g.initialLr / o.finalDivFactor;
      if (o.cycleMomentum) {
        this.setMomentum(g, maxMomenta[k]);
        g.maxMomentum = maxMomenta[k];
        g.baseMomentum = baseMomenta[k];
      }
    });
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.initialStep();
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    const total = this.options.totalSteps as number;
    if (step > total) throw new RangeError(`OneCycleLR.step: tried to step ${step} times; totalSteps is ${total}`);
    const anneal = this.options.annealStrategy === "cos" ? annealCos : annealLinear;
    const cycle = this.options.cycleMomentum as boolean;
    return this.optimizer.paramGroups.map((g) => {
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i];
        if (step <= phase.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (phase.endStep - start);
          if (cycle) this.setMomentum(g, anneal(g[phase.startMomentum] as number, g[phase.endMomentum] as number, pct));
          return anneal(g[phase.startLr] as number, g[phase.endLr] as number, pct);
        }
        start = phase.endStep;
      }
      throw new Error("OneCycleLR: unreachable");
    });
  }

  private setMomentum(g: Optimizer["paramGroups"][number], m: number): void {
    if (this.useBeta1) g.betas = [m, (g.betas as number[])[1]];
    else g.momentum = m;
  }
}

// cos: end + (start - end)/2 · (1 + cos(π·pct)); linear: start + (end - start)·pct.
function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}
