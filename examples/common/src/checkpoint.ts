// The examples' checkpoints: one safetensors file written by @unroll/autograd's
// saveCheckpoint (weights under PyTorch's names, the optimizer, the schedule, the rng),
// with the example's config (name, vocabulary, sizes, dtype) and the trainer's position
// as the "extra" JSON. Earlier versions wrote the weights alone with the config in the
// "config" metadata; --load still reads those. The format is described in examples/README.md.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadCheckpoint, readSafetensors, saveCheckpoint, type CheckpointParts, type LoadCheckpointTargets, type Tensor } from "@unroll/autograd";
import { CliError } from "./cli.js";
import type { SavedModel } from "./train.js";

/** What an example records to rebuild its model: its name, vocabulary, sizes and dtype. */
export type ExampleConfig = { example: string } & Record<string, unknown>;

/** A checkpoint read for --load or --resume. */
export interface ReadCheckpoint {
  path: string;
  flag: string;
  bytes: Uint8Array;
  /** The model's weights and the example's config. */
  saved: SavedModel;
  /** The trainer's position (full checkpoints only). */
  trainer?: Record<string, unknown>;
}

/**
 * Write a full checkpoint of a run to `path`.
 * Example: `writeCheckpoint("run.safetensors", { model, optimizer, scheduler, step, rng }, { example: "char-rnn", chars, size, dtype }, trainer.position())`.
 */
export function writeCheckpoint(path: string, parts: Omit<CheckpointParts, "extra">, config: ExampleConfig, trainer: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, saveCheckpoint({ ...parts, extra: { ...config, trainer } }));
}

/**
 * Read `path` (given to `flag`) as a checkpoint of `example`: a full one, or with --load
 * also a weights-only file of an earlier version. A missing, unreadable or foreign file
 * is a CliError that says so. Example: `const ckpt = readCheckpoint("m.safetensors", "char-rnn", "--load")`.
 */
export function readCheckpoint(path: string, example: string, flag: "--load" | "--resume"): ReadCheckpoint {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(`${flag}: cannot read ${path}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
  }
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new CliError(`${flag}: ${path} is not a readable checkpoint (${(e as Error).message})`);
  }
  const raw = file.metadata?.extra ?? file.metadata?.config;
  if (raw === undefined) throw new CliError(`${flag}: ${path} has no "extra" or "config" metadata; was it saved by an unroll example?`);
  let config: ExampleConfig;
  try {
    config = JSON.parse(raw) as ExampleConfig;
  } catch {
    throw new CliError(`${flag}: ${path} has corrupt metadata (not JSON)`);
  }
  if (config.example !== example) throw new CliError(`${flag}: ${path} holds a ${String(config.example)} model, not a ${example} one`);
  if (flag === "--resume" && file.metadata?.extra === undefined) {
    throw new CliError(`--resume: ${path} holds weights only (saved by an earlier version); start from its weights with --load instead`);
  }
  const { trainer, ...rest } = config;
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(file.tensors)) if (!name.startsWith("optimizer.")) tensors[name] = t;
  return { path, flag, bytes, saved: { tensors, config: rest as ExampleConfig }, trainer: trainer as Record<string, unknown> | undefined };
}

/** Restore the optimizer, the schedule and the rng of a --resume checkpoint; returns its step. */
export function resumeRun(ckpt: ReadCheckpoint, targets: LoadCheckpointTargets): number {
  try {
    return loadCheckpoint(ckpt.bytes, targets).step;
  } catch (e) {
    throw new CliError(`${ckpt.flag}: ${ckpt.path} does not fit this run: ${(e as Error).message}`);
  }
}

/** Run `f` (building the model from a checkpoint); an error in it is the file's fault, a CliError. */
export function fromCheckpoint<T>(ckpt: ReadCheckpoint | undefined, f: () => T): T {
  if (ckpt === undefined) return f();
  try {
    return f();
  } catch (e) {
    throw new CliError(`${ckpt.flag}: ${ckpt.path} does not fit this model: ${(e as Error).message}`);
  }
}
