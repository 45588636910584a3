// unroll as its users train: through the public API (@unroll/rnn, @unroll/losses, SGD), and
// the same vanilla RNN spelled out in the engine's generic ops (matmul, add, tanh,
// logSoftmax, gather), which shows what the fused layer and the fused loss gain.
//
// Shapes: B batch, T time, I input, H hidden, C classes.

import { gather, SGD, stack, tensor, zeros, type FloatDtype, type Tensor } from "@unroll/autograd";
import { crossEntropy, sequenceCrossEntropy } from "@unroll/losses";
import { Linear, LSTM, RNN } from "@unroll/rnn";
import { gates, type Problem, type Trainer, type Weights } from "./problem.js";

function param(values: Float32Array, shape: number[], dtype: FloatDtype): Tensor {
  return tensor(values, { dtype, shape, requiresGrad: true });
}

function weightsAsTensors(init: Weights, p: Problem, dtype: FloatDtype): Record<keyof Weights, Tensor> {
  const { I, H, C } = p.w;
  const G = gates(p.w);
  return {
    weightIh: param(init.weightIh, [G * H, I], dtype),
    weightHh: param(init.weightHh, [G * H, H], dtype),
    biasIh: param(init.biasIh, [G * H], dtype),
    biasHh: param(init.biasHh, [G * H], dtype),
    weightOut: param(init.weightOut, [C, H], dtype),
    biasOut: param(init.biasOut, [C], dtype),
  };
}

/** The model in generic ops: one matmul/add/tanh node chain per time step, loss from logSoftmax + gather. */
export function genericOpsTrainer(p: Problem, dtype: FloatDtype): Trainer {
  const { B, T, I, H, kind, lr } = p.w;
  const w = weightsAsTensors(p.init, p, dtype);
  const params = Object.values(w);
  const opt = new SGD(params, { lr });
  const x = tensor(p.x, { dtype, shape: [B, T, I] });
  const y = tensor(p.y, { dtype: "int32", shape: kind === "lm" ? [B, T, 1] : [B, 1] });
  return {
    step(): number {
      opt.zeroGrad();
      const wIhT = w.weightIh.transpose(0, 1);
      const wHhT = w.weightHh.transpose(0, 1);
      let h = zeros([B, H], { dtype });
      const hs: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        h = x.select(1, t).matmul(wIhT).add(w.biasIh).add(h.matmul(wHhT)).add(w.biasHh).tanh();
        hs.push(h);
      }
      const top = kind === "lm" ? stack(hs, 1) : h;
      const logits = top.matmul(w.weightOut.transpose(0, 1)).add(w.biasOut);
      const loss = gather(logits.logSoftmax(-1), -1, y).sum().mul(-1 / B);
      loss.backward();
      opt.step();
      return loss.item();
    },
  };
}

/** The model a user writes: RNN (or LSTM) + Linear head + the fused loss + SGD. */
export function publicApiTrainer(p: Problem, dtype: FloatDtype): Trainer {
  const { I, H, C, cell } = p.w;
  const rnn = cell === "lstm" ? new LSTM(I, H, { dtype }) : new RNN(I, H, { dtype });
  const head = new Linear(H, C, { dtype });
  const w = weightsAsTensors(p.init, p, dtype);
  rnn.loadStateDict({
    "layers.0.weightIh": w.weightIh,
    "layers.0.weightHh": w.weightHh,
    "layers.0.biasIh": w.biasIh,
    "layers.0.biasHh": w.biasHh,
  });
  head.loadStateDict({ weight: w.weightOut, bias: w.biasOut });
  return layerTrainer(p, rnn, head, dtype);
}

/** A recurrent layer as the trainers use it: RNN, GRU or LSTM, batch first, default state. */
export interface SequenceLayer {
  forward(x: Tensor): { output: Tensor; hN: Tensor };
  parameters(): Iterable<Tensor>;
}

/** One SGD step of `layer` + `head` on p's data with the fused losses, as a user writes it. */
export function layerTrainer(p: Problem, layer: SequenceLayer, head: Linear, dtype: FloatDtype): Trainer {
  const { B, T, I, kind, lr } = p.w;
  const params = [...layer.parameters(), ...head.parameters()];
  if (params.some((q) => q.dtype !== dtype)) throw new Error(`unroll ${dtype}: the modules' parameters are not ${dtype}`);
  const opt = new SGD(params, { lr });
  const x = tensor(p.x, { dtype, shape: [B, T, I] });
  const y = tensor(p.y, { dtype: "int32", shape: kind === "lm" ? [B, T] : [B] });
  return {
    step(): number {
      opt.zeroGrad();
      const { output, hN } = layer.forward(x);
      const loss = kind === "lm" ? sequenceCrossEntropy(head.forward(output), y) : crossEntropy(head.forward(hN.select(0, 0)), y);
      loss.backward();
      opt.step();
      return loss.item();
    },
  };
}
