import assert from "node:assert/strict";
import { MajorityTarget } from "./_majority.ts";
import { SlotRecords } from "./_slot_records.ts";

const W = 1_000_000;

Deno.test("MajorityTarget: a target's margin grows with its packets and shrinks with packets elsewhere", () => {
  const m = new MajorityTarget<number>(new SlotRecords());
  m.reset(3);
  let t = 0;
  for (let i = 1; i <= 5; i++) assert.equal(m.add(3, 7, 80, t += 10, W, 100), i);
  assert.equal(m.add(3, 7, 81, t += 10, W, 100), 4, "another port of the host");
  assert.equal(m.add(3, 8, 80, t += 10, W, 100), 3, "the port on another host");
  for (let i = 0; i < 3; i++) m.add(3, 100 + i, 22, t += 10, W, 100);
  assert.equal(m.add(3, 9, 22, t += 10, W, 100), 1, "margin 0: the next packet is the new candidate");
});

Deno.test("MajorityTarget: a scan or sweep keeps the margin near 0; text keys; the cap; a quiet window restarts", () => {
  const m = new MajorityTarget<number | string>(new SlotRecords());
  m.reset(0);
  let most = 0, t = 0;
  for (let p = 1; p <= 1000; p++) most = Math.max(most, m.add(0, 1, p, t += 10, W, 100));
  assert.equal(most, 1);
  m.reset(1);
  for (let i = 0; i < 50; i++) m.add(1, "2001:db8::1", 443, t += 10, W, 20);
  assert.equal(m.add(1, "2001:db8::1", 443, t += 10, W, 20), 20, "capped");
  for (let i = 0; i < 19; i++) m.add(1, "2001:db8::2", 443, t += 10, W, 20);
  assert.equal(m.add(1, "2001:db8::1", 443, t += 10, W, 20), 2, "a capped margin falls after cap packets elsewhere");
  assert.equal(m.add(1, "2001:db8::9", 22, t + W, W, 20), 1, "a whole window later: a new vote");
  m.reset(1);
  assert.equal(m.add(1, "2001:db8::1", 443, t + 2 * W, W, 20), 1, "reset forgets the candidate");
});
