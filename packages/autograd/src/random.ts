// Seeded randomness. Every random function takes an Rng; without one it uses a
// process-wide default that manualSeed resets. seedrandom's ARC4 generator gives
// the same stream on every machine.

import seedrandom from "seedrandom";
import { describeValue } from "./options.js";

/** A seeded source of random numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  random(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A copy of the generator's state (JSON-safe), as `torch.Generator.get_state`. */
  getState(): RngState;
  /** Continue from a state from `getState()`, as `torch.Generator.set_state`. */
  setState(state: RngState): void;
}

/** The state of an Rng: seedrandom's ARC4 state and the spare normal of Box-Muller. */
export interface RngState {
  i: number;
  j: number;
  S: number[];
  spare: number | null;
}

/** A new generator: the same seed gives the same numbers, bit for bit. Example: `randn([2, 3], { rng: createRng(42) })`. */
export function createRng(seed: number | string): Rng {
  checkSeed("createRng", seed);
  let prng = seedrandom(String(seed), { state: true });
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
    getState(): RngState {
      const { i, j, S } = prng.state() as { i: number; j: number; S: number[] };
      return { i, j, S: S.slice(), spare };
    },
    setState(state: RngState): void {
      const { i, j, S } = checkRngState(state);
      prng = seedrandom("", { state: { i, j, S: S.slice() } });
      spare = state.spare;
    },
  };
}

function checkRngState(state: unknown): RngState {
  const s = state as RngState;
  const byte = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) < 256;
  const ok =
    s !== null &&
    typeof s === "object" &&
    byte(s.i) &&
    byte(s.j) &&
    Array.isArray(s.S) &&
    s.S.length === 256 &&
    s.S.every(byte) &&
    (s.spare === null || (typeof s.spare === "number" && Number.isFinite(s.spare)));
  if (!ok) throw new TypeError(`Rng.setState: expected a state from getState() ({ i, j, S: 256 bytes, spare }), got ${JSON.stringify(state)?.slice(0, 60) ?? String(state)}`);
  return s;
}

let defaultRng = createRng(0);

/** Reset the default generator, as `torch.manual_seed`. */
export function manualSeed(seed: number | string): void {
  checkSeed("manualSeed", seed);
  defaultRng = createRng(seed);
}

export function getDefaultRng(): Rng {
  return defaultRng;
}

/** A seed is a finite number or a string: undefined, NaN or an object would silently give one fixed stream. */
function checkSeed(op: string, seed: unknown): void {
  if (!((typeof seed === "number" && Number.isFinite(seed)) || typeof seed === "string")) {
    throw new TypeError(`${op}: seed must be a finite number or a string, got ${describeValue(seed)}`);
  }
}
