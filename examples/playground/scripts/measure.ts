// Steps per second of the same char-rnn run in Chromium (the playground's worker) and in
// Node (the example's CLI), back to back: `pnpm --dir examples/playground measure [steps] [hidden]`.
// Builds the site, serves it on 127.0.0.1, and prints one line per run and the ratio.

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build, preview } from "vite";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [steps = "300", hidden = "128", batch = "32"] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

await build({ root, logLevel: "error" });
const server = await preview({ root, preview: { port: 0, host: "127.0.0.1", strictPort: false }, logLevel: "error" });
const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });

/** Threads the page's kernels ran on: Node gets as many. */
let threads = 1;

async function inChromium(): Promise<number> {
  const page = await browser.newPage();
  await page.goto(`${server.resolvedUrls!.local[0]}?task=char-rnn&hidden=${hidden}&batch=${batch}&steps=${steps}&autostart=1`);
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent === "done", null, { timeout: 600_000 });
  const value = Number(await page.locator('[data-testid="steps-per-second"]').textContent());
  const kernels = (await page.locator('[data-testid="kernels"]').textContent()) ?? "";
  threads = Number(/(\d+) thread/.exec(kernels)?.[1] ?? 1);
  console.log(`chromium: ${value.toFixed(1)} steps/s (${kernels})`);
  await page.close();
  return value;
}

function inNode(): number {
  const out = spawnSync(
    process.execPath,
    ["--conditions=development", "--import", "tsx", "src/main.ts", "--steps", steps, "--hidden", hidden, "--batch-size", batch, "--time-budget", "0", "--sample-length", "0", "--json", "--quiet", "--out", join(root, "test-results")],
    { cwd: join(root, "..", "char-rnn"), encoding: "utf8", env: { ...process.env, UNROLL_THREADS: String(threads) } },
  );
  if (out.status !== 0) throw new Error(out.stderr);
  const value = (JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { stepsPerSecond: number }).stepsPerSecond;
  console.log(`node:     ${value.toFixed(1)} steps/s (UNROLL_THREADS=${threads})`);
  return value;
}

console.log(`char-rnn, ${steps} steps, hidden ${hidden}, batch ${batch}, T 50, float32`);
// One after the other, never side by side: both would share the cores.
const c1 = await inChromium();
const n1 = inNode();
const c2 = await inChromium();
const n2 = inNode();
console.log(`node / chromium: ${((n1 + n2) / (c1 + c2)).toFixed(2)}x (mean of two runs each)`);
await browser.close();
await server.close();
