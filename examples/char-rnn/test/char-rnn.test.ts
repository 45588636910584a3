import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createRng, loadSafetensors, saveSafetensors } from "@unroll/autograd";
import { parseCli, readCheckpoint } from "@unroll/examples-common";
import { run, specs } from "../src/main.js";
import { loadNovel, sample, Streams } from "../src/task.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const options = (...argv: string[]) => parseCli([...argv, "--quiet"], specs).options!;
const tiny = [
  "--steps", "150", "--train-chars", "60000", "--val-chars", "5000", "--batch-size", "16", "--seq-len", "25",
  "--embed", "16", "--hidden", "48", "--lr", "1e-2", "--eval-every", "75", "--sample-length", "40", "--time-budget", "0",
];

/** Cross-entropy (nats per character) of predicting each character from its frequency in `train`. */
function unigramLoss(train: string, val: string): number {
  const counts = new Map<string, number>();
  for (const c of train) counts.set(c, (counts.get(c) ?? 0) + 1);
  let nll = 0;
  for (const c of val) nll -= Math.log(((counts.get(c) ?? 0) + 1) / (train.length + counts.size));
  return nll / val.length;
}

describe("char-rnn data", () => {
  it("splits the novel 90/10 in order", () => {
    const { text, train, val } = loadNovel();
    expect(train + val).toBe(text);
    expect(train.length / text.length).toBeCloseTo(0.9, 5);
    expect(text.length).toBeGreaterThan(1_200_000);
    expect(train).toContain("Call me Ishmael. Some years ago");
    expect(val.trimEnd().endsWith("only found another orphan.")).toBe(true);
  });

  it("cuts the text into streams read chunk after chunk, targets one character ahead", () => {
    const ids = Int32Array.from({ length: 101 }, (_, i) => i);
    const s = new Streams(ids, 4, 5);
    expect(s.length).toBe(25);
    expect(s.chunks).toBe(5);
    const a = s.chunk(0);
    const b = s.chunk(1);
    expect(a.x.toArray()).toEqual([0, 25, 50, 75].map((start) => [0, 1, 2, 3, 4].map((i) => start + i)));
    expect(b.x.toArray()).toEqual([0, 25, 50, 75].map((start) => [5, 6, 7, 8, 9].map((i) => start + i)));
    expect([...a.y.toTypedArray()]).toEqual([...a.x.toTypedArray()].map((v) => v + 1));
    expect(() => new Streams(ids, 50, 5)).toThrow("too few");
  });
});

describe("char-rnn training", () => {
  it("lowers the loss below the unigram baseline", () => {
    const { result, curves } = run(options(...tiny));
    const [train, val] = curves;
    expect(train!.points.at(-1)!.y).toBeLessThan(train!.points[0]!.y);
    expect(val!.points.at(-1)!.y).toBeLessThan(val!.points[0]!.y - 1);
    const novel = loadNovel();
    const baseline = unigramLoss(novel.train.slice(0, 60000), novel.val.slice(0, 5000));
    expect(result.metrics.valLoss).toBeLessThan(baseline);
  });

  it("samples deterministically from a seed, greedier at low temperature", () => {
    const { model, vocab } = run(options(...tiny, "--steps", "40", "--eval-every", "1000"));
    const a = sample(model, vocab, "The ", 60, 1, createRng(3));
    expect(sample(model, vocab, "The ", 60, 1, createRng(3))).toBe(a);
    expect(a.startsWith("The ")).toBe(true);
    expect([...a]).toHaveLength(64);
    // At a very low temperature the choice no longer depends on the random numbers.
    expect(sample(model, vocab, "The ", 30, 1e-4, createRng(1))).toBe(sample(model, vocab, "The ", 30, 1e-4, createRng(2)));
  });

  it("saves, loads and samples from a checkpoint; prints a JSON summary with --json", () => {
    const dir = mkdtempSync(join(tmpdir(), "char-rnn-"));
    const file = join(dir, "model.safetensors");
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["--conditions=development", "--import", "tsx", "src/main.ts", ...tiny, "--out", dir, ...args], {
        cwd: root,
        encoding: "utf8",
      });
    const trained = cli("--steps", "20", "--save", file, "--json");
    expect(trained.status).toBe(0);
    const first = JSON.parse(trained.stdout.trim().split("\n").at(-1)!);
    expect(first).toMatchObject({ example: "char-rnn", seed: 0, steps: 20 });
    expect(first.metrics.valLoss).toBeGreaterThan(0);

    const loaded = cli("--steps", "0", "--load", file, "--json", "--temperature", "0.5");
    expect(loaded.status).toBe(0);
    const again = JSON.parse(loaded.stdout.trim().split("\n").at(-1)!);
    expect(again.steps).toBe(0);
    expect(again.metrics.valLoss).toBeCloseTo(first.metrics.valLoss, 6);
    expect(loaded.stdout).toContain("Sampled at temperature 0.5");
    // --steps 0 trains nothing, so it draws no loss curve.
    expect(loaded.stdout).not.toContain("loss curve");

    // A missing or corrupt file, or a weights-only file given to --resume: one line naming the problem, exit code 2.
    const missing = cli("--load", join(dir, "nope.safetensors"));
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split("\n").at(-1)).toBe(`char-rnn: --load: cannot read ${join(dir, "nope.safetensors")}: no such file`);
    const corrupt = join(dir, "corrupt.safetensors");
    writeFileSync(corrupt, readFileSync(file).subarray(0, 100));
    const bad = cli("--resume", corrupt);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^char-rnn: --resume: .*corrupt.safetensors is not a readable checkpoint \(loadSafetensors: .*\)$/m);
    expect(bad.stderr).not.toContain("    at ");
  });

  it.each(["rnn", "lstm"])("--resume continues a run stopped with --stop-at exactly where it left off (--cell %s)", (cell) => {
    const dir = mkdtempSync(join(tmpdir(), "char-rnn-resume-"));
    const args = [...tiny, "--steps", "30", "--eval-every", "1000", "--train-chars", "8000", "--cell", cell];
    const straight = run(options(...args, "--save", join(dir, "straight.safetensors")));
    run(options(...args, "--stop-at", "12", "--save", join(dir, "half.safetensors")));
    const resumed = run(options(...args, "--resume", join(dir, "half.safetensors"), "--save", join(dir, "resumed.safetensors")));
    expect(resumed.result.steps).toBe(30);
    expect(resumed.result.metrics).toEqual(straight.result.metrics);
    const a = loadSafetensors(readFileSync(join(dir, "straight.safetensors")));
    const b = loadSafetensors(readFileSync(join(dir, "resumed.safetensors")));
    for (const name of Object.keys(a)) expect(Array.from(b[name]!.toTypedArray()), name).toEqual(Array.from(a[name]!.toTypedArray()));
  });

  it("--load reads the weights-only files of earlier versions; --resume refuses them", () => {
    const dir = mkdtempSync(join(tmpdir(), "char-rnn-old-"));
    // earlier versions had the vanilla RNN only, and their files name no cell
    const { model, vocab } = run(options(...tiny, "--steps", "5", "--eval-every", "1000", "--cell", "rnn"));
    const old = join(dir, "old.safetensors");
    const config = { example: "char-rnn", chars: vocab.chars, size: { embed: 16, hidden: 48, layers: 1 }, dtype: "float32" };
    writeFileSync(old, saveSafetensors(model.stateDict({ names: "torch" }), { config: JSON.stringify(config) }));
    const loaded = run(options(...tiny, "--steps", "0", "--load", old));
    expect(loaded.model.head.weight.toTypedArray()).toEqual(model.head.weight.toTypedArray());
    expect(() => run(options(...tiny, "--resume", old))).toThrow(/--resume: .*holds weights only .* with --load instead/);
  });
});

describe("char-rnn --cell", () => {
  it("trains a GRU and an LSTM; a checkpoint records the cell kind and loads into the same model", () => {
    for (const cell of ["gru", "lstm"]) {
      const dir = mkdtempSync(join(tmpdir(), `char-rnn-${cell}-`));
      const file = join(dir, "model.safetensors");
      const a = run(options(...tiny, "--steps", "30", "--cell", cell, "--save", file, "--sample-length", "0"));
      expect(a.model.rnn.constructor.name).toBe(cell.toUpperCase());
      const { saved } = readCheckpoint(file, "char-rnn", "--load");
      expect((saved.config.size as { cell: string }).cell).toBe(cell);
      expect(Object.keys(saved.tensors)).toContain("rnn.weight_hh_l0");
      // --load brings the cell kind along, whatever --cell says
      const b = run(options(...tiny, "--steps", "0", "--load", file, "--sample-length", "0"));
      expect(b.model.rnn.constructor.name).toBe(cell.toUpperCase());
      expect(b.result.metrics.valLoss).toBeCloseTo(a.result.metrics.valLoss, 6);
    }
  });
});
