/**
 * LruIndex: hash flooding. Keys crafted to share a home bucket (under the former fixed hash, or under one seed) make
 * a long probe run only in an index keyed with the seed they were crafted for.
 */
import assert from "node:assert/strict";
import { fmix32, PROCESS_HASH_SEED, seedWord } from "../core/hash_seed.ts";
import { LruIndex } from "./_lru_index.ts";

/** Keys crafted per test. */
const N = 300;
/** An index of 1,024 slots has 2,048 buckets. */
const SLOTS = 1024, HOME_MASK = 2047;
/** Spread keys: 300 keys in 2,048 buckets lie a few buckets from home at most. */
const SPREAD = 12;

function assertSpread(t: { maxProbeDistance(): number }): void {
  const d = t.maxProbeDistance();
  assert.ok(d < SPREAD, `probe distance ${d}`);
}

/** The number key hash before keyed hashing (a fixed, public function). */
function oldHash(k: number): number {
  const lo = k >>> 0, hi = (k / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 16);
}

/** The keyed number key hash under `seed` (as LruIndex computes it). */
function keyedHash(seed: number): (k: number) => number {
  const lo = seedWord(seed, 0), hi = seedWord(seed, 1) | 1;
  return (k) => fmix32(((k >>> 0) ^ lo) + Math.imul((k / 4294967296) | 0, hi));
}

/** `N` keys from `base` up whose hashes share their home. */
function craft(hash: (k: number) => number, base: number): number[] {
  const out: number[] = [];
  for (let k = base; out.length < N; k++) if ((hash(k) & HOME_MASK) === 0) out.push(k);
  return out;
}

function fill(keys: number[], hashSeed?: number): LruIndex<number> {
  const idx = new LruIndex<number>(SLOTS, SLOTS, { hashSeed });
  for (const k of keys) idx.insert(k);
  return idx;
}

Deno.test("LruIndex: addresses and composite keys crafted for the former fixed hash are spread", () => {
  for (const base of [0x0a000000, 0x0a000000 * 65536]) {
    const keys = craft(oldHash, base);
    assertSpread(fill(keys, 1));
    assertSpread(fill(keys));
  }
});

Deno.test("LruIndex: keys crafted for one seed make a long probe run under it only", () => {
  const S = 0x1234567;
  for (const base of [0x0a000000, 0x0a000000 * 65536]) {
    const keys = craft(keyedHash(S), base);
    const attacked = fill(keys, S);
    assert.ok(attacked.maxProbeDistance() >= N - 1, `probe distance ${attacked.maxProbeDistance()}`);
    assertSpread(fill(keys, S ^ 1));
    // every key is found and removals keep the rest found (each site's hash agrees)
    for (let i = 0; i < N; i++) assert.equal(attacked.keyOf(attacked.find(keys[i])), keys[i]);
    for (let i = 0; i < N; i += 2) attacked.remove(attacked.find(keys[i]));
    for (let i = 0; i < N; i++) assert.equal(attacked.find(keys[i]) >= 0, i % 2 === 1);
  }
});

Deno.test("LruIndex: without a seed option the index is keyed with the process seed", () => {
  const keys = craft(keyedHash(PROCESS_HASH_SEED), 0x0a000000);
  assert.ok(fill(keys).maxProbeDistance() >= N - 1);
  assertSpread(fill(keys, PROCESS_HASH_SEED ^ 1));
});

Deno.test("LruIndex: text keys hash by the seed", () => {
  const a = new LruIndex<string>(8, 8, { hashSeed: 1 });
  for (const k of ["2001:db8::1", "2001:db8::2", "fe80::1"]) a.insert(k);
  assert.ok(a.find("2001:db8::2") >= 0);
  assert.equal(a.find("2001:db8::3"), -1);
});
