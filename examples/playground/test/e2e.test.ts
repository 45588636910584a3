// End-to-end: builds the playground, serves it on 127.0.0.1 with the preview server's
// headers (COOP/COEP, CSP), and drives the system Chromium through playwright-core.
// Chromium missing is a failure that says how to install it, never a silent skip.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { build, preview, type PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveSafetensors, tensor } from "@unroll/autograd";
import { parseCheckpoint } from "@unroll/examples-common/checkpoint-bytes";
import { evaluate, setup } from "@unroll/example-char-rnn/task";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(root, "..", "..");
/** Screenshots go here (git-ignored). */
const results = join(root, "test-results");
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let server: PreviewServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is missing at ${executablePath}: the playground's browser tests need it. ` +
        `Install it with \`apt-get install -y chromium\` (Debian; .ci/run does this), or set CHROMIUM_PATH.`,
    );
  }
  await build({ root, logLevel: "error" });
  server = await preview({ root, preview: { port: 0, host: "127.0.0.1", strictPort: false }, logLevel: "error" });
  base = server.resolvedUrls!.local[0]!;
  // launch() gives each browser a fresh, temporary user-data-dir of its own.
  browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A page that records console errors, uncaught errors and long main-thread tasks (with the step they happened at). */
async function open(search: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: { start: number; duration: number; status: string }[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      const status = document.querySelector('[data-testid="status"]')?.textContent ?? "";
      for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, duration: e.duration, status });
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(base + search);
  return { page, errors };
}

const text = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`).textContent().then((t) => t ?? "");
const waitFor = (page: Page, id: string, test: string, timeout = 60_000) =>
  page.waitForFunction(
    ([id, test]) => new RegExp(test!).test(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ""),
    [id, test],
    { timeout, polling: 50 },
  );

describe("playground in Chromium", () => {
  it("trains char-rnn for 200 steps with autostart: the loss falls, a sample appears, the page never blocks", async () => {
    const { page, errors } = await open("?task=char-rnn&hidden=64&steps=200&autostart=1");
    await waitFor(page, "status", "^training$");
    const startMetric = Number((await text(page, "metric")).split(" ")[1]);
    await waitFor(page, "loss", "\\d");
    const firstLoss = Number(await text(page, "loss"));
    await waitFor(page, "status", "^done$", 90_000);
    await waitFor(page, "metric", "^valLoss ");
    expect(await text(page, "step")).toBe("200");
    const loss = Number(await text(page, "loss"));
    const endMetric = Number((await text(page, "metric")).split(" ")[1]);
    expect(loss).toBeLessThan(firstLoss - 0.5);
    expect(startMetric).toBeCloseTo(Math.log(89), 0); // a fresh model guesses about uniformly over 89 characters
    expect(endMetric).toBeLessThan(startMetric - 1.5);
    const sample = await text(page, "sample");
    expect(sample.startsWith("The whale")).toBe(true);
    expect(sample.length).toBeGreaterThan(200);
    expect(await text(page, "error")).toBe("");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: { duration: number; status: string }[] }).longTasks);
    expect(longTasks.filter((t) => t.status === "training" || t.status === "done")).toEqual([]);
    expect(errors).toEqual([]);
    console.log(`playground char-rnn hidden 64 batch 32: ${await text(page, "steps-per-second")} steps/s in Chromium (${await text(page, "kernels")})`);
    mkdirSync(results, { recursive: true });
    await page.screenshot({ path: join(results, "char-rnn-200-steps.png"), fullPage: true });
    await page.close();
  }, 120_000);

  it("trains as the Node example does, and loads its checkpoint: the first evaluation equals Node's to 1e-6", async () => {
    const dir = mkdtempSync(join(tmpdir(), "playground-ckpt-"));
    const file = join(dir, "node-char-rnn.safetensors");
    const cli = spawnSync(
      process.execPath,
      ["--conditions=development", "--import", "tsx", "src/main.ts", "--steps", "20", "--hidden", "32", "--time-budget", "0", "--sample-length", "0", "--save", file, "--json", "--quiet", "--out", dir],
      { cwd: join(repo, "examples", "char-rnn"), encoding: "utf8" },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const cliLoss = (JSON.parse(cli.stdout.trim().split("\n").at(-1)!) as { metrics: { valLoss: number } }).metrics.valLoss;
    // Node's evaluation of the saved model at full precision (the CLI prints 6 digits).
    const { saved, full } = parseCheckpoint(new Uint8Array(readFileSync(file)), "char-rnn", file);
    expect(full).toBe(true);
    const s = setup({ size: { embed: 1, hidden: 1, layers: 1 }, dtype: "float32", seed: 0, lr: 1e-3, trainChars: 0, valChars: 0, evalChars: 0 }, saved);
    const nodeLoss = evaluate(s.model, s.valIds, 50);
    expect(nodeLoss).toBeCloseTo(cliLoss, 4);

    // The same run in the page ends at the same validation loss (to the CLI's 6 digits).
    const { page, errors } = await open("?task=char-rnn&hidden=32&steps=20&autostart=1");
    await waitFor(page, "status", "^done$");
    await waitFor(page, "metric", "^valLoss ");
    await page.waitForFunction(() => document.querySelector('[data-testid="sample"]')?.textContent !== "");
    expect(Math.abs(Number((await text(page, "metric")).split(" ")[1]) - cliLoss)).toBeLessThan(1e-5);

    await waitFor(page, "model", "^new");
    await page.locator('[data-testid="load"]').setInputFiles(file);
    await waitFor(page, "model", "node-char-rnn\\.safetensors");
    const [name, value] = (await text(page, "metric")).split(" ");
    expect(name).toBe("valLoss");
    expect(Math.abs(Number(value) - nodeLoss)).toBeLessThanOrEqual(1e-6);
    expect(await text(page, "error")).toBe("");
    expect(await page.inputValue('input[name="hidden"]')).toBe("32");
    await waitFor(page, "sample", "^The whale");

    // An earlier version's weights-only file (config in the "config" metadata) loads the same model.
    const old = join(dir, "weights-only.safetensors");
    writeFileSync(old, saveSafetensors(saved.tensors, { config: JSON.stringify(saved.config) }));
    await page.locator('[data-testid="load"]').setInputFiles(old);
    await waitFor(page, "model", "weights-only\\.safetensors");
    expect((await text(page, "metric")).split(" ")[1]).toBe(value);

    // A file that is no checkpoint, and one of another task: clear messages, and the loaded model stays.
    const junk = join(dir, "junk.safetensors");
    writeFileSync(junk, "not a checkpoint at all");
    await page.locator('[data-testid="load"]').setInputFiles(junk);
    await waitFor(page, "error", "junk\\.safetensors is not a readable checkpoint");
    const other = join(dir, "names.safetensors");
    writeFileSync(other, saveSafetensors({ w: tensor([1]) }, { config: JSON.stringify({ example: "name-gender" }) }));
    await page.locator('[data-testid="load"]').setInputFiles(other);
    await waitFor(page, "error", "names\\.safetensors holds a name-gender model, not a char-rnn one");
    expect(await text(page, "model")).toBe("weights-only.safetensors");
    expect((await text(page, "metric")).split(" ")[1]).toBe(value);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("pauses, steps once, resumes and resets on the buttons", async () => {
    const { page, errors } = await open("?task=name-gender&hidden=16&steps=100000&autostart=1");
    await waitFor(page, "status", "^training$");
    await waitFor(page, "step", "^[1-9]");
    await page.click('[data-testid="pause"]');
    await waitFor(page, "status", "^paused$");
    const paused = Number(await text(page, "step"));
    await page.waitForTimeout(300);
    expect(Number(await text(page, "step"))).toBe(paused);
    await page.click('[data-testid="step-once"]');
    await waitFor(page, "step", `^${paused + 1}$`);
    expect(await text(page, "status")).toBe("paused");
    await page.click('[data-testid="start"]');
    await waitFor(page, "status", "^training$");
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="step"]')?.textContent) > n, paused + 1);
    await page.fill('input[name="hidden"]', "0");
    await page.click('[data-testid="reset"]');
    await waitFor(page, "error", '^hidden: expected a whole number from 1 to 2048, got "0"$');
    expect(await text(page, "status")).toBe("training"); // a bad setting leaves the run alone
    await page.fill('input[name="hidden"]', "24");
    await page.click('[data-testid="reset"]');
    await waitFor(page, "status", "^idle$");
    await waitFor(page, "step", "^0$");
    expect(await text(page, "error")).toBe("");
    expect(new URL(page.url()).searchParams.get("hidden")).toBe("24");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("refuses a bad URL parameter with a message and starts nothing", async () => {
    for (const [search, message] of [
      ["?task=poetry&autostart=1", 'task: expected one of char-rnn, name-gender, word-boundaries, got "poetry"'],
      ["?task=char-rnn&hidden=-5&autostart=1", 'hidden: expected a whole number from 1 to 2048, got "-5"'],
    ] as const) {
      const { page, errors } = await open(search);
      await waitFor(page, "error", message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      await page.waitForTimeout(300);
      expect(await text(page, "status")).toBe("idle");
      expect(await text(page, "step")).toBe("0");
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 60_000);
});
