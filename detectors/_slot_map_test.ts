import assert from "node:assert/strict";
import { BoundedMap } from "./_bounded_map.ts";
import { SlotMap } from "./_slot_map.ts";
import { KeyColumn, SlotRecords } from "./_slot_records.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

Deno.test("SlotMap holds and evicts the same keys as a BoundedMap of the same capacity, a slot per key", () => {
  const r = rng(5);
  const cap = 50;
  const slots = new SlotMap<number | string>(cap);
  const map = new BoundedMap<number | string, number>(cap);
  const keyOfSlot = new Map<number, number | string>();
  let next = 0;
  for (let i = 0; i < 50_000; i++) {
    const k = r() < 0.2 ? `2001:db8::${Math.floor(r() * 120)}` : Math.floor(r() * 120) + (r() < 0.5 ? 3e9 : 0);
    const op = r();
    if (op < 0.7) {
      const s = slots.acquire(k);
      const had = map.has(k);
      map.acquire(k, () => next++);
      assert.equal(slots.created, !had, `created #${i}`);
      if (slots.created) keyOfSlot.set(s, k);
      assert.equal(keyOfSlot.get(s), k, `slot #${i}`);
      assert.equal(slots.keyOf(s), k);
    } else if (op < 0.9) {
      const s = slots.find(k);
      assert.equal(s >= 0, map.peek(k) !== undefined, `find #${i}`);
    } else {
      assert.equal(slots.delete(k), map.delete(k), `delete #${i}`);
    }
    assert.equal(slots.size, map.size);
    assert.equal(slots.evictions, map.evictions);
  }
  const held = [...map.entries()].map(([k]) => k).sort();
  assert.deepEqual(held.filter((k) => slots.find(k) < 0), []);
  slots.setCapacity(10);
  map.setCapacity(10);
  assert.deepEqual(
    [...map.entries()].map(([k]) => slots.find(k) >= 0),
    new Array(10).fill(true),
  );
  assert.equal(slots.size, 10);
});

Deno.test("KeyColumn keeps number and text keys per slot in a shared record", () => {
  const rec = new SlotRecords();
  const a = new KeyColumn<number | string>(rec);
  const b = new KeyColumn<number | string>(rec);
  rec.ensure(40);
  a.set(3, 3_000_000_000);
  b.set(3, "2001:db8::1");
  a.set(40, "fe80::1");
  b.set(40, 7);
  assert.equal(a.get(3), 3_000_000_000);
  assert.equal(b.get(3), "2001:db8::1");
  assert.equal(a.get(40), "fe80::1");
  assert.equal(b.get(40), 7);
  a.set(40, 0);
  assert.equal(a.get(40), 0);
  rec.ensure(1000); // growing keeps the values
  assert.equal(b.get(3), "2001:db8::1");
  assert.equal(a.get(3), 3_000_000_000);
  assert.throws(() => rec.fields(1), /slots are in use/);
});
