// The messages between the page and the training worker.

import type { Config } from "./params.js";

export type Status = "idle" | "training" | "paused" | "done";

/** A held-out metric, shown as `name value`. */
export interface Metric {
  name: string;
  value: number;
  extra?: Record<string, number>;
}

/** Hidden activations over a text: `values[t * hidden + k]` is unit k at character t. */
export interface Activations {
  chars: string[];
  hidden: number;
  values: Float32Array;
}

/** Page -> worker. */
export type Command =
  | { type: "reset"; config: Config }
  | { type: "start" }
  | { type: "pause" }
  | { type: "step" }
  | { type: "load"; bytes: ArrayBuffer; fileName: string }
  | { type: "save" }
  | { type: "query"; text: string; temperature: number }
  | { type: "temperature"; value: number };

/** Worker -> page. */
export type Report =
  | { type: "ready"; kernels: string; threads: number; hidden: number; task: string; loaded?: string }
  | { type: "status"; status: Status }
  | { type: "progress"; step: number; loss: number; stepsPerSecond: number }
  | { type: "eval"; step: number; trainLoss: number | null; metric: Metric }
  | { type: "sample"; text: string; activations: Activations }
  | { type: "query"; text: string; activations: Activations }
  | { type: "gradientNorms"; step: number; norms: number[] }
  | { type: "checkpoint"; bytes: ArrayBuffer; fileName: string }
  | { type: "error"; message: string };
