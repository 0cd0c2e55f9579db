/**
 * A small seeded pseudo-random generator (mulberry32) for training samples, tests and benchmark inputs: the same seed
 * gives the same sequence on every run and platform.
 *
 * @module
 */

/** Returns a generator of numbers in [0, 1) seeded by `seed` (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
