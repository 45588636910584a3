import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { kernelsInUse, ready } from "../src/index.js";

const dir = dirname(fileURLToPath(import.meta.url));
/** Run ready-child.ts with Node flags `node` and its own flags `own`. */
function child(node: string[], own: string[] = []) {
  const env = { ...process.env, UNROLL_KERNELS: "" };
  const out = execFileSync(process.execPath, [...node, "--import", "tsx", join(dir, "ready-child.ts"), ...own], { cwd: dir, encoding: "utf8", env });
  return JSON.parse(out) as { before: string; after: string; inUse: string; product: number[][]; decodes: number };
}

describe("ready()", () => {
  it("resolves with the set in use, at once where the import compiled the kernels", async () => {
    expect(await ready()).toBe(kernelsInUse());
  });

  it("compiles with WebAssembly.compile where the synchronous compile is refused, then uses the kernels", () => {
    const r = child([], ["--refuse-sync"]);
    expect(r.before).toBe("js");
    expect(r.after).toBe("wasm");
    expect(r.inUse).toBe("wasm");
    expect(r.product).toEqual([[17], [39]]);
  });

  it("decodes one build only: the plain one without relaxed SIMD, the relaxed one with it", () => {
    expect(child([]).decodes).toBe(1);
    const relaxed = child(["--experimental-wasm-relaxed-simd"]);
    expect(relaxed.decodes).toBe(1);
    expect(relaxed.after).toBe("wasm");
  });
});
