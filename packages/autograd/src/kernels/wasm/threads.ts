// The kernels' thread pool: workers (worker_threads in Node, Web Workers in a
// crossOriginIsolated page) with their own instances of the kernels on the one shared
// WebAssembly.Memory. A split never divides a sum, so any thread count gives the same bits.

import { CONTROL_BYTES, CONTROL_SLOT_BYTES as SLOT, MAX_THREADS, type WasmHeap } from "./module.js";

/** Exports a worker may run, by index (the task's first number). */
export const TASK_EXPORTS = ["sgemmBlock", "dgemmBlock", "sgemmPacked", "dgemmPacked"] as const;
type TaskExport = (typeof TASK_EXPORTS)[number];

// Control block (heap.control, Int32 words): per worker j (1-based) a 256-byte slot at
// 256·j: [0] sequence number of its task, [1] ready flag, [2] the last task done, [3] set
// when a task threw, [4] the last task claimed, then from byte 24 the task as Float64s:
// the export's index, then its arguments. Slot 0's word 0 holds how long to spin. The
// caller bumps the sequence number and notifies; the worker spins briefly (a training
// step issues its parallel calls tens of microseconds apart), then sleeps in
// Atomics.wait. With more threads than cores, nobody spins: a spinning thread would hold
// the core that the awaited one needs. Thread 0 is the caller, which runs part 0; each
// other part is claimed (compare-exchange of word 4 to its sequence number) by its worker
// or, once part 0 is done, by the caller: a worker that is not running (a busy machine, or
// still asleep) costs the caller that part's time, never a wait.
const SEQ = 0, READY = 1, DONE = 2, FAILED = 3, CLAIM = 4, TASK = 3; // Int32 words; TASK in Float64 words
const SPIN_WORD = 0; // in slot 0
/** Arguments a task carries at most (the slot holds the export's index and these after byte 16). */
const MAX_ARGS = SLOT / 8 - TASK - 1;
/** Polls of the caller (waiting for workers) and of a worker (waiting for work) before sleeping. */
const SPIN = 20000;

/**
 * Whether sequence number a comes after b (the numbers wrap around at 2³²). A claim only
 * moves word 4 forward: a worker descheduled while the caller ran that task and the next
 * itself must not claim the old one back over the slot's new task.
 */
export function isNewer(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

// The worker's code, plain JavaScript, the same in Node and in browsers: `start` gets
// { module, memory, control, index, exports }.
const WORKER_MAIN = `
const isNewer = ${isNewer.toString()};
function start(d) {
  const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  const fns = d.exports.map((n) => ex[n]);
  const base = d.control + ${SLOT} * d.index;
  const i32 = new Int32Array(d.memory.buffer, base, ${SLOT / 4});
  const f64 = new Float64Array(d.memory.buffer, base, ${SLOT / 8});
  const control = new Int32Array(d.memory.buffer, d.control, 1);
  let seen = 0;
  Atomics.store(i32, ${READY}, 1);
  for (;;) {
    let s = Atomics.load(i32, ${SEQ});
    const spin = Atomics.load(control, ${SPIN_WORD});
    for (let k = 0; s === seen && k < spin; k++) s = Atomics.load(i32, ${SEQ});
    if (s === seen) {
      Atomics.wait(i32, ${SEQ}, seen);
      continue;
    }
    seen = s;
    const c = Atomics.load(i32, ${CLAIM});
    if (!isNewer(s, c) || Atomics.compareExchange(i32, ${CLAIM}, c, s) !== c) continue; // the caller took it, or moved on
    const a = f64;
    try {
      fns[a[${TASK}]](a[${TASK + 1}], a[${TASK + 2}], a[${TASK + 3}], a[${TASK + 4}], a[${TASK + 5}], a[${TASK + 6}], a[${TASK + 7}], a[${TASK + 8}], a[${TASK + 9}], a[${TASK + 10}], a[${TASK + 11}], a[${TASK + 12}], a[${TASK + 13}]);
    } catch {
      Atomics.store(i32, ${FAILED}, 1);
    }
    Atomics.store(i32, ${DONE}, seen);
    Atomics.notify(i32, ${DONE});
  }
}
`;

type Spawn = (data: object) => object;

/** How to start a worker here, or null (then the pool stays at one thread). */
function spawner(): Spawn | null {
  const g = globalThis as {
    process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
    Worker?: new (url: string) => { postMessage(data: object): void };
    Blob?: new (parts: string[], opts: object) => object;
    URL?: { createObjectURL(blob: object): string };
    crossOriginIsolated?: boolean;
  };
  if (g.process?.versions?.node !== undefined) {
    // Node 20.16+ has getBuiltinModule: a synchronous way to reach worker_threads from ESM.
    const wt = g.process.getBuiltinModule?.("node:worker_threads") as
      | { Worker: new (code: string, opts: object) => { unref(): void } }
      | undefined;
    if (wt === undefined) return null;
    return (data) => {
      // execArgv: [] so that the worker does not load the parent's loaders (tsx, ...): it runs plain JavaScript.
      const w = new wt.Worker(`${WORKER_MAIN}\nstart(require("node:worker_threads").workerData);`, { eval: true, workerData: data, execArgv: [] });
      // Never keep the process alive: a sleeping worker holds no work of the user's.
      w.unref();
      return w;
    };
  }
  if (g.Worker === undefined || g.Blob === undefined || g.URL === undefined || g.crossOriginIsolated !== true) return null;
  const url = g.URL.createObjectURL(new g.Blob([`${WORKER_MAIN}\nonmessage = (e) => start(e.data);`], { type: "text/javascript" }));
  const W = g.Worker;
  return (data) => {
    const w = new W(url);
    w.postMessage(data);
    return w;
  };
}

/** The machine's logical cores: os.availableParallelism in Node, navigator.hardwareConcurrency in browsers. */
export function machineCores(): number {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
    navigator?: { hardwareConcurrency?: number };
  };
  const os = g.process?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

export class ThreadPool {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly workers: object[] = [];
  private readonly spawn: Spawn | null;
  private seq = 0;
  private spin = SPIN;
  /** Threads the caller asked for (the workers may still be starting). */
  private wanted = 1;
  /** Whether Atomics.wait may block this thread (not a browser's main thread). */
  private canBlock = true;

  constructor(private readonly heap: WasmHeap) {
    this.spawn = heap.shared ? spawner() : null;
    const buffer = heap.memory.buffer;
    this.i32 = new Int32Array(buffer, heap.control, CONTROL_BYTES / 4);
    this.f64 = new Float64Array(buffer, heap.control, CONTROL_BYTES / 8);
  }

  /** The most threads this runtime can run: 1 without shared memory or workers. */
  get limit(): number {
    return this.spawn === null ? 1 : MAX_THREADS;
  }

  /** Threads in use: what was asked for, capped by `limit`. */
  get size(): number {
    return Math.min(this.wanted, this.limit);
  }

  /**
   * Use n threads (capped by `limit`); missing workers start now and take work once they
   * are up. Workers beyond n stay asleep in Atomics.wait (no CPU) for a later resize.
   */
  resize(n: number): void {
    this.wanted = n;
    this.spin = this.size <= machineCores() ? SPIN : 0;
    Atomics.store(this.i32, SPIN_WORD, this.spin);
    while (this.workers.length < this.size - 1) {
      const index = this.workers.length + 1;
      this.workers.push(this.spawn!({ module: this.heap.module, memory: this.heap.memory, control: this.heap.control, index, exports: TASK_EXPORTS }));
    }
    // Every slot in use counts as claimed up to the last task, however long it sat idle:
    // isNewer compares within 2³¹ tasks, and an idle slot's word would fall behind.
    for (let j = 1; j < this.size; j++) Atomics.store(this.i32, (SLOT / 4) * j + CLAIM, this.seq);
  }

  /** Resolves once every thread asked for is up (workers start in the background). */
  async whenReady(): Promise<void> {
    while (this.ready() < this.size) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Threads that can take a part now: this one plus the workers that are up. */
  ready(): number {
    let n = 1;
    while (n < this.size && Atomics.load(this.i32, (SLOT / 4) * n + READY) === 1) n++;
    return n;
  }

  /**
   * Run `parts[j]` (an export and its arguments) on thread j, part 0 on this thread, and
   * return when all are done. parts.length must not exceed ready().
   */
  run(fn: TaskExport, parts: readonly (readonly number[])[], here: () => void): void {
    const index = TASK_EXPORTS.indexOf(fn);
    const seq = ++this.seq | 0;
    for (let j = 1; j < parts.length; j++) {
      const at = (SLOT / 8) * j + TASK;
      this.f64[at] = index;
      const args = parts[j];
      for (let i = 0; i < MAX_ARGS; i++) this.f64[at + 1 + i] = i < args.length ? args[i] : 0;
      Atomics.store(this.i32, (SLOT / 4) * j + SEQ, seq);
      Atomics.notify(this.i32, (SLOT / 4) * j + SEQ);
    }
    here();
    const call = this.heap.exports[fn] as unknown as (...args: number[]) => void;
    let failed = false;
    for (let j = 1; j < parts.length; j++) {
      const at = (SLOT / 4) * j + CLAIM;
      const c = Atomics.load(this.i32, at);
      if (isNewer(seq, c) && Atomics.compareExchange(this.i32, at, c, seq) === c) {
        call(...parts[j]); // the worker has not started it: run it here
        continue;
      }
      this.waitDone(j, seq);
      splitCount.workerParts++;
      failed ||= Atomics.exchange(this.i32, (SLOT / 4) * j + FAILED, 0) === 1;
    }
    if (failed) throw new Error(`kernels: ${fn} failed on a worker thread`);
  }

  private waitDone(j: number, seq: number): void {
    const at = (SLOT / 4) * j + DONE;
    let done = Atomics.load(this.i32, at);
    for (let k = 0; done !== seq && k < this.spin; k++) done = Atomics.load(this.i32, at);
    while (done !== seq) {
      if (this.canBlock) {
        try {
          Atomics.wait(this.i32, at, done, 1000);
        } catch {
          this.canBlock = false; // a browser's main thread may not block: keep polling
        }
      }
      done = Atomics.load(this.i32, at);
    }
  }
}

/**
 * Multiply-adds a thread must get before a product is split (waking a worker costs
 * microseconds). Mutable for the tests, which split every product to check the bits.
 */
export const split = { minWorkPerThread: 1 << 16 };
/** Products split across threads, and parts that workers ran, since the kernels loaded (kernelStats reads them). */
export const splitCount = { calls: 0, workerParts: 0 };
/** The micro-kernel's tile (assembly/gemm.ts): parts are whole tiles. */
const MR = 5;

/**
 * C[m×n] (+)= op(A)·op(B) on row-major operands at byte addresses a, b, c (or, when
 * `packed` is not 0, on op(B) packed by packB there: b is unused), split into blocks of
 * whole tiles of rows or of columns of C (whichever has more tiles), one block a ready
 * thread; under split.minWorkPerThread multiply-adds a thread, on this one.
 */
export function gemmOnPool(heap: WasmHeap, pool: ThreadPool, f32: boolean, transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: boolean, packed = 0): void {
  const threads = Math.min(pool.ready(), Math.floor((m * n * k) / Math.max(1, split.minWorkPerThread)));
  const ex = heap.exports;
  if (threads <= 1) {
    if (packed !== 0) (f32 ? ex.sgemmPacked : ex.dgemmPacked)(transA, m, n, k, a, transA ? m : k, packed, c, n, accumulate, heap.work);
    else (f32 ? ex.sgemm : ex.dgemm)(transA, transB, m, n, k, a, b, c, accumulate, heap.work);
    return;
  }
  const S = f32 ? 4 : 8;
  const NR = 32 / S;
  const lda = transA ? m : k, ldb = transB ? k : n;
  const byRows = Math.ceil(m / MR) >= Math.ceil(n / NR);
  const tile = byRows ? MR : NR;
  const tiles = Math.ceil((byRows ? m : n) / tile);
  const p = Math.min(threads, tiles);
  const parts: number[][] = [];
  let start = 0;
  for (let j = 0; j < p; j++) {
    const end = Math.min(byRows ? m : n, start + tile * (Math.floor(tiles / p) + (j < tiles % p ? 1 : 0)));
    const len = end - start;
    const aj = byRows ? a + (transA ? start : start * k) * S : a;
    const cj = byRows ? c + start * n * S : c + start * S;
    const [mj, nj] = byRows ? [len, n] : [m, len];
    if (packed !== 0) {
      // a column block starts at its first panel of the packed B̃ (panel j at j·k·NR)
      parts.push([+transA, mj, nj, k, aj, lda, byRows ? packed : packed + start * k * S, cj, n, +accumulate, heap.workOf(j)]);
    } else {
      const bj = byRows ? b : b + (transB ? start * k : start) * S;
      parts.push([+transA, +transB, mj, nj, k, aj, lda, bj, ldb, cj, n, +accumulate, heap.workOf(j)]);
    }
    start = end;
  }
  if (parts.length > 1) splitCount.calls++;
  const [p0] = parts;
  if (packed !== 0) {
    const fn = f32 ? "sgemmPacked" : "dgemmPacked";
    pool.run(fn, parts, () => ex[fn](!!p0[0], p0[1], p0[2], p0[3], p0[4], p0[5], p0[6], p0[7], p0[8], !!p0[9], p0[10]));
    return;
  }
  const fn = f32 ? "sgemmBlock" : "dgemmBlock";
  pool.run(fn, parts, () => ex[fn](!!p0[0], !!p0[1], p0[2], p0[3], p0[4], p0[5], p0[6], p0[7], p0[8], p0[9], p0[10], !!p0[11], p0[12]));
}
