// unroll as its users train: through the public API (@unroll/rnn's RNN and Linear,
// @unroll/losses, an SGD optimizer) when those packages are there, and the same model
// spelled out in the engine's generic ops (matmul, add, tanh, logSoftmax, gather), which
// shows what the fused RNN step and fused loss gain.
//
// Shapes: B batch, T time, I input, H hidden, C classes.

import * as autograd from "@unroll/autograd";
import { flat, gather, stack, tensor, zeros, type FloatArray, type FloatDtype, type Tensor } from "@unroll/autograd";
import type { Problem, Trainer, Weights } from "./problem.js";

/** The part of an optimizer the benchmark uses (PyTorch's zero_grad / step). */
interface Optimizer {
  zeroGrad(): void;
  step(): void;
}

type SgdClass = new (params: Tensor[], opts: { lr: number }) => Optimizer;

/**
 * The engine's SGD when @unroll/autograd exports one; until then the same update,
 * w -= lr * dw, on the raw buffers.
 */
function sgd(params: Tensor[], lr: number): Optimizer {
  const SGD = (autograd as unknown as { SGD?: SgdClass }).SGD;
  if (SGD) return new SGD(params, { lr });
  return {
    zeroGrad: () => params.forEach((p) => (p.grad = null)),
    step: () => {
      for (const p of params) {
        if (!p.grad) continue;
        const w = p.data.data as FloatArray;
        const g = flat(p.grad.data);
        for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
      }
    },
  };
}

function param(values: Float32Array, shape: number[], dtype: FloatDtype): Tensor {
  return tensor(values, { dtype, shape, requiresGrad: true });
}

function weightsAsTensors(init: Weights, p: Problem, dtype: FloatDtype): Record<keyof Weights, Tensor> {
  const { I, H, C } = p.w;
  return {
    weightIh: param(init.weightIh, [H, I], dtype),
    weightHh: param(init.weightHh, [H, H], dtype),
    biasIh: param(init.biasIh, [H], dtype),
    biasHh: param(init.biasHh, [H], dtype),
    weightOut: param(init.weightOut, [C, H], dtype),
    biasOut: param(init.biasOut, [C], dtype),
  };
}

/** The model in generic ops: one matmul/add/tanh node chain per time step, loss from logSoftmax + gather. */
export function genericOpsTrainer(p: Problem, dtype: FloatDtype): Trainer {
  const { B, T, I, H, kind, lr } = p.w;
  const w = weightsAsTensors(p.init, p, dtype);
  const params = Object.values(w);
  const opt = sgd(params, lr);
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

// The public API as issue 4 and issue 3 fix it, typed here by the benchmark because
// the packages may not have landed yet when it is type-checked.
interface ModuleLike {
  parameters(): Tensor[];
  loadStateDict(dict: Record<string, Tensor>): unknown;
}
interface RnnPackage {
  RNN: new (inputSize: number, hiddenSize: number, opts: { dtype: FloatDtype }) => ModuleLike & {
    forward(x: Tensor): { output: Tensor; hN: Tensor };
  };
  Linear: new (inFeatures: number, outFeatures: number, opts: { dtype: FloatDtype }) => ModuleLike & {
    forward(x: Tensor): Tensor;
  };
}
interface LossesPackage {
  crossEntropy(logits: Tensor, target: Tensor): Tensor;
  sequenceCrossEntropy(logits: Tensor, target: Tensor): Tensor;
}

export interface PublicApi {
  rnn: RnnPackage;
  losses: LossesPackage;
}

/** @unroll/rnn and @unroll/losses with the exports the benchmark needs, or null while either is missing. */
export async function loadPublicApi(): Promise<PublicApi | null> {
  // Specifiers in variables: the type-checker does not resolve them (see above).
  const names = { rnn: "@unroll/rnn", losses: "@unroll/losses" };
  try {
    const rnn = (await import(names.rnn)) as Partial<RnnPackage>;
    const losses = (await import(names.losses)) as Partial<LossesPackage>;
    if (!rnn.RNN || !rnn.Linear || !losses.crossEntropy || !losses.sequenceCrossEntropy) return null;
    return { rnn: rnn as RnnPackage, losses: losses as LossesPackage };
  } catch {
    return null;
  }
}

/** The model a user writes: RNN + Linear head + the fused loss + SGD. */
export function publicApiTrainer(api: PublicApi, p: Problem, dtype: FloatDtype): Trainer {
  const { B, T, I, H, C, kind, lr } = p.w;
  const rnn = new api.rnn.RNN(I, H, { dtype });
  const head = new api.rnn.Linear(H, C, { dtype });
  const w = weightsAsTensors(p.init, p, dtype);
  rnn.loadStateDict({
    "layers.0.weightIh": w.weightIh,
    "layers.0.weightHh": w.weightHh,
    "layers.0.biasIh": w.biasIh,
    "layers.0.biasHh": w.biasHh,
  });
  head.loadStateDict({ weight: w.weightOut, bias: w.biasOut });
  const params = [...rnn.parameters(), ...head.parameters()];
  if (params.some((q) => q.dtype !== dtype)) throw new Error(`unroll ${dtype}: the modules' parameters are not ${dtype}`);
  const opt = sgd(params, lr);
  const x = tensor(p.x, { dtype, shape: [B, T, I] });
  const y = tensor(p.y, { dtype: "int32", shape: kind === "lm" ? [B, T] : [B] });
  return {
    step(): number {
      opt.zeroGrad();
      const { output, hN } = rnn.forward(x);
      const loss =
        kind === "lm"
          ? api.losses.sequenceCrossEntropy(head.forward(output), y)
          : api.losses.crossEntropy(head.forward(hN.select(0, 0)), y);
      loss.backward();
      opt.step();
      return loss.item();
    },
  };
}
