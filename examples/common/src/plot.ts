// Plots of a run: line charts as SVG files drawn by Vega-Lite (rendered headlessly:
// Vega's SVG renderer needs no canvas), and the same curves in the terminal with asciichart.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import asciichart from "asciichart";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** One named curve: (x, y) points in x order. */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export interface ChartOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** A log-scale y axis (for gradient norms that span decades). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/**
 * Draw `series` as one line chart and return the SVG text.
 * Example: `await lineChartSvg([{ name: "train", points }], { title: "loss", xTitle: "step", yTitle: "nats" })`.
 */
export async function lineChartSvg(series: Series[], opts: ChartOptions): Promise<string> {
  const values = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y)).map((p) => ({ series: s.name, x: p.x, y: p.y })));
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: opts.title,
    width: opts.width ?? 560,
    height: opts.height ?? 300,
    background: "white",
    data: { values },
    mark: { type: "line", point: values.length <= 400 ? { size: 16 } : false },
    encoding: {
      x: { field: "x", type: "quantitative", title: opts.xTitle },
      y: {
        field: "y",
        type: "quantitative",
        title: opts.yTitle,
        scale: opts.logY ? { type: "log" } : { zero: false },
      },
      color: { field: "series", type: "nominal", title: null, sort: series.map((s) => s.name) },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Draw the chart and write it to `path` (making its folder); returns the path. */
export async function writeLineChart(path: string, series: Series[], opts: ChartOptions): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await lineChartSvg(series, opts));
  return path;
}

const COLORS = [asciichart.blue, asciichart.yellow, asciichart.green, asciichart.magenta];

/**
 * The curves as a terminal chart with a legend and the x range under it. Series are
 * resampled onto `width` columns (linear interpolation), so curves measured at
 * different steps share one x axis. With `color` off (not a terminal) each series
 * gets its own chart, since uncoloured lines cannot be told apart.
 * Example: `console.log(terminalChart([train, test], { title: "loss" }))`.
 */
export function terminalChart(
  series: Series[],
  opts: { title: string; xTitle?: string; width?: number; height?: number; color?: boolean; logY?: boolean },
): string {
  const drawn = series.filter((s) => s.points.some((p) => Number.isFinite(p.y)));
  if (drawn.length === 0) return `${opts.title}: nothing to plot`;
  const xs = drawn.flatMap((s) => s.points.map((p) => p.x));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const width = opts.width ?? 60;
  const grid = Array.from({ length: width }, (_, i) => (width === 1 ? x0 : x0 + ((x1 - x0) * i) / (width - 1)));
  const transform = opts.logY ? (y: number) => Math.log10(y) : (y: number) => y;
  const resampled = drawn.map((s) => grid.map((x) => transform(interpolate(s.points, x))));
  const format = opts.logY
    ? (y: number) => y.toExponential(1).padStart(9)
    : (y: number) => y.toFixed(Math.abs(y) >= 100 ? 0 : 3).padStart(9);
  const axisFormat = (y: number) => format(opts.logY ? 10 ** y : y);
  const footer = `${" ".repeat(10)}${opts.xTitle ?? "x"}: ${round(x0)} .. ${round(x1)}`;
  const color = opts.color ?? false;
  if (color) {
    const chart = asciichart.plot(resampled, { height: opts.height ?? 12, colors: COLORS, format: axisFormat });
    const legend = drawn.map((s, i) => asciichart.colored("── " + s.name, COLORS[i % COLORS.length])).join("   ");
    return `${opts.title}   ${legend}\n${chart}\n${footer}`;
  }
  return drawn
    .map((s, i) => {
      const chart = asciichart.plot(resampled[i]!, { height: opts.height ?? 8, format: axisFormat });
      return `${opts.title}: ${s.name}\n${chart}\n${footer}`;
    })
    .join("\n\n");
}

/** y at x by linear interpolation, held constant beyond the first and last points. */
function interpolate(points: { x: number; y: number }[], x: number): number {
  const finite = points.filter((p) => Number.isFinite(p.y));
  if (x <= finite[0]!.x) return finite[0]!.y;
  for (let i = 1; i < finite.length; i++) {
    const a = finite[i - 1]!;
    const b = finite[i]!;
    if (x <= b.x) return b.x === a.x ? b.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
  }
  return finite[finite.length - 1]!.y;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}
