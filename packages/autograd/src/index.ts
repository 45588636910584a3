// @unroll/autograd: a reverse-mode autodiff Tensor on ndarray views, what a user trains
// with. What a package author needs to write a fused op is on "@unroll/autograd/extend".

export { Tensor } from "./methods.js";
export { noGrad, isGradEnabled, enableGrad, type BackwardOptions, type GradHook, type HookHandle } from "./engine.js";
export { grad, valueAndGrad, type GradOptions, type TensorTree } from "./functional.js";
export type { Lengths } from "./lengths.js";
export { tensor, zeros, ones, full, arange, randn, rand, uniform, type TensorOptions, type RandomOptions, type NestedArray, type IntegerArray } from "./creation.js";
export { setDefaultDtype, getDefaultDtype, type Dtype, type FloatDtype, type TypedArray, type FloatArray } from "./dtype.js";
export { createRng, manualSeed, getDefaultRng, type Rng, type RngState } from "./random.js";
export { add, sub, mul, div, neg, pow, exp, log, sqrt, tanh, sigmoid, relu, to, clone } from "./ops/elementwise.js";
export { matmul } from "./ops/matmul.js";
export { sum, mean, max, argmax, logSumExp, softmax, logSoftmax } from "./ops/reduce.js";
export { transpose, permute, reshape, narrow, select, gather, stack, cat } from "./ops/shape.js";
export { dropout, type DropoutOptions } from "./ops/dropout.js";
export { useKernels, kernelsInUse, ready, kernelStats, setNumThreads, numThreads, type KernelSet } from "./kernels/index.js";
export { gradcheck, gradgradcheck, type GradcheckOptions, type GradgradcheckOptions, type GradcheckReport } from "./gradcheck.js";
export { Optimizer, type ParamGroup, type GroupInput, type OptimizerStateDict, type ParamState } from "./optim/optimizer.js";
export { SGD, type SGDOptions } from "./optim/sgd.js";
export { Adam, AdamW, type AdamOptions } from "./optim/adam.js";
export { RMSprop, type RMSpropOptions } from "./optim/rmsprop.js";
export { Adagrad, type AdagradOptions } from "./optim/adagrad.js";
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  type SchedulerStateDict,
  type StepLROptions,
  type MultiStepLROptions,
  type CosineAnnealingLROptions,
  type LinearLROptions,
} from "./optim/lr-scheduler.js";
export { OneCycleLR, type OneCycleLROptions } from "./optim/one-cycle.js";
export { SequentialLR, type SequentialLROptions } from "./optim/sequential.js";
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from "./clip.js";
export { saveSafetensors, loadSafetensors, readSafetensors, type SafetensorsContents } from "./safetensors.js";
export {
  saveCheckpoint,
  loadCheckpoint,
  CHECKPOINT_FORMAT,
  type CheckpointModel,
  type CheckpointParts,
  type LoadCheckpointTargets,
  type Scheduler,
} from "./checkpoint.js";
