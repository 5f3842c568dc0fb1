/**
 * A small seeded pseudo-random generator (mulberry32) for everything random in training: initial weights,
 * the order of windows in each epoch and the dropout masks. Math.random is never used, so one seed gives one run.
 */

/** Uniform numbers in [0, 1), reproducible from the seed. */
export type Random = () => number;

/** mulberry32 (Tommy Ettinger, public domain): 32-bit state, period 2^32, fast and good enough for shuffling and init. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer seed for a tfjs op that takes one (tf.dropout), drawn from `random`. */
export function nextSeed(random: Random): number {
  return Math.floor(random() * 2 ** 31);
}

/** Standard normal deviates by the Box–Muller transform. */
export function normal(random: Random): number {
  // 1 − u keeps the logarithm's argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Fisher–Yates shuffle of `values` in place. */
export function shuffleInPlace<T extends { length: number; [index: number]: number }>(values: T, random: Random): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values;
}
