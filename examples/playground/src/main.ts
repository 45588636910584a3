// The page: reads the settings from the URL, starts the training worker, and shows what
// it reports. Nothing heavy runs here: the model lives in the worker, charts redraw at
// most once a frame, and the heatmap is built a few rows per frame.

import "./style.css";
import { GradientChart, Heatmap, LossChart } from "./charts.js";
import { AVAILABLE_CELLS, DEFAULTS, parseParams, toSearch, type Config, type TaskName } from "./params.js";
import type { Command, Report } from "./protocol.js";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const byTestId = (id: string) => $(`[data-testid="${id}"]`);

const form = $<HTMLFormElement>("#settings");
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const temperature = $<HTMLInputElement>("#temperature");
const lossChart = new LossChart($("#loss-chart"));
const gradientChart = new GradientChart($("#gradient-chart"));
const heatmap = new Heatmap(byTestId("heatmap-text"), byTestId("heatmap"));

const QUERY: Record<TaskName, { label: string; placeholder: string; sample: string }> = {
  "char-rnn": { label: "start the text with", placeholder: "Call me", sample: "sample (every 200 steps)" },
  "name-gender": { label: "names to classify", placeholder: "ada, linus", sample: "test names and the model's guesses" },
  "word-boundaries": { label: "text without spaces", placeholder: "itwasthebestoftimes", sample: "a test passage with the spaces the model put back" },
};

for (const cell of AVAILABLE_CELLS) field("cell").append(new Option(cell, cell));

let worker: Worker | null = null;
let config: Config | null = null;
let lastEval: Report | null = null;

function send(cmd: Command, transfer: Transferable[] = []): void {
  worker?.postMessage(cmd, transfer);
}

function showError(message: string): void {
  byTestId("error").textContent = message;
}

function fillForm(c: Config): void {
  for (const key of ["task", "cell", "hidden", "lr", "batch", "seed", "steps"] as const) field(key).value = String(c[key]);
  const q = QUERY[c.task];
  $("#query-label").textContent = q.label;
  ($("#query-text") as HTMLInputElement).placeholder = q.placeholder;
  $("#sample-title").textContent = q.sample;
  $(".temperature").hidden = c.task !== "char-rnn";
  // Names are a few letters long and of many lengths: the gradient picture is for the two text tasks.
  $("#gradient-chart").hidden = c.task === "name-gender";
  $("#gradient-caption").textContent = c.task === "name-gender" ? "The gradient-norm picture is drawn for char-rnn and word-boundaries." : "";
}

/** The form's settings, checked like URL parameters. */
function formConfig(): Config {
  const search = new URLSearchParams();
  for (const key of ["task", "cell", "hidden", "lr", "batch", "seed", "steps"]) search.set(key, field(key).value.trim());
  return parseParams(search.toString(), AVAILABLE_CELLS);
}

function reset(next: Config): void {
  config = next;
  showError("");
  fillForm(next);
  lossChart.clear();
  gradientChart.clear();
  for (const id of ["loss", "metric", "sample", "steps-per-second", "query-result"]) byTestId(id).textContent = "";
  byTestId("step").textContent = "0";
  worker ??= startWorker();
  send({ type: "reset", config: next });
}

function formatMetric(name: string, value: number): string {
  return `${name} ${value.toFixed(name.endsWith("Loss") ? 6 : 4)}`;
}

function onReport(r: Report): void {
  switch (r.type) {
    case "ready":
      if (r.loaded !== undefined) {
        // A loaded model starts its own curves, from the evaluation just before this report.
        lossChart.clear();
        gradientChart.clear();
        if (lastEval) onReport(lastEval);
      }
      byTestId("kernels").textContent = `${r.kernels}, ${r.threads} thread${r.threads === 1 ? "" : "s"}${self.crossOriginIsolated ? ", cross-origin isolated" : ""}`;
      byTestId("model").textContent = r.loaded ?? `new, seed ${config?.seed}`;
      if (config && r.hidden !== config.hidden) field("hidden").value = String(r.hidden);
      return;
    case "status":
      byTestId("status").textContent = r.status;
      return;
    case "progress":
      byTestId("step").textContent = String(r.step);
      if (Number.isFinite(r.loss)) {
        byTestId("loss").textContent = r.loss.toFixed(4);
        lossChart.add(r.step, 0, r.loss);
      }
      byTestId("steps-per-second").textContent = r.stepsPerSecond.toFixed(1);
      return;
    case "eval": {
      lastEval = r;
      byTestId("metric").textContent = formatMetric(r.metric.name, r.metric.value);
      const extra = r.metric.extra ?? {};
      const heldOutLoss = r.metric.name.endsWith("Loss") ? r.metric.value : extra.testLoss;
      if (heldOutLoss !== undefined) lossChart.add(r.step, 1, heldOutLoss);
      return;
    }
    case "sample":
      byTestId("sample").textContent = r.text;
      heatmap.show(r.activations);
      return;
    case "query":
      byTestId("query-result").textContent = r.text;
      heatmap.show(r.activations);
      return;
    case "gradientNorms": {
      const [first, latest] = gradientChart.set(r.step, r.norms);
      const ratio = r.norms[0]! / r.norms[r.norms.length - 1]!;
      $("#gradient-caption").textContent =
        `Curves at step ${first} and step ${latest}, on ${r.norms.length} held-out steps. ` +
        `‖∂L_T/∂h_1‖ / ‖∂L_T/∂h_T‖ = ${ratio.toExponential(1)}. A vanilla RNN's gradient fades by many orders of ` +
        `magnitude over the steps, so the loss at the end barely shapes what it keeps from the start; a gated cell (GRU, LSTM) lets more through.`;
      return;
    }
    case "checkpoint": {
      const url = URL.createObjectURL(new Blob([r.bytes], { type: "application/octet-stream" }));
      const a = Object.assign(document.createElement("a"), { href: url, download: r.fileName });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      return;
    }
    case "error":
      showError(r.message);
      return;
  }
}

function startWorker(): Worker {
  const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  w.onmessage = (event: MessageEvent<Report>) => onReport(event.data);
  w.onerror = (event) => showError(`the training worker failed: ${event.message}`);
  return w;
}

$("#start").addEventListener("click", () => send({ type: "start" }));
$("#pause").addEventListener("click", () => send({ type: "pause" }));
$("#step-once").addEventListener("click", () => send({ type: "step" }));
$("#download").addEventListener("click", () => send({ type: "save" }));
$("#reset").addEventListener("click", () => {
  try {
    const next = { ...formConfig(), autostart: false };
    history.replaceState(null, "", toSearch(next));
    reset(next);
  } catch (e) {
    showError((e as Error).message);
  }
});
field("task").addEventListener("change", () => {
  const task = field("task").value as TaskName;
  fillForm({ ...DEFAULTS[task], task, autostart: false });
});
$<HTMLInputElement>("#load").addEventListener("change", async (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return;
  showError("");
  const bytes = await file.arrayBuffer();
  send({ type: "load", bytes, fileName: file.name }, [bytes]);
  input.value = "";
});
temperature.addEventListener("input", () => {
  $("#temperature-value").textContent = temperature.value;
  send({ type: "temperature", value: Number(temperature.value) });
});
const query = () => send({ type: "query", text: ($("#query-text") as HTMLInputElement).value, temperature: Number(temperature.value) });
$<HTMLFormElement>("#query").addEventListener("submit", (event) => {
  event.preventDefault();
  query();
});
// Names and spaces follow the typing (a pause of 150 ms); char-rnn samples on "run" only.
let typing: ReturnType<typeof setTimeout> | undefined;
$("#query-text").addEventListener("input", () => {
  if (config?.task === "char-rnn") return;
  clearTimeout(typing);
  typing = setTimeout(query, 150);
});

try {
  reset(parseParams(location.search, AVAILABLE_CELLS));
} catch (e) {
  // A bad URL parameter: say which, show the defaults, start nothing.
  fillForm({ ...DEFAULTS["char-rnn"], task: "char-rnn", autostart: false });
  showError((e as Error).message);
}
