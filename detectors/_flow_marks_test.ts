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
