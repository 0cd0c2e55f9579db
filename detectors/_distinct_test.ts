import assert from "node:assert/strict";
import { DistinctWindow } from "./_distinct.ts";

const W = 60_000_000;

Deno.test("DistinctWindow counts distinct members in the window", () => {
  const d = new DistinctWindow<number>();
  assert.equal(d.add(80, 0, W, 100), 1);
  assert.equal(d.added, true);
  assert.equal(d.add(80, 10, W, 100), 1);
  assert.equal(d.added, false);
  for (let p = 1; p <= 9; p++) d.add(p, p * 1000, W, 100);
  assert.equal(d.count, 10);
  assert.equal(d.expire(W + 5000, W), 5); // members seen at 0..4000 expired (80 was refreshed at 10)
});

Deno.test("DistinctWindow stops growing at the cap", () => {
  const d = new DistinctWindow<string>();
  for (let i = 0; i < 1000; i++) assert.ok(d.add(`h${i}`, i, W, 16) <= 16);
  assert.equal(d.count, 16);
  assert.ok(d.has("h999"));
  assert.ok(!d.has("h0"));
});

Deno.test("DistinctWindow expires the inline member", () => {
  const d = new DistinctWindow<number>();
  d.add(1, 0, W, 10);
  assert.equal(d.add(2, W + 1, W, 10), 1);
});
