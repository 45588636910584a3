// Moving rows between layouts over raw buffers: [A, B, L] → [B, A, L], the change between
// the batch-first [B, T, ·] blocks users pass and the time-major [T, B, ·] ones the
// recurrent kernels step through.

import type { FloatArray } from "../dtype.js";

/** dst row b·A + a = src row a·B + b (rows of L elements, dstPitch / srcPitch apart, from dOff / sOff). */
export interface SwapAxes {
  (dst: FloatArray, dOff: number, dstPitch: number, src: FloatArray, sOff: number, srcPitch: number, A: number, B: number, L: number): void;
}

export const swapAxesJs: SwapAxes = (dst, dOff, dstPitch, src, sOff, srcPitch, A, B, L) => {
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const d = dOff + (b * A + a) * dstPitch;
      const s = sOff + (a * B + b) * srcPitch;
      for (let j = 0; j < L; j++) dst[d + j] = src[s + j];
    }
  }
};
