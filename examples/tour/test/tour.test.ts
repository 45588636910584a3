// The tour is the README's first demo: run it as a user would and check that it
// passes its gradcheck, fits its tiny data set and prints the text back.

import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));

test("the tour gradchecks, fits and samples its training text", () => {
  const out = execFileSync(process.execPath, ["--conditions=development", "--import", "tsx", "src/main.ts"], { cwd: dir, encoding: "utf8" });
  expect(out).toMatch(/^gradcheck: ok/);
  const [, first, last, sample] = /loss ([\d.]+) -> ([\d.]+); sample: (".*")/.exec(out) ?? [];
  expect(Number(last)).toBeLessThan(Number(first) / 20);
  expect(JSON.parse(sample)).toBe("hello unroll");
});
