import assert from "node:assert/strict";
import { ReadPlanner, SYNC_BELOW_NS_PER_BYTE } from "./_read_planner.ts";

const MIB = 1 << 20;
const msPerMib = (nsPerByte: number) => (nsPerByte * MIB) / 1e6;

Deno.test("ReadPlanner: the first chunk at once, then ahead until the consumer's pace is known", () => {
  const p = new ReadPlanner();
  assert.equal(p.nextSync(), true);
  assert.equal(p.nextSync(), false);
  assert.equal(p.nextSync(), false);
});

Deno.test("ReadPlanner: a quick consumer (large frames) reads here, a slow one (small packets, detectors) ahead", () => {
  const quick = new ReadPlanner();
  quick.nextSync();
  quick.consumed(msPerMib(SYNC_BELOW_NS_PER_BYTE) / 4, MIB); // e.g. 0.09 ms per MiB
  assert.equal(quick.nextSync(), true);
  const slow = new ReadPlanner();
  slow.nextSync();
  slow.consumed(msPerMib(SYNC_BELOW_NS_PER_BYTE) * 3, MIB); // e.g. 1 ms per MiB
  assert.equal(slow.nextSync(), false);
  // an empty chunk (the end) says nothing about the pace
  slow.consumed(0, 0);
  assert.equal(slow.nextSync(), false);
});

Deno.test("ReadPlanner: the pace is a running figure, so the choice follows a change in the capture", () => {
  const p = new ReadPlanner();
  p.nextSync();
  p.consumed(0.05, MIB); // full-size frames
  assert.equal(p.nextSync(), true);
  let flips = 0;
  for (let i = 0; i < 20; i++) {
    p.consumed(2, MIB); // then a flood of small packets
    if (!p.nextSync()) {
      flips = i + 1;
      break;
    }
  }
  assert.ok(flips >= 1 && flips <= 3, `switched to the read ahead after ${flips} chunks`);
  for (let i = 0; i < 20 && !p.nextSync(); i++) p.consumed(0.05, MIB);
  assert.equal(p.nextSync(), true);
});
