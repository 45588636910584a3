// No import cycles in any package's sources, type-only imports included: a cycle works
// only while no module in it uses an import at load time. dependency-cruiser finds them.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise } from "dependency-cruiser";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Every import cycle under `dirs` (each as the files around it), and how many files were read. */
async function cycles(dirs: string[]): Promise<{ found: string[][]; files: number }> {
  const { output } = await cruise(
    dirs,
    {
      ruleSet: { forbidden: [{ name: "no-circular", severity: "error", from: {}, to: { circular: true } }] },
      validate: true,
      tsPreCompilationDeps: true,
      baseDir: root,
      doNotFollow: { path: "node_modules" },
    },
    // Sources import "./x.js" for x.ts (NodeNext).
    { extensionAlias: { ".js": [".ts", ".js"] } },
  );
  if (typeof output === "string") throw new Error(`dependency-cruiser: unexpected output ${output}`);
  const found = output.summary.violations.map((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)]);
  return { found, files: output.summary.totalCruised };
}

test("no package's sources import each other in a cycle", async () => {
  const { found, files } = await cycles(["packages/*/src", "examples/*/src"]);
  expect(found).toEqual([]);
  expect(files).toBeGreaterThan(50);
}, 60_000);

test("the check finds a cycle, also through a type-only import", async () => {
  const dir = mkdtempSync(join(tmpdir(), "unroll-cycle-"));
  try {
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "a.ts"), `import { b } from "./b.js";\nexport const a = (): number => b;\n`);
    writeFileSync(join(dir, "src", "b.ts"), `import type { a } from "./a.js";\nexport const b = 1;\nexport type A = typeof a;\n`);
    const { found } = await cycles([join(dir, "src")]);
    expect(found).toHaveLength(1);
    expect(found[0].some((f) => f.endsWith("a.ts")) && found[0].some((f) => f.endsWith("b.ts"))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
