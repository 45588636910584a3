// The examples' checkpoints: @unroll/autograd's saveCheckpoint with the example's config
// (name, vocabulary, sizes, dtype) and the trainer's position as the "extra" JSON; --load
// still reads the weights-only files of earlier versions. Format: examples/README.md.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadCheckpoint, type CheckpointModel, type Optimizer, type Rng, type Scheduler } from "@unroll/autograd";
import { checkpointBytes, parseCheckpoint, type ExampleConfig } from "./checkpoint-bytes.js";
import { CliError } from "./cli.js";
import type { SavedModel } from "./train.js";

export type { ExampleConfig } from "./checkpoint-bytes.js";

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

/** What the examples' trainers share: their model, optimizer and schedule, and their position in the data. */
export interface ResumableTrainer {
  readonly model: CheckpointModel;
  readonly optimizer: Optimizer;
  readonly scheduler: Scheduler | null;
  readonly steps: number;
  position(): Record<string, unknown>;
  resume(position: Record<string, unknown>): void;
}

/**
 * Write a full checkpoint of a run to `path`: the trainer's model, optimizer, schedule
 * and position, the rng, and the example's config.
 * Example: `writeCheckpoint("run.safetensors", trainer, rng, { example: "char-rnn", chars, size, dtype })`.
 */
export function writeCheckpoint(path: string, trainer: ResumableTrainer, rng: Rng, config: ExampleConfig): void {
  mkdirSync(dirname(path), { recursive: true });
  const { model, optimizer, scheduler, steps } = trainer;
  writeFileSync(path, checkpointBytes({ model, optimizer, scheduler: scheduler ?? undefined, step: steps, rng }, config, trainer.position()));
}

/** The checkpoint named by --resume or --load, if any (not both). Example: `const ckpt = openCheckpoint(opts, "char-rnn")`. */
export function openCheckpoint(opts: { resume?: string; load?: string }, example: string): ReadCheckpoint | undefined {
  if (opts.resume && opts.load) throw new CliError(`--resume and --load cannot be combined: --resume continues a run, --load starts a new one from its weights`);
  if (opts.resume) return readCheckpoint(opts.resume, example, "--resume");
  if (opts.load) return readCheckpoint(opts.load, example, "--load");
  return undefined;
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
  let parsed: ReturnType<typeof parseCheckpoint>;
  try {
    parsed = parseCheckpoint(bytes, example, `${flag}: ${path}`);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (flag === "--resume" && !parsed.full) {
    throw new CliError(`--resume: ${path} holds weights only (saved by an earlier version); start from its weights with --load instead`);
  }
  return { path, flag, bytes, saved: parsed.saved, trainer: parsed.trainer };
}

/** With --resume, restore the trainer's optimizer, schedule and position and the rng from `ckpt`. */
export function resumeRun(ckpt: ReadCheckpoint | undefined, trainer: ResumableTrainer, rng: Rng): void {
  if (ckpt?.flag !== "--resume") return;
  const { model, optimizer, scheduler } = trainer;
  try {
    loadCheckpoint(ckpt.bytes, { model, optimizer, scheduler: scheduler ?? undefined, rng });
  } catch (e) {
    throw new CliError(`--resume: ${ckpt.path} does not fit this run: ${(e as Error).message}`);
  }
  trainer.resume(ckpt.trainer ?? {});
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
