// What the examples' training loops share, without Node: the model sizes a checkpoint
// records, a loaded checkpoint, and one optimizer update with schedule and clipping.

import { clipGradNorm, type Optimizer, type Tensor } from "@unroll/autograd";
import { scheduledLr } from "./data.js";

/** The sizes of an Embedding -> RNN -> Linear model, as a checkpoint records them. */
export interface ModelSize {
  embed: number;
  hidden: number;
  layers: number;
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

/**
 * Backpropagate `loss` into fresh gradients, set the learning rate of step `step` of the
 * schedule, clip the gradient norm and take the optimizer's step.
 * Example: `update(loss, model.parameters(), optimizer, schedule, trainer.steps)`.
 */
export function update(loss: Tensor, params: Tensor[], optimizer: Optimizer, schedule: Schedule, step: number): void {
  optimizer.zeroGrad();
  loss.backward();
  optimizer.lr = scheduledLr(schedule.schedule, schedule.lr, step, schedule.steps);
  if (schedule.clip > 0) clipGradNorm(params, schedule.clip);
  optimizer.step();
}
