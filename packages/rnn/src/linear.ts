// Linear: y = x Wᵀ + b, as `torch.nn.Linear`.
//   N rows (any leading dims, e.g. [B, T]), in / out features
//   x [..., in], weight [out, in], bias [out], y [..., out]

import { Tensor, type FloatArray } from "@unroll/autograd";
import { checkOptions, columnSums, describeValue, differentiable, flat, floatBuffer, floatData, fmt, freshGrad, kernels, record } from "@unroll/autograd/extend";
import { checkDtype, checkSize, Module, MODULE_SCHEMA, uniformParameter, type ModuleOptions } from "./module.js";

export interface LinearOptions extends ModuleOptions {
  bias?: boolean;
}

/** A fully connected layer with PyTorch's U(-1/√in, 1/√in) initialisation. Example: `new Linear(64, 2).forward(h)`. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkSize("Linear", "inFeatures", inFeatures);
    checkSize("Linear", "outFeatures", outFeatures);
    opts = checkOptions<LinearOptions>("Linear", opts, { ...MODULE_SCHEMA, bias: "boolean" });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter("weight", uniformParameter("Linear", [outFeatures, inFeatures], bound, opts));
    this.bias = opts.bias === false ? null : this.registerParameter("bias", uniformParameter("Linear", [outFeatures], bound, opts));
  }

  /** x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`Linear: x must be a Tensor, got ${describeValue(x)}`);
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear: x is ${fmt(x.shape)} but expected [...,${this.inFeatures}] (last dim = inFeatures)`);
    }
    checkDtype("Linear", "x", x, this.weight);
    return linear(x, this.weight, this.bias);
  }
}


/**
 * y = x Wᵀ + b as one op (one output buffer, one graph node) rather than matmul, transpose
 * and a broadcast add. x [..., in] is read as N = size / in rows; all share one float dtype.
 */
function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const [outF, inF] = weight.shape;
  const n = x.size / inF;
  const xs = flat(x.view) as FloatArray;
  const w = flat(weight.view) as FloatArray;
  const b = bias && (flat(bias.view) as FloatArray);
  const y = floatBuffer(weight.dtype, n * outF);
  if (b !== null) for (let r = 0; r < n; r++) y.set(b, r * outF);
  kernels.gemm(false, true, n, outF, inF, xs, 0, w, 0, y, 0, b !== null);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record("linear", inputs, y, [...x.shape.slice(0, -1), outF], (dout) => {
    const g = floatData(dout.view, weight.dtype);
    const grads: (Tensor | null)[] = [null, null, null];
    if (x.requiresGrad) {
      // d linear / d x = g · W
      const dx = freshGrad(x.dtype, x.shape);
      kernels.gemm(false, false, n, inF, outF, g, 0, w, 0, dx.buffer as FloatArray, 0, false);
      grads[0] = dx;
    }
    if (weight.requiresGrad) {
      // d linear / d weight = gᵀ · x (rows of all leading dims together)
      const dw = freshGrad(weight.dtype, weight.shape);
      kernels.gemm(true, false, outF, inF, n, g, 0, xs, 0, dw.buffer as FloatArray, 0, false);
      grads[1] = dw;
    }
    if (bias !== null && bias.requiresGrad) {
      // d linear / d bias = Σ_rows g
      const db = freshGrad(bias.dtype, bias.shape);
      columnSums(db.buffer as FloatArray, 0, g, 0, n, outF, false);
      grads[2] = db;
    }
    return grads.slice(0, inputs.length);
  }, differentiable(
    // The same three rules as ops, recorded under createGraph.
    (dout) => {
      const g = dout.reshape([n, outF]);
      return [
        x.requiresGrad ? dout.matmul(weight) : null,
        weight.requiresGrad ? g.transpose(0, 1).matmul(x.reshape([n, inF])) : null,
        bias !== null && bias.requiresGrad ? g.sum(0) : null,
      ].slice(0, inputs.length);
    },
  ));
}
