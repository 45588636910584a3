import { describe, expect, it } from "vitest";
import { formatSeconds, Progress } from "../src/progress.js";

/** A stream that records what was written. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream };
}

describe("Progress", () => {
  it("shows the step, the numbers and the speed", () => {
    const bar = new Progress(500, { quiet: true });
    bar.update(120, { loss: 0.43216 });
    const line = bar.line(0);
    expect(line).toMatch(/^step 120\/500 loss 0\.4322 \| [0-9.]+ steps\/s \| \d+s, eta .+$/);
    expect(bar.line(120)).toMatch(/\[#+-+\]/);
  });

  it("draws in place on a terminal and keeps logged lines above the bar", () => {
    const { chunks, stream } = sink(true);
    const bar = new Progress(10, { stream });
    bar.update(10, { loss: 1 });
    bar.log("eval: accuracy 0.9");
    bar.done();
    const text = chunks.join("");
    expect(text).toContain("\r\x1b[2K");
    expect(text).toContain("eval: accuracy 0.9\n");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("prints plain lines, not control codes, when not on a terminal", () => {
    const { chunks, stream } = sink(false);
    const bar = new Progress(3, { stream, logEvery: 1000 });
    for (let s = 1; s <= 3; s++) bar.update(s, { loss: 1 / s });
    bar.done();
    const text = chunks.join("");
    expect(text).not.toContain("\r");
    // The first step and the last one; the ones between fall inside logEvery.
    expect(text.trim().split("\n")).toHaveLength(2);
    expect(text).toContain("step 3/3");
  });

  it("prints nothing when quiet", () => {
    const { chunks, stream } = sink(true);
    const bar = new Progress(3, { stream, quiet: true });
    bar.update(1, { loss: 1 });
    bar.log("x");
    bar.done();
    expect(chunks).toEqual([]);
  });
});

describe("formatSeconds", () => {
  it.each([
    [5.4, "5s"],
    [59.6, "1m00s"],
    [75, "1m15s"],
    [Infinity, "?"],
  ])("%d -> %s", (s, text) => expect(formatSeconds(s)).toBe(text));
});
