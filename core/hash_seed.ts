/**
 * Keyed hashing for the exact-match hash indexes whose keys an attacker chooses (addresses, ports): the flow table
 * and the detectors' per-address tables.
 *
 * With a fixed, public hash anyone who reads the source can pick keys (spoofed sources, chosen ports) that share a
 * home bucket or a whole 32-bit hash, so every look-up walks a long probe run: an algorithmic-complexity attack that
 * slows the sensor exactly when it is attacked. Here each key part is mixed with a secret seed by a non-linear
 * bijection ({@link fmix32} of the part XOR a seed word) before the parts are combined: for fixed other parts distinct
 * values never collide fully, and without the seed nobody can tell which bucket a key lands in. (A seed XORed into
 * the final value would not help: keys whose hashes collide fully collide under every such seed.)
 *
 * The seed is random per process ({@link PROCESS_HASH_SEED}); tables take another one in their options (tests pass a
 * fixed one). Only where a key's position in a table does not change any result: the entries are found by exact
 * comparison, and nothing walks the buckets in an order that reaches an output.
 *
 * @module
 */

/** Mixes 32 bits (murmur3's finalizer fmix32): a bijection in which each output bit depends on every input bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A random 32-bit seed, drawn once per process (`crypto.getRandomValues`). */
export const PROCESS_HASH_SEED: number = crypto.getRandomValues(new Int32Array(1))[0];

/**
 * The `i`-th 32-bit word derived from `seed` (independent-looking words for the parts of a key; `i` ≥ 0): unknown
 * without the seed.
 */
export function seedWord(seed: number, i: number): number {
  return fmix32(fmix32(seed ^ Math.imul(i + 1, 0x9e3779b1)) + i);
}

/**
 * The keyed hash of a text key (32 bits): FNV-1a from the seed as its basis, then {@link fmix32} of the result XOR
 * the seed.
 */
export function hashText(text: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h ^ seed);
}
