// Types of build-wasm.mjs for the tests.

/** Absolute path of src/kernels/wasm/bytes.ts. */
export const bytesModulePath: string;
/** Compile assembly/ in memory and return the .wasm bytes. */
export function compileWasm(): Promise<Uint8Array>;
/** The text of src/kernels/wasm/bytes.ts for these bytes. */
export function bytesModule(wasm: Uint8Array): string;
