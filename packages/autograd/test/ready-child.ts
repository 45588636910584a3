// Run by ready.test.ts in a child Node: the synchronous WebAssembly.Module is refused (as
// some browsers do on their main thread) and atob is counted, then the library is imported.
// Prints what was in use before and after ready(), a matmul's result and the decode count.

const wa = (globalThis as unknown as { WebAssembly: { Module: unknown } }).WebAssembly;
const refuse = process.argv.includes("--refuse-sync");
if (refuse) {
  wa.Module = function Module() {
    throw new RangeError("WebAssembly.Module(): Buffer size is too large for synchronous compile");
  };
}
let decodes = 0;
const realAtob = globalThis.atob;
globalThis.atob = (text: string) => {
  decodes++;
  return realAtob(text);
};

const { kernelsInUse, ready, tensor } = await import("../src/index.js");
const before = kernelsInUse();
const after = await ready();
const product = tensor([[1, 2], [3, 4]], { dtype: "float32" }).matmul(tensor([[5], [6]], { dtype: "float32" })).toArray();
console.log(JSON.stringify({ before, after, inUse: kernelsInUse(), product, decodes }));
