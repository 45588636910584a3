// Saving and loading tensors in the safetensors format, in Node and in browsers
// (Uint8Array in, Uint8Array out; no Buffer, no fs), checked as the reference implementation checks it.

import { allocate, type Dtype, type TypedArray } from "./dtype.js";
import { flat, fmt } from "./strides.js";
import { describeValue } from "./options.js";
import { fromFlat, Tensor } from "./tensor.js";

// Layout: an 8-byte little-endian u64 header length n, n bytes of JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {key: value}},
// padded with spaces to a multiple of 8, then the raw little-endian data.
// The loader follows the reference implementation's validation (huggingface/
// safetensors, tensor.rs) and checks everything before it allocates a tensor.

type StDtype = "F64" | "F32" | "I32";

const TO_ST: Record<Dtype, StDtype> = { float64: "F64", float32: "F32", int32: "I32" };
const FROM_ST: Record<StDtype, Dtype> = { F64: "float64", F32: "float32", I32: "int32" };
const BYTES: Record<StDtype, number> = { F64: 8, F32: 4, I32: 4 };
// Rank of each dtype in the reference implementation's Dtype enum (its declaration
// order); the writer puts larger ranks first so that every tensor stays aligned.
const RANK: Record<StDtype, number> = { I32: 9, F32: 11, F64: 12 };
// Dtypes of the format that this library has no tensor type for.
const OTHER_DTYPES = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "I16", "U16", "F16", "BF16", "U32", "I64", "U64", "C64"];
// As the reference implementation: a larger header is treated as corrupt.
const MAX_HEADER_SIZE = 100_000_000;
const METADATA_KEY = "__metadata__";
const LONE_SURROGATE = /\p{Cs}/u;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The tensors of a safetensors file and its free-form string metadata (null when absent). */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string> | null;
}

/**
 * Serialize tensors (float64 as F64, float32 as F32, int32 as I32) and optional
 * string metadata into the bytes of a .safetensors file, laid out as the reference
 * implementation writes them. Example: `fs.writeFileSync("model.safetensors", saveSafetensors(model.stateDict()))`.
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const op = "saveSafetensors";
  if (tensors === null || typeof tensors !== "object" || Array.isArray(tensors) || tensors instanceof Tensor) {
    throw new TypeError(`${op}: tensors must be an object mapping names to Tensors, got ${describeValue(tensors)}`);
  }
  const entries = Object.keys(tensors).map((name) => {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: tensors[${JSON.stringify(name)}] is not a Tensor (got ${describeValue(t)})`);
    if (name === METADATA_KEY) throw new Error(`${op}: "${METADATA_KEY}" is reserved for metadata and cannot name a tensor`);
    if (LONE_SURROGATE.test(name)) throw new Error(`${op}: the tensor name ${JSON.stringify(name)} is not valid Unicode (lone surrogate)`);
    return { name, t, dtype: TO_ST[t.dtype] };
  });
  const meta = metadata === undefined ? null : checkMetadata(op, metadata);
  // Larger alignment first, then by name in UTF-8 byte order, as the reference writer.
  entries.sort((a, b) => RANK[b.dtype] - RANK[a.dtype] || compareCodePoints(a.name, b.name));

  // The header is written by hand, not from an object, so that the entries keep
  // this order (JavaScript would move integer-like keys such as "0" to the front).
  const parts: string[] = [];
  if (meta !== null) {
    const items = Object.keys(meta).map((k) => `${JSON.stringify(k)}:${JSON.stringify(meta[k])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${items.join(",")}}`);
  }
  let offset = 0;
  for (const { name, t, dtype } of entries) {
    const nbytes = t.size * BYTES[dtype];
    const info = { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + nbytes] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += nbytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_SIZE) throw new Error(`${op}: the header would be ${n} bytes, over the format's ${MAX_HEADER_SIZE}-byte limit (too many tensors?)`);
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let pos = 8 + n;
  for (const { t } of entries) {
    pos += writeLittleEndian(out, pos, flat(t.view));
  }
  return out;
}

/**
 * The tensors of a .safetensors file (F64, F32 and I32). Throws a clear Error on a
 * malformed file, before allocating anything. Example: `model.loadStateDict(loadSafetensors(bytes))`.
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  return readSafetensors(bytes).tensors;
}

/** The tensors and the `__metadata__` strings of a .safetensors file. Example: `readSafetensors(bytes).metadata`. */
export function readSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsContents {
  const op = "loadSafetensors";
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`${op}: expected the file's bytes as a Uint8Array, got ${describeValue(bytes)}`);
  }
  const fail = (why: string): never => {
    throw new Error(`${op}: ${why}`);
  };
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE)) fail(`the header length ${n64} is larger than the ${MAX_HEADER_SIZE}-byte limit (corrupt file?)`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`the header length ${n} runs past the end of the file (${bytes.length} bytes)`);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail(`the header is not valid UTF-8`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    fail(`the header must be a JSON object, got ${parsed === null ? "null" : Array.isArray(parsed) ? "an array" : typeof parsed}`);
  }
  const header = parsed as Record<string, unknown>;

  let metadata: Record<string, string> | null = null;
  const infos: { name: string; dtype: StDtype; shape: number[]; begin: number; end: number; count: number }[] = [];
  for (const name of Object.keys(header)) {
    const entry = header[name];
    if (name === METADATA_KEY) {
      if (entry !== null) metadata = readMetadata(entry, fail);
      continue;
    }
    const where = `tensor ${clip(name)}`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) fail(`${where}: expected an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== "string") fail(`${where}: dtype must be a string`);
    if (!Object.hasOwn(BYTES, dtype as string)) {
      const known = OTHER_DTYPES.includes(dtype as string);
      fail(`${where}: ${known ? "unsupported" : "unknown"} dtype ${JSON.stringify(dtype)} (this library reads F64, F32 and I32)`);
    }
    if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`${where}: shape must be an array of non-negative integers, got ${clip(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
      fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${clip(offsets)}`);
    }
    const dims = shape as number[];
    // Element count with an overflow check at each factor, as the reference.
    let count = 1;
    for (const d of dims) {
      count *= d;
      if (count > Number.MAX_SAFE_INTEGER) fail(`${where}: shape ${clip(dims)} has too many elements`);
    }
    const [begin, end] = offsets as number[];
    infos.push({ name, dtype: dtype as StDtype, shape: dims, begin, end, count });
  }

  // The tensors, ordered by offsets, must tile the data section exactly: no gaps,
  // no overlaps, nothing past its end.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataLength = bytes.length - 8 - n;
  let expected = 0;
  for (const t of infos) {
    const where = `tensor ${clip(t.name)}`;
    if (t.end < t.begin) fail(`${where}: data_offsets [${t.begin}, ${t.end}] end before they begin`);
    if (t.begin !== expected) {
      fail(`${where}: data begins at byte ${t.begin} but the previous tensor ends at ${expected} (${t.begin < expected ? "overlap" : "gap"})`);
    }
    const nbytes = t.count * BYTES[t.dtype];
    if (t.end - t.begin !== nbytes) {
      fail(`${where}: shape ${fmt(t.shape)} of ${t.dtype} needs ${nbytes} bytes but data_offsets [${t.begin}, ${t.end}] hold ${t.end - t.begin}`);
    }
    if (t.end > dataLength) fail(`${where}: data_offsets [${t.begin}, ${t.end}] run past the end of the data (${dataLength} bytes; truncated file?)`);
    expected = t.end;
  }
  if (expected !== dataLength) {
    fail(`the tensors cover ${expected} bytes of data but the file holds ${dataLength} after the header (truncated or trailing bytes)`);
  }

  const tensors: Record<string, Tensor> = {};
  const start = 8 + n;
  for (const t of infos) {
    const data = readLittleEndian(bytes, start + t.begin, FROM_ST[t.dtype], t.count);
    defineEntry(tensors, t.name, fromFlat(data, t.shape));
  }
  return { tensors, metadata };
}

function checkMetadata(op: string, metadata: unknown): Record<string, string> {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new TypeError(`${op}: metadata must be an object of strings, got ${describeValue(metadata)}`);
  }
  const out: Record<string, string> = {};
  for (const key of Object.keys(metadata)) {
    const value = (metadata as Record<string, unknown>)[key];
    if (typeof value !== "string") throw new TypeError(`${op}: metadata[${JSON.stringify(key)}] must be a string, got ${describeValue(value)}`);
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(value)) throw new Error(`${op}: metadata[${JSON.stringify(key)}] is not valid Unicode (lone surrogate)`);
    defineEntry(out, key, value);
  }
  return out;
}

function readMetadata(entry: unknown, fail: (why: string) => never): Record<string, string> {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail(`"${METADATA_KEY}" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const key of Object.keys(entry as object)) {
    const value = (entry as Record<string, unknown>)[key];
    if (typeof value !== "string") fail(`"${METADATA_KEY}".${key} must be a string, got ${clip(value)}`);
    defineEntry(out, key, value as string);
  }
  return out;
}

function isIndex(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

/** Set a key as an own property, even "__proto__" (plain assignment would set the prototype). */
function defineEntry<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A short JSON rendering of a header value for error messages. */
function clip(x: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    // JSON.parse accepts nesting deeper than JSON.stringify can recurse through.
    s = Array.isArray(x) ? "a deeply nested array" : "a deeply nested object";
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Compare by Unicode code points, which orders strings as their UTF-8 bytes do. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function writeLittleEndian(out: Uint8Array, pos: number, src: TypedArray): number {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), pos);
  } else {
    const dv = new DataView(out.buffer, out.byteOffset + pos, src.byteLength);
    const put = src instanceof Float64Array ? dv.setFloat64 : src instanceof Float32Array ? dv.setFloat32 : dv.setInt32;
    for (let i = 0; i < src.length; i++) put.call(dv, i * src.BYTES_PER_ELEMENT, src[i], true);
  }
  return src.byteLength;
}

function readLittleEndian(bytes: Uint8Array, pos: number, dtype: Dtype, count: number): TypedArray {
  const out = allocate(dtype, count);
  if (LITTLE_ENDIAN) {
    // Copy bytes rather than view them: the source may be unaligned, and the tensor must own its memory.
    new Uint8Array(out.buffer).set(bytes.subarray(pos, pos + out.byteLength));
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + pos, out.byteLength);
    const get = dtype === "float64" ? dv.getFloat64 : dtype === "float32" ? dv.getFloat32 : dv.getInt32;
    for (let i = 0; i < count; i++) out[i] = get.call(dv, i * out.BYTES_PER_ELEMENT, true);
  }
  return out;
}
