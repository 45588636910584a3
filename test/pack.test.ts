// Library import as a user meets it: build the three packages, `pnpm pack` them,
// `npm install` the tarballs into an empty project, import them from plain Node ESM
// (no TypeScript loader) and type-check a consumer against the shipped .d.ts.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
// The sources, to compare export lists (the root package does not depend on @unroll/*).
import * as autogradSrc from "../packages/autograd/src/index.js";
import * as extendSrc from "../packages/autograd/src/extend.js";
import * as lossesSrc from "../packages/losses/src/index.js";
import * as rnnSrc from "../packages/rnn/src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const names = ["autograd", "losses", "rnn"];
const tsc = join(createRequire(import.meta.url).resolve("typescript/package.json"), "..", "bin", "tsc");
const typesNode = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies["@types/node"];
const win = process.platform === "win32";

let work = "";
let app = "";

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: "pipe", shell: win });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
}

// What the consumer does: y = sum(tanh(a @ b)), then backward and gradcheck.
const consumerMjs = `
import * as autograd from "@unroll/autograd";
import * as extend from "@unroll/autograd/extend";
import * as losses from "@unroll/losses";
import * as rnn from "@unroll/rnn";
const { tensor, gradcheck } = autograd;
const t0 = performance.now();
const a = tensor([[0.1, 0.2], [0.3, -0.4]], { requiresGrad: true });
const b = tensor([[0.5], [-1.0]], { requiresGrad: true });
const y = a.matmul(b).tanh().sum();
y.backward();
const check = gradcheck((a, b) => a.matmul(b).tanh(), [a, b]);

// A custom op written through the author entry, as in the README: y = x³.
const { record, freshGrad, flat, floatBuffer } = extend;
function cube(x) {
  const xs = flat(x.view);
  const y = floatBuffer(x.dtype, xs.length);
  for (let i = 0; i < xs.length; i++) y[i] = xs[i] ** 3;
  // d cube = 3 x²
  return record("cube", [x], y, x.shape, (dout) => {
    const g = flat(dout.view);
    const dx = freshGrad(x.dtype, x.shape);
    for (let i = 0; i < g.length; i++) dx.buffer[i] = 3 * xs[i] ** 2 * g[i];
    return [dx];
  });
}
const c = tensor([0.5, -1, 2], { requiresGrad: true });
cube(c).sum().backward();
const cubeCheck = gradcheck(cube, [tensor([0.3, -0.7], { requiresGrad: true })]).ok;

// A few training steps of Embedding -> RNN -> Linear -> crossEntropy with Adam.
const rng = autograd.createRng(0);
const embed = new rnn.Embedding(5, 4, { rng });
const net = new rnn.RNN(4, 8, { numLayers: 2, rng });
const head = new rnn.Linear(8, 2, { rng });
const params = [...embed.parameters(), ...net.parameters(), ...head.parameters()];
const opt = new autograd.Adam(params, { lr: 0.05 });
const chars = tensor([[1, 2, 3], [4, 3, 0]], { dtype: "int32" });
const lengths = tensor([3, 2], { dtype: "int32" });
const losses_ = [];
for (let step = 0; step < 20; step++) {
  const { output } = net.forward(embed.forward(chars), null, { lengths });
  const loss = losses.crossEntropy(head.forward(rnn.lastValid(output, lengths)), [0, 1]);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  losses_.push(loss.item());
}

// One step with the kernels on two threads, big enough to be split once the worker is up
// (it starts in the background); the process must still exit by itself afterwards.
autograd.setNumThreads(2);
while (performance.now() - t0 < 1000) {} // the worker starts while this thread is busy
const wide = new rnn.RNN(64, 256, { rng });
const wideHead = new rnn.Linear(256, 64, { rng });
const wideOpt = new autograd.SGD([...wide.parameters(), ...wideHead.parameters()], { lr: 0.1 });
const wideOut = wideHead.forward(wide.forward(autograd.randn([64, 8, 64], { rng })).output);
wideOut.mul(wideOut).sum().backward();
wideOpt.step();
console.log(JSON.stringify({
  y: y.item(), gradA: a.grad.toArray(), gradB: b.grad.toArray(), gradcheck: check.ok,
  cubeGrad: c.grad.toArray(), cubeCheck, cubeOp: cube(c).op,
  firstLoss: losses_[0], lastLoss: losses_[losses_.length - 1], kernels: autograd.kernelsInUse(),
  threads: autograd.numThreads(), wideGrad: wide.layers[0][0].weightHh.grad.shape, splitCalls: autograd.kernelStats().splitCalls, workerParts: autograd.kernelStats().workerParts,
  exports: { autograd: Object.keys(autograd), extend: Object.keys(extend), losses: Object.keys(losses), rnn: Object.keys(rnn) },
}));
`;

const consumerTs = `
import { gradcheck, matmul, tensor, type GradcheckReport, type Tensor } from "@unroll/autograd";
import { freshGrad, record, type BackwardFn } from "@unroll/autograd/extend";
import { crossEntropy, sequenceCrossEntropy } from "@unroll/losses";
import { Linear, RNN, type RNNResult } from "@unroll/rnn";

const a: Tensor = tensor([[1, 2], [3, 4]], { requiresGrad: true });
const y: Tensor = matmul(a, a).sum();
y.backward();
const grad: Tensor | null = a.grad;
const report: GradcheckReport = gradcheck((x) => x.tanh(), [a]);
const ok: boolean = report.ok;
// @ts-expect-error matmul takes a Tensor: this fails only if the shipped types are real, not any
a.matmul("not a tensor");
const rnn = new RNN(3, 4, { numLayers: 2, nonlinearity: "relu" });
const result: RNNResult = rnn.forward(tensor([[[1, 2, 3]]]));
const logits: Tensor = new Linear(4, 2).forward(result.output);
const loss: Tensor = sequenceCrossEntropy(logits, tensor([[1]], { dtype: "int32" }), { timeReduction: "mean" });
const loss2: Tensor = crossEntropy(logits.select(1, 0), [0], { labelSmoothing: 0.1 });
// A custom op against the author entry's types: y = 2x.
const rule: BackwardFn = (dout) => {
  const dx = freshGrad(dout.dtype, dout.shape);
  dx.buffer.set(dout.toTypedArray().map((v) => 2 * v));
  return [dx];
};
const doubled: Tensor = record("double", [a], a.toTypedArray().map((v) => 2 * v), a.shape, rule);
export const used = [grad, ok, loss, loss2, doubled];
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "unroll-pack-"));
  const tarballs = join(work, "tarballs");
  app = join(work, "app");
  mkdirSync(tarballs);
  mkdirSync(app);
  // The tsc step of `pnpm build`, in dependency order (autograd first). Not `pnpm build`
  // itself: it also regenerates src/kernels/wasm/bytes.ts, which other test files import
  // while this one runs (its freshness has its own test).
  for (const name of names) run(process.execPath, [tsc, "-p", "tsconfig.build.json"], join(root, "packages", name));
  for (const name of names) run("pnpm", ["pack", "--pack-destination", tarballs], join(root, "packages", name));
  const files = readdirSync(tarballs).filter((f) => f.endsWith(".tgz"));
  expect(files).toHaveLength(names.length);

  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...files.map((f) => join(tarballs, f)), `@types/node@${typesNode}`], app);
  writeFileSync(join(app, "consumer.mjs"), consumerMjs);
  writeFileSync(join(app, "consumer.ts"), consumerTs);
  // Strict, and skipLibCheck off so the shipped .d.ts are themselves checked.
  const compilerOptions = { target: "ES2022", lib: ["ES2022"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, types: ["node"] };
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["consumer.ts"] }));
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the installed packages ship dist/ and no development entry points", () => {
  for (const name of names) {
    const manifest = JSON.parse(readFileSync(join(app, "node_modules", "@unroll", name, "package.json"), "utf8"));
    const entries = name === "autograd" ? ["index", "extend"] : ["index"];
    expect(manifest.exports).toEqual(Object.fromEntries(entries.map((e) => [e === "index" ? "." : `./${e}`, { types: `./dist/${e}.d.ts`, default: `./dist/${e}.js` }])));
    if (name !== "autograd") expect(manifest.dependencies["@unroll/autograd"]).toMatch(/^\^\d+\.\d+\.\d+$/);
  }
});

test("the WebAssembly kernels ship once: base64 in dist/kernels/wasm/bytes.js, a two-line .d.ts beside it", () => {
  const pkg = join(app, "node_modules", "@unroll", "autograd");
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  const source = readFileSync(join(root, "packages", "autograd", "src", "kernels", "wasm", "bytes.ts"), "utf8");
  const builds = [...source.matchAll(/"(AGFzbQ[A-Za-z0-9+/=]{64})/g)].map((m) => m[1]!);
  expect(builds).toHaveLength(2);
  for (const start of builds) {
    const holders = files(pkg).filter((f) => readFileSync(f, "utf8").includes(start));
    expect(holders.map((f) => f.slice(pkg.length + 1))).toEqual(["dist/kernels/wasm/bytes.js"]);
  }
  expect(readFileSync(join(pkg, "dist", "kernels", "wasm", "bytes.d.ts"), "utf8").length).toBeLessThan(200);
});

test("plain Node ESM imports all three packages and runs forward, backward and gradcheck", () => {
  const out = JSON.parse(run(process.execPath, ["consumer.mjs"], app));
  const a = [[0.1, 0.2], [0.3, -0.4]];
  const b = [0.5, -1.0];
  const dz = a.map((row) => 1 - Math.tanh(row[0] * b[0] + row[1] * b[1]) ** 2);
  expect(out.y).toBeCloseTo(a.reduce((s, row) => s + Math.tanh(row[0] * b[0] + row[1] * b[1]), 0), 12);
  out.gradA.flat().forEach((g: number, i: number) => expect(g).toBeCloseTo(dz[Math.floor(i / 2)] * b[i % 2], 12));
  out.gradB.flat().forEach((g: number, k: number) => expect(g).toBeCloseTo(dz[0] * a[0][k] + dz[1] * a[1][k], 12));
  expect(out.gradcheck).toBe(true);
  // The custom op from the author entry: d x³ = 3x², also by finite differences.
  expect(out.cubeGrad).toEqual([0.75, 3, 12]);
  expect(out.cubeCheck).toBe(true);
  expect(out.cubeOp).toBe("cube");
  // The RNN trains from the built packages, on the WebAssembly kernels embedded in dist/.
  expect(out.lastLoss).toBeLessThan(out.firstLoss / 4);
  expect(out.kernels).toBe("wasm");
  expect(out.threads).toBe(2);
  expect(out.wideGrad).toEqual([256, 256]);
  expect(out.splitCalls).toBeGreaterThan(0);
  expect(out.workerParts).toBeGreaterThan(0);
  // The built packages export exactly what their sources export.
  expect(out.exports.autograd.sort()).toEqual(Object.keys(autogradSrc).sort());
  expect(out.exports.extend.sort()).toEqual(Object.keys(extendSrc).sort());
  expect(out.exports.losses.sort()).toEqual(Object.keys(lossesSrc).sort());
  expect(out.exports.rnn.sort()).toEqual(Object.keys(rnnSrc).sort());
}, 300_000);

test("a consumer type-checks against the shipped .d.ts with NodeNext resolution", () => {
  run(process.execPath, [tsc, "-p", "tsconfig.json"], app);
}, 300_000);
