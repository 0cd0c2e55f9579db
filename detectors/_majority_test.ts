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

Deno.test("MajorityTarget: a vote lasts one window however busy; older packet times neither restart nor extend it", () => {
  const m = new MajorityTarget<number>(new SlotRecords());
  m.reset(0);
  let t = 0;
  for (let i = 0; i < 5; i++) m.add(0, 1, 5432, t += 100_000, W, 20); // one port, 5 in 0.5 s
  assert.equal(m.add(0, 2, 1, t += 600_000, W, 20), 1, "a window after the vote began: a new vote");
  const v = new MajorityTarget<number>(new SlotRecords());
  v.reset(0);
  t = 10 * W;
  for (let i = 0; i < 10; i++) v.add(0, 1, 80, t += 1000, W, 100);
  assert.equal(v.add(0, 9, 81, t - 4 * W, W, 100), 9, "a SYN judged 4 s late counts against the vote, no restart");
  assert.equal(v.add(0, 1, 80, t += 1000, W, 100), 10);
});
