// The training workloads (W1-W3 of issue 6, W4 the LSTM of issue 10) and the one problem
// every implementation trains: the same initial weights (float32 values, so float64 starts
// identical), the same data, the same loss, plain SGD.
//
// Shapes: B batch, T time, I input, H hidden, C classes (C = I = V for the char-LM).
//   h_t    = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)        h_0 = 0, [B, H] (W4: the LSTM's)
//   "lm":  logits_t = h_t W_out^T + b_out [B, C] at every t, loss = (1/B) Σ_b Σ_t CE(logits_bt, y_bt)
//   "cls": logits   = h_T W_out^T + b_out [B, C],              loss = (1/B) Σ_b CE(logits_b, y_b)

import { createRng } from "@unroll/autograd";

export interface Workload {
  name: string;
  description: string;
  kind: "lm" | "cls";
  /** The recurrent layer: PyTorch's nn.RNN (tanh) or nn.LSTM. */
  cell: "rnn" | "lstm";
  B: number;
  T: number;
  I: number;
  H: number;
  C: number;
  lr: number;
}

export const workloads: readonly Workload[] = [
  { name: "W1", description: "char-LM, one-hot V=65, H=128, T=25, B=32", kind: "lm", cell: "rnn", B: 32, T: 25, I: 65, H: 128, C: 65, lr: 0.2 },
  { name: "W2", description: "char-LM, one-hot V=65, H=512, T=50, B=64", kind: "lm", cell: "rnn", B: 64, T: 50, I: 65, H: 512, C: 65, lr: 0.5 },
  { name: "W3", description: "classification, dense I=16, H=64, T=100, B=64, C=2", kind: "cls", cell: "rnn", B: 64, T: 100, I: 16, H: 64, C: 2, lr: 0.2 },
  { name: "W4", description: "W1 with an LSTM: char-LM, one-hot V=65, H=128, T=25, B=32", kind: "lm", cell: "lstm", B: 32, T: 25, I: 65, H: 128, C: 65, lr: 0.2 },
];

/** PyTorch's parameter names, camelCase, as @unroll/rnn names them. */
export interface Weights {
  weightIh: Float32Array; // [G·H, I], G gates: 1 (RNN) or 4 (LSTM: i, f, g, o)
  weightHh: Float32Array; // [G·H, H]
  biasIh: Float32Array; // [G·H]
  biasHh: Float32Array; // [G·H]
  weightOut: Float32Array; // [C, H]
  biasOut: Float32Array; // [C]
}

export interface Problem {
  w: Workload;
  init: Weights;
  /** Inputs [B, T, I]: one-hot rows for "lm", standard normal for "cls". */
  x: Float32Array;
  /** Class indices: [B, T] for "lm", [B] for "cls". */
  y: Int32Array;
}

/** A trainer owns its copy of the weights; `step` runs one SGD step and returns the loss before it. */
export interface Trainer {
  step(): number;
  /** A trainer in another process times itself: `calls` steps, ms per step. */
  sample?: (calls: number) => { ms: number; cpuMs: number };
}

/** Gate blocks in the recurrent weights: 4 for an LSTM, 1 for a vanilla RNN. */
export function gates(w: Workload): number {
  return w.cell === "lstm" ? 4 : 1;
}

export function makeProblem(w: Workload, seed = 6): Problem {
  const rng = createRng(seed);
  const { B, T, I, H, C } = w;
  const uniform = (n: number, bound: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (rng.random() * 2 - 1) * bound;
    return out;
  };
  const k = 1 / Math.sqrt(H);
  const G = gates(w);
  const init: Weights = {
    weightIh: uniform(G * H * I, k),
    weightHh: uniform(G * H * H, k),
    biasIh: uniform(G * H, k),
    biasHh: uniform(G * H, k),
    weightOut: uniform(C * H, k),
    biasOut: uniform(C, k),
  };
  const x = new Float32Array(B * T * I);
  let y: Int32Array;
  if (w.kind === "lm") {
    // A random character stream per example: the target at t is the input at t + 1.
    y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      let cur = rng.int(I);
      for (let t = 0; t < T; t++) {
        const next = rng.int(I);
        x[(b * T + t) * I + cur] = 1;
        y[b * T + t] = next;
        cur = next;
      }
    }
  } else {
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    y = new Int32Array(B);
    for (let b = 0; b < B; b++) y[b] = rng.int(C);
  }
  return { w, init, x, y };
}
