// word-boundaries: put the spaces back into Moby Dick, lower-cased and without white space.
// Sequence labelling: windows of T characters -> Embedding -> LSTM (--cell) -> Linear at every
// step -> sequenceCrossEntropy (per-step NLL summed over the window, mean over the batch).
//
// Shapes: B windows per batch, T window length, E embedding, H hidden, C = 2 labels
// (0: inside a word, 1: a word starts here).

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createRng, type FloatDtype } from "@unroll/autograd";
import {
  cliOptions,
  fromCheckpoint,
  jsonLine,
  majorityBaseline,
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
import { evaluate, hiddenGradientNorms, segment, setup, Trainer, windowBatch, withSpaces, WordBoundaryTagger, type LabelledText } from "./task.js";

/** The command-line options, their defaults and help: `--help` prints them. */
export const specs = {
  steps: { type: "int", default: 800, min: 0, help: "training steps (0 with --load: only evaluate)" },
  batchSize: { type: "int", default: 64, min: 1, help: "windows per step" },
  window: { type: "int", default: 64, min: 2, help: "characters per window T" },
  ...trainingSpecs({
    lr: 1e-2,
    embed: 32,
    // the LSTM reaches accuracy 0.9605 / F1 0.906 in 55 s here, the vanilla RNN 0.955 / 0.892 (17 s): examples/README.md
    cell: "lstm",
    out: "runs/word-boundaries",
    seed: "seed for the initial weights and the batch order",
    load: "start from the weights of a checkpoint (continue training, or only evaluate with --steps 0)",
  }),
  evalEvery: { type: "int", default: 100, min: 1, help: "steps between evaluations on part of the test text" },
  evalChars: { type: "int", default: 32768, min: 0, help: "test characters used by the evaluations during training (the final one uses all)" },
  trainChars: { type: "int", default: 0, min: 0, help: "train on only the first N characters (0: all); for quick tests" },
  testChars: { type: "int", default: 0, min: 0, help: "test on only the first N test characters (0: all); for quick tests" },
  text: { type: "string", default: "", help: "text to segment at the end (its spaces are removed first)" },
  diagnose: { type: "flag", help: "plot the gradient norm reaching the hidden state at each step, at the start and end of training (a gated --cell also draws a vanilla RNN's)" },
} as const;

export type WordBoundaryOptions = Options<typeof specs>;

// ---------------------------------------------------------------------------------
// Run: train and evaluate.

export interface WordBoundaryRun {
  result: RunResult;
  model: WordBoundaryTagger;
  vocab: CharVocab;
  test: LabelledText;
  testPredicted: Int32Array;
  majority: number;
  /** Train and test loss per character against the step. */
  curves: Series[];
  /** With --diagnose: d L_T / d h_t norms at the start and at the end of training. */
  gradientNorms?: Series[];
}

/** Load the data, train and evaluate; everything `main` prints. Example: `run(parseCli(["--steps", "100"], specs).options!)`. */
export function run(opts: WordBoundaryOptions): WordBoundaryRun {
  const started = performance.now();
  const T = opts.window;
  const ckpt = openCheckpoint(opts, "word-boundaries");
  const size = { embed: opts.embed, hidden: opts.hidden, layers: opts.layers, cell: opts.cell as CellName };
  const s = fromCheckpoint(ckpt, () => setup({ ...opts, size, dtype: opts.dtype as FloatDtype }, ckpt?.saved));
  const { model, vocab, test, testIds, evalPart, evalIds } = s;

  // A fixed batch of test windows for --diagnose, the same at the start and the end.
  const diagnoseStarts = Array.from({ length: Math.min(64, Math.floor(testIds.length / T)) }, (_, b) => b * T);
  const diagnoseBatch = diagnoseStarts.length > 0 ? windowBatch(test, testIds, diagnoseStarts, T) : undefined;
  const gradientNorms: Series[] = [];
  const cellName = (s.size.cell ?? "rnn").toUpperCase();
  const recordNorms = (name: string, tagger = model) => {
    if (!opts.diagnose || !diagnoseBatch) return;
    const norms = hiddenGradientNorms(tagger, diagnoseBatch.x, diagnoseBatch.y);
    gradientNorms.push({ name, points: norms.map((y, t) => ({ x: t + 1, y })) });
  };
  recordNorms(`${cellName}, start of training`);
  // With a gated cell, a vanilla RNN of the same sizes next to it, at initialisation: its norms fall off with distance
  if (cellName !== "RNN") recordNorms("RNN, at initialisation", new WordBoundaryTagger(vocab.size, { ...s.size, cell: "rnn" }, { rng: createRng(opts.seed), dtype: s.dtype }));

  const trainer = new Trainer(model, s.optimizer, s.train, s.trainIds, s.rng, opts);
  resumeRun(ckpt, trainer, s.rng);

  const bar = new Progress(opts.steps, { quiet: opts.quiet });
  const trainCurve: Series = { name: "train", points: [] };
  const testCurve: Series = { name: "test", points: [] };
  const firstEval = evaluate(model, evalPart, evalIds, T);
  testCurve.points.push({ x: trainer.steps, y: firstEval.loss });
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
    bar.update(step, { "loss/char": recentLoss / recentSteps });
    const outOfTime = opts.timeBudget > 0 && (performance.now() - trainStart) / 1000 >= opts.timeBudget;
    if (step % opts.evalEvery === 0 || step === last || outOfTime) {
      const t0 = performance.now();
      const ev = evaluate(model, evalPart, evalIds, T);
      evalSeconds += (performance.now() - t0) / 1000;
      trainCurve.points.push({ x: step, y: recentLoss / recentSteps });
      testCurve.points.push({ x: step, y: ev.loss });
      bar.log(
        `step ${step}: train loss/char ${(recentLoss / recentSteps).toFixed(4)}  test loss/char ${ev.loss.toFixed(4)}  ` +
          `accuracy ${ev.accuracy.toFixed(4)}  word-start F1 ${ev.wordStartF1.toFixed(4)}  (first ${evalPart.chars.length} test chars)`,
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
  if (opts.save) writeCheckpoint(opts.save, trainer, s.rng, { example: "word-boundaries", chars: vocab.chars, size: s.size, dtype: s.dtype });
  const trainSeconds = (performance.now() - trainStart) / 1000 - evalSeconds;
  recordNorms(`${cellName}, end of training`);

  const final = evaluate(model, test, testIds, T);
  const result: RunResult = {
    example: "word-boundaries",
    seed: opts.seed,
    steps: step,
    seconds: (performance.now() - started) / 1000,
    stepsPerSecond: trainSeconds > 0 ? step / trainSeconds : 0,
    metrics: { testAccuracy: final.accuracy, wordStartF1: final.wordStartF1, testLoss: final.loss },
  };
  return {
    result,
    model,
    vocab,
    test,
    testPredicted: final.predicted,
    majority: majorityBaseline(test.labels).accuracy,
    curves: [trainCurve, testCurve],
    gradientNorms: opts.diagnose ? gradientNorms : undefined,
  };
}

// ---------------------------------------------------------------------------------
// Result: metrics, a test passage with its predicted spaces, the plots.

async function main(): Promise<void> {
  const opts = cliOptions("word-boundaries", "find where words start in Moby Dick with its spaces removed", specs);
  const out = run(opts);
  const { result, test, testPredicted } = out;
  if (!opts.quiet) {
    console.log("\nThe first test characters (chapter 111), the spaces the model put back, and the truth:\n");
    for (let s = 0; s < Math.min(test.chars.length, 4 * 64); s += 64) {
      const chars = test.chars.slice(s, s + 64);
      console.log(`  input      ${chars.join("")}`);
      console.log(`  predicted  ${withSpaces(chars, testPredicted.subarray(s, s + 64))}`);
      console.log(`  truth      ${withSpaces(chars, test.labels.subarray(s, s + 64))}\n`);
    }
    if (opts.text) console.log(`  your text  ${segment(out.model, out.vocab, opts.text)}\n`);
    console.log(
      `test accuracy ${result.metrics.testAccuracy!.toFixed(4)} (majority: ${out.majority.toFixed(4)}, target 0.945)  ` +
        `word-start F1 ${result.metrics.wordStartF1!.toFixed(4)} (target 0.87)`,
    );
    console.log(`${result.steps} steps in ${result.seconds.toFixed(1)}s (${result.stepsPerSecond.toFixed(2)} steps/s)`);
    const color = Boolean(process.stdout.isTTY);
    if (out.curves[0]!.points.length > 0) {
      const svg = await writeLineChart(join(opts.out, "loss.svg"), out.curves, {
        title: "word-boundaries: cross-entropy per character",
        xTitle: "step",
        yTitle: "loss (nats per character)",
      });
      console.log("\n" + terminalChart(out.curves, { title: "loss per character", xTitle: "step", color }));
      console.log(`\nloss curve: ${svg}`);
    }
    if (out.gradientNorms) {
      const chart = await writeLineChart(join(opts.out, "hidden-gradient-norms.svg"), out.gradientNorms, {
        title: "‖∂L_T/∂h_t‖: the last step's loss reaching the hidden state at step t",
        xTitle: "time step t",
        yTitle: "gradient norm (log scale)",
        logY: true,
      });
      console.log("\n" + terminalChart(out.gradientNorms, { title: "‖∂L_T/∂h_t‖ (log scale)", xTitle: "t", color, logY: true }));
      for (const s of out.gradientNorms) {
        const first = s.points[0]!.y;
        const lastPoint = s.points[s.points.length - 1]!.y;
        console.log(`  ${s.name}: ‖∂L_T/∂h_1‖ / ‖∂L_T/∂h_T‖ = ${(first / lastPoint).toExponential(2)}`);
      }
      console.log(`gradient norms: ${chart}`);
    }
    if (opts.save) console.log(`checkpoint saved to ${opts.save}`);
  }
  if (opts.json) console.log(jsonLine(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runMain("word-boundaries", main);
