// pnpm bench: every suite in one process, printed as Markdown tables. `pnpm bench matmul rnn`
// runs only the named suites; `--quick` makes a short run; `--peers=unroll,pytorch` times
// only the rnn peers whose names contain one of the words (and the reference).

import type { SuiteOptions } from "./timing.js";

const suites: Record<string, () => Promise<unknown>> = {
  matmul: () => import("./matmul.js"),
  rnn: () => import("./rnn/suite.js"),
  losses: () => import("./losses.js"),
  overhead: () => import("./overhead.js"),
};

const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));
const unknown = [...wanted.filter((w) => !(w in suites)), ...flags.filter((f) => f !== "--quick" && !/^--peers=[^,]+(,[^,]+)*$/.test(f))];
if (unknown.length > 0) {
  console.error(`bench: unknown suite or flag ${unknown.join(", ")}; suites: ${Object.keys(suites).join(", ")}; flags: --quick, --peers=word,word`);
  process.exit(2);
}
const peers = flags.find((f) => f.startsWith("--peers="));
const opts: SuiteOptions = { quick: flags.includes("--quick"), peers: peers === undefined ? null : peers.slice("--peers=".length).toLowerCase().split(",") };

// Detaching any ArrayBuffer (a WebAssembly memory grow does, and TF.js wasm grows its
// memory) permanently turns off a V8 fast path: every typed-array loop in the process
// runs 1.3-1.9x slower from then on. Do it once up front so that every figure, ours
// and the peers', is measured in that same state whatever runs first.
const detachable = new ArrayBuffer(8);
structuredClone(detachable, { transfer: [detachable] });
if (detachable.byteLength !== 0) throw new Error("bench: could not detach an ArrayBuffer");

console.log(`# unroll benchmarks${opts.quick ? " (--quick)" : ""}\n`);
console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
for (const [name, load] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const suite = (await load()) as { run(opts: SuiteOptions): Promise<void> };
  console.log(`\n## ${name}\n`);
  try {
    await suite.run(opts);
  } catch (e) {
    // Reported here: TF.js wasm's uncaught-exception hook would print its whole minified source.
    console.error(`bench ${name} failed:`, e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  }
}
