// Embedding: a lookup table of vectors indexed by int32 ids, as `torch.nn.Embedding`.
//   V numEmbeddings, D embedding dim; indices of any shape [...] → [..., D]
//   weight [V, D], N(0, 1); the paddingIdx row starts at zero and gets no gradient.

import { getDefaultDtype, randn, tensor, Tensor } from "@unroll/autograd";
import { checkAllocation, checkOptions, describeValue, differentiable, flat, floatBuffer, fmt, freshGrad, record } from "@unroll/autograd/extend";
import { checkSize, Module, MODULE_SCHEMA, type ModuleOptions } from "./module.js";

export interface EmbeddingOptions extends ModuleOptions {
  /** A row (negative counts from the end) that stays zero and is never updated by gradients. */
  paddingIdx?: number | null;
}

/** A trainable lookup table. Example: `new Embedding(65, 16).forward(tensor([[1, 2]], { dtype: "int32" }))` is [1, 2, 16]. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row in [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  readonly weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkSize("Embedding", "numEmbeddings", numEmbeddings);
    checkSize("Embedding", "embeddingDim", embeddingDim);
    opts = checkOptions<EmbeddingOptions>("Embedding", opts, { ...MODULE_SCHEMA, paddingIdx: { type: "integer", nullable: true } });
    const dtype = opts.dtype ?? getDefaultDtype();
    checkAllocation("Embedding", dtype, numEmbeddings * embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normPadding(opts.paddingIdx, numEmbeddings);
    const weight = randn([numEmbeddings, embeddingDim], { rng: opts.rng, dtype });
    if (this.paddingIdx !== null) weight.buffer.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    weight.requiresGrad = true;
    this.weight = this.registerParameter("weight", weight);
  }

  /** indices (int32, any shape) → their rows, shaped [...indices.shape, D]. */
  forward(indices: Tensor): Tensor {
    if (!(indices instanceof Tensor)) throw new TypeError(`Embedding: indices must be an int32 Tensor, got ${describeValue(indices)}`);
    if (indices.dtype !== "int32") throw new TypeError(`Embedding: indices must be int32, got ${indices.dtype} (shape ${fmt(indices.shape)})`);
    const V = this.numEmbeddings;
    const D = this.embeddingDim;
    // a copy: backward must see the ids of this call even if the caller reuses the buffer
    const ids = Int32Array.from(flat(indices.view));
    for (let p = 0; p < ids.length; p++) {
      if (ids[p] < 0 || ids[p] >= V) {
        throw new RangeError(`Embedding: index ${ids[p]} at flat position ${p} of indices ${fmt(indices.shape)} is out of range for ${V} embeddings`);
      }
    }
    const w = this.weight;
    const table = flat(w.view);
    const out = floatBuffer(w.dtype, ids.length * D);
    for (let p = 0; p < ids.length; p++) out.set(table.subarray(ids[p] * D, (ids[p] + 1) * D), p * D);
    const pad = this.paddingIdx;
    // d embedding / d weight = row v: Σ of g over positions whose index is v; the padding row gets 0
    return record("embedding", [w], out, [...indices.shape, D], (g) => {
      const dout = flat(g.view);
      const dwTensor = freshGrad(w.dtype, [V, D]);
      const dw = dwTensor.buffer;
      for (let p = 0; p < ids.length; p++) {
        const row = ids[p];
        if (row === pad) continue;
        for (let j = 0; j < D; j++) dw[row * D + j] += dout[p * D + j];
      }
      return [dwTensor];
    }, differentiable(
      // As ops for createGraph: d weight = onehotᵀ · dout, with a zero row for the padding index
      (g) => {
        const onehot = new Float64Array(ids.length * V);
        for (let p = 0; p < ids.length; p++) if (ids[p] !== pad) onehot[p * V + ids[p]] = 1;
        const oneHot = tensor(onehot, { shape: [ids.length, V], dtype: w.dtype });
        return [oneHot.transpose(0, 1).matmul(g.reshape([ids.length, D]))];
      },
    ));
  }
}

function normPadding(paddingIdx: number | null | undefined, n: number): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) {
    throw new RangeError(`Embedding: paddingIdx ${paddingIdx} must be an integer in [${-n}, ${n - 1}]`);
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}
