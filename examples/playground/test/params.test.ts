import { describe, expect, it } from "vitest";
import { CELL_LR, specs as charRnnSpecs } from "../../char-rnn/src/main.js";
import { specs as nameGenderSpecs } from "../../name-gender/src/main.js";
import { loadNames } from "../../name-gender/src/task.js";
import { specs as wordBoundarySpecs } from "../../word-boundaries/src/main.js";
import { DEFAULTS, parseParams, toSearch } from "../src/params.js";

describe("URL parameters", () => {
  it("reads every parameter, with each task's defaults for the rest", () => {
    expect(parseParams("?task=char-rnn&cell=rnn&hidden=64&lr=0.01&batch=8&seed=3&steps=200&autostart=1")).toEqual({
      task: "char-rnn", cell: "rnn", hidden: 64, lr: 0.01, batch: 8, seed: 3, steps: 200, autostart: true,
    });
    expect(parseParams("")).toEqual({ task: "char-rnn", ...DEFAULTS["char-rnn"], autostart: false });
    expect(parseParams("?task=word-boundaries&hidden=32")).toEqual({ task: "word-boundaries", ...DEFAULTS["word-boundaries"], hidden: 32, autostart: false });
    const c = parseParams("?task=name-gender&lr=3e-3&steps=10");
    expect(parseParams(toSearch(c))).toEqual(c);
  });

  it("names the parameter and the value it refuses", () => {
    const bad: [string, string][] = [
      ["?task=poetry", 'task: expected one of char-rnn, name-gender, word-boundaries, got "poetry"'],
      ["?hidden=-5", 'hidden: expected a whole number from 1 to 2048, got "-5"'],
      ["?hidden=1.5", 'hidden: expected a whole number from 1 to 2048, got "1.5"'],
      ["?hidden=", 'hidden: expected a whole number from 1 to 2048, got ""'],
      ["?batch=0", 'batch: expected a whole number from 1 to 1024, got "0"'],
      ["?steps=1e3", 'steps: expected a whole number from 1 to 1000000, got "1e3"'],
      ["?seed=-1", 'seed: expected a whole number from 0 to 4294967295, got "-1"'],
      ["?lr=0", 'lr: expected a number above 0 and at most 10, got "0"'],
      ["?lr=abc", 'lr: expected a number above 0 and at most 10, got "abc"'],
      ["?lr=", 'lr: expected a number above 0 and at most 10, got ""'],
      ["?cell=transformer", 'cell: expected one of rnn, gru, lstm, got "transformer"'],
      ["?autostart=yes", 'autostart: expected 1 or 0, got "yes"'],
      ["?hidden=4&hidden=8", "hidden: given more than once"],
      ["?hiden=4", 'unknown URL parameter "hiden"'],
    ];
    for (const [search, message] of bad) expect(() => parseParams(search), search).toThrow(message);
    expect(() => parseParams("?cell=lstm", ["rnn"])).toThrow("cell: lstm is not available in this build (available: rnn)");
  });

  it("defaults to what the Node examples run", () => {
    const node = {
      // char-rnn's --lr 0 picks the cell's rate
      "char-rnn": { cell: charRnnSpecs.cell.default, hidden: charRnnSpecs.hidden.default, lr: charRnnSpecs.lr.default || CELL_LR[charRnnSpecs.cell.default], batch: charRnnSpecs.batchSize.default, steps: charRnnSpecs.steps.default },
      "name-gender": {
        cell: nameGenderSpecs.cell.default,
        hidden: nameGenderSpecs.hidden.default,
        lr: nameGenderSpecs.lr.default,
        batch: nameGenderSpecs.batchSize.default,
        steps: nameGenderSpecs.epochs.default * Math.ceil(loadNames().train.length / nameGenderSpecs.batchSize.default),
      },
      "word-boundaries": { cell: wordBoundarySpecs.cell.default, hidden: wordBoundarySpecs.hidden.default, lr: wordBoundarySpecs.lr.default, batch: wordBoundarySpecs.batchSize.default, steps: wordBoundarySpecs.steps.default },
    };
    for (const task of ["char-rnn", "name-gender", "word-boundaries"] as const) {
      const { seed, ...rest } = DEFAULTS[task];
      expect(rest, task).toEqual(node[task]);
      expect(seed).toBe(0);
    }
  });
});
