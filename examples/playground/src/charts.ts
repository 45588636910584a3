// The live views: loss curves and gradient norms drawn by uPlot, and the hidden-unit
// heatmap as a plain table of coloured cells, built a few rows per frame so that no
// main-thread task grows long.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Activations } from "./protocol.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

function chart(el: HTMLElement, title: string, names: string[], opts: { logY?: boolean; xLabel: string; yLabel: string }): uPlot {
  return new uPlot(
    {
      title,
      width: Math.max(320, el.clientWidth || 560),
      height: 240,
      scales: { x: { time: false } },
      // A log axis is drawn as log10 values on a linear one (uPlot's own log scale stalls on
      // data spanning twenty-odd decades); its ticks read as powers of ten.
      axes: [
        { label: opts.xLabel },
        { label: opts.yLabel, size: 64, incrs: opts.logY ? [1, 2, 5, 10, 20] : undefined, values: opts.logY ? (_: uPlot, ticks: number[]) => ticks.map((v) => (v == null ? "" : `1e${Math.round(v)}`)) : undefined },
      ],
      series: [{ label: opts.xLabel }, ...names.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, points: { show: false } }))],
    },
    [[], ...names.map(() => [])],
    el,
  );
}

/** Train and held-out loss against the step; points arrive one at a time. */
export class LossChart {
  private readonly plot: uPlot;
  private rows = new Map<number, [number | null, number | null]>();
  private pending = false;

  constructor(el: HTMLElement) {
    this.plot = chart(el, "loss", ["train (smoothed)", "held-out"], { xLabel: "step", yLabel: "loss (nats)" });
  }

  add(step: number, series: 0 | 1, value: number): void {
    if (!Number.isFinite(value)) return;
    const row = this.rows.get(step) ?? [null, null];
    row[series] = value;
    this.rows.set(step, row);
    this.redrawSoon();
  }

  clear(): void {
    this.rows.clear();
    this.redrawSoon();
  }

  // One redraw per frame, however many points arrived.
  private redrawSoon(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const steps = [...this.rows.keys()].sort((a, b) => a - b);
      this.plot.setData([steps, steps.map((s) => this.rows.get(s)![0]), steps.map((s) => this.rows.get(s)![1])]);
    });
  }
}

/** ‖∂L_T/∂h_t‖ against t on a log scale: at the first measurement and at the latest. */
export class GradientChart {
  private readonly plot: uPlot;
  private first: number[] | null = null;
  private firstStep = 0;

  constructor(el: HTMLElement) {
    this.plot = chart(el, "‖∂L_T/∂h_t‖: how much the last step's loss reaches step t", ["first", "latest"], {
      logY: true,
      xLabel: "time step t",
      yLabel: "gradient norm",
    });
  }

  /** Show the norms measured at `step`; returns the steps of the two curves. */
  set(step: number, norms: number[]): [number, number] {
    if (this.first === null) {
      this.first = norms;
      this.firstStep = step;
    }
    const log10 = (v: number) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : null);
    this.plot.setData([norms.map((_, t) => t + 1), this.first.map(log10), norms.map(log10)]);
    return [this.firstStep, step];
  }

  clear(): void {
    this.first = null;
    this.plot.setData([[], [], []]);
  }
}

/** Blue for negative, red for positive activations, white at 0 (tanh units lie in [-1, 1]). */
function colour(v: number): string {
  const a = Math.min(1, Math.abs(v));
  const fade = Math.round(255 * (1 - a));
  return v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}

/**
 * Hidden units (rows) over characters (columns). Each row is one element whose
 * background is a run of hard colour stops, one per character, so that a new text
 * restyles a hundred elements rather than thousands of cells. Hovering a unit colours
 * the text above by that unit alone: which characters fire it.
 */
export class Heatmap {
  private rows: HTMLDivElement[] = [];
  private current: Activations | null = null;

  constructor(
    private readonly text: HTMLElement,
    private readonly grid: HTMLElement,
  ) {
    grid.addEventListener("mouseover", (event) => {
      const k = this.rows.indexOf(event.target as HTMLDivElement);
      if (k >= 0) this.highlight(k);
    });
  }

  show(a: Activations): void {
    this.current = a;
    const spans = a.chars.map((c) => {
      const span = document.createElement("span");
      span.textContent = c === " " ? "\u00a0" : c === "\n" ? "⏎" : c;
      return span;
    });
    this.text.replaceChildren(...spans);
    while (this.rows.length < a.hidden) {
      const row = document.createElement("div");
      row.title = `unit ${this.rows.length}`;
      this.rows.push(row);
      this.grid.append(row);
    }
    this.rows.forEach((row, k) => {
      row.hidden = k >= a.hidden;
      if (k < a.hidden) row.style.background = stops(a, k);
    });
  }

  private highlight(k: number): void {
    const a = this.current;
    if (!a) return;
    [...this.text.children].forEach((span, t) => ((span as HTMLElement).style.background = colour(a.values[t * a.hidden + k]!)));
    this.text.dataset.unit = String(k);
  }
}

/** Unit k's colour at each character, as hard stops one character wide. */
function stops(a: Activations, k: number): string {
  const parts = a.chars.map((_, t) => `${colour(a.values[t * a.hidden + k]!)} ${t}ch ${t + 1}ch`);
  return `linear-gradient(to right, ${parts.join(", ")}, transparent ${a.chars.length}ch)`;
}
