// The options all three examples share: the model's sizes, the optimizer and its
// schedule, precision, seed, time budget and the files a run reads and writes.

import { CELLS } from "./recurrent.js";

/** The shared part of an example's option table, with its own defaults. Example: `{ steps: ..., ...trainingSpecs({ lr: 6e-3, embed: 32, cell: "lstm", out: "runs/char-rnn", seed: "..." }) }`. */
export function trainingSpecs(d: { lr: number; embed: number; cell: (typeof CELLS)[number]; out: string; seed: string; load: string }) {
  return {
    embed: { type: "int", default: d.embed, min: 1, help: "embedding size E" },
    hidden: { type: "int", default: 128, min: 1, help: "hidden size H" },
    layers: { type: "int", default: 1, min: 1, help: "stacked RNN layers" },
    cell: { type: "string", default: d.cell, choices: CELLS, help: "recurrent cell: rnn (vanilla), gru or lstm" },
    lr: { type: "float", default: d.lr, min: 0, help: "Adam learning rate" },
    schedule: { type: "string", default: "cosine", choices: ["cosine", "constant"], help: "learning-rate schedule over the run (cosine: CosineAnnealingLR down to lr/20)" },
    clip: { type: "float", default: 5, min: 0, help: "clip the gradient norm to this (0: no clipping)" },
    dtype: { type: "string", default: "float32", choices: ["float32", "float64"], help: "precision of the weights and the arithmetic" },
    seed: { type: "int", default: 0, help: d.seed },
    timeBudget: { type: "float", default: 150, min: 0, help: "safety net: stop training after this many seconds (0: no limit)" },
    stopAt: { type: "int", default: 0, min: 0, help: "stop at this step of the run (0: at its end), to --save it and --resume later" },
    out: { type: "string", default: d.out, help: "folder for the SVG plots" },
    save: { type: "path", help: "save a checkpoint (weights, optimizer, schedule, rng) to this .safetensors file" },
    resume: { type: "path", help: "continue the run saved in this checkpoint with --save, up to the same total steps" },
    load: { type: "path", help: d.load },
    json: { type: "flag", help: "print one JSON summary as the last line" },
    quiet: { type: "flag", help: "no progress bar, samples or plots" },
  } as const;
}
