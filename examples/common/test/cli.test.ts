import { describe, expect, it } from "vitest";
import { CliError, flagName, helpText, parseCli, type OptionSpecs } from "../src/cli.js";

const specs = {
  epochs: { type: "int", default: 10, min: 0, help: "passes" },
  lr: { type: "float", default: 3e-3, min: 0, help: "learning rate" },
  mode: { type: "string", default: "fast", choices: ["fast", "slow"], help: "how" },
  save: { type: "path", help: "file" },
  json: { type: "flag", help: "json" },
  timeBudget: { type: "float", default: 0, help: "seconds" },
} as const satisfies OptionSpecs;

const parse = (...argv: string[]) => parseCli(argv, specs).options!;

describe("parseCli", () => {
  it("gives every default when nothing is passed", () => {
    expect(parse()).toEqual({ epochs: 10, lr: 3e-3, mode: "fast", save: undefined, json: false, timeBudget: 0 });
  });

  it("reads --name value, --name=value, flags and kebab-case names", () => {
    expect(parse("--epochs", "3", "--lr=0.5", "--json", "--time-budget", "12.5", "--save", "m.safetensors", "--mode", "slow")).toEqual({
      epochs: 3,
      lr: 0.5,
      mode: "slow",
      save: "m.safetensors",
      json: true,
      timeBudget: 12.5,
    });
  });

  it("skips the lone -- that some package managers pass through", () => {
    expect(parse("--", "--epochs", "2").epochs).toBe(2);
  });

  it("accepts a negative number as a value", () => {
    expect(parse("--time-budget", "-1").timeBudget).toBe(-1);
  });

  it.each([
    [["--epoch", "3"], "unknown option '--epoch' (did you mean --epochs?)"],
    [["--zzzzzzzz"], "unknown option '--zzzzzzzz'"],
    [["--epochs", "abc"], '--epochs must be a number, got "abc"'],
    [["--epochs", "1.5"], '--epochs must be an integer, got "1.5"'],
    [["--epochs", "-1"], "--epochs must be at least 0, got -1"],
    [["--lr", ""], '--lr must be a number, got ""'],
    [["--lr"], "--lr needs a value"],
    [["--lr", "--json"], '--lr must be a number, got "--json"'],
    [["--mode", "medium"], '--mode must be one of fast, slow, got "medium"'],
    [["--json=yes"], "--json is a flag and takes no value"],
    [["epochs"], 'unexpected argument "epochs"'],
    [["--save", ""], "--save needs a file name"],
  ])("rejects %j clearly", (argv, message) => {
    expect(() => parseCli(argv, specs)).toThrow(CliError);
    expect(() => parseCli(argv, specs)).toThrow(message);
  });

  it("answers --help with a text listing every option and its default", () => {
    const { help } = parseCli(["--lr", "1", "--help"], specs);
    expect(help).toBeDefined();
    for (const key of Object.keys(specs)) expect(help).toContain(flagName(key));
    expect(help).toContain("passes (default: 10)");
    expect(help).toContain("learning rate (default: 0.003)");
    expect(help).toContain('how; one of fast, slow (default: "fast")');
    expect(help).toContain("--save <file>");
    expect(help).toContain("-h, --help");
    expect(help).toBe(helpText(specs));
  });
});
