// Shared pieces of the examples: options, progress bar, plots, metrics, checkpoints.

export { cliOptions, parseCli, helpText, flagName, runMain, CliError, type OptionSpec, type OptionSpecs, type Options } from "./cli.js";
export { trainingSpecs } from "./options.js";
export { Progress, formatSeconds, type ProgressOptions } from "./progress.js";
export { lineChartSvg, writeLineChart, terminalChart, type Series, type ChartOptions } from "./plot.js";
export { CharVocab, shuffle, permutation } from "./data.js";
export { accuracy, f1, majorityBaseline } from "./metrics.js";
export { jsonLine, table, type RunResult } from "./report.js";
export {
  writeCheckpoint,
  openCheckpoint,
  readCheckpoint,
  resumeRun,
  fromCheckpoint,
  type ExampleConfig,
  type ReadCheckpoint,
  type ResumableTrainer,
} from "./checkpoint.js";
