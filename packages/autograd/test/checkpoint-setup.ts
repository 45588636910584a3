// A small model, its data and every optimizer with a scheduler, shared by the checkpoint
// test and the child processes it starts (checkpoint-child.ts): the same seed must give
// the same run in every process.

import { fmt } from "../src/strides.js";
import {
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  createRng,
  ExponentialLR,
  LinearLR,
  OneCycleLR,
  RMSprop,
  SequentialLR,
  SGD,
  StepLR,
  randn,
  type FloatDtype,
  type Optimizer,
  type Rng,
  type Scheduler,
  type Tensor,
} from "../src/index.js";

/** Two tanh layers with torch-named state dicts, like a @unroll/rnn Module. */
export class TinyModel {
  readonly params: Record<string, Tensor>;
  constructor(rng: Rng, dtype: FloatDtype, hidden = 5) {
    this.params = {
      "fc1.weight": randn([hidden, 3], { rng, dtype, requiresGrad: true }),
      "fc1.bias": randn([hidden], { rng, dtype, requiresGrad: true }),
      "fc2.weight": randn([2, hidden], { rng, dtype, requiresGrad: true }),
    };
  }
  parameters(): Tensor[] {
    return Object.values(this.params);
  }
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(Object.entries(this.params).map(([k, p]) => [k, p.detach()]));
  }
  loadStateDict(dict: Record<string, Tensor>): void {
    const problems = Object.entries(this.params)
      .filter(([k, p]) => !(k in dict) || fmt(dict[k].shape) !== fmt(p.shape))
      .map(([k, p]) => (k in dict ? `${k} is ${fmt(dict[k].shape)}, not ${fmt(p.shape)}` : `missing ${k}`));
    const unexpected = Object.keys(dict).filter((k) => !(k in this.params));
    if (unexpected.length > 0) problems.push(`unexpected ${unexpected.join(", ")}`);
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join("; ")}`);
    for (const [k, p] of Object.entries(this.params)) (p.buffer as Float64Array).set(dict[k].toTypedArray());
  }
  loss(x: Tensor, y: Tensor): Tensor {
    const h = x.matmul(this.params["fc1.weight"].transpose(0, 1)).add(this.params["fc1.bias"]).tanh();
    const d = h.matmul(this.params["fc2.weight"].transpose(0, 1)).sub(y);
    return d.mul(d).mean();
  }
}

export interface Run {
  model: TinyModel;
  optimizer: Optimizer;
  scheduler: Scheduler;
  rng: Rng;
}

type Build = (m: TinyModel) => { optimizer: Optimizer; scheduler: Scheduler };
const TOTAL = 100;

export const CONFIGS: Record<string, Build> = {
  "SGD nesterov + OneCycleLR": (m) => {
    const optimizer = new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
    return { optimizer, scheduler: new OneCycleLR(optimizer, { maxLr: 0.1, totalSteps: TOTAL }) };
  },
  "Adam amsgrad + CosineAnnealingLR": (m) => {
    const optimizer = new Adam(m.parameters(), { lr: 0.02, amsgrad: true });
    return { optimizer, scheduler: new CosineAnnealingLR(optimizer, { tMax: 30, etaMin: 1e-4 }) };
  },
  "AdamW groups + LinearLR then cosine": (m) => {
    const [w1, b1, w2] = m.parameters();
    const optimizer = new AdamW([{ params: [w1, w2] }, { params: [b1], weightDecay: 0, lr: 0.01 }], { lr: 0.02 });
    const warm = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 20 });
    const decay = new CosineAnnealingLR(optimizer, { tMax: 80 });
    return { optimizer, scheduler: new SequentialLR(optimizer, { schedulers: [warm, decay], milestones: [20] }) };
  },
  "RMSprop centered momentum + StepLR": (m) => {
    const optimizer = new RMSprop(m.parameters(), { lr: 0.005, momentum: 0.5, centered: true, weightDecay: 1e-2 });
    return { optimizer, scheduler: new StepLR(optimizer, { stepSize: 15, gamma: 0.5 }) };
  },
  "Adagrad + ExponentialLR": (m) => {
    const optimizer = new Adagrad(m.parameters(), { lr: 0.1, lrDecay: 1e-3, initialAccumulatorValue: 0.1 });
    return { optimizer, scheduler: new ExponentialLR(optimizer, { gamma: 0.98 }) };
  },
};

/** Fresh objects for `config`; `seed` sets the initial weights and the data stream. */
export function setup(config: string, dtype: FloatDtype, seed = 0): Run {
  const rng = createRng(seed);
  const model = new TinyModel(rng, dtype);
  return { model, rng, ...CONFIGS[config](model) };
}

/** `steps` training steps, each on a new random batch drawn from the run's rng. */
export function train(run: Run, steps: number, dtype: FloatDtype): void {
  for (let k = 0; k < steps; k++) {
    const x = randn([8, 3], { rng: run.rng, dtype });
    const y = randn([8, 2], { rng: run.rng, dtype });
    run.optimizer.zeroGrad();
    run.model.loss(x, y).backward();
    run.optimizer.step();
    run.scheduler.step();
  }
}

export const DTYPES: FloatDtype[] = ["float32", "float64"];
export const fileName = (config: string, dtype: string): string => `${config.replace(/[^A-Za-z]+/g, "-")}-${dtype}`;
