// What the examples' training loops share, without Node: the model sizes a checkpoint
// records, a loaded checkpoint, the learning-rate schedule and one optimizer update.

import { clipGradNorm, CosineAnnealingLR, type Optimizer, type Scheduler, type Tensor } from "@unroll/autograd";
import type { CellName } from "./recurrent.js";

/** The sizes of an Embedding -> RNN -> Linear model and its cell kind, as a checkpoint records them. */
export interface ModelSize {
  embed: number;
  hidden: number;
  layers: number;
  /** "rnn", "gru" or "lstm" (checkpoints from before --cell have none: "rnn"). */
  cell?: CellName;
}

/** A saved model: its tensors under torch names and its config (chars, size, dtype, ...). */
export interface SavedModel {
  tensors: Record<string, Tensor>;
  config: Record<string, unknown>;
}

/** The learning rate, its decay over `steps` ("cosine" or "constant"), and the clipping norm (0: none). */
export interface Schedule {
  lr: number;
  schedule: string;
  steps: number;
  clip: number;
}

// The cosine schedule ends at this fraction of the initial lr, so that the last steps still learn a little.
const COSINE_FLOOR = 0.05;

/**
 * The scheduler of `schedule`: "cosine" anneals from lr to lr·0.05 over the run
 * (CosineAnnealingLR), "constant" has none.
 * Example: `const scheduler = makeScheduler(optimizer, { lr: 3e-3, schedule: "cosine", steps: 1000, clip: 5 })`.
 */
export function makeScheduler(optimizer: Optimizer, schedule: Schedule): Scheduler | null {
  if (schedule.schedule === "constant" || schedule.steps <= 0) return null;
  if (schedule.schedule !== "cosine") throw new RangeError(`makeScheduler: unknown schedule ${JSON.stringify(schedule.schedule)}`);
  return new CosineAnnealingLR(optimizer, { tMax: schedule.steps, etaMin: schedule.lr * COSINE_FLOOR });
}

/**
 * Backpropagate `loss` into fresh gradients, clip the gradient norm, take the
 * optimizer's step and then the scheduler's.
 * Example: `update(loss, model.parameters(), optimizer, scheduler, 5)`.
 */
export function update(loss: Tensor, params: Tensor[], optimizer: Optimizer, scheduler: Scheduler | null, clip: number): void {
  optimizer.zeroGrad();
  loss.backward();
  if (clip > 0) clipGradNorm(params, clip);
  optimizer.step();
  scheduler?.step();
}
