// name-gender: guess whether a first name is a woman's or a man's from its letters.
// Sequence classification: characters -> Embedding -> RNN (with lengths, so padding is
// skipped) -> Linear on the final state -> crossEntropy, averaged over the batch.
//
// Shapes: B batch, T longest name in the batch, E embedding, H hidden, C = 2 classes.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FloatDtype } from "@unroll/autograd";
import {
  cliOptions,
  majorityBaseline,
  Progress,
  jsonLine,
  loadCheckpoint,
  saveCheckpoint,
  table,
  terminalChart,
  writeLineChart,
  type Options,
  type RunResult,
  type Series,
} from "@unroll/examples-common";
import type { CharVocab } from "@unroll/examples-common/data";
import { evaluate, LABELS, setup, Trainer, type NameClassifier, type NameExample } from "./task.js";

/** The command-line options, their defaults and help: `--help` prints them. */
export const specs = {
  epochs: { type: "int", default: 15, min: 0, help: "passes over the training names (0 with --load: only evaluate)" },
  batchSize: { type: "int", default: 64, min: 1, help: "names per step" },
  embed: { type: "int", default: 16, min: 1, help: "embedding size E" },
  hidden: { type: "int", default: 128, min: 1, help: "hidden size H" },
  layers: { type: "int", default: 1, min: 1, help: "stacked RNN layers" },
  lr: { type: "float", default: 5e-3, min: 0, help: "Adam learning rate" },
  schedule: { type: "string", default: "cosine", choices: ["cosine", "constant"], help: "learning-rate schedule over the run" },
  clip: { type: "float", default: 5, min: 0, help: "clip the gradient norm to this (0: no clipping)" },
  dtype: { type: "string", default: "float32", choices: ["float32", "float64"], help: "precision of the weights and the arithmetic" },
  seed: { type: "int", default: 0, help: "seed for the initial weights and the batch order (the split is fixed)" },
  timeBudget: { type: "float", default: 150, min: 0, help: "safety net: stop training after this many seconds (0: no limit)" },
  trainLimit: { type: "int", default: 0, min: 0, help: "train on only the first N training names (0: all); for quick tests" },
  names: { type: "string", default: "", help: "comma-separated names to classify at the end" },
  out: { type: "string", default: "runs/name-gender", help: "folder for the loss curve SVG" },
  save: { type: "path", help: "save the trained model to this .safetensors file" },
  load: { type: "path", help: "start from a model saved with --save" },
  json: { type: "flag", help: "print one JSON summary as the last line" },
  quiet: { type: "flag", help: "no progress bar, tables or plots" },
} as const;

export type NameGenderOptions = Options<typeof specs>;

// ---------------------------------------------------------------------------------
// Run: train and evaluate.

export interface NameGenderRun {
  result: RunResult;
  model: NameClassifier;
  vocab: CharVocab;
  testSet: NameExample[];
  /** Train loss (mean over each epoch) and test loss, against the step. */
  curves: Series[];
  majority: number;
}

/** Load the data, train and evaluate; everything `main` prints. Example: `run(parseCli(["--epochs", "2"], specs).options!)`. */
export function run(opts: NameGenderOptions): NameGenderRun {
  const started = performance.now();
  const saved = opts.load ? loadCheckpoint(opts.load, "name-gender") : undefined;
  const size = { embed: opts.embed, hidden: opts.hidden, layers: opts.layers };
  const s = setup({ ...opts, size, dtype: opts.dtype as FloatDtype }, saved);
  const { model, vocab, test } = s;
  const totalSteps = opts.epochs * Math.ceil(s.train.length / opts.batchSize);
  const trainer = new Trainer(model, s.optimizer, s.train, vocab, s.rng, { ...opts, steps: totalSteps });

  const bar = new Progress(totalSteps, { quiet: opts.quiet });
  const trainCurve: Series = { name: "train", points: [] };
  const testCurve: Series = { name: "test", points: [] };
  const first = evaluate(model, test, vocab);
  testCurve.points.push({ x: 0, y: first.loss });

  let step = 0;
  const trainStart = performance.now();
  let evalSeconds = 0;
  training: for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    let epochLoss = 0;
    let epochSteps = 0;
    for (let i = 0; i < trainer.stepsPerEpoch; i++) {
      const loss = trainer.step();
      step++;
      epochLoss += loss;
      epochSteps++;
      bar.update(step, { epoch, loss: epochLoss / epochSteps });
      if (opts.timeBudget > 0 && (performance.now() - trainStart) / 1000 >= opts.timeBudget) {
        trainCurve.points.push({ x: step, y: epochLoss / epochSteps });
        bar.log(`time budget of ${opts.timeBudget}s reached at step ${step}`);
        break training;
      }
    }
    const t0 = performance.now();
    const ev = evaluate(model, test, vocab);
    evalSeconds += (performance.now() - t0) / 1000;
    trainCurve.points.push({ x: step, y: epochLoss / epochSteps });
    testCurve.points.push({ x: step, y: ev.loss });
    bar.log(`epoch ${epoch}: train loss ${(epochLoss / epochSteps).toFixed(4)}  test loss ${ev.loss.toFixed(4)}  test accuracy ${ev.accuracy.toFixed(4)}`);
  }
  bar.done();
  const trainSeconds = (performance.now() - trainStart) / 1000 - evalSeconds;

  const final = evaluate(model, test, vocab);
  if (testCurve.points[testCurve.points.length - 1]!.x !== step) testCurve.points.push({ x: step, y: final.loss });
  const majority = majorityBaseline(test.map((e) => e.label)).accuracy;
  const result: RunResult = {
    example: "name-gender",
    seed: opts.seed,
    steps: step,
    seconds: (performance.now() - started) / 1000,
    stepsPerSecond: trainSeconds > 0 ? step / trainSeconds : 0,
    metrics: { testAccuracy: final.accuracy, testLoss: final.loss },
  };
  if (opts.save) saveCheckpoint(opts.save, model.stateDict({ names: "torch" }), { example: "name-gender", chars: vocab.chars, size: s.size, dtype: s.dtype });
  return { result, model, vocab, testSet: test, curves: [trainCurve, testCurve], majority };
}

// ---------------------------------------------------------------------------------
// Result: metrics, a table of guesses, the loss curve.

async function main(): Promise<void> {
  const opts = cliOptions("name-gender", "classify first names as female or male with a character RNN", specs);
  const { result, model, vocab, testSet, curves, majority } = run(opts);

  if (!opts.quiet) {
    const shown = testSet.slice(0, 12);
    const asked = opts.names
      .split(",")
      .map((n) => n.trim().toLowerCase())
      .filter((n) => n.length > 0);
    const extra = asked.filter((n) => [...n].every((c) => vocab.chars.includes(c)));
    for (const n of asked) if (!extra.includes(n)) console.log(`(skipping "${n}": it has a character no training name has)`);
    const probs = model.predict([...shown.map((e) => e.name), ...extra], vocab);
    const rows = [...shown, ...extra.map((name) => ({ name, label: -1 }))].map((e, i) => {
      const p = probs[i]!;
      const guess = p[1]! > p[0]! ? 1 : 0;
      const truth = e.label < 0 ? "?" : LABELS[e.label]!;
      return [e.name, LABELS[guess]!, p[guess]!.toFixed(2), truth, e.label < 0 ? "" : guess === e.label ? "✓" : "✗"];
    });
    console.log("\n" + table(["name", "guess", "p", "truth", ""], rows));
    console.log(`\ntest accuracy ${result.metrics.testAccuracy!.toFixed(4)} (majority class: ${majority.toFixed(4)}, target 0.84)`);
    console.log(`${result.steps} steps in ${result.seconds.toFixed(1)}s (${result.stepsPerSecond.toFixed(1)} steps/s)`);
    const svg = await writeLineChart(join(opts.out, "loss.svg"), curves, {
      title: "name-gender: cross-entropy",
      xTitle: "step",
      yTitle: "loss (nats per name)",
    });
    console.log("\n" + terminalChart(curves, { title: "loss", xTitle: "step", color: Boolean(process.stdout.isTTY) }));
    console.log(`\nloss curve: ${svg}`);
    if (opts.save) console.log(`model saved to ${opts.save}`);
  }
  if (opts.json) console.log(jsonLine(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
