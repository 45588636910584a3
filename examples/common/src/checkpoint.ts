// Checkpoints: a model's state dict in a .safetensors file, with the settings needed to
// rebuild the model (sizes, vocabulary) as JSON in the file's metadata.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { readSafetensors, saveSafetensors, type Tensor } from "@unroll/autograd";

/** Write `tensors` and `config` to `path`. Example: `saveCheckpoint("m.safetensors", model.stateDict(), { example: "char-rnn", hidden: 128 })`. */
export function saveCheckpoint(path: string, tensors: Record<string, Tensor>, config: { example: string } & Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, saveSafetensors(tensors, { config: JSON.stringify(config) }));
}

/**
 * Read a checkpoint written by `saveCheckpoint` for `example`; a file from another
 * example, or without our metadata, is a clear error.
 * Example: `const { tensors, config } = loadCheckpoint("m.safetensors", "char-rnn")`.
 */
export function loadCheckpoint(path: string, example: string): { tensors: Record<string, Tensor>; config: Record<string, unknown> } {
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
  const raw = metadata?.config;
  if (raw === undefined) throw new Error(`--load: ${path} has no "config" metadata; was it saved by an unroll example?`);
  const config = JSON.parse(raw) as Record<string, unknown>;
  if (config.example !== example) {
    throw new Error(`--load: ${path} holds a ${String(config.example)} model, not a ${example} one`);
  }
  return { tensors, config };
}
