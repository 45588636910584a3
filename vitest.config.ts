import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources: the "development" export condition
// of each @unroll package points at src/index.ts, so no build is needed first.
export default defineConfig({
  resolve: { conditions: ["development"] },
  ssr: { resolve: { conditions: ["development"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
