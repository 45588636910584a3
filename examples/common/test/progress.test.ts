import { describe, expect, it } from "vitest";
import { formatSeconds, Progress } from "../src/progress.js";

/** A stream that records what was written. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 120, write: (s: string) => (chunks.push(s), true), on: () => stream, once: () => stream, removeListener: () => stream };
  return { chunks, stream: stream as unknown as NodeJS.WritableStream };
}

describe("Progress", () => {
  it("draws in place on a terminal (cli-progress), with the step, the numbers and the speed, and keeps logged lines above the bar", () => {
    const { chunks, stream } = sink(true);
    const bar = new Progress(10, { stream });
    for (let s = 1; s <= 10; s++) {
      bar.update(s, { loss: 0.43216 });
      if (s === 5) bar.log("eval: accuracy 0.9");
    }
    bar.done();
    const text = chunks.join("");
    expect(text).toContain("\r\x1b[2Keval: accuracy 0.9\n");
    expect(text).toMatch(/step 10\/10 \[#+\] loss 0\.4322 \| [0-9.]+ steps\/s \| \d+s, eta \d+s/);
    // The bar is redrawn after the logged line, and the run ends on a new line.
    expect(text.slice(text.indexOf("eval:"))).toMatch(/step +\d+\/10 \[/);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("prints plain lines, not control codes, when not on a terminal", () => {
    const { chunks, stream } = sink(false);
    const bar = new Progress(3, { stream, logEvery: 1000 });
    for (let s = 1; s <= 3; s++) bar.update(s, { loss: 1 / s });
    bar.log("eval: accuracy 0.9");
    bar.done();
    const text = chunks.join("");
    expect(text).not.toMatch(/[\r\x1b]/);
    // The first step and the last one; the ones between fall inside logEvery.
    expect(text.trim().split("\n")).toEqual([expect.stringMatching(/^step 1\/3 loss 1 \| [0-9.]+ steps\/s \| \d+s, eta /), expect.stringMatching(/^step 3\/3 loss 0\.3333 /), "eval: accuracy 0.9"]);
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
