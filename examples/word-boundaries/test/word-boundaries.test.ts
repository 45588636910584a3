import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createRng, tensor } from "@unroll/autograd";
import { parseCli } from "@unroll/examples-common";
import { run, specs } from "../src/main.js";
import { hiddenGradientNorms, labelWordStarts, loadChapters, WordBoundaryTagger, withSpaces } from "../src/task.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const options = (...argv: string[]) => parseCli([...argv, "--quiet"], specs).options!;
// A few seconds of training on a slice of the text.
const tiny = ["--steps", "60", "--train-chars", "40000", "--test-chars", "4000", "--window", "32", "--batch-size", "32"];
const tinyModel = ["--embed", "16", "--hidden", "32", "--eval-every", "30", "--time-budget", "0"];

describe("word-boundaries data", () => {
  it("labels the first character of every word, from first principles", () => {
    const { chars, labels } = labelWordStarts("  Call me\nIshmael.  Some ");
    expect(chars.join("")).toBe("callmeishmael.some");
    expect([...labels].flatMap((l, i) => (l === 1 ? [i] : []))).toEqual([0, 4, 6, 14]);
    expect(withSpaces(chars, labels)).toBe("call me ishmael. some");
  });

  it("keeps test chapters apart and has the majority class the issue states", () => {
    const test = loadChapters(111, 135);
    const starts = test.labels.reduce((s, l) => s + l, 0);
    expect(1 - starts / test.labels.length).toBeCloseTo(0.787, 3);
    expect(loadChapters(1, 110).chars.slice(0, 14).join("")).toBe("callmeishmael.");
  });
});

describe("word-boundaries training", () => {
  it("lowers the loss and beats the majority class", () => {
    const { result, curves, majority } = run(options(...tiny, ...tinyModel));
    const [train, test] = curves;
    expect(train!.points.at(-1)!.y).toBeLessThan(train!.points[0]!.y);
    expect(test!.points.at(-1)!.y).toBeLessThan(test!.points[0]!.y - 0.1);
    expect(result.metrics.testAccuracy).toBeGreaterThan(majority + 0.02);
    expect(result.metrics.wordStartF1).toBeGreaterThan(0.3);
    expect(result.steps).toBe(60);
  });

  it("is deterministic for a seed, and a saved model evaluates the same after loading", () => {
    const file = join(mkdtempSync(join(tmpdir(), "wb-")), "model.safetensors");
    const small = [...tiny, ...tinyModel, "--steps", "8"];
    const a = run(options(...small, "--save", file));
    expect(run(options(...small)).result.metrics).toEqual(a.result.metrics);
    const loaded = run(options(...small, "--steps", "0", "--load", file, "--hidden", "7"));
    expect(loaded.result.steps).toBe(0);
    expect(loaded.result.metrics).toEqual(a.result.metrics);
  });

  it("measures a gradient norm at every step that shrinks going back in time (--diagnose)", () => {
    const model = new WordBoundaryTagger(30, { embed: 8, hidden: 16, layers: 1 }, { rng: createRng(0), dtype: "float64" });
    const rng = createRng(1);
    const ids = tensor(Int32Array.from({ length: 4 * 20 }, () => rng.int(30)), { shape: [4, 20], dtype: "int32" });
    const labels = tensor(Int32Array.from({ length: 4 * 20 }, () => rng.int(2)), { shape: [4, 20], dtype: "int32" });
    const norms = hiddenGradientNorms(model, ids, labels);
    expect(norms).toHaveLength(20);
    expect(norms.every((n) => Number.isFinite(n) && n > 0)).toBe(true);
    expect(norms[0]!).toBeLessThan(norms[19]! * 1e-2);
    // The parameters' gradients are left clean for training.
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it("prints a JSON summary on the last line with --json, and --diagnose writes its plot", () => {
    const out = mkdtempSync(join(tmpdir(), "wb-"));
    const res = spawnSync(
      process.execPath,
      ["--conditions=development", "--import", "tsx", "src/main.ts", ...tiny, ...tinyModel, "--steps", "10", "--diagnose", "--json", "--out", out],
      { cwd: root, encoding: "utf8" },
    );
    expect(res.status).toBe(0);
    const summary = JSON.parse(res.stdout.trim().split("\n").at(-1)!);
    expect(summary).toMatchObject({ example: "word-boundaries", seed: 0, steps: 10 });
    expect(Object.keys(summary.metrics)).toEqual(expect.arrayContaining(["testAccuracy", "wordStartF1"]));
    expect(res.stdout).toContain("hidden-gradient-norms.svg");
    expect(res.stdout).toContain("predicted");
  });
});

describe("word-boundaries checkpoints", () => {
  it("--resume continues a run stopped with --stop-at exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), "word-boundaries-resume-"));
    const args = [...tiny, ...tinyModel, "--steps", "20", "--eval-every", "1000", "--quiet"];
    const straight = run(parseCli(args, specs).options!);
    run(parseCli([...args, "--stop-at", "9", "--save", join(dir, "half.safetensors")], specs).options!);
    const resumed = run(parseCli([...args, "--resume", join(dir, "half.safetensors")], specs).options!);
    expect(resumed.result.steps).toBe(20);
    expect(resumed.result.metrics).toEqual(straight.result.metrics);
  });
});

describe("word-boundaries --cell", () => {
  it("--diagnose --cell lstm draws the LSTM's norms next to a vanilla RNN's", () => {
    const { gradientNorms, model } = run(options(...tiny, ...tinyModel, "--steps", "5", "--cell", "lstm", "--diagnose"));
    expect(model.rnn.constructor.name).toBe("LSTM");
    expect(gradientNorms!.map((s) => s.name)).toEqual(["LSTM, start of training", "RNN, at initialisation", "LSTM, end of training"]);
    for (const s of gradientNorms!) expect(s.points.every((p) => Number.isFinite(p.y) && p.y > 0)).toBe(true);
  });
});
