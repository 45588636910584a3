import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { saveSafetensors, tensor } from "@unroll/autograd";
import { loadCheckpoint, saveCheckpoint } from "../src/checkpoint.js";

describe("checkpoints", () => {
  const dir = mkdtempSync(join(tmpdir(), "ckpt-"));

  it("round-trips tensors and the config", () => {
    const file = join(dir, "nested", "a.safetensors");
    saveCheckpoint(file, { w: tensor([[1, 2], [3, 4]], { dtype: "float32" }) }, { example: "x", chars: ["a", "b"], size: { hidden: 2 } });
    const { tensors, config } = loadCheckpoint(file, "x");
    expect(tensors.w!.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensors.w!.dtype).toBe("float32");
    expect(config).toEqual({ example: "x", chars: ["a", "b"], size: { hidden: 2 } });
  });

  it("refuses another example's checkpoint and a file without our metadata", () => {
    const file = join(dir, "b.safetensors");
    saveCheckpoint(file, { w: tensor([1]) }, { example: "char-rnn" });
    expect(() => loadCheckpoint(file, "name-gender")).toThrow(`holds a char-rnn model, not a name-gender one`);
    const bare = join(dir, "c.safetensors");
    writeFileSync(bare, saveSafetensors({ w: tensor([1]) }));
    expect(() => loadCheckpoint(bare, "x")).toThrow('has no "config" metadata');
  });
});
