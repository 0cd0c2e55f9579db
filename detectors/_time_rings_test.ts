import assert from "node:assert/strict";
import { TimeRing } from "./_time_ring.ts";
import { TimeRings } from "./_time_rings.ts";

const T = 1_700_000_000_123_457;

/** A small deterministic generator (the test is the same on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

Deno.test("TimeRings gives what one TimeRing per slot gives, on random adds, counts, subs and resets", () => {
  for (const [windowUs, buckets] of [[1_000_000, 16], [60_000_000, 16], [250_000, 4], [7, 1]]) {
    const r = rng(windowUs + buckets);
    const slots = 40;
    const rings = new TimeRings(windowUs, buckets);
    const ref: TimeRing[] = [];
    for (let s = 0; s < slots; s++) {
      rings.reset(s);
      ref.push(new TimeRing(windowUs, buckets));
    }
    const now = new Float64Array(slots).fill(T);
    for (let i = 0; i < 40_000; i++) {
      const s = Math.floor(r() * slots);
      const op = r();
      // mostly forward in time, sometimes jumps, sometimes out of order
      const step = r() < 0.05 ? windowUs * 3 * r() : r() < 0.1 ? -windowUs * 1.5 * r() : windowUs / 10 * r();
      const ts = Math.round(now[s] + step);
      if (ts > now[s]) now[s] = ts;
      if (op < 0.6) {
        const n = 1 + Math.floor(r() * 3);
        assert.equal(rings.add(s, ts, n), ref[s].add(ts, n), `add #${i}`);
      } else if (op < 0.8) {
        assert.equal(rings.count(s, ts), ref[s].count(ts), `count #${i}`);
      } else if (op < 0.97) {
        const n = Math.floor(r() * 5);
        assert.equal(rings.sub(s, ts, n), ref[s].sub(ts, n), `sub #${i}`);
      } else {
        rings.reset(s);
        ref[s].clear();
      }
      assert.equal(rings.sum(s), ref[s].sum, `sum #${i}`);
    }
  }
});

Deno.test("TimeRings grows to any slot and reuses bucket blocks after a reset", () => {
  const rings = new TimeRings(1_000_000);
  rings.reset(1000);
  assert.equal(rings.add(1000, T), 1);
  assert.equal(rings.add(1000, T + 500_000), 2); // a second bucket: a block from the pool
  rings.reset(1000);
  assert.equal(rings.count(1000, T + 500_000), 0);
  rings.reset(3);
  assert.equal(rings.add(3, T), 1);
  assert.equal(rings.add(3, T + 500_000), 2); // the freed block, zeroed
  assert.equal(rings.count(3, T + 1_000_000), 2);
  rings.clear();
  rings.reset(0);
  assert.equal(rings.count(0, T), 0);
});
