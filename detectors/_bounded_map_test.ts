import assert from "node:assert/strict";
import { BoundedMap } from "./_bounded_map.ts";

Deno.test("BoundedMap evicts the least recently used entry at the cap", () => {
  const evicted: number[] = [];
  const m = new BoundedMap<number, string>(3, { onEvict: (k) => evicted.push(k) });
  m.set(1, "a");
  m.set(2, "b");
  m.set(3, "c");
  assert.equal(m.get(1), "a"); // 1 is now the newest
  m.set(4, "d");
  assert.deepEqual(evicted, [2]);
  assert.equal(m.size, 3);
  assert.equal(m.evictions, 1);
  assert.equal(m.peek(2), undefined);
  m.setCapacity(1);
  assert.equal(m.size, 1);
  assert.equal(m.peek(4), "d");
});

Deno.test("BoundedMap stays at its cap under a million keys", () => {
  const m = new BoundedMap<number, number>(1000);
  for (let i = 0; i < 1_000_000; i++) m.getOrCreate(i, () => i);
  assert.equal(m.size, 1000);
  assert.equal(m.evictions, 999_000);
});

Deno.test("BoundedMap.prune removes stale entries from the old end", () => {
  const m = new BoundedMap<string, number>(10);
  for (let i = 0; i < 5; i++) m.set(`k${i}`, i);
  assert.equal(m.prune((v) => v < 3, 2), 2);
  assert.equal(m.prune((v) => v < 3, 10), 1);
  assert.equal(m.size, 2);
});

Deno.test("BoundedMap refuses a cap below 1", () => {
  assert.throws(() => new BoundedMap(0), /Cannot size bounded map/);
});

Deno.test("BoundedMap: mixed number and text keys; the newest key, removed keys and reused slots are found right", () => {
  const m = new BoundedMap<number | string, string>(4);
  m.set("2001:db8::1", "v6");
  assert.equal(m.get(NaN), undefined, "a number key never matches a text key's slot");
  assert.equal(m.get("2001:db8::1"), "v6");
  m.set(167772161, "v4");
  assert.equal(m.get("167772161"), undefined, "text and number keys differ");
  assert.equal(m.get(167772161), "v4");
  assert.equal(m.get("2001:db8::1"), "v6");
  assert.equal(m.delete("2001:db8::1"), true);
  assert.equal(m.get("2001:db8::1"), undefined);
  m.set(5, "five"); // takes the freed slot
  assert.equal(m.get("2001:db8::1"), undefined);
  assert.equal(m.get(5), "five");
  assert.equal(m.get(167772161), "v4");
  for (let i = 0; i < 10; i++) m.set(100 + i, `n${i}`);
  assert.equal(m.size, 4);
  assert.equal(m.get(5), undefined);
  assert.equal(m.get(109), "n9");
  assert.equal(m.get(106), "n6");
  assert.equal(m.peek(105), undefined);
});

Deno.test("a NaN key is refused with one error, and the map stays usable and bounded", () => {
  const m = new BoundedMap<number, number>(1);
  assert.throws(() => m.set(NaN, 1), /Cannot insert into the index: NaN is not a key/);
  m.set(1, 2);
  m.set(2, 3); // evicts 1: before the check, a NaN entry could never be evicted and this looped for ever
  assert.equal(m.get(2), 3);
  assert.equal(m.get(1), undefined);
  assert.equal(m.size, 1);
});
