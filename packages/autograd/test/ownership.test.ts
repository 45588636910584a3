// Gradient buffer ownership (grad-buffers.ts, `freshGrad`): the engine adopts, adds into and
// recycles only the gradients it owns, and never a buffer the caller can still reach.
// Shapes are large enough (>= 4 KiB) for the buffer pool to take part.

import { describe, expect, test } from "vitest";
import { add, createRng, randn, stack, tensor, Tensor } from "../src/index.js";
import { flat, freshGrad, record } from "../src/extend.js";

const SHAPE = [32, 64];

/**
 * y = 2x as a custom op whose backward hands over a freshGrad tensor and only borrows
 * dout (so the engine may recycle it); `made` collects the handed-over tensors.
 */
function double(x: Tensor, made: Tensor[] = []): Tensor {
  const xs = flat(x.view);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = 2 * xs[i];
  return record("double", [x], out, x.shape, (g) => {
    const dx = freshGrad(x.dtype, x.shape);
    const d = dx.buffer;
    const gv = flat(g.view);
    for (let i = 0; i < d.length; i++) d[i] = 2 * gv[i];
    made.push(dx);
    return [dx];
  });
}

/** y = 2x whose backward keeps every dout it sees in `kept` (so it records keepsDout). */
function doubleKeeping(x: Tensor, kept: Tensor[]): Tensor {
  const xs = flat(x.view);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = 2 * xs[i];
  return record("doubleKeeping", [x], out, x.shape, (g) => {
    kept.push(g);
    const dx = freshGrad(x.dtype, x.shape);
    const gv = flat(g.view);
    for (let i = 0; i < gv.length; i++) dx.buffer[i] = 2 * gv[i];
    return [dx];
  }, { keepsDout: true });
}

/** a + b as a custom op whose backward (wrongly generous) returns one freshGrad tensor for both inputs. */
function addSharing(a: Tensor, b: Tensor): Tensor {
  const x = flat(a.view);
  const y = flat(b.view);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + y[i];
  return record("addSharing", [a, b], out, a.shape, (g) => {
    const d = freshGrad(a.dtype, a.shape);
    d.buffer.set(flat(g.view));
    return [d, d];
  });
}

const values = (t: Tensor): number[] => Array.from(flat(t.view));
/** Small integers, so that sums of scaled copies are exact whatever the order. */
const intSeed = (seed: number): Tensor => tensor(Float64Array.from(flat(randn(SHAPE, { rng: createRng(seed) }).view), (v) => Math.round(8 * v)), { shape: SHAPE });
const scaled = (t: Tensor, s: number): number[] => values(t).map((v) => v * s);

describe("gradient ownership", () => {
  test("a leaf adopts a handed-over gradient without copying it", () => {
    const x = randn(SHAPE, { rng: createRng(1), requiresGrad: true });
    const seed = randn(SHAPE, { rng: createRng(2) });
    const made: Tensor[] = [];
    double(x, made).backward(seed);
    expect(made).toHaveLength(1);
    expect(x.grad).toBe(made[0]);
    expect(values(x.grad!)).toEqual(scaled(seed, 2));
  });

  test("a gradient returned for two inputs is never shared, nor recycled while one still needs it", () => {
    const rng = createRng(3);
    const a = randn(SHAPE, { rng, requiresGrad: true });
    const b = randn(SHAPE, { rng, requiresGrad: true });
    const seed = randn(SHAPE, { rng });
    addSharing(a, b).backward(seed);
    expect(a.grad!.buffer).not.toBe(b.grad!.buffer);
    a.grad!.buffer.fill(7);
    expect(values(b.grad!)).toEqual(values(seed));
    // Through non-leaves: the shared gradient is dout of two backward passes in turn.
    a.grad = b.grad = null;
    addSharing(double(a), double(b)).backward(seed);
    expect(values(a.grad!)).toEqual(scaled(seed, 2));
    expect(values(b.grad!)).toEqual(scaled(seed, 2));
  });

  test("the caller's seed, a kept .grad and a retained grad survive later backward passes", () => {
    const rng = createRng(6);
    const x = randn(SHAPE, { rng, requiresGrad: true });
    const seed = randn(SHAPE, { rng });
    const seedBefore = values(seed);
    const h = double(x).retainGrad();
    double(h).backward(seed);
    const kept = x.grad!;
    const keptBefore = values(kept);
    const retained = h.grad!;
    const retainedBefore = values(retained);
    expect(keptBefore).toEqual(scaled(seed, 4));
    expect(retainedBefore).toEqual(scaled(seed, 2));
    // More passes of the same shapes: each recycles buffers, and each pass's fresh
    // gradients must come from the pool, never from the tensors above.
    for (let k = 0; k < 5; k++) {
      x.grad = null;
      double(double(double(x))).backward(randn(SHAPE, { rng }));
      expect(x.grad!.buffer).not.toBe(kept.buffer);
      expect(x.grad!.buffer).not.toBe(seed.buffer);
    }
    expect(values(seed)).toEqual(seedBefore);
    expect(values(kept)).toEqual(keptBefore);
    expect(values(retained)).toEqual(retainedBefore);
  });

  test("contributions add up in place; a dout that add returns twice is not recycled", () => {
    const rng = createRng(7);
    const x = randn(SHAPE, { rng, requiresGrad: true });
    const seed = intSeed(70);
    // an owned gradient enters add, whose backward returns it for both (distinct) inputs
    double(add(double(x), double(x))).backward(seed);
    expect(values(x.grad!)).toEqual(scaled(seed, 8));
    // the same input twice (w + w), and += into an existing .grad
    const w = double(x);
    add(double(add(w, w)), double(x)).backward(seed);
    expect(values(x.grad!)).toEqual(scaled(seed, 18));
  });

  test("a borrowing backward that returns views of dout (stack's slices) keeps dout alive", () => {
    const x = randn(SHAPE, { rng: createRng(12), requiresGrad: true });
    const s0 = intSeed(120);
    const s1 = intSeed(121);
    double(stack([double(x), double(x)], 0)).backward(stack([s0, s1], 0));
    const expected = values(s0).map((v, i) => 4 * (v + values(s1)[i]));
    expect(values(x.grad!)).toEqual(expected);
    // one slice: it is dout's whole buffer, which the next freshGrad of that size would reuse
    x.grad = null;
    double(stack([double(x)], 0)).backward(stack([s0], 0));
    expect(values(x.grad!)).toEqual(scaled(s0, 4));
  });

  test("dout of a backward that does not borrow it is never recycled", () => {
    const rng = createRng(9);
    const x = randn(SHAPE, { rng, requiresGrad: true });
    const kept: Tensor[] = [];
    const seed = intSeed(90);
    // doubleKeeping's dout is the owned gradient that double's backward hands over
    double(doubleKeeping(x, kept)).backward(seed);
    const keptBefore = values(kept[0]);
    expect(keptBefore).toEqual(scaled(seed, 2));
    for (let k = 0; k < 4; k++) double(double(double(x))).backward(intSeed(91 + k));
    expect(values(kept[0])).toEqual(keptBefore);
  });

  test("freshGrad tensors are zeroed even when their buffer is recycled", () => {
    const x = randn(SHAPE, { rng: createRng(8), requiresGrad: true });
    for (let k = 0; k < 3; k++) double(double(x)).backward(randn(SHAPE, { rng: createRng(k) }));
    for (let k = 0; k < 4; k++) expect(values(freshGrad("float64", SHAPE)).every((v) => v === 0)).toBe(true);
  });
});
