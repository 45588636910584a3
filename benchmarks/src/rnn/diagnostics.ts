// What limits a training step: its multiply-adds against the gemm kernel's speed, the
// floats copied in and out of wasm memory, and the time outside kernels, measured in a
// separate run with every kernel wrapped in a timer (the suite's timed runs stay untouched).
//   B batch, T time, I input, H hidden, C classes, G gates (1 RNN, 4 LSTM)

import { kernelStats } from "@unroll/autograd";
import { kernels } from "@unroll/autograd/extend";
import { median } from "../timing.js";
import { gates, type Trainer, type Workload } from "./problem.js";

/**
 * Floating-point operations of one training step (2 per multiply-add), as every peer
 * does them: the input and recurrent products forward, dW_ih, dW_hh and dh backward
 * (x needs no gradient), and the head forward, dW_out and dh_out at each output step.
 */
export function stepFlops(w: Workload): number {
  const { B, T, I, H, C, kind } = w;
  const G = gates(w);
  const recurrent = 2 * B * G * H * (I + H) + 2 * B * G * H * (I + 2 * H);
  const head = 3 * 2 * B * H * C;
  return T * recurrent + (kind === "lm" ? T : 1) * head;
}

/** GFLOP/s of kernels.gemm on n×n float32 operands: the best a training step's products can do. */
export function gemmPeak(n = 512): { n: number; gflops: number } {
  const a = Float32Array.from({ length: n * n }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: n * n }, () => Math.random() - 0.5);
  const c = new Float32Array(n * n);
  const times: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    kernels.gemm(false, false, n, n, n, a, 0, b, 0, c, 0, false);
    times.push(performance.now() - t0);
  }
  return { n, gflops: (2 * n ** 3) / median(times.slice(3)) / 1e6 };
}

export interface Diagnosis {
  /** Floats copied into and out of wasm memory per step. */
  copiedFloats: number;
  /** Share of a step's wall-clock time spent outside kernel calls. */
  outside: number;
}

/** Time `trainer`'s steps with every kernel call timed: medians over a few steps. */
export function diagnose(trainer: Trainer, steps = 7): Diagnosis {
  const saved = { ...kernels };
  let inside = 0;
  let depth = 0;
  const table = kernels as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [name, fn] of Object.entries(saved) as [string, (...args: unknown[]) => unknown][]) {
    table[name] = (...args) => {
      // A JavaScript kernel may call another (the step calls gemm): time the outer one only.
      if (depth > 0) return fn(...args);
      depth = 1;
      const t0 = performance.now();
      try {
        return fn(...args);
      } finally {
        inside += performance.now() - t0;
        depth = 0;
      }
    };
  }
  try {
    for (let i = 0; i < 3; i++) trainer.step();
    const copied: number[] = [];
    const outside: number[] = [];
    for (let i = 0; i < steps; i++) {
      const c0 = kernelStats().copiedFloats;
      inside = 0;
      const t0 = performance.now();
      trainer.step();
      const total = performance.now() - t0;
      copied.push(kernelStats().copiedFloats - c0);
      outside.push(1 - inside / total);
    }
    return { copiedFloats: median(copied), outside: median(outside) };
  } finally {
    Object.assign(kernels, saved);
  }
}
