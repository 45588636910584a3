// Small data helpers shared by the examples: a character vocabulary and a seeded shuffle.

import type { Rng } from "@unroll/autograd";

/**
 * A character vocabulary: each distinct character gets an index. With `padding`, index 0
 * is kept for padding and the characters start at 1.
 * Example: `const vocab = new CharVocab("hello", { padding: true }); vocab.encode("he")` gives `[2, 1]`.
 */
export class CharVocab {
  readonly chars: string[];
  private readonly index: Map<string, number>;
  readonly padding: boolean;

  constructor(text: string | Iterable<string>, opts: { padding?: boolean } = {}) {
    this.padding = opts.padding ?? false;
    const seen = new Set<string>();
    for (const piece of typeof text === "string" ? [text] : text) for (const c of piece) seen.add(c);
    this.chars = [...seen].sort();
    const offset = this.padding ? 1 : 0;
    this.index = new Map(this.chars.map((c, i) => [c, i + offset]));
  }

  /** Number of indices, the padding one included. */
  get size(): number {
    return this.chars.length + (this.padding ? 1 : 0);
  }

  /** Indices of the characters of `text`; throws on a character outside the vocabulary. */
  encode(text: string): Int32Array {
    const chars = [...text];
    const out = new Int32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.index.get(c);
      if (id === undefined) throw new RangeError(`CharVocab: ${JSON.stringify(c)} is not in the vocabulary`);
      out[i] = id;
    });
    return out;
  }

  /** The character of one index. */
  char(id: number): string {
    const c = this.chars[id - (this.padding ? 1 : 0)];
    if (c === undefined) throw new RangeError(`CharVocab: index ${id} is outside [${this.padding ? 1 : 0}, ${this.size})`);
    return c;
  }

  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (id) => this.char(id)).join("");
  }
}

/** Shuffle `items` in place (Fisher-Yates) with a seeded generator, and return it. Example: `shuffle([1, 2, 3], createRng(0))`. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** The indices 0..n-1 in a seeded random order. */
export function permutation(n: number, rng: Rng): number[] {
  return shuffle(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
}
