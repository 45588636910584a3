// The workspace's wiring, which nothing else checks: every package is type-checked
// by `pnpm test`, libraries build and ship dist/ only, and the README's two commands
// are the ones CI and `pnpm demo` really run.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), "utf8");
const manifest = (dir: string) => JSON.parse(read(join(dir, "package.json")));
const dirsIn = (parent: string): string[] =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, parent, d.name, "package.json")))
    .map((d) => join(parent, d.name));

// Published libraries; the private test kit (packages/testkit) is neither built nor packed.
const libraries = dirsIn("packages").filter((dir) => manifest(dir).private !== true);
const workspace = [...dirsIn("packages"), ...dirsIn("examples"), "benchmarks"];

test("the test kit is private and every library's tests use it", () => {
  expect(manifest("packages/testkit")).toMatchObject({ name: "@unroll/testkit", private: true });
  expect(libraries.length).toBeGreaterThanOrEqual(3);
  for (const dir of libraries) expect(manifest(dir).devDependencies?.["@unroll/testkit"], dir).toBe("workspace:*");
});

test.each(workspace)("%s has a typecheck script and a tsconfig.json", (dir) => {
  expect(manifest(dir).scripts?.typecheck).toMatch(/^tsc -p tsconfig\.json$/);
  expect(existsSync(join(root, dir, "tsconfig.json"))).toBe(true);
});

test.each(libraries)("%s builds to dist/ and ships no development entry point", (dir) => {
  const pkg = manifest(dir);
  expect(pkg.name).toMatch(/^@unroll\//);
  expect(pkg.type).toBe("module");
  expect(pkg.scripts.build).toMatch(/(^|&& )tsc -p tsconfig\.build\.json$/);
  // Each entry ("." is index, "./extend" is extend) maps to its source and its build.
  expect(Object.keys(pkg.exports)).toContain(".");
  for (const [entry, target] of Object.entries(pkg.exports)) {
    const file = entry === "." ? "index" : entry.slice(2);
    expect(target).toEqual({ development: `./src/${file}.ts`, types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` });
    expect(pkg.publishConfig.exports[entry]).toEqual({ types: `./dist/${file}.d.ts`, default: `./dist/${file}.js` });
  }
  expect(Object.keys(pkg.publishConfig.exports)).toEqual(Object.keys(pkg.exports));
  // Built against the other packages' dist/ types, not their sources.
  expect(JSON.parse(read(join(dir, "tsconfig.build.json"))).compilerOptions).toMatchObject({ customConditions: [], outDir: "dist", rootDir: "src" });
});

test("the README opens with the setup-and-demo command and the test command that CI runs", () => {
  const [setup, tests] = read("README.md").split("\n").map((l) => l.trim());
  expect(setup).toBe("npm i -g pnpm@12.4.2 && pnpm install && pnpm demo");
  expect(tests).toBe("pnpm test");
  expect(read(".ci/run").split("\n")).toContain(tests);
  const pkg = manifest(".");
  expect(pkg.packageManager).toBe("pnpm@12.4.2");
  const demoDir = /^pnpm --dir (\S+) start$/.exec(pkg.scripts.demo)?.[1];
  expect(demoDir && manifest(demoDir).scripts.start).toBeTruthy();
});
