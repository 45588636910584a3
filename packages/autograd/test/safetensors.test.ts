// safetensors: round trips, byte-exact agreement with the reference writer, a file
// written by PyTorch, every malformed-input rule, and a seeded fuzz of the loader.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { createRng, loadSafetensors, readSafetensors, saveSafetensors, tensor, Tensor, type Rng } from "../src/index.js";

const te = new TextEncoder();

/** A file from its parts: u64 LE header length, the header padded with spaces to a multiple of 8, the data. */
function file(header: string, data: ArrayLike<number> = [], pad = true): Uint8Array {
  const json = te.encode(header);
  const n = pad ? Math.ceil(json.length / 8) * 8 : json.length;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.fill(0x20, 8, 8 + n);
  out.set(json, 8);
  out.set(Array.from(data), 8 + n);
  return out;
}

const f64Bytes = (xs: number[]): number[] => Array.from(new Uint8Array(new Float64Array(xs).buffer));
const f32Bytes = (xs: number[]): number[] => Array.from(new Uint8Array(new Float32Array(xs).buffer));
const i32Bytes = (xs: number[]): number[] => Array.from(new Uint8Array(new Int32Array(xs).buffer));

function expectSameTensor(a: Tensor, b: Tensor): void {
  expect(a.dtype).toBe(b.dtype);
  expect(a.shape).toEqual(b.shape);
  // Bitwise: NaN payloads, -0 and subnormals survive.
  const bytes = (t: Tensor): Uint8Array => new Uint8Array(t.toTypedArray().buffer);
  expect(bytes(a)).toEqual(bytes(b));
}

describe("round trip", () => {
  test("every dtype, 0-d and empty tensors, special values, and metadata", () => {
    const tensors: Record<string, Tensor> = {
      "rnn.layers.0.weightIh": tensor([[1.5, -0, Number.NaN], [Number.POSITIVE_INFINITY, 5e-324, -1e308]]),
      "rnn.layers.0.biasIh": tensor([0.1, 0.2, 0.3], { dtype: "float32" }),
      labels: tensor([[-2147483648, 2147483647], [0, -1]], { dtype: "int32" }),
      scalar64: tensor(3.25),
      scalar32: tensor(-1.5, { dtype: "float32" }),
      scalarInt: tensor(7, { dtype: "int32" }),
      empty64: tensor([]),
      empty32: tensor([], { dtype: "float32", shape: [0, 3] }),
      emptyInt: tensor([], { dtype: "int32", shape: [2, 0, 4] }),
      ["__proto__"]: tensor([9]), // computed, so an own key rather than the prototype
      "ünïcødé 名前 🙂": tensor([1, 2], { dtype: "float32" }),
    };
    const bytes = saveSafetensors(tensors, { format: "pt", note: 'quotes " and \\ and \n' });
    const { tensors: back, metadata } = readSafetensors(bytes);
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const name of Object.keys(tensors)) expectSameTensor(back[name], tensors[name]);
    expect(metadata).toEqual({ format: "pt", note: 'quotes " and \\ and \n' });
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    // Loaded tensors own their memory: changing the file afterwards changes nothing.
    const before = back["rnn.layers.0.biasIh"].toTypedArray();
    bytes.fill(0);
    expect(back["rnn.layers.0.biasIh"].toTypedArray()).toEqual(before);
  });

  test("the header is padded with spaces to a multiple of 8; no metadata reads as null", () => {
    const bytes = saveSafetensors({ a: tensor([1, 2, 3]) });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header).toBe('{"a":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}}'.padEnd(n, " "));
    expect(readSafetensors(bytes).metadata).toBeNull();
    expect(loadSafetensors(bytes.buffer as ArrayBuffer).a.toArray()).toEqual([1, 2, 3]);
  });

  test("strided views are written in row-major order", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]).transpose(0, 1);
    expect(loadSafetensors(saveSafetensors({ t })).t.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  test("a subarray of a bigger buffer at an unaligned offset loads", () => {
    const bytes = saveSafetensors({ a: tensor([1.25, -2]), b: tensor([3], { dtype: "int32" }) });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const back = loadSafetensors(big.subarray(3));
    expect(back.a.toArray()).toEqual([1.25, -2]);
    expect(back.b.toArray()).toEqual([3]);
  });
});

describe("agreement with the reference implementation (no Python needed)", () => {
  // Byte strings from the unit tests of huggingface/safetensors (safetensors/src/tensor.rs:
  // test_serialization, test_serialization_forced_alignement, test_empty); the Python
  // library's save_file calls that same Rust serializer.
  const attn0 = [
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104,
    97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125,
    125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ];
  const attnForced = [
    72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97,
    112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93,
    125, 125, 32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ];
  const emptyFile = [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32];
  const emptyWithMeta = [
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34,
    58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
  ];
  const zeroToFive = [0, 1, 2, 3, 4, 5];

  test("reference bytes load, and saving the same tensors gives the same bytes", () => {
    const a = loadSafetensors(Uint8Array.from(attn0))["attn.0"];
    expect(a.dtype).toBe("float32");
    expect(a.shape).toEqual([1, 2, 3]);
    expect(Array.from(a.toTypedArray())).toEqual(zeroToFive);
    expect(Array.from(saveSafetensors({ "attn.0": tensor(zeroToFive, { dtype: "float32", shape: [1, 2, 3] }) }))).toEqual(attn0);

    expect(loadSafetensors(Uint8Array.from(attnForced)).attn0.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(saveSafetensors({ attn0: tensor(zeroToFive, { dtype: "float32", shape: [1, 1, 2, 3] }) }))).toEqual(attnForced);

    expect(readSafetensors(Uint8Array.from(emptyFile))).toEqual({ tensors: {}, metadata: null });
    expect(Array.from(saveSafetensors({}))).toEqual(emptyFile);
    expect(readSafetensors(Uint8Array.from(emptyWithMeta)).metadata).toEqual({ framework: "pt" });
    expect(Array.from(saveSafetensors({}, { framework: "pt" }))).toEqual(emptyWithMeta);
  });

  test("a hand-built file with every dtype, laid out as the reference writer does", () => {
    // The writer sorts by dtype (F64, then F32, then I32: descending alignment) and then by
    // name, puts "__metadata__" first, and gives consecutive data_offsets from 0. Here:
    // w F64 [2] = [1, -2] (16 bytes), s F64 [] = 0.5 (8), b F32 [2] = [0.25, 3] (8),
    // i I32 [3] = [-1, 0, 7] (12); header JSON 260 bytes, padded with 4 spaces to 264.
    const header =
      '{"__metadata__":{"format":"pt","by":"hand"},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},' +
      '"w":{"dtype":"F64","shape":[2],"data_offsets":[8,24]},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},' +
      '"i":{"dtype":"I32","shape":[3],"data_offsets":[32,44]}}';
    const bytes = file(header, [...f64Bytes([0.5, 1, -2]), ...f32Bytes([0.25, 3]), ...i32Bytes([-1, 0, 7])]);
    expect(bytes.slice(0, 8)).toEqual(Uint8Array.from([8, 1, 0, 0, 0, 0, 0, 0])); // 264 = 0x108
    expect(new TextDecoder().decode(bytes.subarray(8 + 260, 8 + 264))).toBe("    ");
    // 1.0 as a little-endian double is 00 00 00 00 00 00 f0 3f.
    expect(Array.from(bytes.subarray(8 + 264 + 8, 8 + 264 + 16))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt", by: "hand" });
    expect(tensors.s.toArray()).toBe(0.5);
    expect(tensors.w.toArray()).toEqual([1, -2]);
    expect(tensors.b.dtype).toBe("float32");
    expect(tensors.b.toArray()).toEqual([0.25, 3]);
    expect(tensors.i.dtype).toBe("int32");
    expect(tensors.i.toArray()).toEqual([-1, 0, 7]);
    const again = saveSafetensors({ i: tensors.i, b: tensors.b, w: tensors.w, s: tensors.s }, { format: "pt", by: "hand" });
    expect(again).toEqual(bytes);
  });

  test("a file written by PyTorch (safetensors.torch.save_file) loads, and re-saving it is byte-identical", () => {
    // Made by fixtures/make_torch_fixtures.py (torch 2.13, safetensors 0.8.0).
    const bytes = new Uint8Array(readFileSync(new URL("./fixtures/torch_written.safetensors", import.meta.url)));
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt" });
    expect(tensors.weight.dtype).toBe("float64");
    expect(tensors.weight.toArray()).toEqual([[-0.5, -0.25, 0], [0.25, 0.5, 0.75]]); // arange(6)/4 - 0.5
    expect(tensors.bias.dtype).toBe("float32");
    expect(tensors.bias.toArray()).toEqual([-1, 0.5, 2]); // arange(3)*1.5 - 1
    expect(tensors.labels.dtype).toBe("int32");
    expect(tensors.labels.toArray()).toEqual([[-2, -1], [0, 1]]);
    expect(tensors.scalar.shape).toEqual([]);
    expect(tensors.scalar.item()).toBe(3.25);
    expect(tensors.empty.shape).toEqual([0, 3]);
    expect(tensors.empty.dtype).toBe("float32");
    expect(saveSafetensors(tensors, { format: "pt" })).toEqual(bytes);
  });
});

describe("saving bad input", () => {
  test("non-tensors, the reserved name, bad metadata", () => {
    expect(() => saveSafetensors({ a: [1, 2] as never })).toThrow(/saveSafetensors: tensors\["a"\] is not a Tensor/);
    expect(() => saveSafetensors(tensor([1]) as never)).toThrow(/saveSafetensors: tensors must be an object/);
    expect(() => saveSafetensors({ __metadata__: tensor([1]) })).toThrow(/"__metadata__" is reserved/);
    expect(() => saveSafetensors({ a: tensor([1]) }, { epoch: 3 as never })).toThrow(/saveSafetensors: metadata\["epoch"\] must be a string, got 3/);
    expect(() => saveSafetensors({ "bad\ud800": tensor([1]) })).toThrow(/not valid Unicode/);
  });
});

// One malformed file per validation rule, with the words its error must contain.
const valid = (): Uint8Array => file('{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}', f64Bytes([1, 2]));
const withLength = (bytes: Uint8Array, n: bigint): Uint8Array => {
  const out = bytes.slice();
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
};
const entry = (dtype: string, shape: string, offsets: string): string => `{"dtype":${dtype},"shape":${shape},"data_offsets":${offsets}}`;

const MALFORMED: [string, Uint8Array, RegExp][] = [
  ["empty input", new Uint8Array(0), /0 bytes, too short for the 8-byte header length/],
  ["7 bytes", new Uint8Array(7), /7 bytes, too short/],
  ["header length absurdly large", withLength(valid(), 2n ** 64n - 1n), /header length 18446744073709551615 is larger than the 100000000-byte limit/],
  ["header length just over the limit", withLength(valid(), 100_000_001n), /larger than the 100000000-byte limit/],
  ["header length past the end", withLength(valid(), 1000n), /header length 1000 runs past the end of the file \(80 bytes\)/],
  ["header not UTF-8", file('{"a":"\xff"}').map((b, i) => (i === 14 ? 0xff : b)), /header is not valid UTF-8/],
  ["bad JSON", file('{"a":{"dtype":"F64",'), /header is not valid JSON/],
  ["header is an array", file("[1,2]"), /header must be a JSON object, got an array/],
  ["header is a number", file("42"), /header must be a JSON object, got number/],
  ["header is null", file("null"), /header must be a JSON object, got null/],
  ["entry not an object", file('{"a":[0,16]}', f64Bytes([1, 2])), /tensor "a": expected an object with dtype, shape and data_offsets/],
  ["unknown dtype", file(`{"a":${entry('"Q8"', "[2]", "[0,16]")}}`, f64Bytes([1, 2])), /tensor "a": unknown dtype "Q8" \(this library reads F64, F32 and I32\)/],
  ["dtype from the prototype", file(`{"a":${entry('"toString"', "[2]", "[0,16]")}}`, f64Bytes([1, 2])), /unknown dtype "toString"/],
  ["unsupported dtype", file(`{"a":${entry('"BF16"', "[8]", "[0,16]")}}`, f64Bytes([1, 2])), /tensor "a": unsupported dtype "BF16"/],
  ["dtype not a string", file(`{"a":${entry("8", "[2]", "[0,16]")}}`, f64Bytes([1, 2])), /tensor "a": dtype must be a string/],
  ["negative dim", file(`{"a":${entry('"F64"', "[-2]", "[0,16]")}}`, f64Bytes([1, 2])), /tensor "a": shape must be an array of non-negative integers, got \[-2\]/],
  ["non-integer dim", file(`{"a":${entry('"F64"', "[1.5]", "[0,16]")}}`, f64Bytes([1, 2])), /shape must be an array of non-negative integers, got \[1.5\]/],
  ["shape not an array", file(`{"a":${entry('"F64"', '"2"', "[0,16]")}}`, f64Bytes([1, 2])), /shape must be an array/],
  ["shape missing", file('{"a":{"dtype":"F64","data_offsets":[0,16]}}', f64Bytes([1, 2])), /shape must be an array/],
  ["too many elements", file(`{"a":${entry('"F64"', "[4294967296,4294967296,0]", "[0,0]")}}`), /shape \[4294967296,4294967296,0\] has too many elements/],
  ["offsets not a pair", file(`{"a":${entry('"F64"', "[2]", "[0,8,16]")}}`, f64Bytes([1, 2])), /data_offsets must be \[begin, end\]/],
  ["negative offset", file(`{"a":${entry('"F64"', "[2]", "[-16,0]")}}`, f64Bytes([1, 2])), /data_offsets must be \[begin, end\] with non-negative integers/],
  ["end before begin", file(`{"a":${entry('"F64"', "[0]", "[16,0]")}}`, f64Bytes([1, 2])), /tensor "a": data_offsets \[16, 0\] end before they begin/],
  ["shape does not match the bytes", file(`{"a":${entry('"F64"', "[3]", "[0,16]")}}`, f64Bytes([1, 2])), /tensor "a": shape \[3\] of F64 needs 24 bytes but data_offsets \[0, 16\] hold 16/],
  ["offsets out of bounds", file(`{"a":${entry('"F64"', "[4]", "[0,32]")}}`, f64Bytes([1, 2])), /tensor "a": data_offsets \[0, 32\] run past the end of the data \(16 bytes; truncated file\?\)/],
  ["gap before the first tensor", file(`{"a":${entry('"F64"', "[1]", "[8,16]")}}`, f64Bytes([1, 2])), /tensor "a": data begins at byte 8 but the previous tensor ends at 0 \(gap\)/],
  [
    "overlapping tensors",
    file(`{"a":${entry('"F64"', "[2]", "[0,16]")},"b":${entry('"F64"', "[1]", "[8,16]")}}`, f64Bytes([1, 2])),
    /tensor "b": data begins at byte 8 but the previous tensor ends at 16 \(overlap\)/,
  ],
  ["trailing bytes", file(`{"a":${entry('"F64"', "[1]", "[0,8]")}}`, f64Bytes([1, 2])), /the tensors cover 8 bytes of data but the file holds 16 after the header/],
  ["truncated data", valid().subarray(0, valid().length - 3), /run past the end of the data \(13 bytes; truncated file\?\)/],
  ["deeply nested shape", file(`{"a":${entry('"F64"', "[".repeat(200_000) + "]".repeat(200_000), "[0,0]")}}`), /tensor "a": shape must be an array of non-negative integers, got a deeply nested array/],
  ["metadata not an object", file('{"__metadata__":"pt"}'), /"__metadata__" must be an object of strings/],
  ["metadata value not a string", file('{"__metadata__":{"epoch":3}}'), /"__metadata__".epoch must be a string, got 3/],
];

describe("malformed files get a clear error", () => {
  test.each(MALFORMED)("%s", (_name, bytes, message) => {
    let error: unknown;
    try {
      loadSafetensors(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(Error);
    expect((error as Error).message).toMatch(/^loadSafetensors: /);
    expect((error as Error).message).toMatch(message);
  });

  test("the reference's leniencies are kept: unpadded header, unknown entry fields, null metadata, shapes with a 0 dim", () => {
    const bytes = file(`{"__metadata__":null,"a":{"dtype":"F32","shape":[0,1000000000],"data_offsets":[0,0],"extra":1}}`, [], false);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toBeNull();
    expect(tensors.a.shape).toEqual([0, 1000000000]);
    expect(tensors.a.size).toBe(0);
  });

  test("not a Uint8Array", () => {
    expect(() => loadSafetensors("abc" as never)).toThrow(TypeError);
    expect(() => loadSafetensors(null as never)).toThrow(/loadSafetensors: expected the file's bytes as a Uint8Array, got null/);
  });
});

// ---- fuzzing ----------------------------------------------------------------------

function randomTensor(rng: Rng): Tensor {
  const dtype = (["float64", "float32", "int32"] as const)[rng.int(3)];
  const ndim = rng.int(4);
  const shape = Array.from({ length: ndim }, () => rng.int(4));
  const size = shape.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: size }, () => (dtype === "int32" ? rng.int(2000) - 1000 : rng.normal()));
  return tensor(values, { dtype, shape });
}

function randomFile(rng: Rng): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  const count = rng.int(5);
  for (let i = 0; i < count; i++) tensors[`layer.${i}.${["weight", "bias", "w"][rng.int(3)]}`] = randomTensor(rng);
  return saveSafetensors(tensors, rng.random() < 0.5 ? { format: "pt", step: String(rng.int(100)) } : undefined);
}

/** A header value chosen to break things: wrong types, negatives, fractions, huge numbers. */
function nasty(rng: Rng): unknown {
  const pool: unknown[] = [
    -1, 0, 1, 2, 3.5, -0.5, 1e300, 2 ** 53, 2 ** 60, 2 ** 31, 4294967296, Number.MAX_SAFE_INTEGER, "F64", "F32", "I32", "BF16", "F16", "Q4", "", null, true, [], {},
    [rng.int(64)], [rng.int(64), rng.int(64)], [rng.int(64), rng.int(64), rng.int(64)], [-8, 8], [8, 0], ["0", "8"], [1e20, 1e20], { a: 1 },
  ];
  return pool[rng.int(pool.length)];
}

function headerOf(bytes: Uint8Array): { n: number; header: Record<string, Record<string, unknown>> } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) };
}

function rebuild(header: unknown, data: Uint8Array, pad: boolean): Uint8Array {
  return file(JSON.stringify(header) ?? "", Array.from(data), pad);
}

function mutate(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  const { n, header } = headerOf(bytes);
  const data = bytes.subarray(8 + n);
  switch (rng.int(8)) {
    case 0: {
      // Flip 1 to 4 random bytes anywhere.
      for (let k = 0, m = 1 + rng.int(4); k < m; k++) out[rng.int(out.length)] ^= 1 + rng.int(255);
      return out;
    }
    case 1: {
      // Flip bytes inside the header only, where they hit the JSON.
      for (let k = 0, m = 1 + rng.int(3); k < m; k++) out[8 + rng.int(Math.max(1, n))] = rng.int(256);
      return out;
    }
    case 2:
      // Truncate anywhere, including inside the length field.
      return out.subarray(0, rng.int(out.length));
    case 3: {
      // Append junk.
      const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      const grown = new Uint8Array(out.length + extra.length);
      grown.set(out);
      grown.set(extra, out.length);
      return grown;
    }
    case 4: {
      // Edit the length field: small shifts, the file size, 32-bit wraps, huge values.
      const choices = [BigInt(n + rng.int(17) - 8), BigInt(out.length), BigInt(out.length - 8), 2n ** 32n + BigInt(n), 2n ** 63n, BigInt(rng.int(2 ** 30)), 0n, 100_000_000n];
      const v = choices[rng.int(choices.length)];
      new DataView(out.buffer).setBigUint64(0, v < 0n ? 0n : v, true);
      return out;
    }
    case 5: {
      // Edit one field of one entry, then write a consistent length prefix.
      const names = Object.keys(header);
      if (names.length === 0) return rebuild({ x: { dtype: "F64", shape: nasty(rng), data_offsets: nasty(rng) } }, data, rng.random() < 0.5);
      const name = names[rng.int(names.length)];
      const field = ["dtype", "shape", "data_offsets", "extra"][rng.int(4)];
      const e = header[name];
      if (e !== null && typeof e === "object") {
        if (rng.random() < 0.15) delete e[field];
        else e[field] = nasty(rng);
      } else header[name] = nasty(rng) as Record<string, unknown>;
      return rebuild(header, data, rng.random() < 0.8);
    }
    case 6: {
      // Nudge one number of a shape or of the offsets by a small amount.
      const names = Object.keys(header).filter((k) => k !== "__metadata__");
      if (names.length === 0) return rebuild({ __metadata__: nasty(rng) }, data, true);
      const e = header[names[rng.int(names.length)]];
      const arr = (rng.random() < 0.5 ? e.shape : e.data_offsets) as number[];
      if (arr.length > 0) arr[rng.int(arr.length)] += rng.int(9) - 4;
      else arr.push(rng.int(3));
      return rebuild(header, data, true);
    }
    default: {
      // Swap two entries' offsets, rename one to a reserved or odd key, or replace the metadata.
      const names = Object.keys(header).filter((k) => k !== "__metadata__");
      if (names.length >= 2) {
        const [a, b] = [header[names[0]], header[names[1]]];
        [a.data_offsets, b.data_offsets] = [b.data_offsets, a.data_offsets];
      } else if (names.length === 1) {
        const renamed = ["__metadata__", "__proto__", "constructor", ""][rng.int(4)];
        header[renamed] = header[names[0]];
        delete header[names[0]];
      } else header.__metadata__ = nasty(rng) as Record<string, unknown>;
      return rebuild(header, data, true);
    }
  }
}

describe("fuzzing the loader", () => {
  test("seeded random mutations of valid files: a valid record or a clear Error, nothing else", () => {
    const rng = createRng(20240611);
    const bases = Array.from({ length: 40 }, () => randomFile(rng));
    let loaded = 0;
    let rejected = 0;
    const started = performance.now();
    for (let i = 0; i < 6000; i++) {
      const base = bases[rng.int(bases.length)];
      let bytes = mutate(base, rng);
      if (rng.random() < 0.2) {
        try {
          bytes = mutate(bytes, rng); // a second mutation needs a parseable header; skip if not
        } catch {
          /* the first mutation broke the header; keep it */
        }
      }
      let result: ReturnType<typeof readSafetensors> | undefined;
      try {
        result = readSafetensors(bytes);
      } catch (e) {
        if (!(e instanceof Error) || e.constructor !== Error || !e.message.startsWith("loadSafetensors: ")) {
          throw new Error(`case ${i}: unexpected ${String(e)} (${(e as Error)?.constructor?.name})`);
        }
        expect(e.message.length).toBeLessThan(400);
        rejected++;
        continue;
      }
      loaded++;
      // A loaded record is sound: every tensor's data matches its shape, and it survives a round trip.
      for (const [name, t] of Object.entries(result.tensors)) {
        expect(t, name).toBeInstanceOf(Tensor);
        expect(t.toTypedArray().length).toBe(t.shape.reduce((p, d) => p * d, 1));
      }
      const again = readSafetensors(saveSafetensors(result.tensors, result.metadata ?? undefined));
      expect(Object.keys(again.tensors).sort()).toEqual(Object.keys(result.tensors).sort());
    }
    expect(performance.now() - started).toBeLessThan(20_000);
    // Both outcomes occur often enough for the fuzz to mean something.
    expect(loaded).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(3000);
  });
});
