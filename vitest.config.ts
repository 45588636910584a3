import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources: the "development" export condition
// of each @unroll package points at src/index.ts, so no build is needed first.
// Three projects: every test on one kernel thread, then the correctness core (fixtures,
// gradchecks, the thread tests) again on two threads with every product split, so
// that both thread counts are checked against the same references; the browser tests
// run on their own (`pnpm test` runs them first), so that no other test file competes
// with the page for the cores while it measures its long tasks.
const BROWSER = "examples/playground/test/e2e.test.ts";
const CORE = [
  "packages/*/test/**/{fixtures,golden,gradcheck,ops.gradcheck,derivatives,float32,threads,resident}.test.ts",
];

export default defineConfig({
  resolve: { conditions: ["development"] },
  ssr: { resolve: { conditions: ["development"] } },
  test: {
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "1 thread",
          include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
          exclude: [BROWSER, "**/node_modules/**"],
          env: { UNROLL_THREADS: "1" },
        },
      },
      {
        extends: true,
        test: {
          name: "2 threads",
          include: CORE,
          env: { UNROLL_THREADS: "2" },
          setupFiles: ["test/split-products.ts"],
        },
      },
      {
        extends: true,
        test: { name: "browser", include: [BROWSER] },
      },
    ],
  },
});
