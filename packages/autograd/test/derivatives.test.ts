// DERIVATIVES.md stays true: every op exported from src/ops and every op name that
// src records has a row, every row names an op that exists, and each rule's one-line
// comment in the code (`// d op / d input = formula`) is its row, word for word.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const opsDir = new URL("src/ops/", root);
const sources = readdirSync(opsDir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => readFileSync(new URL(f, opsDir), "utf8"));

const exported = new Set(sources.flatMap((s) => [...s.matchAll(/^export (?:function|const) (\w+)/gm)].map((m) => m[1])));
// record("op", ...), unary("op", ...), and cat(..., "op") for ops that cat records under their own name
const recorded = new Set(sources.flatMap((s) => [...s.matchAll(/(?:record|unary)\("(\w+)"|\bcat\(.*, "(\w+)"\)/g)].map((m) => m[1] ?? m[2])));

// The fused ops that the layers and losses record, and the losses exported by name.
const siblingSources = ["rnn", "losses"].flatMap((pkg) => {
  const dir = new URL(`../${pkg}/src/`, root);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(new URL(f, dir), "utf8"));
});
const fused = new Set(
  siblingSources.flatMap((s) => [
    ...[...s.matchAll(/record\("(\w+)"/g)].map((m) => m[1]),
    ...[...s.matchAll(/^export function (\w+)\(logits|^export function (\w+)\(logProbs/gm)].map((m) => m[1] ?? m[2]),
  ]),
);

const doc = readFileSync(new URL("DERIVATIVES.md", root), "utf8");
const rows = [...doc.matchAll(/^\| (\w+)[^|]*\| ([^|]+) \| ([^|]+) \|$/gm)].filter((m) => m[1] !== "op" && !m[1].startsWith("---"));
const documented = new Set(rows.map((m) => m[1]));

/** The rule comments of a source file: "op / input = formula". */
const ruleComments = (source: string): string[] => [...source.matchAll(/^\s*\/\/ d (.+ \/ d .+ = .+)$/gm)].map((m) => m[1].replace(" / d ", " / "));

// Each "## ... (`src/ops/x.ts`)" section of the doc, with its rows as "op / input = formula".
const sections = [...doc.matchAll(/^## .*\(`(src\/ops\/\w+\.ts)`\)$([\s\S]*?)(?=^## |(?![\s\S]))/gm)].map((m) => ({
  file: m[1],
  rules: [...m[2].matchAll(/^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm)].filter((r) => r[1] !== "op" && !r[1].startsWith("---")).map((r) => `${r[1]} / ${r[2]} = ${r[3]}`),
}));

// The fused ops' section: a row naming a file (`packages/...`) sets the file of the rows below it.
const fusedSection = doc.slice(doc.indexOf("## Fused ops of the sibling packages"));
const fusedRules = new Map<string, string[]>();
let fusedFile = "";
for (const r of fusedSection.matchAll(/^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm)) {
  if (r[1].startsWith("op") || r[1].startsWith("---")) continue;
  const named = /\(`(packages\/[\w/.-]+)`\)/.exec(r[1]);
  if (named) fusedFile = named[1];
  const op = r[1].replace(/ \(`packages\/[\w/.-]+`\)/, "");
  fusedRules.set(fusedFile, [...(fusedRules.get(fusedFile) ?? []), `${op} / ${r[2]} = ${r[3]}`]);
}

describe("DERIVATIVES.md", () => {
  it("lists the fused ops' rules of the layers and losses exactly as the comments beside them", () => {
    expect([...fusedRules.keys()].length).toBeGreaterThan(4);
    for (const [file, rules] of fusedRules) {
      const inCode = ruleComments(readFileSync(new URL(`../../${file}`, root), "utf8"));
      expect(inCode.filter((r) => !rules.includes(r)), `${file}: rule comments with no row in DERIVATIVES.md`).toEqual([]);
      expect(rules.filter((r) => !inCode.includes(r)), `${file}: rows with no rule comment in the code`).toEqual([]);
    }
  });
  it("lists each op file's rules exactly as the comments beside them in the code", () => {
    expect(sections.map((x) => x.file).sort()).toEqual(readdirSync(opsDir).map((f) => `src/ops/${f}`).sort());
    for (const { file, rules } of sections) {
      const inCode = ruleComments(readFileSync(new URL(file, root), "utf8"));
      expect(inCode.length, file).toBeGreaterThan(0);
      expect(inCode.filter((r) => !rules.includes(r)), `${file}: rule comments with no row in DERIVATIVES.md`).toEqual([]);
      expect(rules.filter((r) => !inCode.includes(r)), `${file}: rows with no rule comment in the code`).toEqual([]);
    }
  });
  it("finds the ops and the table", () => {
    expect(exported.size).toBeGreaterThan(25);
    expect(recorded.has("matmul") && recorded.has("tanh") && recorded.has("stack")).toBe(true);
    expect(rows.length).toBeGreaterThan(exported.size);
  });
  it("has a row for every exported op", () => {
    expect([...exported].filter((op) => !documented.has(op))).toEqual([]);
  });
  it("has a row for every recorded op name", () => {
    expect([...recorded].filter((op) => !documented.has(op))).toEqual([]);
  });
  it("names no op that does not exist", () => {
    expect([...documented].filter((op) => !exported.has(op) && !fused.has(op) && !recorded.has(op))).toEqual([]);
  });
  it("has a row for every fused op of the layers and losses", () => {
    expect(fused.has("recurrent") && fused.has("sequenceCrossEntropy")).toBe(true);
    expect([...fused].filter((op) => !documented.has(op))).toEqual([]);
  });
  it("gives every row an input and a formula", () => {
    for (const m of rows) expect(m[2].trim().length * m[3].trim().length, m[0]).toBeGreaterThan(0);
  });
});
