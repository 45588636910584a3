// The peer a JavaScript programmer would write by hand: forward, BPTT and SGD for the
// problem in problem.ts as loops over Float32Array, no library. Every product reads
// rows contiguously (dot products of rows for x W^T, row updates for the gradients).
//
// Shapes: B batch, T time, I input, H hidden, C classes.

import type { Problem, Trainer } from "./problem.js";

export function plainTrainer(p: Problem): Trainer {
  const { B, T, I, H, C, kind, lr } = p.w;
  const wIh = p.init.weightIh.slice(), wHh = p.init.weightHh.slice();
  const bIh = p.init.biasIh.slice(), bHh = p.init.biasHh.slice();
  const wOut = p.init.weightOut.slice(), bOut = p.init.biasOut.slice();
  const params = [wIh, wHh, bIh, bHh, wOut, bOut];
  const grads = params.map((q) => new Float32Array(q.length));
  const [gIh, gHh, gbIh, gbHh, gOut, gbOut] = grads;
  const { x, y } = p;
  const hs = new Float32Array((T + 1) * B * H); // hs[t + 1] = h_t; hs[0] = h_0 = 0
  const dh = new Float32Array(T * B * H); // d loss / d h_t from the output layer
  const dhNext = new Float32Array(B * H);
  const da = new Float32Array(B * H);
  const probs = new Float32Array(C);
  const steps = kind === "lm" ? T : 1; // time steps that have an output

  return {
    step(): number {
      for (const g of grads) g.fill(0);
      dh.fill(0);
      // forward: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
      for (let t = 0; t < T; t++) {
        const hPrev = t * B * H, hCur = (t + 1) * B * H;
        for (let b = 0; b < B; b++) {
          const xo = (b * T + t) * I;
          for (let j = 0; j < H; j++) {
            let a = bIh[j] + bHh[j];
            const wi = j * I;
            for (let i = 0; i < I; i++) a += x[xo + i] * wIh[wi + i];
            const wh = j * H, ho = hPrev + b * H;
            for (let k = 0; k < H; k++) a += hs[ho + k] * wHh[wh + k];
            hs[hCur + b * H + j] = Math.tanh(a);
          }
        }
      }
      // output layer and softmax-CE; d logits = (softmax - onehot) / B
      let loss = 0;
      for (let s = 0; s < steps; s++) {
        const t = kind === "lm" ? s : T - 1;
        const hCur = (t + 1) * B * H;
        for (let b = 0; b < B; b++) {
          const ho = hCur + b * H;
          let max = -Infinity;
          for (let c = 0; c < C; c++) {
            let z = bOut[c];
            const wo = c * H;
            for (let k = 0; k < H; k++) z += hs[ho + k] * wOut[wo + k];
            probs[c] = z;
            if (z > max) max = z;
          }
          let sum = 0;
          for (let c = 0; c < C; c++) sum += Math.exp(probs[c] - max);
          const target = kind === "lm" ? y[b * T + t] : y[b];
          loss += max + Math.log(sum) - probs[target];
          const dho = t * B * H + b * H;
          for (let c = 0; c < C; c++) {
            const g = (Math.exp(probs[c] - max) / sum - (c === target ? 1 : 0)) / B;
            gbOut[c] += g;
            const wo = c * H;
            for (let k = 0; k < H; k++) {
              gOut[wo + k] += g * hs[ho + k];
              dh[dho + k] += g * wOut[wo + k];
            }
          }
        }
      }
      loss /= B;
      // BPTT: da = (dh_t + dh_next) * (1 - h_t^2); dW_ih += da^T x_t; dW_hh += da^T h_{t-1}; dh_next = da W_hh
      dhNext.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const hPrev = t * B * H, hCur = (t + 1) * B * H;
        for (let n = 0; n < B * H; n++) {
          const h = hs[hCur + n];
          da[n] = (dh[t * B * H + n] + dhNext[n]) * (1 - h * h);
        }
        dhNext.fill(0);
        for (let b = 0; b < B; b++) {
          const xo = (b * T + t) * I, ho = hPrev + b * H, dn = b * H;
          for (let j = 0; j < H; j++) {
            const g = da[b * H + j];
            gbIh[j] += g;
            gbHh[j] += g;
            const wi = j * I;
            for (let i = 0; i < I; i++) gIh[wi + i] += g * x[xo + i];
            const wh = j * H;
            for (let k = 0; k < H; k++) {
              gHh[wh + k] += g * hs[ho + k];
              dhNext[dn + k] += g * wHh[wh + k];
            }
          }
        }
      }
      // SGD: w -= lr * dw
      for (let q = 0; q < params.length; q++) {
        const w = params[q], g = grads[q];
        for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
      }
      return loss;
    },
  };
}
