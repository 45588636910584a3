// Element types. float64 is the default (every JavaScript number is a double and
// gradient checks need it); float32 is the fast path; int32 holds indices and labels.

export type Dtype = "float64" | "float32" | "int32";
export type FloatDtype = "float64" | "float32";
export type TypedArray = Float64Array | Float32Array | Int32Array;
export type FloatArray = Float64Array | Float32Array;

const DTYPES: readonly Dtype[] = ["float64", "float32", "int32"];
let defaultDtype: FloatDtype = "float64";

/** Set the dtype that creation functions use when none is given, as `torch.set_default_dtype`. */
export function setDefaultDtype(dtype: FloatDtype): void {
  if (dtype !== "float64" && dtype !== "float32") {
    throw new TypeError(`setDefaultDtype: dtype must be "float64" or "float32", got ${JSON.stringify(dtype)}`);
  }
  defaultDtype = dtype;
}

export function getDefaultDtype(): FloatDtype {
  return defaultDtype;
}

export function checkDtype(op: string, dtype: unknown): Dtype {
  if (!DTYPES.includes(dtype as Dtype)) {
    throw new TypeError(`${op}: unknown dtype ${JSON.stringify(dtype)} (expected one of ${DTYPES.join(", ")})`);
  }
  return dtype as Dtype;
}

export function allocate(dtype: Dtype, size: number): TypedArray {
  switch (dtype) {
    case "float64":
      return new Float64Array(size);
    case "float32":
      return new Float32Array(size);
    case "int32":
      return new Int32Array(size);
  }
}

export function dtypeOf(array: TypedArray): Dtype {
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Float32Array) return "float32";
  return "int32";
}

/**
 * The dtype of an op on two tensors. Like PyTorch, float32 with float64 promotes to
 * float64, and an integer tensor with a float one takes the float dtype.
 */
export function promote(a: Dtype, b: Dtype): Dtype {
  if (a === b) return a;
  if (a === "int32") return b;
  if (b === "int32") return a;
  return "float64";
}

export function isFloat(dtype: Dtype): dtype is FloatDtype {
  return dtype !== "int32";
}

/** A zeroed float buffer of `n` elements: float32 for "float32", float64 otherwise. Example: `floatBuffer(t.dtype, 8)`. */
export function floatBuffer(dtype: Dtype, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}
