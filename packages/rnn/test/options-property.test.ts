// Property test for the class "options that are silently ignored" (issue 12): seeded
// random option objects for every public constructor and the main public functions.
// Each call either works (every key known, every value valid) or throws a clear
// TypeError / RangeError that names the function; an invalid object never "works".

import { describe, expect, it } from "vitest";
import {
  Adagrad,
  Adam,
  AdamW,
  clipGradNorm,
  createRng,
  gradcheck,
  randn,
  rand,
  RMSprop,
  SGD,
  tensor,
  zeros,
  ones,
  full,
  arange,
  uniform,
  type Rng,
  type Tensor,
} from "@unroll/autograd";
import { crossEntropy, nllLoss, sequenceCrossEntropy } from "@unroll/losses";
import { Dropout, Embedding, GRU, GRUCell, Linear, LSTM, LSTMCell, RNN, RNNCell } from "@unroll/rnn";

/** The valid and invalid values of one option. */
interface Values {
  ok: readonly unknown[];
  bad: readonly unknown[];
}

interface Target {
  /** What every error message must start with. */
  name: string;
  options: Record<string, Values>;
  call: (opts: unknown) => unknown;
}

const bool: Values = { ok: [true, false], bad: ["true", "false", 1, 0, null, {}] };
const floatDtype: Values = { ok: ["float64", "float32"], bad: ["int32", "float16", 64, null] };
// int32 is a valid dtype for tensor(), but not with requiresGrad: left out of both lists.
const creationDtype: Values = { ok: ["float64", "float32"], bad: ["float16", "Float64", 64, null] };
const rngValues: Values = { ok: [createRng(1)], bad: [5, {}, "seed", null] };
const nonNegative: Values = { ok: [0, 0.01], bad: [-1, "0.1", Number.NaN, Infinity, null] };
const positiveInt: Values = { ok: [1, 2], bad: [0, -1, 1.5, "2", Number.NaN] };
const moduleOptions = { rng: rngValues, dtype: floatDtype };
const cellOptions = { ...moduleOptions, bias: bool };
const layerOptions = { ...cellOptions, numLayers: positiveInt, bidirectional: bool, dropout: { ok: [0, 0.3], bad: [1, -0.1, "0.1", Number.NaN] } };
const nonlinearity: Values = { ok: ["tanh", "relu"], bad: ["sigmoid", 1, null] };

const param = (): Tensor => randn([3], { requiresGrad: true, rng: createRng(2) });
const withGrad = (): Tensor => {
  const p = param();
  p.grad = ones([3]);
  return p;
};
const x3 = (): Tensor => randn([2, 3, 4], { rng: createRng(3) });

const targets: Target[] = [
  { name: "tensor", options: { dtype: creationDtype, requiresGrad: bool }, call: (o) => tensor([1, 2], o as never) },
  { name: "zeros", options: { dtype: { ok: ["float64", "float32", "int32"], bad: ["f64", null] } }, call: (o) => zeros([2], o as never) },
  { name: "ones", options: { dtype: creationDtype, requiresGrad: bool }, call: (o) => ones([2], o as never) },
  { name: "full", options: { dtype: creationDtype, requiresGrad: bool }, call: (o) => full([2], 3, o as never) },
  { name: "arange", options: { dtype: creationDtype, requiresGrad: bool }, call: (o) => arange(3, o as never) },
  { name: "randn", options: { dtype: creationDtype, requiresGrad: bool, rng: rngValues }, call: (o) => randn([2], o as never) },
  { name: "rand", options: { dtype: creationDtype, rng: rngValues }, call: (o) => rand([2], o as never) },
  { name: "uniform", options: { dtype: creationDtype, rng: rngValues }, call: (o) => uniform([2], -1, 1, o as never) },
  {
    name: "backward",
    options: { retainGraph: bool, createGraph: bool },
    call: (o) => param().tanh().sum().backward(undefined, o as never),
  },
  {
    name: "gradcheck",
    options: {
      eps: { ok: [1e-6], bad: [0, -1e-6, "1e-6", Number.NaN] },
      atol: { ok: [1e-5, 0], bad: [-1, "0"] },
      rtol: { ok: [1e-3], bad: [-1, Infinity] },
      seed: { ok: [0, 7], bad: [1.5, "0"] },
      maxFailures: { ok: [0, 10], bad: [-1, 2.5] },
    },
    call: (o) => gradcheck((t) => t.tanh(), [param()], o as never),
  },
  {
    name: "clipGradNorm",
    options: { normType: { ok: [2, 1, Infinity], bad: [0, -1, "2", Number.NaN] }, errorIfNonfinite: bool },
    call: (o) => clipGradNorm([withGrad()], 1, o as never),
  },
  { name: "Linear", options: { ...moduleOptions, bias: bool }, call: (o) => new Linear(3, 2, o as never) },
  {
    name: "Embedding",
    options: { ...moduleOptions, paddingIdx: { ok: [0, -1, 4, null], bad: [5, -6, 1.5, "0"] } },
    call: (o) => new Embedding(5, 3, o as never),
  },
  { name: "RNNCell", options: { ...cellOptions, nonlinearity }, call: (o) => new RNNCell(3, 2, o as never) },
  { name: "GRUCell", options: cellOptions, call: (o) => new GRUCell(3, 2, o as never) },
  { name: "LSTMCell", options: cellOptions, call: (o) => new LSTMCell(3, 2, o as never) },
  { name: "RNN", options: { ...layerOptions, nonlinearity }, call: (o) => new RNN(3, 2, o as never) },
  { name: "GRU", options: layerOptions, call: (o) => new GRU(3, 2, o as never) },
  { name: "LSTM", options: layerOptions, call: (o) => new LSTM(3, 2, o as never) },
  { name: "Dropout", options: { rng: rngValues }, call: (o) => new Dropout(0.5, o as never) },
  {
    name: "RNN",
    options: { lengths: { ok: [[3, 1], null, tensor([2, 3], { dtype: "int32" })], bad: [[4, 1], [0, 1], "3", [3], tensor([2, 3])] } },
    call: (o) => new RNN(4, 2).forward(x3(), null, o as never),
  },
  { name: "stateDict", options: { names: { ok: ["unroll", "torch"], bad: ["pytorch", 1, null] } }, call: (o) => new Linear(2, 2).stateDict(o as never) },
  {
    name: "loadStateDict",
    options: { strict: bool, names: { ok: ["unroll"], bad: ["pytorch", 1] } },
    call: (o) => {
      const m = new Linear(2, 2);
      return m.loadStateDict(m.stateDict(), o as never);
    },
  },
  { name: "zeroGrad", options: { setToNone: bool }, call: (o) => new Linear(2, 2).zeroGrad(o as never) },
  {
    name: "SGD",
    options: {
      lr: { ok: [0.1, 0], bad: [-1, "0.1", Number.NaN] },
      momentum: nonNegative,
      dampening: { ok: [0], bad: ["0"] },
      weightDecay: nonNegative,
      nesterov: { ok: [false], bad: ["false", 1] },
      maximize: bool,
    },
    call: (o) => new SGD([param()], o as never),
  },
  {
    name: "Adam",
    options: {
      lr: { ok: [1e-3], bad: [-1, "1e-3"] },
      betas: { ok: [[0.9, 0.999]], bad: [[0.9], [1, 0.5], "0.9", null] },
      eps: nonNegative,
      weightDecay: nonNegative,
      amsgrad: bool,
      maximize: bool,
    },
    call: (o) => new Adam([param()], o as never),
  },
  { name: "AdamW", options: { lr: { ok: [1e-3], bad: [-1] }, weightDecay: nonNegative, amsgrad: bool }, call: (o) => new AdamW([param()], o as never) },
  {
    name: "RMSprop",
    options: { lr: { ok: [1e-2], bad: [-1] }, alpha: nonNegative, eps: nonNegative, momentum: nonNegative, centered: bool, maximize: bool },
    call: (o) => new RMSprop([param()], o as never),
  },
  { name: "Adagrad", options: { lr: { ok: [1e-2], bad: [-1] }, lrDecay: nonNegative, initialAccumulatorValue: nonNegative, eps: nonNegative }, call: (o) => new Adagrad([param()], o as never) },
  {
    name: "crossEntropy",
    options: {
      reduction: { ok: ["mean", "sum", "none"], bad: ["avg", 1, null] },
      ignoreIndex: { ok: [-100, 1], bad: [1.5, "1"] },
      labelSmoothing: { ok: [0, 0.1, 1], bad: [2, -0.1, "0.1"] },
      weight: { ok: [tensor([1, 2, 0.5])], bad: ["w", tensor([1, 2]), tensor([1, -1, 1])] },
    },
    call: (o) => crossEntropy(randn([4, 3], { rng: createRng(4) }), [0, 1, 2, 0], o as never),
  },
  {
    name: "nllLoss",
    options: { reduction: { ok: ["mean", "sum", "none"], bad: ["avg"] }, ignoreIndex: { ok: [-100, 0], bad: [0.5] }, weight: { ok: [tensor([1, 2, 3])], bad: [[1, 2, 3]] } },
    call: (o) => nllLoss(randn([4, 3], { rng: createRng(5) }).logSoftmax(1), [0, 1, 2, 0], o as never),
  },
  {
    name: "sequenceCrossEntropy",
    options: {
      timeReduction: { ok: ["sum", "mean"], bad: ["max"] },
      batchReduction: { ok: ["mean", "sum"], bad: ["none"] },
      lengths: { ok: [[3, 1], null], bad: [[4, 1], "3", [1]] },
      labelSmoothing: { ok: [0, 0.2], bad: [-1] },
    },
    call: (o) => sequenceCrossEntropy(randn([2, 3, 4], { rng: createRng(6) }), [[0, 1, 2], [3, 0, 1]], o as never),
  },
];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** A misspelling of a known key, or a name no function takes. */
function strayKey(rng: Rng, known: string[]): string {
  const k = pick(rng, known);
  const forms = [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), k.toLowerCase() + "s", k.slice(0, -1), `${k}X`, "seed", "foo"];
  const key = pick(rng, forms);
  return known.includes(key) ? `${key}_` : key;
}

/** A random options argument and whether every part of it is valid. */
function randomOptions(rng: Rng, t: Target): { opts: unknown; valid: boolean } {
  const r = rng.random();
  if (r < 0.08) return { opts: pick(rng, [null, [], 3, "opts", true, tensor([1])]), valid: false };
  if (r < 0.12) return { opts: undefined, valid: true };
  const opts: Record<string, unknown> = {};
  let valid = true;
  for (const [key, v] of Object.entries(t.options)) {
    const u = rng.random();
    if (u < 0.4) continue;
    if (u < 0.85 || v.bad.length === 0) opts[key] = pick(rng, v.ok);
    else {
      opts[key] = pick(rng, v.bad);
      valid = false;
    }
  }
  if (rng.random() < 0.2) {
    opts[strayKey(rng, Object.keys(t.options))] = 1;
    valid = false;
  }
  return { opts, valid };
}

function show(o: unknown): string {
  try {
    return JSON.stringify(o, (_k, v) => (typeof v === "object" && v !== null && typeof v.toTypedArray === "function" ? `Tensor(${v.dtype})` : typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
  } catch {
    return String(o);
  }
}

describe("defect class: silently ignored options (property test: random options for every public constructor and function)", () => {
  for (const t of targets) {
    it(`${t.name}: valid options work, anything else is a clear error naming ${t.name}`, () => {
      const rng = createRng(`options:${t.name}:${Object.keys(t.options).join(",")}`);
      let worked = 0;
      let rejected = 0;
      for (let i = 0; i < 150; i++) {
        const { opts, valid } = randomOptions(rng, t);
        let error: unknown = null;
        try {
          t.call(opts);
        } catch (e) {
          error = e;
        }
        const what = `${t.name}(${show(opts)})`;
        if (valid) {
          expect(error, `${what} should work, got ${String(error)}`).toBeNull();
          worked++;
          continue;
        }
        expect(error, `${what} was accepted`).toBeInstanceOf(Error);
        const e = error as Error;
        expect([TypeError, RangeError, Error], `${what}: ${e.name}`).toContain(e.constructor);
        expect(e.message.startsWith(t.name), `${what}: "${e.message}" does not name ${t.name}`).toBe(true);
        expect(e.message, what).not.toMatch(/Cannot read|is not a function|is not iterable|undefined is not|Invalid typed array length/);
        rejected++;
      }
      // both sides of the property were exercised
      expect(worked).toBeGreaterThan(5);
      expect(rejected).toBeGreaterThan(5);
    });
  }
});
