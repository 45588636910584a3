// @unroll/losses: cross-entropy, NLL and the sequence losses on @unroll/autograd,
// computed through a fused, stable softmax-cross-entropy kernel.

export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions, type Reduction } from "./cross-entropy.js";
export { sequenceCrossEntropy, type SequenceCrossEntropyOptions } from "./sequence.js";
export type { ClassTarget } from "./validate.js";
export type { Lengths } from "@unroll/autograd";
