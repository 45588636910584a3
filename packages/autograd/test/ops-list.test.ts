// The op list exists once (ops.ts): every op in it has PyTorch fixtures and a case in
// cases.ts, every fixture names an op in it, and the fixture generator knows the same ops.

import { readdirSync, readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { ALL_CASES } from "./cases.js";
import { OPS } from "./ops.js";

const fixtures = new URL("./fixtures/", import.meta.url);
const exprs = new Set(
  ["ops", "ops-extra"].flatMap((folder) =>
    readdirSync(new URL(`${folder}/`, fixtures)).map((f) => JSON.parse(readFileSync(new URL(`${folder}/${f}`, fixtures), "utf8")).expr as string),
  ),
);
const names = Object.keys(OPS).sort();

test("every fixture calls an op of ops.ts, and every op has fixtures", () => {
  expect(exprs.size).toBeGreaterThan(25);
  expect([...exprs].sort()).toEqual(names);
});

test("every op of ops.ts has a gradient-check case (the 200-step chain only has fixtures)", () => {
  const cased = new Set(ALL_CASES.map((c) => c.expr).filter((e) => e !== undefined));
  expect(names.filter((n) => !cased.has(n))).toEqual(["composite_chain"]);
});

test("the fixture generator's op table has exactly the names of ops.ts", () => {
  const py = readFileSync(new URL("extra/make_extra.py", fixtures), "utf8");
  const table = /^OPS = \{\n([\s\S]*?)^\}/m.exec(py);
  expect(table).not.toBeNull();
  expect([...table![1].matchAll(/^\s+"(\w+)": lambda/gm)].map((m) => m[1]).sort()).toEqual(names);
});
