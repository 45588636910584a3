// @unroll/autograd/extend: what a package author needs to write an op of their own (a
// fused kernel pair joined to the graph): `record`, gradient buffers, the kernels and
// the buffer helpers. The Tensor and the ops themselves come from "@unroll/autograd".

import "./methods.js";

export { record, differentiable, type RecordOptions } from "./engine.js";
export type { BackwardFn, DifferentiableBackwardFn, Node } from "./tensor.js";
export { checkTensor, fromFlat } from "./tensor.js";
export { checkOptions, checkValue, describeValue, dtypeRule, floatDtypeRule, rngRule, type OptionRule, type OptionSchema, type OptionType } from "./options.js";
export { checkAllocation, checkInt32 } from "./dtype.js";
export { freshGrad } from "./grad-buffers.js";
export { checkLengths } from "./lengths.js";
export { floatBuffer } from "./dtype.js";
export { flat, floatData, fmt, normDim, sameShape, sizeOf } from "./strides.js";
export { kernels, columnSums, packedB, residentBuffer, releaseResident, type Gemm, type PackedB } from "./kernels/index.js";
export type { SoftmaxXentSpec, SoftmaxXentSaved, SoftmaxXentForward, SoftmaxXentBackward } from "./kernels/index.js";
export type { CellBuffers, CellForward, CellBackward } from "./kernels/index.js";
