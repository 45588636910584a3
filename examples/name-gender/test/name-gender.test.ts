import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadSafetensors } from "@unroll/autograd";
import { parseCli } from "@unroll/examples-common";
import { run, specs } from "../src/main.js";
import { loadNames } from "../src/task.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const options = (...argv: string[]) => parseCli([...argv, "--quiet"], specs).options!;
// Small enough to train in a few seconds, big enough to learn something.
const tiny = ["--epochs", "3", "--embed", "8", "--hidden", "24", "--train-limit", "1500", "--lr", "1e-2"];

describe("name-gender data", () => {
  const { train, test } = loadNames();

  it("splits 80/20 with no name in both parts and no name with both labels", () => {
    const all = [...train, ...test];
    expect(test.length / all.length).toBeCloseTo(0.2, 3);
    const trainNames = new Set(train.map((e) => e.name));
    expect(test.some((e) => trainNames.has(e.name))).toBe(false);
    expect(new Set(all.map((e) => e.name)).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(7500);
  });

  it("is the same split every time", () => {
    expect(loadNames().test.slice(0, 20)).toEqual(test.slice(0, 20));
  });
});

describe("name-gender training", () => {
  it("lowers the loss and beats the majority class", () => {
    const { result, curves, majority } = run(options(...tiny));
    const [trainCurve, testCurve] = curves;
    expect(trainCurve!.points.at(-1)!.y).toBeLessThan(trainCurve!.points[0]!.y);
    expect(testCurve!.points.at(-1)!.y).toBeLessThan(testCurve!.points[0]!.y - 0.1);
    expect(majority).toBeGreaterThan(0.5);
    expect(result.metrics.testAccuracy).toBeGreaterThan(majority + 0.05);
    expect(result.steps).toBe(3 * Math.ceil(1500 / 64));
  });

  it("is deterministic for a seed, and a saved model evaluates the same after loading", () => {
    const file = join(mkdtempSync(join(tmpdir(), "name-gender-")), "model.safetensors");
    const a = run(options("--epochs", "1", "--hidden", "8", "--train-limit", "300", "--save", file));
    const b = run(options("--epochs", "1", "--hidden", "8", "--train-limit", "300"));
    expect(b.result.metrics).toEqual(a.result.metrics);
    // PyTorch's parameter names, so that nn.Embedding / nn.RNN / nn.Linear load the file.
    expect(Object.keys(loadSafetensors(readFileSync(file))).filter((k) => !k.startsWith("optimizer.")).sort()).toEqual(
      ["embedding.weight", "head.bias", "head.weight", "rnn.bias_hh_l0", "rnn.bias_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l0"],
    );
    const loaded = run(options("--epochs", "0", "--load", file, "--hidden", "99"));
    expect(loaded.result.steps).toBe(0);
    expect(loaded.result.metrics).toEqual(a.result.metrics);
  });

  it("--resume continues a run stopped mid-epoch with --stop-at exactly; --resume with --load is an error", () => {
    const dir = mkdtempSync(join(tmpdir(), "name-gender-resume-"));
    const args = ["--epochs", "2", "--hidden", "8", "--train-limit", "300"];
    const straight = run(options(...args));
    run(options(...args, "--stop-at", "7", "--save", join(dir, "half.safetensors")));
    const resumed = run(options(...args, "--resume", join(dir, "half.safetensors")));
    expect(resumed.result.steps).toBe(straight.result.steps);
    expect(resumed.result.metrics).toEqual(straight.result.metrics);
    expect(() => run(options(...args, "--resume", join(dir, "half.safetensors"), "--load", join(dir, "half.safetensors")))).toThrow(/cannot be combined/);
  });

  it("prints a JSON summary on the last line with --json", () => {
    const out = spawnSync(
      process.execPath,
      ["--conditions=development", "--import", "tsx", "src/main.ts", ...tiny, "--epochs", "1", "--json", "--out", mkdtempSync(join(tmpdir(), "ng-"))],
      { cwd: root, encoding: "utf8" },
    );
    expect(out.stderr).toContain("steps/s");
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split("\n");
    const summary = JSON.parse(lines.at(-1)!);
    expect(summary).toMatchObject({ example: "name-gender", seed: 0, steps: 24 });
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.metrics.testAccuracy).toBeGreaterThan(0.5);
    expect(out.stdout).toContain("test accuracy");
  });

  it("rejects a bad option with a clear message", () => {
    const out = spawnSync(process.execPath, ["--conditions=development", "--import", "tsx", "src/main.ts", "--epochs", "many"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('--epochs must be a number, got "many"');
  });
});

describe("name-gender --cell", () => {
  it("trains a GRU and an LSTM classifier above the majority baseline", () => {
    for (const cell of ["gru", "lstm"]) {
      const { result, majority, model } = run(options(...tiny, "--cell", cell));
      expect(model.rnn.constructor.name).toBe(cell.toUpperCase());
      expect(result.metrics.testAccuracy).toBeGreaterThan(majority);
    }
  });
});
