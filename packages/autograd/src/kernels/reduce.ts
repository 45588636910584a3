// Column sums over raw row-major buffers: d[0:cols] (+)= Σ_r g[r, 0:cols], the bias
// gradients of a layer. Rows run in order and each column keeps a running sum in d, so the
// JavaScript and WebAssembly versions round alike (kernels/wasm/reduce.ts).

import type { FloatArray } from "../dtype.js";

export interface ColumnSums {
  (d: FloatArray, dOff: number, g: FloatArray, gOff: number, rows: number, cols: number, accumulate: boolean): void;
}

export const columnSumsJs: ColumnSums = (d, dOff, g, gOff, rows, cols, accumulate) => {
  if (!accumulate) d.fill(0, dOff, dOff + cols);
  for (let r = 0; r < rows; r++) {
    const row = gOff + r * cols;
    for (let j = 0; j < cols; j++) d[dOff + j] += g[row + j];
  }
};
