// Seeded randomness. Every random function takes an Rng; without one it uses a
// process-wide default that manualSeed resets. seedrandom's ARC4 generator gives
// the same stream on every machine.

import seedrandom from "seedrandom";

/** A seeded source of random numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  random(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** A new generator: the same seed gives the same numbers, bit for bit. Example: `randn([2, 3], { rng: createRng(42) })`. */
export function createRng(seed: number | string): Rng {
  if (typeof seed !== "number" && typeof seed !== "string") {
    throw new TypeError(`createRng: seed must be a number or a string, got ${typeof seed}`);
  }
  const prng = seedrandom(String(seed));
  let spare: number | null = null;
  return {
    random: () => prng(),
    // Box-Muller; the second value of each pair is kept for the next call.
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = prng();
      const v = prng();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int: (n: number) => Math.floor(prng() * n),
  };
}

let defaultRng = createRng(0);

/** Reset the default generator, as `torch.manual_seed`. */
export function manualSeed(seed: number | string): void {
  defaultRng = createRng(seed);
}

export function getDefaultRng(): Rng {
  return defaultRng;
}
