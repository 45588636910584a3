// Checkpoints that resume exactly: the model, the optimizer's state, the scheduler, the
// step and the random generator in one safetensors file. The model is anything with
// torch-named state dicts (a @unroll/rnn Module is one), so this package needs no model package.

import type { LRScheduler } from "./optim/lr-scheduler.js";
import type { Optimizer, OptimizerStateDict } from "./optim/optimizer.js";
import type { SequentialLR } from "./optim/sequential.js";
import { createRng, type Rng, type RngState } from "./random.js";
import { readSafetensors, saveSafetensors, type SafetensorsContents } from "./safetensors.js";
import { Tensor } from "./tensor.js";

// Tensors: the model under its PyTorch names, the optimizer's buffers under
// "optimizer.state.<i>.<name>"; everything else is JSON in the metadata.

/** What a checkpoint needs of a model: its parameters under PyTorch's names. */
export interface CheckpointModel {
  stateDict(opts: { names: "torch" }): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>, opts: { names: "torch" }): unknown;
}

export type Scheduler = LRScheduler | SequentialLR;

export interface CheckpointParts {
  model: CheckpointModel;
  optimizer: Optimizer;
  scheduler?: Scheduler;
  /** The training step reached (optimizer steps taken). */
  step: number;
  /** The generator whose state to keep (data order, dropout), e.g. `getDefaultRng()`. */
  rng?: Rng;
  /** Anything JSON-safe to keep alongside: a model's sizes, a vocabulary. */
  extra?: unknown;
}

/** The value of the metadata key "format" of a full checkpoint. */
export const CHECKPOINT_FORMAT = "unroll.checkpoint/1";
const PREFIX = "optimizer.state.";

/**
 * The bytes of a checkpoint of `parts`: load them with `loadCheckpoint` to continue
 * bit for bit. Example: `writeFileSync("run.safetensors", saveCheckpoint({ model, optimizer, scheduler, step, rng }))`.
 */
export function saveCheckpoint(parts: CheckpointParts): Uint8Array {
  const op = "saveCheckpoint";
  const { model, optimizer, scheduler, step, rng, extra } = parts;
  if (model === null || typeof model !== "object" || typeof model.stateDict !== "function") throw new TypeError(`${op}: model must have stateDict({ names: "torch" })`);
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`${op}: step must be an integer >= 0, got ${String(step)}`);
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(model.stateDict({ names: "torch" }))) {
    if (name.startsWith("optimizer.")) throw new Error(`${op}: the model's parameter ${JSON.stringify(name)} clashes with the optimizer's prefix "optimizer."`);
    tensors[name] = t;
  }
  const sd = optimizer.stateDict();
  const numbers: Record<string, Record<string, number>> = {};
  for (const [i, s] of Object.entries(sd.state)) {
    numbers[i] = {};
    for (const [k, v] of Object.entries(s)) {
      if (v instanceof Tensor) tensors[`${PREFIX}${i}.${k}`] = v;
      else numbers[i][k] = v;
    }
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    step: String(step),
    optimizer: JSON.stringify({ kind: optimizer.kind, paramGroups: sd.paramGroups, state: numbers }),
  };
  if (scheduler !== undefined) metadata.scheduler = JSON.stringify({ kind: schedulerKind(scheduler), state: scheduler.stateDict() });
  if (rng !== undefined) metadata.rng = JSON.stringify(rng.getState());
  if (extra !== undefined) metadata.extra = JSON.stringify(extra);
  return saveSafetensors(tensors, metadata);
}

export interface LoadCheckpointTargets {
  model: CheckpointModel;
  /** Omit it to take the weights alone (also from a weights-only safetensors file). */
  optimizer?: Optimizer;
  scheduler?: Scheduler;
  rng?: Rng;
}

/**
 * Load a checkpoint from `saveCheckpoint` into fresh (or the same) objects, and return
 * its step and extra. Everything is checked first: a file of another model, optimizer
 * or scheduler, or a corrupt one, is an Error that says what differs, and nothing changes.
 * Example: `const { step } = loadCheckpoint(readFileSync("run.safetensors"), { model, optimizer, scheduler, rng })`.
 */
export function loadCheckpoint(bytes: Uint8Array | ArrayBuffer, targets: LoadCheckpointTargets): { step: number; extra: unknown } {
  const op = "loadCheckpoint";
  const { model, optimizer, scheduler, rng } = targets;
  let file: SafetensorsContents;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new Error(`${op}: not a readable checkpoint: ${(e as Error).message}`);
  }
  const meta = file.metadata ?? {};
  const full = meta.format === CHECKPOINT_FORMAT;
  if (meta.format !== undefined && !full) throw new Error(`${op}: unknown checkpoint format ${JSON.stringify(meta.format)} (this version reads ${CHECKPOINT_FORMAT})`);
  if (!full && (optimizer !== undefined || scheduler !== undefined || rng !== undefined)) {
    throw new Error(`${op}: the file holds weights only (no "format": "${CHECKPOINT_FORMAT}" metadata), so it cannot restore an optimizer, scheduler or rng; load it with loadCheckpoint(bytes, { model })`);
  }
  const json = (key: string): unknown => {
    const raw = meta[key];
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      throw new Error(`${op}: the checkpoint's "${key}" metadata is not valid JSON (corrupt file?)`);
    }
  };
  const step = full ? Number(meta.step) : 0;
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`${op}: the checkpoint's step ${JSON.stringify(meta.step)} is not a step count (corrupt file?)`);
  const extra = json("extra");

  const weights: Record<string, Tensor> = {};
  const buffers: [string, Tensor][] = [];
  for (const [name, t] of Object.entries(file.tensors)) {
    if (name.startsWith(PREFIX)) buffers.push([name.slice(PREFIX.length), t]);
    else weights[name] = t;
  }

  const apply: (() => void)[] = [];
  if (optimizer !== undefined) {
    const saved = json("optimizer") as { kind?: unknown; paramGroups?: unknown; state?: unknown } | undefined;
    if (saved === undefined || typeof saved !== "object" || saved === null) throw new Error(`${op}: the checkpoint has no optimizer state`);
    if (saved.kind !== optimizer.kind) throw new Error(`${op}: the checkpoint holds the state of ${String(saved.kind)}, not of ${optimizer.kind}`);
    const state: Record<string, Record<string, Tensor | number>> = {};
    for (const [i, s] of Object.entries((saved.state ?? {}) as Record<string, Record<string, number>>)) state[i] = { ...s };
    for (const [key, t] of buffers) {
      const dot = key.indexOf(".");
      const i = key.slice(0, dot);
      (state[i] ??= {})[key.slice(dot + 1)] = t;
    }
    const sd = { state, paramGroups: saved.paramGroups } as OptimizerStateDict;
    try {
      optimizer.checkStateDict(sd);
    } catch (e) {
      throw new Error(`${op}: the optimizer does not match the checkpoint: ${(e as Error).message}`);
    }
    apply.push(() => optimizer.loadStateDict(sd));
  }
  if (scheduler !== undefined) {
    const saved = json("scheduler") as { kind?: unknown; state?: unknown } | undefined;
    if (saved === undefined || saved === null) throw new Error(`${op}: the checkpoint has no scheduler state, but a ${schedulerKind(scheduler)} was given`);
    if (saved.kind !== schedulerKind(scheduler)) throw new Error(`${op}: the checkpoint holds the state of ${String(saved.kind)}, not of ${schedulerKind(scheduler)}`);
    try {
      apply.push(scheduler.checkStateDict(saved.state));
    } catch (e) {
      throw new Error(`${op}: the scheduler does not match the checkpoint: ${(e as Error).message}`);
    }
  }
  if (rng !== undefined) {
    const state = json("rng") as RngState | undefined;
    if (state === undefined) throw new Error(`${op}: the checkpoint has no rng state, but an rng was given`);
    try {
      createRng(0).setState(state);
    } catch (e) {
      throw new Error(`${op}: the checkpoint's rng state is corrupt: ${(e as Error).message}`);
    }
    apply.push(() => rng.setState(state));
  }
  // The model checks every name and shape before it copies anything; after it, nothing can fail.
  try {
    model.loadStateDict(weights, { names: "torch" });
  } catch (e) {
    throw new Error(`${op}: the model does not match the checkpoint: ${(e as Error).message}`);
  }
  for (const f of apply) f();
  return { step, extra };
}

function schedulerKind(s: Scheduler): string {
  return s.kind;
}
