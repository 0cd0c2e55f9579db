import assert from "node:assert/strict";
import { IpProto, Packet } from "../decode/packet.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { FlowMarks } from "./_flow_marks.ts";
import { F, fillPacket, SEC, T0 } from "./_test_packets.ts";

function open(flows: FlowTable, pkt: Packet, i: number, tsUs: number): number {
  fillPacket(pkt, { tsUs, src: 0x0a000000 + i, dst: "10.9.0.1", proto: IpProto.TCP, sp: 40000, dp: 80, flags: F.S });
  flows.update(pkt);
  return pkt.flow;
}

Deno.test("FlowMarks: values per live flow; 0 for unmarked, reset and reused slots", () => {
  const flows = new FlowTable({ maxFlows: 4096 });
  const pkt = new Packet(), marks = new FlowMarks();
  const slots: number[] = [];
  for (let i = 0; i < 3000; i++) slots.push(open(flows, pkt, i, T0 + i));
  // marks on every other flow, past the first growth step
  for (let i = 0; i < 3000; i += 2) marks.set(flows, slots[i], i + 1);
  for (let i = 0; i < 3000; i++) assert.equal(marks.get(flows, slots[i]), i % 2 === 0 ? i + 1 : 0);
  marks.set(flows, slots[10], 0);
  assert.equal(marks.get(flows, slots[10]), 0);
  marks.set(flows, slots[10], 7);
  assert.equal(marks.get(flows, slots[10]), 7);
  assert.equal(marks.get(flows, -1), 0);
  // the flows time out; new flows take the slots and read 0, not the old flows' values
  const later = T0 + 3600 * SEC;
  const reused: number[] = [];
  for (let i = 0; i < 3000; i++) reused.push(open(flows, pkt, 100000 + i, later + i));
  assert.ok(reused.some((s) => slots.includes(s)), "slots are reused");
  for (const s of reused) assert.equal(marks.get(flows, s), 0);
  marks.clear();
  assert.equal(marks.get(flows, reused[0]), 0);
});

Deno.test("FlowMarks.add: the same values as get + n then set, on random marks across growth, reuse and slot -1", () => {
  const flows = new FlowTable({ maxFlows: 4096 });
  const pkt = new Packet(), a = new FlowMarks(), b = new FlowMarks();
  let seed = 3;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  let t = T0;
  const slots: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2500; i++) slots.push(open(flows, pkt, round * 10000 + i, t += 1000));
    for (let k = 0; k < 20000; k++) {
      const s = random() < 0.01 ? -1 : slots[Math.floor(random() * slots.length)];
      const n = random() < 0.2 ? -a.get(flows, s) : Math.floor(random() * 5) - 1; // back to 0 at times
      const viaAdd = a.add(flows, s, n);
      const viaGetSet = b.get(flows, s) + n;
      b.set(flows, s, viaGetSet);
      assert.equal(viaAdd, viaGetSet);
    }
    for (const s of slots) assert.equal(a.get(flows, s), b.get(flows, s));
    t += 3600 * SEC; // every flow times out at the next packet: new flows take the slots
  }
});

Deno.test("FlowMarks: many marks on one table share blocks, yet each keeps its own values (a reference per flow id)", () => {
  const flows = new FlowTable({ maxFlows: 4096 });
  const pkt = new Packet();
  // more marks than one block's lanes: a second block is taken
  const marks = Array.from({ length: 10 }, () => new FlowMarks());
  const ref = marks.map(() => new Map<number, number>());
  let seed = 11;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  let t = T0;
  let slots: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2000; i++) slots.push(open(flows, pkt, round * 10000 + i, t += 1000));
    for (let k = 0; k < 30000; k++) {
      const m = Math.floor(random() * marks.length);
      const s = slots[Math.floor(random() * slots.length)];
      const id = flows.flowId(s);
      const r = random();
      if (r < 0.4) {
        const n = Math.floor(random() * 7) - 2;
        assert.equal(marks[m].add(flows, s, n), (ref[m].get(id) ?? 0) + n);
        ref[m].set(id, (ref[m].get(id) ?? 0) + n);
      } else if (r < 0.7) {
        const v = Math.floor(random() * 1e6);
        marks[m].set(flows, s, v);
        ref[m].set(id, v);
      } else if (r < 0.9995) {
        assert.equal(marks[m].get(flows, s), ref[m].get(id) ?? 0);
      } else {
        marks[m].clear(); // one mark's values only
        ref[m].clear();
      }
    }
    for (let m = 0; m < marks.length; m++) {
      for (const s of slots) assert.equal(marks[m].get(flows, s), ref[m].get(flows.flowId(s)) ?? 0, `mark ${m}`);
    }
    // every flow times out at the next packet: new flows take the slots and read 0 in every lane
    t += 3600 * SEC;
    slots = [];
  }
});

Deno.test("FlowMarks: a mark moved to another flow table takes a lane there; the first table's values stay", () => {
  const a = new FlowTable({ maxFlows: 64 }), b = new FlowTable({ maxFlows: 64 });
  const pkt = new Packet(), marks = new FlowMarks(), other = new FlowMarks();
  const sa = open(a, pkt, 1, T0), sb = open(b, pkt, 2, T0);
  other.set(a, sa, 5);
  marks.set(a, sa, 3);
  marks.set(b, sb, 4);
  assert.equal(marks.get(b, sb), 4);
  assert.equal(other.get(a, sa), 5);
  assert.equal(marks.add(b, sb, 1), 5);
  assert.equal(marks.add(b, 64, 1), 1, "a slot past the table's capacity keeps nothing");
  assert.equal(marks.get(b, 64), 0);
});

Deno.test("FlowTable.onCreate: every new flow's slot, once, as it is created (what FlowMarks zero a block by)", () => {
  const flows = new FlowTable({ maxFlows: 64 });
  const pkt = new Packet();
  const seen: number[] = [];
  flows.onCreate((slot) => seen.push(slot));
  let t = T0;
  for (let i = 0; i < 40; i++) open(flows, pkt, i, t += 1000);
  // packets of existing flows create nothing
  for (let i = 0; i < 40; i++) open(flows, pkt, i, t += 1000);
  assert.equal(seen.length, 40);
  assert.equal(new Set(seen).size, 40);
  // the flows time out: new ones reuse their slots, each reported again
  t += 3600 * SEC;
  const again: number[] = [];
  for (let i = 0; i < 40; i++) again.push(open(flows, pkt, 1000 + i, t += 1000));
  assert.deepEqual(seen.slice(40), again);
  assert.ok(again.some((s) => seen.slice(0, 40).includes(s)), "slots are reused");
});
