// Run by checkpoint.test.ts in a new process: "first DIR" trains every config 50 steps
// and saves a checkpoint; "second DIR" loads each into fresh objects (other seeds), trains
// 50 more steps and saves the parameters.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint, saveSafetensors } from "../src/index.js";
import { CONFIGS, DTYPES, fileName, setup, train } from "./checkpoint-setup.js";

const [mode, dir] = process.argv.slice(2);
for (const config of Object.keys(CONFIGS)) {
  for (const dtype of DTYPES) {
    const file = join(dir!, fileName(config, dtype));
    if (mode === "first") {
      const run = setup(config, dtype);
      train(run, 50, dtype);
      writeFileSync(`${file}.ckpt.safetensors`, saveCheckpoint({ ...run, step: 50, extra: { config } }));
    } else {
      const run = setup(config, dtype, 1234);
      const { step, extra } = loadCheckpoint(readFileSync(`${file}.ckpt.safetensors`), run);
      if (step !== 50 || (extra as { config: string }).config !== config) throw new Error(`bad step ${step} or extra ${JSON.stringify(extra)}`);
      train(run, 50, dtype);
      writeFileSync(`${file}.final.safetensors`, saveSafetensors(run.model.stateDict()));
    }
  }
}
