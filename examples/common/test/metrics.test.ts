import { describe, expect, it } from "vitest";
import { createRng } from "@unroll/autograd";
import { CharVocab, permutation, shuffle } from "../src/data.js";
import { accuracy, f1, majorityBaseline } from "../src/metrics.js";
import { jsonLine, table } from "../src/report.js";

describe("metrics", () => {
  it("accuracy counts matches", () => {
    expect(accuracy([1, 0, 1, 1], [1, 1, 1, 0])).toBe(0.5);
    expect(() => accuracy([1], [1, 0])).toThrow("accuracy: predicted has 1 labels but actual has 2");
  });

  it("f1 of the positive class from first principles", () => {
    // tp = 2, fp = 1, fn = 1: precision 2/3, recall 2/3, F1 2/3
    const r = f1([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]);
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    expect(r.f1).toBeCloseTo(2 / 3, 12);
    // tp = 1, fp = 0, fn = 2: P 1, R 1/3, F1 = 2 * 1/3 / (4/3) = 1/2
    expect(f1([1, 0, 0], [1, 1, 1]).f1).toBeCloseTo(0.5, 12);
    expect(f1([0, 0], [0, 0]).f1).toBe(0);
  });

  it("majority baseline picks the most frequent label", () => {
    expect(majorityBaseline([0, 1, 1, 2])).toEqual({ label: 1, accuracy: 0.5 });
  });
});

describe("data helpers", () => {
  it("CharVocab encodes and decodes, with index 0 kept for padding", () => {
    const v = new CharVocab(["hello", "world"], { padding: true });
    expect(v.chars).toEqual(["d", "e", "h", "l", "o", "r", "w"]);
    expect(v.size).toBe(8);
    expect([...v.encode("he")]).toEqual([3, 2]);
    expect(v.decode(v.encode("world"))).toBe("world");
    expect(() => v.encode("x")).toThrow('"x" is not in the vocabulary');
    expect(() => v.char(0)).toThrow("index 0 is outside [1, 8)");
  });

  it("shuffle is a permutation, the same for the same seed", () => {
    const a = permutation(50, createRng(7));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(permutation(50, createRng(7))).toEqual(a);
    expect(permutation(50, createRng(8))).not.toEqual(a);
    expect(shuffle([], createRng(1))).toEqual([]);
  });
});

describe("report", () => {
  it("jsonLine is one parseable line with rounded numbers", () => {
    const line = jsonLine({ example: "x", seed: 1, steps: 10, seconds: 1.23456789, stepsPerSecond: 8.1, metrics: { testAccuracy: 0.8512345678 } });
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({ example: "x", seed: 1, steps: 10, seconds: 1.23457, stepsPerSecond: 8.1, metrics: { testAccuracy: 0.851235 } });
  });

  it("table aligns columns", () => {
    expect(table(["name", "p"], [["ada", "0.9"], ["bob", "0.75"]])).toBe("name  p\n----  ----\nada   0.9\nbob   0.75");
  });
});
