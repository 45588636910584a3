// Types of build-wasm.mjs for the tests.

/** Absolute path of src/kernels/wasm/bytes.ts. */
export const bytesModulePath: string;
/** Compile assembly/ in memory and return the .wasm bytes (relaxed: with relaxed SIMD). */
export function compileWasm(relaxed?: boolean): Promise<Uint8Array>;
/** The text of src/kernels/wasm/bytes.ts from a fresh compile of assembly/. */
export function bytesModule(): Promise<string>;
