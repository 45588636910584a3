// Column sums d[0:cols] (+)= Σ_r g[r, 0:cols], e.g. a bias gradient over all rows of a
// sequence: rows streamed once in order, each column a running sum in d (src/kernels/reduce.ts).
// Every pointer is a byte address in this module's memory.

function columnSums<T>(d: usize, g: usize, rows: i32, cols: i32, accumulate: bool): void {
  const S = sizeof<T>();
  const rowBytes = <usize>cols * S;
  const vecEnd = rowBytes & ~(<usize>15);
  let r = 0;
  if (!accumulate) {
    if (rows == 0) {
      memory.fill(d, 0, rowBytes);
      return;
    }
    memory.copy(d, g, rowBytes);
    r = 1;
  }
  for (; r < rows; r++) {
    const row = g + <usize>r * rowBytes;
    let j: usize = 0;
    for (; j < vecEnd; j += 16) v128.store(d + j, v128.add<T>(v128.load(d + j), v128.load(row + j)));
    for (; j < rowBytes; j += S) store<T>(d + j, load<T>(d + j) + load<T>(row + j));
  }
}

export function columnSumsF32(d: usize, g: usize, rows: i32, cols: i32, accumulate: bool): void { columnSums<f32>(d, g, rows, cols, accumulate); }
export function columnSumsF64(d: usize, g: usize, rows: i32, cols: i32, accumulate: bool): void { columnSums<f64>(d, g, rows, cols, accumulate); }
