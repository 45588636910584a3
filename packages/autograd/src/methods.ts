// The Tensor methods that call ops and the engine (x.add(y), x.backward()). They are
// attached here, not in tensor.ts, so that tensor.ts and the ops never import each other.

import { backward, registerHook, type BackwardOptions, type GradHook, type HookHandle } from "./engine.js";
import type { Dtype } from "./dtype.js";
import * as ew from "./ops/elementwise.js";
import * as mm from "./ops/matmul.js";
import * as rd from "./ops/reduce.js";
import * as sh from "./ops/shape.js";
import { Tensor } from "./tensor.js";

declare module "./tensor.js" {
  interface Tensor {
    /**
     * Accumulate d(this)/d(leaf) into every leaf's `.grad`. A scalar needs no argument;
     * otherwise pass the gradient flowing in from above, shaped like this tensor.
     * `{ createGraph: true }` records the pass, so the gradients can be differentiated again.
     * Example: `loss.backward({ createGraph: true })`, `y.backward(dy, { retainGraph: true })`.
     */
    backward(grad?: Tensor | number, opts?: BackwardOptions): void;
    backward(opts: BackwardOptions): void;
    /**
     * Run `fn(grad)` when backward computes this tensor's gradient; a returned tensor
     * replaces it (on a leaf, before it is added to .grad). Example: `x.registerHook((g) => g.mul(2))`.
     */
    registerHook(fn: GradHook): HookHandle;
    add(other: Tensor | number): Tensor;
    sub(other: Tensor | number): Tensor;
    mul(other: Tensor | number): Tensor;
    div(other: Tensor | number): Tensor;
    neg(): Tensor;
    pow(exponent: number): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    to(dtype: Dtype): Tensor;
    matmul(other: Tensor): Tensor;
    sum(dim?: number, keepDim?: boolean): Tensor;
    mean(dim?: number, keepDim?: boolean): Tensor;
    max(dim: number, keepDim?: boolean): Tensor;
    argmax(dim: number): Tensor;
    logSumExp(dim: number, keepDim?: boolean): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    reshape(shape: readonly number[]): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    select(dim: number, index: number): Tensor;
    gather(dim: number, index: Tensor): Tensor;
  }
}

// Each method is the op of the same name with `this` as its first argument.
const methods: { [K in keyof Tensor]?: (this: Tensor, ...args: never[]) => unknown } = {
  backward(grad?: Tensor | number | BackwardOptions, opts?: BackwardOptions) {
    backward(this, grad, opts);
  },
  registerHook(fn: GradHook) {
    return registerHook(this, fn);
  },
  add(other: Tensor | number) {
    return ew.add(this, other);
  },
  sub(other: Tensor | number) {
    return ew.sub(this, other);
  },
  mul(other: Tensor | number) {
    return ew.mul(this, other);
  },
  div(other: Tensor | number) {
    return ew.div(this, other);
  },
  neg() {
    return ew.neg(this);
  },
  pow(exponent: number) {
    return ew.pow(this, exponent);
  },
  exp() {
    return ew.exp(this);
  },
  log() {
    return ew.log(this);
  },
  sqrt() {
    return ew.sqrt(this);
  },
  tanh() {
    return ew.tanh(this);
  },
  sigmoid() {
    return ew.sigmoid(this);
  },
  relu() {
    return ew.relu(this);
  },
  to(dtype: Dtype) {
    return ew.to(this, dtype);
  },
  matmul(other: Tensor) {
    return mm.matmul(this, other);
  },
  sum(dim?: number, keepDim = false) {
    return rd.sum(this, dim, keepDim);
  },
  mean(dim?: number, keepDim = false) {
    return rd.mean(this, dim, keepDim);
  },
  max(dim: number, keepDim = false) {
    return rd.max(this, dim, keepDim);
  },
  argmax(dim: number) {
    return rd.argmax(this, dim);
  },
  logSumExp(dim: number, keepDim = false) {
    return rd.logSumExp(this, dim, keepDim);
  },
  softmax(dim: number) {
    return rd.softmax(this, dim);
  },
  logSoftmax(dim: number) {
    return rd.logSoftmax(this, dim);
  },
  transpose(dim0: number, dim1: number) {
    return sh.transpose(this, dim0, dim1);
  },
  permute(dims: readonly number[]) {
    return sh.permute(this, dims);
  },
  reshape(shape: readonly number[]) {
    return sh.reshape(this, shape);
  },
  narrow(dim: number, start: number, length: number) {
    return sh.narrow(this, dim, start, length);
  },
  select(dim: number, index: number) {
    return sh.select(this, dim, index);
  },
  gather(dim: number, index: Tensor) {
    return sh.gather(this, dim, index);
  },
};

// Non-enumerable, like class methods.
for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

export { Tensor };
