// Who may write into and recycle a gradient's buffer, the one place this rule lives: the
// engine OWNS a gradient when nothing outside the running backward can reach its buffer.
// Why: PERFORMANCE.md.

import type { Dtype } from "./dtype.js";
import { giveBuffer, takeBuffer } from "./pool.js";
import { sizeOf } from "./strides.js";
import { fromFlat, type Tensor } from "./tensor.js";

// Only an owned gradient may be kept as a .grad without copying, added into in place, or
// given back to the pool (pool.ts) once consumed.

const owned = new WeakSet<Tensor>();

/**
 * A zeroed gradient tensor for a backward rule to fill and return; the engine may keep
 * it as a .grad or recycle it once consumed (its buffer may come from earlier steps), so
 * the rule must not touch it after returning it.
 * Example: `const dx = freshGrad(x.dtype, x.shape); kernel(dx.buffer, ...); return [dx]`.
 */
export function freshGrad(dtype: Dtype, shape: readonly number[]): Tensor {
  const t = fromFlat(takeBuffer(dtype, sizeOf(shape)), shape);
  owned.add(t);
  return t;
}

export function isOwned(t: Tensor): boolean {
  return owned.has(t);
}

/** Mark `t` owned by the engine (a tensor the engine made) or not; returns t. */
export function own(t: Tensor, yes = true): Tensor {
  if (yes) owned.add(t);
  else owned.delete(t);
  return t;
}

/** Give an owned, consumed gradient's buffer back to the pool; it must not be used after. */
export function recycle(t: Tensor): void {
  if (!owned.delete(t)) return;
  giveBuffer(t.buffer);
}

/**
 * After a backward returned `grads` for dout `g`: a returned gradient stays owned only
 * when no other returned one shares its buffer (a rule may return one tensor twice), and
 * dout is recycled when the engine owned it (`gOwned`), the rule borrowed it (did not
 * record `keepsDout`) and no returned gradient is dout or a view of it (add returns
 * [g, g], reshape a view). `counts` is scratch, so that n inputs cost O(n).
 */
export function settle(grads: readonly (Tensor | null | undefined)[], g: Tensor, gOwned: boolean, counts: Map<ArrayBufferLike, number>): void {
  counts.clear();
  for (const gk of grads) if (gk) counts.set(gk.buffer.buffer, (counts.get(gk.buffer.buffer) ?? 0) + 1);
  for (const gk of grads) if (gk && counts.get(gk.buffer.buffer) !== 1) owned.delete(gk);
  if (gOwned && !counts.has(g.buffer.buffer)) giveBuffer(g.buffer);
}
