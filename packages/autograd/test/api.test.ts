// The public API report: the names each entry exports (types included, read from the
// entry's source) are kept in api/*.txt, so that a change to them is a visible diff
// (`pnpm vitest run -u packages/autograd/test/api.test.ts` rewrites the reports), and a
// name that only package authors need never appears on the user entry.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const src = (file: string): string => readFileSync(new URL(`../src/${file}`, import.meta.url), "utf8");

/** The names an entry file exports, `type` ones included. */
function exportedNames(source: string): string[] {
  const names = [...source.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) =>
    m[1].split(",").map((n) => n.trim().replace(/^type /, "").split(" as ").pop()!.trim()).filter((n) => n !== ""),
  );
  return [...new Set(names)].sort();
}

const main = exportedNames(src("index.ts"));
const extend = exportedNames(src("extend.ts"));

describe("the public API", () => {
  test("the report files list what each entry exports", async () => {
    await expect(main.join("\n") + "\n").toMatchFileSnapshot("../api/index.txt");
    await expect(extend.join("\n") + "\n").toMatchFileSnapshot("../api/extend.txt");
  });

  test("the user entry exports no name of the author entry, nor any engine internal", () => {
    expect(main.length).toBeGreaterThan(50);
    expect(main.filter((n) => extend.includes(n))).toEqual([]);
    const internals = ["record", "freshGrad", "kernels", "flat", "floatBuffer", "floatData", "fmt", "normDim", "sizeOf", "fromFlat", "unbroadcast", "backward", "checkTensor", "describeValue", "RecordOptions", "BackwardFn", "Node", "Gemm"];
    expect(main.filter((n) => internals.includes(n) || n.startsWith("SoftmaxXent") || n.startsWith("RnnStep"))).toEqual([]);
  });

  test("the entries' runtime exports are the ones their sources list", async () => {
    const [m, e] = await Promise.all([import("../src/index.js"), import("../src/extend.js")]);
    for (const name of Object.keys(m)) expect(main).toContain(name);
    for (const name of Object.keys(e)) expect(extend).toContain(name);
  });

  test("the sibling packages import @unroll/autograd through its two entries only", () => {
    for (const pkg of ["losses", "rnn"]) {
      const dir = new URL(`../../${pkg}/src/`, import.meta.url);
      const specs = readdirSync(dir).flatMap((f) => [...readFileSync(new URL(f, dir), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]));
      expect(specs.filter((s) => s.includes("autograd")).length, pkg).toBeGreaterThan(2);
      expect(specs.filter((s) => !s.startsWith("./") && s !== "@unroll/autograd" && s !== "@unroll/autograd/extend"), pkg).toEqual([]);
    }
  });
});
