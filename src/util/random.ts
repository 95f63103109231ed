/**
 * Seeded pseudo-random numbers, so that shuffles, sample data and weight
 * initialisation repeat exactly for a given `--seed`.
 */

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/** A generator whose position can be saved, so a resumed run draws what the original would have. */
export interface StatefulRng extends Rng {
  /** The generator's whole state; `makeRng(rng.state())` continues exactly where it stands. */
  state(): number;
}

/** mulberry32: a small, fast 32-bit generator with a full 2^32 period; plenty for shuffling. */
export function makeRng(seed: number): StatefulRng {
  let a = seed >>> 0;
  const rng = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(rng, { state: () => a });
}

/** An integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/**
 * Runs a synchronous `fn` with Math.random drawing from `rng`, then restores it.
 *
 * tfjs seeds every random op given no seed (dropout masks in particular) from
 * Math.random, and tf.layers' Dropout cannot take a fresh seed per step (a fixed
 * seed repeats the same mask every step). Routing Math.random through the run's
 * generator for the length of one training step makes runs repeatable.
 */
export function withRandomSource<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = rng;
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
