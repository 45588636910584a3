// The TF.js peer, written as a TF.js user would (functional ops: tfjs-core alone has no
// chained methods): variables, a loop of tanh(x_t W_ih^T + b_ih + h W_hh^T + b_hh),
// tf.train.sgd's minimize (variableGrads underneath), the loss from a stable logSoftmax.
//
// Shapes: B batch, T time, I input, H hidden, C classes.

import { tf, useTfBackend, type TfBackend } from "../tfjs.js";
import type { Problem, Trainer } from "./problem.js";

export function tfTrainer(p: Problem, backend: TfBackend): Trainer {
  useTfBackend(backend);
  const { B, T, I, H, C, kind, lr } = p.w;
  const wIh = tf.variable(tf.tensor2d(p.init.weightIh, [H, I]));
  const wHh = tf.variable(tf.tensor2d(p.init.weightHh, [H, H]));
  const bIh = tf.variable(tf.tensor1d(p.init.biasIh));
  const bHh = tf.variable(tf.tensor1d(p.init.biasHh));
  const wOut = tf.variable(tf.tensor2d(p.init.weightOut, [C, H]));
  const bOut = tf.variable(tf.tensor1d(p.init.biasOut));
  const vars = [wIh, wHh, bIh, bHh, wOut, bOut];
  const x = tf.tensor3d(p.x, [B, T, I]);
  // One-hot targets, row order (b, t) to match h stacked as [B, T, H].
  const targets = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(p.y, "int32"), C), "float32"));
  const optimizer = tf.train.sgd(lr);

  const loss = (): tf.Scalar => {
    const xs = tf.unstack(x, 1);
    let h: tf.Tensor = tf.zeros([B, H]);
    const hs: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      h = tf.tanh(tf.add(tf.add(tf.add(tf.matMul(xs[t], wIh, false, true), bIh), tf.matMul(h, wHh, false, true)), bHh));
      hs.push(h);
    }
    const top = kind === "lm" ? tf.reshape(tf.stack(hs, 1), [B * T, H]) : h;
    const logits = tf.add(tf.matMul(top, wOut, false, true), bOut);
    return tf.div(tf.sum(tf.mul(targets, tf.logSoftmax(logits))), -B);
  };

  return {
    step(): number {
      const cost = optimizer.minimize(loss, true, vars);
      if (!cost) throw new Error("TF.js: minimize returned no cost");
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    },
  };
}
