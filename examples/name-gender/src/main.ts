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
  fromCheckpoint,
  majorityBaseline,
  Progress,
  jsonLine,
  openCheckpoint,
  resumeRun,
  runMain,
  table,
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
import { evaluate, LABELS, setup, Trainer, type NameClassifier, type NameExample } from "./task.js";

/** The command-line options, their defaults and help: `--help` prints them. */
export const specs = {
  epochs: { type: "int", default: 15, min: 0, help: "passes over the training names (0 with --load: only evaluate)" },
  batchSize: { type: "int", default: 64, min: 1, help: "names per step" },
  ...trainingSpecs({
    lr: 5e-3,
    embed: 16,
    // the GRU's test accuracy is higher (0.886 against 0.869) but its test loss worse (0.467 against 0.348): examples/README.md
    cell: "rnn",
    out: "runs/name-gender",
    seed: "seed for the initial weights and the batch order (the split is fixed)",
    load: "start from the weights of a checkpoint (continue training, or only evaluate with --epochs 0)",
  }),
  trainLimit: { type: "int", default: 0, min: 0, help: "train on only the first N training names (0: all); for quick tests" },
  names: { type: "string", default: "", help: "comma-separated names to classify at the end" },
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
  const ckpt = openCheckpoint(opts, "name-gender");
  const size = { embed: opts.embed, hidden: opts.hidden, layers: opts.layers, cell: opts.cell as CellName };
  const s = fromCheckpoint(ckpt, () => setup({ ...opts, size, dtype: opts.dtype as FloatDtype }, ckpt?.saved));
  const { model, vocab, test } = s;
  const totalSteps = opts.epochs * Math.ceil(s.train.length / opts.batchSize);
  const trainer = new Trainer(model, s.optimizer, s.train, vocab, s.rng, { ...opts, steps: totalSteps });
  resumeRun(ckpt, trainer, s.rng);

  const bar = new Progress(totalSteps, { quiet: opts.quiet });
  const trainCurve: Series = { name: "train", points: [] };
  const testCurve: Series = { name: "test", points: [] };
  const first = evaluate(model, test, vocab);
  testCurve.points.push({ x: trainer.steps, y: first.loss });

  let step = trainer.steps;
  const trainStart = performance.now();
  let evalSeconds = 0;
  let epochLoss = 0;
  let epochSteps = 0;
  const last = opts.stopAt > 0 ? Math.min(opts.stopAt, totalSteps) : totalSteps;
  while (step < last) {
    const loss = trainer.step();
    step++;
    epochLoss += loss;
    epochSteps++;
    bar.update(step, { epoch: trainer.epoch, loss: epochLoss / epochSteps });
    if (opts.timeBudget > 0 && (performance.now() - trainStart) / 1000 >= opts.timeBudget) {
      trainCurve.points.push({ x: step, y: epochLoss / epochSteps });
      bar.log(`time budget of ${opts.timeBudget}s reached at step ${step}`);
      break;
    }
    if (step % trainer.stepsPerEpoch === 0) {
      const t0 = performance.now();
      const ev = evaluate(model, test, vocab);
      evalSeconds += (performance.now() - t0) / 1000;
      trainCurve.points.push({ x: step, y: epochLoss / epochSteps });
      testCurve.points.push({ x: step, y: ev.loss });
      bar.log(`epoch ${trainer.epoch}: train loss ${(epochLoss / epochSteps).toFixed(4)}  test loss ${ev.loss.toFixed(4)}  test accuracy ${ev.accuracy.toFixed(4)}`);
      epochLoss = 0;
      epochSteps = 0;
    }
  }
  bar.done();
  // Saved before the final evaluation and sampling, which draw from the rng.
  if (opts.save) writeCheckpoint(opts.save, trainer, s.rng, { example: "name-gender", chars: vocab.chars, size: s.size, dtype: s.dtype });
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
    if (curves[0]!.points.length > 0) {
      const svg = await writeLineChart(join(opts.out, "loss.svg"), curves, {
        title: "name-gender: cross-entropy",
        xTitle: "step",
        yTitle: "loss (nats per name)",
      });
      console.log("\n" + terminalChart(curves, { title: "loss", xTitle: "step", color: Boolean(process.stdout.isTTY) }));
      console.log(`\nloss curve: ${svg}`);
    }
    if (opts.save) console.log(`checkpoint saved to ${opts.save}`);
  }
  if (opts.json) console.log(jsonLine(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runMain("name-gender", main);
