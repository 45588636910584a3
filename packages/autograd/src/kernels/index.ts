// The kernels that hot ops call, behind one small interface so that a faster
// implementation (WebAssembly SIMD) can replace the JavaScript one in one place.

import { gemmJs, type Gemm } from "./matmul.js";
import { rnnStepBackwardJs, rnnStepForwardJs, type RnnStepBackward, type RnnStepForward } from "./rnn-step.js";
import { softmaxXentBackwardJs, softmaxXentForwardJs, type SoftmaxXentBackward, type SoftmaxXentForward } from "./softmax-xent.js";

export type { Gemm } from "./matmul.js";
export type { RnnStepBackward, RnnStepDims, RnnStepForward, RnnStepGrads } from "./rnn-step.js";
export type { SoftmaxXentBackward, SoftmaxXentForward, SoftmaxXentSpec } from "./softmax-xent.js";

export const kernels: {
  gemm: Gemm;
  rnnStepForward: RnnStepForward;
  rnnStepBackward: RnnStepBackward;
  softmaxXentForward: SoftmaxXentForward;
  softmaxXentBackward: SoftmaxXentBackward;
} = {
  gemm: gemmJs,
  rnnStepForward: rnnStepForwardJs,
  rnnStepBackward: rnnStepBackwardJs,
  softmaxXentForward: softmaxXentForwardJs,
  softmaxXentBackward: softmaxXentBackwardJs,
};
