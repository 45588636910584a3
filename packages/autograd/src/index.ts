// @unroll/autograd: a reverse-mode autodiff Tensor on ndarray views.

export { Tensor, noGrad, isGradEnabled, record, unbroadcast, fromFlat, type BackwardFn } from "./tensor.js";
export { tensor, zeros, ones, full, arange, randn, rand, uniform, type TensorOptions, type NestedArray } from "./creation.js";
export { setDefaultDtype, getDefaultDtype, floatBuffer, type Dtype, type FloatDtype, type TypedArray, type FloatArray } from "./dtype.js";
export { createRng, manualSeed, getDefaultRng, type Rng } from "./random.js";
export { add, sub, mul, div, neg, pow, exp, log, sqrt, tanh, sigmoid, relu, to, clone } from "./ops/elementwise.js";
export { matmul } from "./ops/matmul.js";
export { sum, mean, max, argmax, logSumExp, softmax, logSoftmax } from "./ops/reduce.js";
export { transpose, permute, reshape, narrow, select, gather, stack, cat } from "./ops/shape.js";
export { flat, floatData, fmt, normDim, sizeOf } from "./strides.js";
export { kernels, type Gemm } from "./kernels/index.js";
export { useKernels, kernelsInUse, type KernelSet } from "./kernels/index.js";
export { gradcheck, type GradcheckOptions, type GradcheckReport } from "./gradcheck.js";
export type { SoftmaxXentSpec, SoftmaxXentSaved, SoftmaxXentForward, SoftmaxXentBackward } from "./kernels/index.js";
export { Optimizer, type ParamGroup, type GroupInput, type OptimizerStateDict, type ParamState } from "./optim/optimizer.js";
export { SGD, type SGDOptions } from "./optim/sgd.js";
export { Adam, AdamW, type AdamOptions } from "./optim/adam.js";
export { RMSprop, type RMSpropOptions } from "./optim/rmsprop.js";
export { Adagrad, type AdagradOptions } from "./optim/adagrad.js";
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from "./clip.js";
export { saveSafetensors, loadSafetensors, readSafetensors, type SafetensorsContents } from "./safetensors.js";
export { freshGrad } from "./tensor.js";
export type { RecordOptions } from "./tensor.js";
