// The three tasks behind one small interface for the worker, each built from its Node
// example's own task.ts (same data, model, training step and evaluation, so the same
// losses for the same seed and settings). Runs in the Web Worker.
//
// Shapes: B batch, T time, H hidden.

import { createRng, noGrad, tensor, type Optimizer, type Rng, type Scheduler, type Tensor } from "@unroll/autograd";
import type { Embedding, Module } from "@unroll/rnn";
import type { RecurrentLayer } from "@unroll/examples-common/recurrent";
import { checkpointBytes, parseCheckpoint } from "@unroll/examples-common/checkpoint-bytes";
import type { CharVocab } from "@unroll/examples-common/data";
import type { SavedModel } from "@unroll/examples-common/train";
import * as charRnn from "@unroll/example-char-rnn/task";
import * as nameGender from "@unroll/example-name-gender/task";
import * as wordBoundaries from "@unroll/example-word-boundaries/task";
import type { Config, TaskName } from "./params.js";
import type { Activations, Metric } from "./protocol.js";

/** One model being trained on one task. */
export interface TaskRun {
  readonly task: TaskName;
  readonly hidden: number;
  /** Steps taken so far. */
  readonly steps: number;
  /** One training step; returns its loss. */
  step(): number;
  /** The held-out metric: on the evaluation part (as the Node example does during training) or on all of it. */
  evaluate(all: boolean): Metric;
  /** char-rnn: a sample at `temperature`; name-gender: test names with their guesses; word-boundaries: a test passage with its spaces put back. */
  sample(temperature: number): string;
  /** What the model makes of the user's text: a continuation, a class, or spaces. */
  query(text: string, temperature: number): string;
  /** The last layer's hidden state at each character of `text` (characters outside the vocabulary dropped). */
  activations(text: string): Activations;
  /** ‖∂L_T/∂h_t‖ for t = 1..T on a fixed held-out batch, or null where the task has none. */
  gradientNorms(): number[] | null;
  /** The model as the Node example's --save writes it. */
  checkpoint(): Uint8Array;
}

const NAME_GENDER_EXAMPLES = ["ada", "linus", "grace", "alan", "emmy", "kurt"];

/** A new run of `config`, or of the checkpoint in `bytes` (then its sizes and vocabulary win). */
export function createRun(config: Config, bytes?: Uint8Array, fileName = "the file"): TaskRun {
  const saved = bytes ? parseCheckpoint(bytes, config.task, fileName).saved : undefined;
  if (config.task === "char-rnn") return charRnnRun(config, saved);
  if (config.task === "name-gender") return nameGenderRun(config, saved);
  return wordBoundaryRun(config, saved);
}

function charRnnRun(config: Config, saved?: SavedModel): TaskRun {
  const seqLen = 50;
  const s = charRnn.setup(
    { size: { embed: 32, hidden: config.hidden, layers: 1, cell: config.cell }, dtype: "float32", seed: config.seed, lr: config.lr, trainChars: 0, valChars: 0, evalChars: 20000 },
    saved,
  );
  const trainer = new charRnn.Trainer(s.model, s.optimizer, s.trainIds, s.rng, {
    batchSize: config.batch, seqLen, lr: config.lr, schedule: "cosine", steps: config.steps, clip: 5,
  });
  // Samples draw from their own generator: the training one must stay in step with Node's.
  const sampleRng = createRng(config.seed + 1);
  const probe = new charRnn.Streams(s.valIds, 16, seqLen).chunk(0);
  return {
    task: "char-rnn",
    hidden: s.size.hidden,
    get steps() {
      return trainer.steps;
    },
    step: () => trainer.step(),
    evaluate: (all) => ({ name: "valLoss", value: charRnn.evaluate(s.model, all ? s.valIds : s.evalIds, seqLen) }),
    sample: (temperature) => charRnn.sample(s.model, s.vocab, "The whale", 240, temperature, sampleRng),
    query: (text, temperature) => charRnn.sample(s.model, s.vocab, text || "The whale", 200, temperature, sampleRng),
    activations: (text) => activations(s.model, s.vocab, text),
    gradientNorms: () => wordBoundaries.hiddenGradientNorms(s.model, probe.x, probe.y.reshape([16, seqLen])),
    checkpoint: () => checkpointOf(trainer, s, "char-rnn"),
  };
}

function nameGenderRun(config: Config, saved?: SavedModel): TaskRun {
  const s = nameGender.setup({ size: { embed: 16, hidden: config.hidden, layers: 1, cell: config.cell }, dtype: "float32", seed: config.seed, lr: config.lr, trainLimit: 0 }, saved);
  const trainer = new nameGender.Trainer(s.model, s.optimizer, s.train, s.vocab, s.rng, {
    batchSize: config.batch, lr: config.lr, schedule: "cosine", steps: config.steps, clip: 5,
  });
  const label = (names: string[]) => {
    const known = names.map((n) => [...n.toLowerCase()].filter((c) => s.vocab.chars.includes(c)).join("")).filter((n) => n.length > 0);
    if (known.length === 0) return "";
    return s.model
      .predict(known, s.vocab)
      .map((p, i) => {
        const guess = p[1]! > p[0]! ? 1 : 0;
        return `${known[i]} → ${nameGender.LABELS[guess]} ${p[guess]!.toFixed(2)}`;
      })
      .join("\n");
  };
  return {
    task: "name-gender",
    hidden: s.size.hidden,
    get steps() {
      return trainer.steps;
    },
    step: () => trainer.step(),
    evaluate: () => {
      const ev = nameGender.evaluate(s.model, s.test, s.vocab);
      return { name: "testAccuracy", value: ev.accuracy, extra: { testLoss: ev.loss } };
    },
    sample: () => label([...NAME_GENDER_EXAMPLES, ...s.test.slice(0, 6).map((e) => e.name)]),
    query: (text) => label(text.split(/[\s,]+/)),
    activations: (text) => activations(s.model, s.vocab, text.toLowerCase()),
    gradientNorms: () => null,
    checkpoint: () => checkpointOf(trainer, s, "name-gender"),
  };
}

function wordBoundaryRun(config: Config, saved?: SavedModel): TaskRun {
  const T = 64;
  const s = wordBoundaries.setup(
    { size: { embed: 32, hidden: config.hidden, layers: 1, cell: config.cell }, dtype: "float32", seed: config.seed, lr: config.lr, window: T, trainChars: 0, testChars: 0, evalChars: 32768 },
    saved,
  );
  const trainer = new wordBoundaries.Trainer(s.model, s.optimizer, s.train, s.trainIds, s.rng, {
    batchSize: config.batch, window: T, lr: config.lr, schedule: "cosine", steps: config.steps, clip: 5,
  });
  const probe = wordBoundaries.windowBatch(s.test, s.testIds, Array.from({ length: 32 }, (_, b) => b * T), T);
  const passage = s.test.chars.slice(0, 2 * T).join("");
  return {
    task: "word-boundaries",
    hidden: s.size.hidden,
    get steps() {
      return trainer.steps;
    },
    step: () => trainer.step(),
    evaluate: (all) => {
      const ev = wordBoundaries.evaluate(s.model, all ? s.test : s.evalPart, all ? s.testIds : s.evalIds, T);
      return { name: "testAccuracy", value: ev.accuracy, extra: { wordStartF1: ev.wordStartF1, testLoss: ev.loss } };
    },
    sample: () => wordBoundaries.segment(s.model, s.vocab, passage),
    query: (text) => wordBoundaries.segment(s.model, s.vocab, text),
    activations: (text) => activations(s.model, s.vocab, text.toLowerCase().replace(/\s+/g, "")),
    gradientNorms: () => wordBoundaries.hiddenGradientNorms(s.model, probe.x, probe.y),
    checkpoint: () => checkpointOf(trainer, s, "word-boundaries"),
  };
}

/** The run as the Node example's --save writes it: weights, optimizer, schedule, rng, config and the trainer's position. */
function checkpointOf(
  trainer: { model: Module; optimizer: Optimizer; scheduler: Scheduler | null; steps: number; position(): Record<string, unknown> },
  s: { rng: Rng; vocab: CharVocab; size: unknown; dtype: string },
  example: TaskName,
): Uint8Array {
  const parts = { model: trainer.model, optimizer: trainer.optimizer, scheduler: trainer.scheduler ?? undefined, step: trainer.steps, rng: s.rng };
  return checkpointBytes(parts, { example, chars: s.vocab.chars, size: s.size, dtype: s.dtype }, trainer.position());
}

/** The last layer's output at each character of `text`: values [T * H], row t for character t. */
function activations(model: { embedding: Embedding; rnn: RecurrentLayer }, vocab: CharVocab, text: string): Activations {
  const chars = [...text].filter((c) => vocab.chars.includes(c)).slice(0, 80);
  if (chars.length === 0) return { chars, hidden: 0, values: new Float32Array(0) };
  const output: Tensor = noGrad(
    () => model.rnn.forward(model.embedding.forward(tensor(vocab.encode(chars.join("")), { shape: [1, chars.length], dtype: "int32" }))).output,
  ); // [1, T, H]
  return { chars, hidden: output.shape[2]!, values: Float32Array.from(output.toTypedArray()) };
}
