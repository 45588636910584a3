// PyTorch as an optional peer of the rnn suite: torch_peer.py in its own process per thread
// count, trained from the same weights and data, talking over a pair of FIFOs; skipped where
// python3 cannot import torch (CI has no Python) or FIFOs are missing.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Problem } from "./problem.js";

// The suite's timing loop is synchronous, so the FIFOs are read with readSync (one JSON line each way).

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "torch_peer.py");

/** torch's version, or why the peer is skipped. */
export function torchVersion(): { version: string } | { skipped: string } {
  if (process.platform === "win32") return { skipped: "no FIFOs on Windows" };
  try {
    const out = execFileSync("python3", ["-c", "import torch; print(torch.__version__)"], { stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 });
    return { version: out.toString().trim() };
  } catch {
    return { skipped: '`python3 -c "import torch"` fails' };
  }
}

export interface TorchPeer {
  /** The loss before each of the first two SGD steps. */
  losses: [number, number];
  /** Run `calls` steps; wall-clock and CPU ms per step as the peer measured them. */
  run(calls: number): { ms: number; cpuMs: number };
  close(): void;
}

/** Float32 arrays (and the int32 targets) in one file, named in a JSON side file. */
function writeProblem(path: string, p: Problem): void {
  const arrays: [string, Float32Array | Int32Array][] = [...Object.entries(p.init), ["x", p.x], ["y", p.y]];
  const meta: Record<string, [number, number, string]> = {};
  let offset = 0;
  for (const [name, a] of arrays) {
    meta[name] = [offset, a.length, a instanceof Int32Array ? "<i4" : "<f4"];
    offset += a.byteLength;
  }
  const bin = Buffer.alloc(offset);
  for (const [name, a] of arrays) Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(bin, meta[name][0]);
  writeFileSync(`${path}.bin`, bin);
  const { B, T, I, H, C, kind, lr, cell } = p.w;
  writeFileSync(`${path}.json`, JSON.stringify({ B, T, I, H, C, kind, lr, cell, arrays: meta }));
}

/** Start a PyTorch peer on `threads` threads and run its two checked steps. */
export function startTorch(p: Problem, threads: number): TorchPeer {
  const dir = mkdtempSync(join(tmpdir(), "unroll-torch-"));
  const [toPeer, fromPeer] = [join(dir, "in"), join(dir, "out")];
  execFileSync("mkfifo", [toPeer, fromPeer]);
  writeProblem(join(dir, "problem"), p);
  // One thread per process for OpenMP and MKL too; torch.set_num_threads sets the rest.
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const child: ChildProcess = spawn("sh", ["-c", `exec python3 "$0" < "$1" > "$2"`, SCRIPT, toPeer, fromPeer], { env, stdio: ["ignore", "ignore", "inherit"] });
  child.unref();
  // Opening a FIFO blocks until the other end opens it: the shell opens `in` first.
  const wfd = openSync(toPeer, "w");
  const rfd = openSync(fromPeer, "r");
  let pending = "";
  const buf = Buffer.alloc(1 << 16);
  const ask = (cmd: object): Record<string, unknown> => {
    writeSync(wfd, JSON.stringify(cmd) + "\n");
    while (!pending.includes("\n")) {
      const n = readSync(rfd, buf, 0, buf.length, null);
      if (n === 0) throw new Error(`PyTorch peer exited (command ${JSON.stringify(cmd)})`);
      pending += buf.toString("utf8", 0, n);
    }
    const at = pending.indexOf("\n");
    const reply = JSON.parse(pending.slice(0, at)) as Record<string, unknown>;
    pending = pending.slice(at + 1);
    if (typeof reply.error === "string") throw new Error(`PyTorch peer: ${reply.error}`);
    return reply;
  };
  const loaded = ask({ load: join(dir, "problem"), threads });
  if (loaded.threads !== threads) throw new Error(`PyTorch peer runs ${String(loaded.threads)} threads, not ${threads}`);
  return {
    losses: loaded.losses as [number, number],
    run: (calls) => ask({ run: calls }) as { ms: number; cpuMs: number },
    close() {
      closeSync(wfd);
      closeSync(rfd);
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
