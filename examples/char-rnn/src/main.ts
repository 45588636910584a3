// char-rnn: a character language model of Moby Dick, the min-char-rnn recipe at batch
// scale (an LSTM by default, --cell): truncated BPTT over B streams of the text, the state
// carried from chunk to chunk and detached, gradients clipped; then it writes text of its own.
//
// Shapes: B streams, T characters per chunk, E embedding, H hidden, V vocabulary.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FloatDtype } from "@unroll/autograd";
import {
  cliOptions,
  fromCheckpoint,
  jsonLine,
  Progress,
  openCheckpoint,
  resumeRun,
  runMain,
  terminalChart,
  trainingSpecs,
  writeCheckpoint,
  writeLineChart,
  type Options,
  type RunResult,
  type Series,
} from "@unroll/examples-common";
import type { CharVocab } from "@unroll/examples-common/data";
import type { CellName } from "@unroll/examples-common/recurrent";
import { evaluate, sample, setup, Trainer, type CharModel } from "./task.js";

/** The command-line options, their defaults and help: `--help` prints them. */
export const specs = {
  steps: { type: "int", default: 3000, min: 0, help: "training steps (0 with --load: only evaluate and sample)" },
  batchSize: { type: "int", default: 32, min: 1, help: "streams B read side by side" },
  seqLen: { type: "int", default: 50, min: 1, help: "characters per chunk T (truncated BPTT length)" },
  ...trainingSpecs({
    lr: 6e-3,
    embed: 32,
    // the LSTM reaches 1.516 nats/char in its 3,000 steps (98 s here), the vanilla RNN 1.634 (37 s): examples/README.md
    cell: "lstm",
    out: "runs/char-rnn",
    seed: "seed for the initial weights, the chunk offsets and the sampling",
    load: "start from the weights of a checkpoint (continue training, or sample with --steps 0)",
  }),
  lr: { type: "float", default: 0, min: 0, help: "Adam learning rate (0: the cell's own, 6e-3 for rnn and 1.2e-2 for gru and lstm)" },
  evalEvery: { type: "int", default: 500, min: 1, help: "steps between evaluations on part of the validation text" },
  evalChars: { type: "int", default: 20000, min: 0, help: "validation characters used by the evaluations during training (the final one uses all)" },
  trainChars: { type: "int", default: 0, min: 0, help: "train on only the first N training characters (0: all); for quick tests" },
  valChars: { type: "int", default: 0, min: 0, help: "validate on only the first N validation characters (0: all); for quick tests" },
  temperature: { type: "float", default: 0.8, min: 0.01, help: "sampling temperature: below 1 safer, above 1 wilder" },
  sampleLength: { type: "int", default: 400, min: 0, help: "characters to sample at the end" },
  prime: { type: "string", default: "The whale", help: "text the sample starts from" },
} as const;

export type CharRnnOptions = Options<typeof specs>;

/** Adam's learning rate when --lr is 0: the vanilla RNN's, and the gated cells' (tuned on 3,000 steps). */
export const CELL_LR: Record<CellName, number> = { rnn: 6e-3, gru: 1.2e-2, lstm: 1.2e-2 };

// ---------------------------------------------------------------------------------
// Run: train, evaluate, sample.

export interface CharRnnRun {
  result: RunResult;
  model: CharModel;
  vocab: CharVocab;
  /** Train and validation loss per character against the step. */
  curves: Series[];
  sample: string;
}

/** Load the data, train, evaluate and sample; everything `main` prints. Example: `run(parseCli(["--steps", "100"], specs).options!)`. */
export function run(opts: CharRnnOptions): CharRnnRun {
  const started = performance.now();
  const ckpt = openCheckpoint(opts, "char-rnn");
  const size = { embed: opts.embed, hidden: opts.hidden, layers: opts.layers, cell: opts.cell as CellName };
  // A checkpoint brings its own cell; the gated cells learn fastest with a larger step (tuned for 180 s)
  const cell = ckpt ? ((ckpt.saved.config.size as { cell?: CellName }).cell ?? "rnn") : size.cell;
  const lr = opts.lr > 0 ? opts.lr : CELL_LR[cell];
  const s = fromCheckpoint(ckpt, () => setup({ ...opts, lr, size, dtype: opts.dtype as FloatDtype }, ckpt?.saved));
  const { model, vocab, rng, evalIds, valIds } = s;
  const trainer = new Trainer(model, s.optimizer, s.trainIds, rng, { ...opts, lr });
  resumeRun(ckpt, trainer, rng);

  const bar = new Progress(opts.steps, { quiet: opts.quiet });
  const trainCurve: Series = { name: "train", points: [] };
  const valCurve: Series = { name: "validation", points: [] };
  valCurve.points.push({ x: trainer.steps, y: evaluate(model, evalIds, opts.seqLen) });

  const T = opts.seqLen;
  const trainStart = performance.now();
  let evalSeconds = 0;
  let recentLoss = 0;
  let recentSteps = 0;
  let step = trainer.steps;
  const last = opts.stopAt > 0 ? Math.min(opts.stopAt, opts.steps) : opts.steps;
  while (step < last) {
    const loss = trainer.step();
    step++;
    recentLoss += loss;
    recentSteps++;
    bar.update(step, { loss: recentLoss / recentSteps });
    const outOfTime = opts.timeBudget > 0 && (performance.now() - trainStart) / 1000 >= opts.timeBudget;
    if (step % opts.evalEvery === 0 || step === last || outOfTime) {
      const t0 = performance.now();
      const valLoss = evaluate(model, evalIds, T);
      evalSeconds += (performance.now() - t0) / 1000;
      trainCurve.points.push({ x: step, y: recentLoss / recentSteps });
      valCurve.points.push({ x: step, y: valLoss });
      bar.log(
        `step ${step}: train loss ${(recentLoss / recentSteps).toFixed(4)}  validation loss ${valLoss.toFixed(4)} nats/char ` +
          `(${(valLoss / Math.LN2).toFixed(3)} bits, first ${evalIds.length} characters)`,
      );
      recentLoss = 0;
      recentSteps = 0;
    }
    if (outOfTime) {
      bar.log(`time budget of ${opts.timeBudget}s reached at step ${step}`);
      break;
    }
  }
  bar.done();
  // Saved before the final evaluation and sampling, which draw from the rng.
  if (opts.save) writeCheckpoint(opts.save, trainer, rng, { example: "char-rnn", chars: vocab.chars, size: s.size, dtype: s.dtype });
  const trainSeconds = (performance.now() - trainStart) / 1000 - evalSeconds;

  const valLoss = evaluate(model, valIds, T);
  const text = sample(model, vocab, opts.prime, opts.sampleLength, opts.temperature, rng);
  const result: RunResult = {
    example: "char-rnn",
    seed: opts.seed,
    steps: step,
    seconds: (performance.now() - started) / 1000,
    stepsPerSecond: trainSeconds > 0 ? step / trainSeconds : 0,
    metrics: { valLoss, valBitsPerChar: valLoss / Math.LN2 },
  };
  return { result, model, vocab, curves: [trainCurve, valCurve], sample: text };
}

// ---------------------------------------------------------------------------------
// Result: the validation loss, a sample, the loss curve.

async function main(): Promise<void> {
  const opts = cliOptions("char-rnn", "a character-level language model of Moby Dick", specs);
  const out = run(opts);
  const { result } = out;
  if (!opts.quiet) {
    console.log(`\nSampled at temperature ${opts.temperature}:\n\n${out.sample}\n`);
    console.log(
      `validation loss ${result.metrics.valLoss!.toFixed(4)} nats/char (${result.metrics.valBitsPerChar!.toFixed(3)} bits; target 1.70 nats)`,
    );
    console.log(`${result.steps} steps in ${result.seconds.toFixed(1)}s (${result.stepsPerSecond.toFixed(2)} steps/s)`);
    if (out.curves[0]!.points.length > 0) {
      const svg = await writeLineChart(join(opts.out, "loss.svg"), out.curves, {
        title: "char-rnn: next-character cross-entropy",
        xTitle: "step",
        yTitle: "loss (nats per character)",
      });
      console.log("\n" + terminalChart(out.curves, { title: "loss per character", xTitle: "step", color: Boolean(process.stdout.isTTY) }));
      console.log(`\nloss curve: ${svg}`);
    }
    if (opts.save) console.log(`checkpoint saved to ${opts.save}`);
  }
  if (opts.json) console.log(jsonLine(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runMain("char-rnn", main);
