import { describe, expect, it } from "vitest";
import { lineChartSvg, terminalChart, type Series } from "../src/plot.js";

const train: Series = { name: "train", points: [1, 2, 3, 4].map((x) => ({ x: x * 10, y: 2 / x })) };
const test: Series = { name: "test", points: [0, 20, 40].map((x) => ({ x, y: 2.2 - x / 40 })) };

describe("plots", () => {
  it("renders an SVG with both series headlessly (no canvas)", async () => {
    const svg = await lineChartSvg([train, test], { title: "a loss curve", xTitle: "step", yTitle: "loss" });
    expect(svg.startsWith("<svg")).toBe(true);
    for (const text of ["a loss curve", "train", "test", "step"]) expect(svg).toContain(text);
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(2);
  });

  it("renders a log-scale chart", async () => {
    const svg = await lineChartSvg([{ name: "norm", points: [1e-8, 1e-4, 1].map((y, i) => ({ x: i, y })) }], {
      title: "norms",
      xTitle: "t",
      yTitle: "norm",
      logY: true,
    });
    expect(svg).toContain("1e-8");
  });

  it("draws the curves in the terminal, resampled onto one x axis", () => {
    const chart = terminalChart([train, test], { title: "loss", xTitle: "step", width: 40, height: 6 });
    // Without colour each series gets its own chart.
    expect(chart).toContain("loss: train");
    expect(chart).toContain("loss: test");
    expect(chart).toContain("step: 0 .. 40");
    const rows = chart.split("\n").filter((r) => r.includes("┤") || r.includes("┼"));
    expect(rows.length).toBeGreaterThanOrEqual(12);
    const colored = terminalChart([train, test], { title: "loss", width: 40, color: true });
    expect(colored).toContain("\x1b[");
  });

  it("says so when there is nothing to plot", () => {
    expect(terminalChart([{ name: "a", points: [] }], { title: "loss" })).toBe("loss: nothing to plot");
  });
});
