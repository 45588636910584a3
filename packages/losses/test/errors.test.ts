// Bad input: a clear error naming the loss, the argument and the position or shapes,
// thrown before anything is computed, with every input left as it was.
//   N = 4 examples, C = 3 classes, B = 2 batch, T = 5 time

import { describe, expect, it } from "vitest";
import { randn, tensor, Tensor } from "@unroll/autograd";
import { crossEntropy, nllLoss, sequenceCrossEntropy } from "../src/index.js";

function snapshot(inputs: unknown[]): unknown[] {
  return inputs.map((x) => {
    if (x instanceof Tensor) return { data: Array.from(x.toTypedArray()), grad: x.grad === null ? null : Array.from(x.grad.toTypedArray()) };
    if (x instanceof Int32Array) return Array.from(x);
    return JSON.stringify(x);
  });
}

/** `fn` throws `type` with a message matching `message`, and `inputs` are unchanged. */
function expectRejects(fn: () => unknown, type: ErrorConstructor, message: RegExp, inputs: unknown[]): void {
  const before = snapshot(inputs);
  expect(fn).toThrow(type);
  expect(fn).toThrow(message);
  expect(snapshot(inputs)).toEqual(before);
}

const logits = (): Tensor => randn([4, 3], { requiresGrad: true });
const seqLogits = (): Tensor => randn([2, 5, 3], { requiresGrad: true });
const seqTarget = (): Int32Array => Int32Array.from([0, 1, 2, 1, 0, 2, 2, 1, 0, 1]);

describe("class indices", () => {
  it("outside [0, C) and not the ignore index: names the position and the value", () => {
    const x = logits();
    const t = Int32Array.from([0, 3, 1, 2]);
    expectRejects(() => crossEntropy(x, t), RangeError, /crossEntropy: target\[1\] is 3, outside the 3 classes of logits \[4,3\] \(expected 0 to 2, or ignoreIndex -100\)/, [x, t]);
    const neg = [0, 1, -1, 2];
    expectRejects(() => crossEntropy(x, neg), RangeError, /target\[2\] is -1/, [x, neg]);
    expectRejects(() => crossEntropy(x, [0, 1, -100, 2], { ignoreIndex: -1 }), RangeError, /target\[2\] is -100.*ignoreIndex -1/, [x]);
    expectRejects(() => crossEntropy(x, [0, 2 ** 40, 1, 2]), RangeError, /crossEntropy: target\[1\] is 1099511627776, outside the 3 classes/, [x]);
    expectRejects(() => nllLoss(x, [0, 1, 2, 5]), RangeError, /nllLoss: target\[3\] is 5/, [x]);
    expectRejects(() => crossEntropy(randn([3]), 3), RangeError, /crossEntropy: target is 3, outside the 3 classes of logits \[3\]/, []);
    const s = seqLogits();
    const st = seqTarget();
    st[7] = 4;
    expectRejects(() => sequenceCrossEntropy(s, st), RangeError, /sequenceCrossEntropy: target\[1,2\] is 4/, [s, st]);
    // past an example's length a target may hold anything
    expect(() => sequenceCrossEntropy(s, st, { lengths: [5, 2] })).not.toThrow();
  });

  it("a non-integer index", () => {
    const x = logits();
    const t = [0, 1.5, 2, 0];
    expectRejects(() => crossEntropy(x, t), TypeError, /crossEntropy: target\[1\] is 1\.5, not an integer class index/, [x, t]);
    expectRejects(() => nllLoss(x, [0, 1, NaN, 0]), TypeError, /nllLoss: target\[2\] is NaN, not an integer/, [x]);
    expectRejects(() => crossEntropy(x, [0, "1", 2, 0] as never), TypeError, /target\[1\] is "1"/, [x]);
    const s = seqLogits();
    expectRejects(() => sequenceCrossEntropy(s, [[0, 1, 2, 0, 1], [0, 1, 2, 0.5, 1]]), TypeError, /sequenceCrossEntropy: target\[1,3\] is 0\.5/, [s]);
    const floatIdx = tensor([0, 1, 2, 0]);
    expectRejects(() => crossEntropy(x, floatIdx), TypeError, /crossEntropy: target is a float64 tensor \[4\]; class indices must be int32/, [x, floatIdx]);
    expectRejects(() => nllLoss(x, tensor([[0.2, 0.3, 0.5]])), TypeError, /nllLoss: target must be int32 class indices \[4\]/, [x]);
  });

  it("a target whose shape does not match", () => {
    const x = logits();
    expectRejects(() => crossEntropy(x, [0, 1, 2]), Error, /crossEntropy: target is \[3\] but logits is \[4,3\]; expected class indices \[4\]/, [x]);
    expectRejects(() => crossEntropy(x, tensor([[0, 1, 2, 0]], { dtype: "int32" })), Error, /target is \[1,4\] but logits is \[4,3\]/, [x]);
    expectRejects(() => crossEntropy(x, Int32Array.from([0, 1])), Error, /target is an Int32Array of 2 but logits is \[4,3\]; expected 4 class indices/, [x]);
    expectRejects(() => crossEntropy(x, 1), Error, /target is \[\] but logits is \[4,3\]/, [x]);
    const s = seqLogits();
    expectRejects(() => sequenceCrossEntropy(s, tensor([[0, 1, 2, 0], [0, 1, 2, 0]], { dtype: "int32" })), Error, /sequenceCrossEntropy: target is \[2,4\] but logits is \[2,5,3\]; expected class indices \[2,5\]/, [s]);
    expectRejects(() => sequenceCrossEntropy(s, [[0, 1, 2, 0, 1], [0, 1]]), Error, /target is a ragged nested array/, [s]);
    expectRejects(() => sequenceCrossEntropy(s, [0, 1, 2, 0, 1, 0, 1, 2, 0, 1]), Error, /target is \[10\] but logits is \[2,5,3\]/, [s]);
    expectRejects(() => crossEntropy(x, "0,1" as never), TypeError, /crossEntropy: target must be class indices \[4\]/, [x]);
  });

  it("probabilities of the wrong shape", () => {
    const x = logits();
    const p = tensor([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], { requiresGrad: true });
    expectRejects(() => crossEntropy(x, p), Error, /crossEntropy: probability target is \[4,2\] but logits is \[4,3\]; they must have the same shape/, [x, p]);
    const s = seqLogits();
    const sp = randn([2, 4, 3]);
    expectRejects(() => sequenceCrossEntropy(s, sp), Error, /sequenceCrossEntropy: probability target is \[2,4,3\] but logits is \[2,5,3\]/, [s, sp]);
    const intProbs = tensor([[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: "int32" });
    expectRejects(() => crossEntropy(x, intProbs), Error, /target is \[4,3\] but logits is \[4,3\]; expected class indices \[4\] \(int32\) or probabilities \[4,3\] \(float\)/, [x, intProbs]);
    expectRejects(() => crossEntropy(x, randn([4, 3]), { ignoreIndex: 0 }), Error, /ignoreIndex 0 cannot apply to probability targets/, [x]);
  });
});

describe("weight", () => {
  it("of the wrong length", () => {
    const x = logits();
    const w = tensor([1, 2]);
    expectRejects(() => crossEntropy(x, [0, 1, 2, 0], { weight: w }), Error, /crossEntropy: weight is \[2\] but the logits have 3 classes; expected \[3\]/, [x, w]);
    expectRejects(() => nllLoss(x, [0, 1, 2, 0], { weight: tensor([[1, 2, 3]]) }), Error, /nllLoss: weight is \[1,3\]/, [x]);
    expectRejects(() => sequenceCrossEntropy(seqLogits(), seqTarget(), { weight: tensor([1, 1, 1, 1]) }), Error, /sequenceCrossEntropy: weight is \[4\]/, []);
    expectRejects(() => crossEntropy(x, [0, 1, 2, 0], { weight: [1, 2, 3] as never }), TypeError, /weight must be a float Tensor \[C\], got \[1, 2, 3\]/, [x]);
  });

  it("with negative (or non-finite) entries", () => {
    const x = logits();
    const w = tensor([1, -0.5, 2]);
    expectRejects(() => crossEntropy(x, [0, 1, 2, 0], { weight: w }), RangeError, /crossEntropy: weight\[1\] is -0\.5; class weights must be finite and non-negative/, [x, w]);
    expectRejects(() => nllLoss(x, [0, 1, 2, 0], { weight: tensor([1, NaN, 2]) }), RangeError, /weight\[1\] is NaN/, [x]);
    expectRejects(() => sequenceCrossEntropy(seqLogits(), seqTarget(), { weight: tensor([1, 1, Infinity]) }), RangeError, /weight\[2\] is Infinity/, []);
  });
});

describe("lengths", () => {
  it("outside [0, T]", () => {
    const s = seqLogits();
    const t = seqTarget();
    const lengths = Int32Array.from([5, 6]);
    expectRejects(() => sequenceCrossEntropy(s, t, { lengths }), RangeError, /sequenceCrossEntropy: lengths\[1\] is 6, outside \[0, 5\] \(T = 5\)/, [s, t, lengths]);
    expectRejects(() => sequenceCrossEntropy(s, t, { lengths: [-1, 2] }), RangeError, /lengths\[0\] is -1, outside \[0, 5\]/, [s, t]);
    expectRejects(() => sequenceCrossEntropy(s, t, { lengths: [2.5, 2] }), TypeError, /lengths\[0\] is 2\.5, not an integer/, [s, t]);
    expectRejects(() => sequenceCrossEntropy(s, t, { lengths: [2, 2, 2] }), Error, /lengths is \[3\] but the batch has B = 2; expected \[2\]/, [s, t]);
    expectRejects(() => sequenceCrossEntropy(s, t, { lengths: tensor([2, 2]) }), TypeError, /lengths must be int32, got a float64 tensor \[2\]/, [s, t]);
  });
});

describe("options and arguments", () => {
  it("an unknown option value", () => {
    const x = logits();
    const t = [0, 1, 2, 0];
    expectRejects(() => crossEntropy(x, t, { reduction: "avg" as never }), RangeError, /crossEntropy: reduction must be "mean", "sum" or "none", got "avg"/, [x]);
    expectRejects(() => nllLoss(x, t, { reduction: "batchmean" as never }), RangeError, /nllLoss: reduction must be/, [x]);
    expectRejects(() => crossEntropy(x, t, { labelSmoothing: 1.5 }), RangeError, /labelSmoothing must be a number from 0 to 1, got 1\.5/, [x]);
    expectRejects(() => crossEntropy(x, t, { labelSmoothing: -0.1 }), RangeError, /labelSmoothing must be a number from 0 to 1/, [x]);
    expectRejects(() => crossEntropy(x, t, { ignoreIndex: 0.5 }), TypeError, /ignoreIndex must be a 32-bit integer, got 0\.5/, [x]);
    const s = seqLogits();
    const st = seqTarget();
    expectRejects(() => sequenceCrossEntropy(s, st, { timeReduction: "max" as never }), RangeError, /sequenceCrossEntropy: timeReduction must be "sum" or "mean", got "max"/, [s, st]);
    expectRejects(() => sequenceCrossEntropy(s, st, { batchReduction: "none" as never }), RangeError, /batchReduction must be "mean" or "sum", got "none"/, [s, st]);
    expectRejects(() => sequenceCrossEntropy(s, st, { reduction: "mean" as never }), RangeError, /reduction must be "none" \(per-step losses \[B,T\]\) or left out/, [s, st]);
  });

  it("an unknown option name, or options that are not an object", () => {
    const x = logits();
    expectRejects(() => crossEntropy(x, [0, 1, 2, 0], { ignore_index: 1 } as never), TypeError, /crossEntropy: unknown option "ignore_index" \(did you mean "ignoreIndex"\?\)/, [x]);
    expectRejects(() => nllLoss(x, [0, 1, 2, 0], { labelSmoothing: 0.1 } as never), TypeError, /nllLoss: unknown option "labelSmoothing"/, [x]);
    expectRejects(() => sequenceCrossEntropy(seqLogits(), seqTarget(), "sum" as never), TypeError, /sequenceCrossEntropy: options must be an object, got "sum"/, []);
  });

  it("logits that are not float tensors of the right rank", () => {
    expectRejects(() => crossEntropy([[1, 2]] as never, [0]), TypeError, /crossEntropy: logits must be a Tensor \[N,C\] or \[C\], got an array/, []);
    expectRejects(() => crossEntropy(tensor([[1, 2]], { dtype: "int32" }), [0]), TypeError, /crossEntropy: logits must be float32 or float64, got int32/, []);
    expectRejects(() => crossEntropy(randn([2, 3, 4]), [0, 1]), Error, /crossEntropy: logits is \[2,3,4\]; expected \[N,C\] or \[C\]/, []);
    expectRejects(() => sequenceCrossEntropy(randn([4, 3]), [0, 1, 2, 0]), Error, /sequenceCrossEntropy: logits is \[4,3\]; expected \[B,T,C\]/, []);
    expectRejects(() => nllLoss(randn([4, 0]), []), Error, /nllLoss: logProbs is \[4,0\]; it needs at least one class/, []);
  });
});
