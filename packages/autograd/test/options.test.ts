// The one options validator and value describer: unknown names with a suggestion,
// wrong types, impossible values, null and non-object options objects.

import { describe, expect, it } from "vitest";
import { createRng, tensor } from "../src/index.js";
import { checkOptions, checkValue, describeValue, rngRule, type OptionSchema } from "../src/extend.js";

interface Opts {
  numLayers?: number;
  bias?: boolean;
  mode?: "a" | "b";
  eps?: number;
  rng?: unknown;
}
const SCHEMA: OptionSchema<Opts> = {
  numLayers: { type: "integer", min: 1 },
  bias: "boolean",
  mode: { oneOf: ["a", "b"] },
  eps: { type: "number", above: 0 },
  rng: rngRule,
};

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("defect class: silently ignored options (the validator)", () => {
  it("accepts undefined and omitted options, and returns the object", () => {
    expect(checkOptions<Opts>("RNN", undefined, SCHEMA)).toEqual({});
    const o = { numLayers: 2, bias: false, mode: "b" as const, eps: 1e-3, rng: createRng(1), extra: undefined };
    expect(() => checkOptions<Opts>("RNN", o, SCHEMA)).toThrow(/unknown option "extra"/);
    const ok = { numLayers: 2, bias: undefined };
    expect(checkOptions<Opts>("RNN", ok, SCHEMA)).toBe(ok);
  });
  it("unknown names suggest the nearest known one", () => {
    const e = thrown(() => checkOptions<Opts>("RNN", { num_layers: 2 }, SCHEMA));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('RNN: unknown option "num_layers" (did you mean "numLayers"?)');
    expect(thrown(() => checkOptions<Opts>("RNN", { bais: true }, SCHEMA)).message).toContain('did you mean "bias"?');
    expect(thrown(() => checkOptions<Opts>("RNN", { NUMLAYERS: 1 }, SCHEMA)).message).toContain('did you mean "numLayers"?');
    const far = thrown(() => checkOptions<Opts>("RNN", { zzzzzzzz: 1 }, SCHEMA));
    expect(far.message).toBe('RNN: unknown option "zzzzzzzz" (expected "numLayers", "bias", "mode", "eps", "rng")');
    expect(thrown(() => checkOptions<object>("noOpts", { a: 1 }, {})).message).toBe('noOpts: unknown option "a" (it takes no options)');
  });
  it("wrong types are TypeErrors that show the value", () => {
    const e = thrown(() => checkOptions<Opts>("Linear", { bias: "false" }, SCHEMA));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('Linear: bias must be a boolean, got "false"');
    expect(thrown(() => checkOptions<Opts>("RNN", { numLayers: "2" }, SCHEMA))).toBeInstanceOf(TypeError);
    expect(thrown(() => checkOptions<Opts>("RNN", { rng: 5 }, SCHEMA)).message).toBe("RNN: rng must be an Rng (from createRng), got 5");
    expect(thrown(() => checkOptions<Opts>("RNN", { mode: 3 }, SCHEMA))).toBeInstanceOf(TypeError);
  });
  it("impossible values are RangeErrors", () => {
    for (const [o, msg] of [
      [{ numLayers: 0 }, "RNN: numLayers must be a positive integer, got 0"],
      [{ numLayers: 1.5 }, "RNN: numLayers must be a positive integer, got 1.5"],
      [{ eps: 0 }, "RNN: eps must be a finite number > 0, got 0"],
      [{ eps: Number.NaN }, "RNN: eps must be a finite number > 0, got NaN"],
      [{ eps: Infinity }, "RNN: eps must be a finite number > 0, got Infinity"],
      [{ mode: "c" }, 'RNN: mode must be "a" or "b", got "c"'],
    ] as const) {
      const e = thrown(() => checkOptions<Opts>("RNN", o, SCHEMA));
      expect(e, msg).toBeInstanceOf(RangeError);
      expect(e.message).toBe(msg);
    }
  });
  it("null, arrays, numbers, strings and tensors are not options objects", () => {
    for (const [v, got] of [
      [null, "null"],
      [[1], "[1]"], [["a"], "an array of length 1"],
      [3, "3"],
      ["x", '"x"'],
      [tensor([1, 2]), "a float64 tensor [2]"],
      [new Float32Array(2), "a Float32Array of length 2"],
    ] as const) {
      const e = thrown(() => checkOptions<Opts>("Embedding", v, SCHEMA));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe(`Embedding: options must be an object, got ${got}`);
    }
  });
  it("checkValue checks one argument, required or nullable", () => {
    expect(checkValue("f", "x", undefined, "number")).toBeUndefined();
    expect(() => checkValue("f", "x", undefined, { type: "number", required: true })).toThrow("f: x is required (a finite number)");
    expect(checkValue("f", "x", null, { type: "number", nullable: true })).toBeNull();
    expect(() => checkValue("f", "x", null, "number")).toThrow("f: x must be a finite number, got null");
    expect(checkValue("f", "x", Infinity, { type: "number", infinite: true, min: 0 })).toBe(Infinity);
  });
});

describe("describeValue", () => {
  it("says what a value is", () => {
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(null)).toBe("null");
    expect(describeValue("false")).toBe('"false"');
    expect(describeValue(-0.5)).toBe("-0.5");
    expect(describeValue(10n)).toBe("10n");
    expect(describeValue(() => 1)).toBe("a function");
    expect(describeValue({})).toBe("an object");
    expect(describeValue(new Map())).toBe("a Map");
    expect(describeValue(new BigInt64Array(3))).toBe("a BigInt64Array of length 3");
    expect(describeValue(tensor([[1], [2]], { dtype: "int32" }))).toBe("an int32 tensor [2,1]");
  });
});
