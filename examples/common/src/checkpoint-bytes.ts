// The examples' checkpoints as bytes, without Node, for checkpoint.ts (files) and the
// playground (download, upload): @unroll/autograd's checkpoint with the example's config and
// trainer position as its "extra" JSON, or an earlier version's weights-only file.

import { readSafetensors, saveCheckpoint, type CheckpointParts, type Tensor } from "@unroll/autograd";
import type { SavedModel } from "./train.js";

/** What an example records to rebuild its model: its name, vocabulary, sizes and dtype. */
export type ExampleConfig = { example: string } & Record<string, unknown>;

/** A checkpoint's model and config, and for a full checkpoint the trainer's position. */
export interface ParsedCheckpoint {
  saved: SavedModel;
  /** The trainer's position (full checkpoints only). */
  trainer?: Record<string, unknown>;
  /** Whether it is a full checkpoint (optimizer, schedule, rng) rather than weights only. */
  full: boolean;
}

/**
 * The bytes of a full checkpoint of a run: what --save writes.
 * Example: `checkpointBytes({ model, optimizer, scheduler, step, rng }, { example: "char-rnn", chars, size, dtype }, trainer.position())`.
 */
export function checkpointBytes(parts: Omit<CheckpointParts, "extra">, config: ExampleConfig, trainer: Record<string, unknown>): Uint8Array {
  return saveCheckpoint({ ...parts, extra: { ...config, trainer } });
}

/**
 * Read the bytes of a checkpoint of `example` (full, or weights only); the optimizer's
 * tensors are left out of the model's. A malformed or foreign file is an Error whose
 * message starts with `source`. Example: `parseCheckpoint(bytes, "char-rnn", "--load: m.safetensors")`.
 */
export function parseCheckpoint(bytes: Uint8Array, example: string, source: string): ParsedCheckpoint {
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new Error(`${source} is not a readable checkpoint (${(e as Error).message})`);
  }
  const raw = file.metadata?.extra ?? file.metadata?.config;
  if (raw === undefined) throw new Error(`${source} has no "extra" or "config" metadata; was it saved by an unroll example?`);
  let config: ExampleConfig;
  try {
    config = JSON.parse(raw) as ExampleConfig;
  } catch {
    throw new Error(`${source} has corrupt metadata (not JSON)`);
  }
  if (config === null || typeof config !== "object" || config.example !== example) {
    throw new Error(`${source} holds a ${String(config?.example)} model, not a ${example} one`);
  }
  const { trainer, ...rest } = config;
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(file.tensors)) if (!name.startsWith("optimizer.")) tensors[name] = t;
  return { saved: { tensors, config: rest as ExampleConfig }, trainer: trainer as Record<string, unknown> | undefined, full: file.metadata?.extra !== undefined };
}
