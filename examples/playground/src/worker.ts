// The training worker: owns the model, trains it in slices of about 30 ms so that pause,
// step and queries get through, and reports progress, evaluations and samples.

import { kernelsInUse, numThreads, ready, setNumThreads } from "@unroll/autograd";
import type { Config } from "./params.js";
import type { Command, Report, Status } from "./protocol.js";
import { createRun, type TaskRun } from "./tasks.js";

const post = (report: Report, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(report, transfer);

/** Steps between evaluations on the held-out part, and between samples (and gradient pictures). */
const EVAL_EVERY = 100;
const SAMPLE_EVERY = 200;
/** Smoothing of the shown training loss (an exponential moving average, bias-corrected). */
const BETA = 0.9;

let config: Config | null = null;
let run: TaskRun | null = null;
let status: Status = "idle";
let temperature = 0.8;
let ema = 0;
let emaSteps = 0;
let recentLoss = 0;
let recentSteps = 0;
let trainMs = 0;
let sessionSteps = 0;
let lastProgress = 0;

function setStatus(next: Status): void {
  status = next;
  post({ type: "status", status });
}

function progress(): void {
  if (!run) return;
  lastProgress = performance.now();
  const loss = emaSteps > 0 ? ema / (1 - BETA ** emaSteps) : NaN;
  post({ type: "progress", step: run.steps, loss, stepsPerSecond: trainMs > 0 ? (1000 * sessionSteps) / trainMs : 0 });
}

function evaluate(all: boolean): void {
  if (!run) return;
  const trainLoss = recentSteps > 0 ? recentLoss / recentSteps : null;
  recentLoss = 0;
  recentSteps = 0;
  post({ type: "eval", step: run.steps, trainLoss, metric: run.evaluate(all) });
}

function sample(): void {
  if (!run) return;
  const text = run.sample(temperature);
  post({ type: "sample", text, activations: run.activations(text) });
  const norms = run.gradientNorms();
  if (norms) post({ type: "gradientNorms", step: run.steps, norms });
}

/** One training step with its bookkeeping; evaluates and samples on schedule. */
function trainOne(): void {
  const r = run!;
  const t0 = performance.now();
  const loss = r.step();
  trainMs += performance.now() - t0;
  sessionSteps++;
  if (!Number.isFinite(loss)) throw new Error(`the training loss became ${loss} at step ${r.steps}; try a smaller lr`);
  ema = BETA * ema + (1 - BETA) * loss;
  emaSteps++;
  recentLoss += loss;
  recentSteps++;
  const last = r.steps >= config!.steps;
  if (r.steps % EVAL_EVERY === 0 || last) {
    progress();
    evaluate(last);
  }
  if (r.steps % SAMPLE_EVERY === 0 || last) sample();
}

// Yield between slices with a message to ourselves: unlike setTimeout it is not clamped.
const tick = new MessageChannel();
tick.port1.onmessage = slice;

function slice(): void {
  if (status !== "training" || !run) return;
  try {
    const until = performance.now() + 30;
    while (run.steps < config!.steps && performance.now() < until) trainOne();
  } catch (e) {
    fail(e);
    setStatus("paused");
    return;
  }
  if (run.steps >= config!.steps) {
    progress();
    setStatus("done");
    return;
  }
  if (performance.now() - lastProgress > 100) progress();
  tick.port2.postMessage(null);
}

function fail(e: unknown): void {
  post({ type: "error", message: e instanceof Error ? e.message : String(e) });
}

function begin(next: TaskRun, loaded?: string): void {
  run = next;
  ema = emaSteps = recentLoss = recentSteps = trainMs = sessionSteps = 0;
  setStatus("idle");
  evaluate(loaded !== undefined); // a loaded model is measured on all of the held-out part, as the Node example's --steps 0 does
  post({ type: "ready", kernels: kernelsInUse(), threads: numThreads(), hidden: next.hidden, task: next.task, loaded });
  sample();
  progress();
}

function handle(cmd: Command): void {
  switch (cmd.type) {
    case "reset":
      config = cmd.config;
      status = "idle";
      begin(createRun(config));
      if (config.autostart) handle({ type: "start" });
      return;
    case "start":
      if (!run || status === "training" || status === "done") return;
      sessionSteps = 0;
      trainMs = 0;
      setStatus("training");
      tick.port2.postMessage(null);
      return;
    case "pause":
      if (status !== "training") return;
      progress(); // the step it stopped at
      setStatus("paused");
      return;
    case "step":
      if (!run || status === "training" || status === "done") return;
      trainOne();
      progress();
      setStatus(run.steps >= config!.steps ? "done" : "paused");
      return;
    case "load": {
      if (!config) return;
      // A file that does not fit the task leaves the current model as it was.
      const next = createRun(config, new Uint8Array(cmd.bytes), cmd.fileName);
      begin(next, cmd.fileName);
      return;
    }
    case "save": {
      if (!run) return;
      const bytes = run.checkpoint();
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      post({ type: "checkpoint", bytes: buffer, fileName: `${run.task}-step${run.steps}.safetensors` }, [buffer]);
      return;
    }
    case "query": {
      if (!run) return;
      temperature = cmd.temperature;
      const text = run.query(cmd.text, cmd.temperature);
      post({ type: "query", text, activations: run.activations(run.task === "char-rnn" ? text : cmd.text) });
      return;
    }
    case "temperature":
      temperature = cmd.value;
      return;
  }
}

// The kernels compile asynchronously first (WebAssembly.compile); commands wait for them.
// In a crossOriginIsolated page they may run on several threads: this worker and helpers,
// leaving one core to the page so that it stays responsive.
const kernelsReady = ready().then(() => setNumThreads(Math.max(1, (navigator.hardwareConcurrency || 1) - 1)));
self.onmessage = (event: MessageEvent<Command>) => {
  void kernelsReady.then(() => {
    try {
      handle(event.data);
    } catch (e) {
      fail(e);
    }
  });
};
