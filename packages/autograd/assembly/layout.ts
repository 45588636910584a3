// Moving rows between layouts: the batch-first [B, T, ·] and time-major [T, B, ·] blocks
// of the recurrent layers (src/kernels/layout.ts). Every pointer is a byte address in this
// module's memory.

/**
 * dst row b·A + a = src row a·B + b for a < A, b < B: [A, B, L] → [B, A, L] (rows of
 * `rowBytes`, dstPitch / srcPitch bytes apart), the change between batch-first and
 * time-major layouts.
 */
export function swapAxes(dst: usize, dstPitch: i32, src: usize, srcPitch: i32, A: i32, B: i32, rowBytes: i32): void {
  // Rows are short (64 to 2048 bytes): a vector loop beats a memory.copy call per row.
  const vecEnd = <usize>rowBytes & ~(<usize>15);
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const d = dst + (<usize>b * A + a) * dstPitch;
      const s = src + (<usize>a * B + b) * srcPitch;
      let j: usize = 0;
      for (; j < vecEnd; j += 16) v128.store(d + j, v128.load(s + j));
      for (; j < <usize>rowBytes; j += 4) store<u32>(d + j, load<u32>(s + j));
    }
  }
}
