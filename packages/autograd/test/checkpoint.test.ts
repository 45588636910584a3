// Checkpoints resume bit for bit: 100 steps straight equal 50 steps, a checkpoint, and 50
// more steps in new processes, for every optimizer with a scheduler, in float32 and
// float64. A checkpoint of another model, optimizer or scheduler, or a corrupt one, is a
// clear error that changes nothing.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Adam, CHECKPOINT_FORMAT, CosineAnnealingLR, loadCheckpoint, loadSafetensors, readSafetensors, saveCheckpoint, saveSafetensors, SGD, StepLR, Tensor } from "../src/index.js";
import { CONFIGS, DTYPES, fileName, setup, TinyModel, train, type Run } from "./checkpoint-setup.js";

const bits = (t: Tensor): number[] => Array.from(new Uint8Array(t.toTypedArray().buffer));

describe("a checkpoint resumes bit for bit in a new process", () => {
  const dir = mkdtempSync(join(tmpdir(), "unroll-ckpt-"));
  const child = (mode: string): void => {
    execFileSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "checkpoint-child.ts"), mode, dir], { cwd: import.meta.dirname, stdio: "pipe" });
  };

  test("100 steps straight = 50, save, load into fresh objects in another process, 50", { timeout: 120_000 }, () => {
    child("first");
    child("second");
    const cases = Object.keys(CONFIGS).flatMap((c) => DTYPES.map((d) => [c, d] as const));
    expect(cases.length).toBe(10);
    for (const [config, dtype] of cases) {
      const run = setup(config, dtype);
      train(run, 100, dtype);
      const resumed = loadSafetensors(readFileSync(join(dir, `${fileName(config, dtype)}.final.safetensors`)));
      for (const [name, p] of Object.entries(run.model.stateDict())) {
        expect(resumed[name].dtype, `${config} ${dtype} ${name}`).toBe(dtype);
        expect(bits(resumed[name]), `${config} ${dtype} ${name}`).toEqual(bits(p));
      }
      // And the run moved: a resume that lost the optimizer's state would not match.
      const fresh = setup(config, dtype);
      expect(bits(fresh.model.params["fc1.weight"])).not.toEqual(bits(run.model.params["fc1.weight"]));
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Everything a load could change, as one string. */
function snapshot(run: Run): string {
  return JSON.stringify(
    { model: run.model.stateDict(), opt: run.optimizer.stateDict(), sched: run.scheduler.stateDict(), rng: run.rng.getState(), lrs: run.optimizer.paramGroups.map((g) => g.lr) },
    (_k, v: unknown) => (v instanceof Tensor ? Array.from(v.toTypedArray()) : v),
  );
}

describe("the file", () => {
  const run = setup("Adam amsgrad + CosineAnnealingLR", "float64");
  train(run, 3, "float64");
  const bytes = saveCheckpoint({ ...run, step: 3, extra: { note: "hi" } });

  test("model under its torch names, optimizer buffers under a prefix, the rest as JSON metadata", () => {
    const { tensors, metadata } = readSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(
      ["fc1.bias", "fc1.weight", "fc2.weight", ...[0, 1, 2].flatMap((i) => ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"].map((k) => `optimizer.state.${i}.${k}`))].sort(),
    );
    expect(metadata!.format).toBe(CHECKPOINT_FORMAT);
    expect(metadata!.step).toBe("3");
    const opt = JSON.parse(metadata!.optimizer) as { kind: string; paramGroups: Record<string, unknown>[]; state: Record<string, unknown> };
    expect(opt.kind).toBe("Adam");
    expect(opt.paramGroups[0]).toMatchObject({ lr: run.optimizer.paramGroups[0].lr, amsgrad: true, params: [0, 1, 2], initialLr: 0.02 });
    expect(opt.state).toEqual({ 0: { step: 3 }, 1: { step: 3 }, 2: { step: 3 } });
    expect(JSON.parse(metadata!.scheduler)).toMatchObject({ kind: "CosineAnnealingLR", state: { lastEpoch: 3, tMax: 30 } });
    expect(JSON.parse(metadata!.rng)).toEqual(run.rng.getState());
    expect(JSON.parse(metadata!.extra)).toEqual({ note: "hi" });
  });

  test("a mismatched or corrupt checkpoint is refused with what differs, and nothing changes", () => {
    const target = setup("Adam amsgrad + CosineAnnealingLR", "float64", 99);
    const before = snapshot(target);
    const other = (build: (m: TinyModel) => Run["optimizer"]): Uint8Array => {
      const r = setup("Adam amsgrad + CosineAnnealingLR", "float64");
      const optimizer = build(r.model);
      return saveCheckpoint({ ...r, optimizer, scheduler: new CosineAnnealingLR(optimizer, { tMax: 30, etaMin: 1e-4 }), step: 0 });
    };
    const bigger = (() => {
      const r = setup("Adam amsgrad + CosineAnnealingLR", "float64");
      const model = new TinyModel(r.rng, "float64", 6);
      const optimizer = new Adam(model.parameters(), { amsgrad: true });
      return saveCheckpoint({ model, optimizer, scheduler: new CosineAnnealingLR(optimizer, { tMax: 30 }), rng: r.rng, step: 0 });
    })();
    const withStep = setup("RMSprop centered momentum + StepLR", "float64");
    const corrupt = bytes.slice();
    corrupt[12] ^= 0xff;
    const badJson = saveSafetensors(readSafetensors(bytes).tensors, { ...readSafetensors(bytes).metadata!, optimizer: "{oops" });
    const cases: [Uint8Array, Partial<Run>, RegExp][] = [
      [other((m) => new SGD(m.parameters(), { momentum: 0.9 })), {}, /loadCheckpoint: the checkpoint holds the state of SGD, not of Adam/],
      [
        other((m) => new Adam([{ params: m.parameters().slice(0, 1) }, { params: m.parameters().slice(1) }])),
        {},
        /loadCheckpoint: the optimizer does not match the checkpoint: Adam.loadStateDict: the state dict has 2 parameter group\(s\) but the optimizer has 1/,
      ],
      [bigger, {}, /loadCheckpoint: the (optimizer|model) does not match the checkpoint: .*is \[6,3\]|\[6, 3\]/],
      [bytes, { scheduler: new StepLR(withStep.optimizer, { stepSize: 2 }) }, /the checkpoint holds the state of CosineAnnealingLR, not of StepLR/],
      [corrupt, {}, /loadCheckpoint: not a readable checkpoint: loadSafetensors:/],
      [bytes.subarray(0, bytes.length - 9), {}, /loadCheckpoint: not a readable checkpoint: .*truncated/],
      [badJson, {}, /the checkpoint's "optimizer" metadata is not valid JSON/],
      [saveSafetensors(target.model.stateDict()), {}, /the file holds weights only .* load it with loadCheckpoint\(bytes, \{ model \}\)/],
    ];
    for (const [file, override, message] of cases) {
      const targets = { ...target, ...override };
      if (override.scheduler) targets.optimizer = target.optimizer;
      expect(() => loadCheckpoint(file, targets)).toThrow(message);
      expect(snapshot(target)).toBe(before);
    }
  });

  test("with the model alone, a full checkpoint or a weights-only file loads the weights", () => {
    const target = setup("Adam amsgrad + CosineAnnealingLR", "float64", 5);
    const optBefore = JSON.stringify(target.optimizer.stateDict());
    expect(loadCheckpoint(bytes, { model: target.model })).toEqual({ step: 3, extra: { note: "hi" } });
    expect(bits(target.model.params["fc2.weight"])).toEqual(bits(run.model.params["fc2.weight"]));
    expect(JSON.stringify(target.optimizer.stateDict())).toBe(optBefore);
    const weightsOnly = saveSafetensors(setup("Adam amsgrad + CosineAnnealingLR", "float64", 8).model.stateDict(), { config: "{}" });
    expect(loadCheckpoint(weightsOnly, { model: target.model })).toEqual({ step: 0, extra: undefined });
  });

  test("bad arguments", () => {
    expect(() => saveCheckpoint({ ...run, step: -1 })).toThrow(/saveCheckpoint: step must be an integer >= 0, got -1/);
    expect(() => saveCheckpoint({ ...run, model: {} as never, step: 1 })).toThrow(/saveCheckpoint: model must have stateDict/);
  });
});

describe("rng state", () => {
  test("getState / setState continue the same stream, the pending normal included, and bad states are refused", async () => {
    const { createRng } = await import("../src/index.js");
    const a = createRng(3);
    a.normal();
    a.random();
    const state = JSON.parse(JSON.stringify(a.getState())) as ReturnType<typeof a.getState>;
    expect(state.spare).not.toBeNull();
    const b = createRng(77);
    b.setState(state);
    expect([b.normal(), b.normal(), b.random(), b.int(100)]).toEqual([a.normal(), a.normal(), a.random(), a.int(100)]);
    expect(() => b.setState({ ...state, S: [1, 2] })).toThrow(/Rng.setState: expected a state from getState\(\)/);
  });
});
