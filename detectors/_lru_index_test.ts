import assert from "node:assert/strict";
import { LruIndex } from "./_lru_index.ts";
import { SmallLruIndex } from "./_small_lru_index.ts";

/** Both implementations: the same operations must give the same results. */
const KINDS = [LruIndex, SmallLruIndex] as const;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** The LRU order of the index, oldest first, as keys. */
function order<K extends number | string>(idx: LruIndex<K> | SmallLruIndex<K>): K[] {
  const out: K[] = [];
  for (let s = idx.oldest; s >= 0; s = idx.newer(s)) out.push(idx.keyOf(s));
  return out;
}

for (const Kind of KINDS) {
  Deno.test(`${Kind.name} keeps the order and slots a reference LRU list keeps, on random finds, touches, inserts and removes`, () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const idx = new Kind<number | string>(4, 64);
      const ref: (number | string)[] = []; // oldest first
      const slotOf = new Map<number | string, number>();
      const key = () => {
        const k = Math.floor(r() * 200);
        return r() < 0.3 ? `2001:db8::${k}` : r() < 0.5 ? k : 3_000_000_000 + k * 65536;
      };
      for (let i = 0; i < 30_000; i++) {
        const k = key(), op = r();
        const s = idx.find(k);
        assert.equal(s, slotOf.get(k) ?? -1, `find #${i}`);
        if (op < 0.4) {
          if (s >= 0) {
            idx.touch(s);
            ref.splice(ref.indexOf(k), 1);
            ref.push(k);
          } else {
            if (ref.length >= 64) {
              const old = idx.oldest;
              assert.equal(idx.keyOf(old), ref[0]);
              idx.remove(old);
              slotOf.delete(ref.shift()!);
              assert.notEqual(idx.keyOf(old), ref[0]); // a freed slot's key equals no key
            }
            const n = idx.insert(k);
            assert.equal(idx.keyOf(n), k);
            slotOf.set(k, n);
            ref.push(k);
          }
        } else if (op < 0.55 && s >= 0) {
          idx.remove(s);
          ref.splice(ref.indexOf(k), 1);
          slotOf.delete(k);
          assert.equal(idx.find(k), -1);
        }
        assert.equal(idx.size, ref.length);
        if (i % 97 === 0) assert.deepEqual(order(idx), ref, `order #${i}`);
      }
      idx.clear();
      assert.equal(idx.size, 0);
      assert.equal(idx.oldest, -1);
      assert.equal(idx.find(1), -1);
    }
  });

  Deno.test(`${Kind.name} grows past its initial slots and keeps every key findable`, () => {
    const idx = new Kind<number>(2);
    for (let k = 0; k < 5000; k++) idx.insert(k * 7919);
    assert.equal(idx.size, 5000);
    assert.ok(idx.capacity >= 5000);
    for (let k = 0; k < 5000; k++) assert.equal(idx.keyOf(idx.find(k * 7919)), k * 7919);
    assert.equal(idx.keyOf(idx.oldest), 0);
  });
}
