// TF.js 4.22 as a peer: tfjs-core with its wasm backend (SIMD, one thread in Node; the
// .wasm files ship inside the npm package, so no network is needed) and its plain
// JavaScript cpu backend.

import { register } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";

export { tf };
export type TfBackend = "wasm" | "cpu";

let ready: Promise<void> | null = null;

/**
 * tfjs-core's bundle has no gradients: the @tensorflow/tfjs bundle registers them from
 * `tfjs-core/dist/register_all_gradients.js`, an ES module tree written for bundlers
 * (its imports have no file extensions). A resolve hook that adds `.js` inside
 * tfjs-core's dist lets Node load it; the registrations land in TF.js's global
 * gradient registry, which the engine of the main bundle reads.
 */
async function registerGradients(): Promise<void> {
  const hook = `export async function resolve(specifier, context, next) {
    try { return await next(specifier, context); } catch (e) {
      if (!specifier.startsWith(".") || !context.parentURL?.includes("/@tensorflow/tfjs-core/dist/")) throw e;
      return next(specifier + ".js", context);
    }
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
}

/** Initialise both backends once (the wasm one compiles its module asynchronously). */
export function initTf(): Promise<void> {
  ready ??= (async () => {
    await registerGradients();
    for (const name of ["cpu", "wasm"] as const) {
      if (!(await tf.setBackend(name))) throw new Error(`TF.js: the ${name} backend failed to initialise`);
    }
    // The cpu backend's first tensor prints an advert for tfjs-node; we compare against
    // exactly this backend, so keep it out of the tables.
    useTfBackend("cpu");
    const warn = console.warn;
    console.warn = () => {};
    try {
      tf.scalar(0).dispose();
    } finally {
      console.warn = warn;
    }
  })();
  return ready;
}

/**
 * Make `name` the active backend. Once both are initialised `setBackend` switches
 * before its first await, so the switch is synchronous and can run between samples.
 */
export function useTfBackend(name: TfBackend): void {
  void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`TF.js: could not switch to the ${name} backend synchronously`);
}
