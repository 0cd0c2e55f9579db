import assert from "node:assert/strict";
import { TimeRing } from "./_time_ring.ts";

const T = 1_700_000_000_123_457;

Deno.test("TimeRing counts every event of the last window", () => {
  const r = new TimeRing(1_000_000);
  for (let i = 0; i < 100; i++) assert.equal(r.add(T + i * 10_000), i + 1); // 100 events over 0.99 s
  assert.equal(r.count(T + 1_000_000), 100); // first event exactly one window old: still counted
});

Deno.test("TimeRing forgets events older than window + one bucket", () => {
  const r = new TimeRing(1_000_000, 10);
  r.add(T);
  r.add(T + 500_000);
  assert.equal(r.count(T + 1_100_001), 1);
  assert.equal(r.count(T + 1_600_001), 0);
  assert.equal(r.add(T + 5_000_000), 1);
});

Deno.test("TimeRing keeps a single-bucket ring without an array and grows on demand", () => {
  const r = new TimeRing(1_000_000);
  assert.equal(r.add(T), 1);
  assert.equal(r.add(T + 10), 2);
  assert.equal(r.add(T + 300_000), 3);
  assert.equal(r.count(T + 1_100_000), 1);
  assert.equal(r.count(T + 3_000_000), 0);
});

Deno.test("TimeRing ignores too-old out-of-order events and counts recent ones", () => {
  const r = new TimeRing(1_000_000);
  r.add(T + 5_000_000);
  assert.equal(r.add(T), 1); // 5 s old: ignored
  assert.equal(r.add(T + 4_900_000), 2); // 0.1 s old: counted
});

Deno.test("TimeRing.sub takes back events from their bucket, never below zero", () => {
  const r = new TimeRing(1_000_000);
  r.add(T, 5);
  r.add(T + 500_000, 5);
  assert.equal(r.sub(T, 3), 3);
  assert.equal(r.count(T + 500_000), 7);
  assert.equal(r.sub(T, 10), 7); // 2 left in the first bucket, then 5 from the newer one
  assert.equal(r.count(T + 500_000), 0);
  assert.equal(r.sub(T, 1), 0);
});

Deno.test("TimeRing bucket edges follow the first event (shift invariance)", () => {
  const times = [0, 40_000, 90_000, 130_000, 600_000, 1_020_000, 1_700_000];
  for (const shift of [0, 1, 33_333, 987_654_321]) {
    const r = new TimeRing(1_000_000);
    const got = times.map((t) => r.add(T + shift + t));
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 2]);
  }
});
