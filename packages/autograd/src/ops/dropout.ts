// Dropout with inverted scaling, as `torch.nn.functional.dropout`: in training each
// element is kept with probability 1 − p and scaled by 1 / (1 − p), so the expected
// value is unchanged; outside training it is the identity.

import { allocate, isFloat } from "../dtype.js";
import { getDefaultRng, type Rng } from "../random.js";
import { flat } from "../strides.js";
import { differentiable, record } from "../engine.js";
import { freshGrad } from "../grad-buffers.js";
import { checkOptions, checkValue, rngRule } from "../options.js";
import { checkTensor, fromFlat, type Tensor } from "../tensor.js";
import { mul } from "./elementwise.js";

export interface DropoutOptions {
  /** Drop only when true (default true, as F.dropout). */
  training?: boolean;
  /** Where the mask comes from (default: the process-wide generator). */
  rng?: Rng;
}

/**
 * x with each element zeroed with probability p and the rest scaled by 1 / (1 − p).
 * Example: `const y = dropout(h, 0.2, { training: model.training, rng })`.
 */
export function dropout(x: Tensor, p: number, opts: DropoutOptions = {}): Tensor {
  checkTensor("dropout", x, "x");
  if (!isFloat(x.dtype)) throw new TypeError(`dropout: x must be float32 or float64, got ${x.dtype}`);
  checkValue("dropout", "p", p, { type: "number", min: 0, max: 1, required: true });
  const o = checkOptions<DropoutOptions>("dropout", opts, { training: "boolean", rng: rngRule });
  const training = o.training ?? true;
  const rng = o.rng ?? getDefaultRng();
  if (!training || p === 0) return x;
  const src = flat(x.view);
  const n = src.length;
  // mask[i] = 1 / (1 − p) where kept, 0 where dropped (all 0 when p = 1)
  const mask = allocate(x.dtype, n);
  const scale = p === 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < n; i++) mask[i] = rng.random() < p ? 0 : scale;
  const out = allocate(x.dtype, n);
  for (let i = 0; i < n; i++) out[i] = src[i] * mask[i];
  // d dropout (p, training) / d x = g · mask, mask = [kept] / (1 - p) (the identity outside training)
  return record("dropout", [x], out, x.shape, (g) => {
    const dout = flat(g.view);
    const dx = freshGrad(x.dtype, x.shape);
    const d = dx.buffer;
    for (let i = 0; i < n; i++) d[i] = dout[i] * mask[i];
    return [dx];
  }, differentiable((g) => [mul(g, fromFlat(mask, x.shape))]));
}
