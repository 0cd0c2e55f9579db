/** Decoder bookkeeping: link type counts, frames with events, event names; packet helpers. */
import assert from "node:assert/strict";
import { LinkType } from "../capture/packet_source.ts";
import { cat, eth, frame, ipv4, udp } from "./_test_frames.ts";
import { Decoder } from "./decoder.ts";
import { DECODE_EVENTS, DecodeEvents, Ev } from "./events.ts";
import { EtherType } from "./link.ts";
import { IpProto, ipToString, Packet, protoName } from "./packet.ts";

Deno.test("Decoder counts frames per link type across switches", () => {
  const d = new Decoder();
  const p = new Packet();
  const good = cat(eth(EtherType.IPV4), ipv4({ src: "1.1.1.1", dst: "2.2.2.2", proto: 17 }, udp(1, 2)));
  const seq = [1, 1, 113, 1, 101, 101, 101, 113, 147, 1];
  for (const lt of seq) d.decode(frame(lt === 1 ? good : new Uint8Array(0), lt), p);
  const counts = d.linkTypeCounts();
  assert.deepEqual(Object.fromEntries(counts), { 1: 4, 113: 2, 101: 3, 147: 1 });
  // calling it twice does not double count
  assert.deepEqual(Object.fromEntries(d.linkTypeCounts()), { 1: 4, 113: 2, 101: 3, 147: 1 });
  // frames with events: the 6 empty/unsupported frames
  assert.equal(d.events.frames, 6);
  assert.deepEqual(d.events.toObject(), { "sll.truncated": 2, "ipv4.truncated": 3, "link.unsupported": 1 });
  assert.equal(d.events.total(), 6);
  assert.equal(d.events.n, 6);
});

Deno.test("a frame with two events counts once in frames", () => {
  const d = new Decoder();
  const b = cat(
    eth(EtherType.IPV4),
    ipv4({ src: "1.1.1.1", dst: "2.2.2.2", proto: 6, totalLen: 60 }, new Uint8Array(5)),
  );
  d.decode(frame(b, LinkType.ETHERNET, 200), new Packet());
  assert.deepEqual(d.events.toObject(), { "ipv4.snaplen_cut": 1, "tcp.truncated": 1 });
  assert.equal(d.events.frames, 1);
});

Deno.test("event names are unique and indexed; malformed vs unsupported", () => {
  assert.equal(new Set(DECODE_EVENTS).size, DECODE_EVENTS.length);
  DECODE_EVENTS.forEach((k, i) => assert.equal(Ev[k], i));
  for (const k of DECODE_EVENTS) assert.match(k, /^[a-z0-9]+\.[a-z_]+$/);
  assert.equal(DecodeEvents.isMalformed("tcp.truncated"), true);
  assert.equal(DecodeEvents.isMalformed("ipv6.length_exceeds_frame"), true);
  assert.equal(DecodeEvents.isMalformed("l3.unknown_ethertype"), false);
  assert.equal(DecodeEvents.isMalformed("l4.unknown_protocol"), false);
  assert.equal(DecodeEvents.isMalformed("link.unsupported"), false);
  assert.equal(DecodeEvents.isMalformed("arp.unsupported"), false);
  const e = new DecodeEvents();
  assert.deepEqual(e.toObject(), {});
  e.add(Ev["udp.truncated"]);
  e.add(Ev["udp.truncated"]);
  assert.deepEqual(e.toObject(), { "udp.truncated": 2 });
});

Deno.test("ipToString and protoName", () => {
  assert.equal(ipToString(0), "0.0.0.0");
  assert.equal(ipToString(0xffffffff), "255.255.255.255");
  assert.equal(ipToString(0xc0000201), "192.0.2.1");
  assert.equal(ipToString(0x0a4d0001), "10.77.0.1");
  assert.equal(ipToString("2001:db8::1"), "2001:db8::1");
  assert.equal(protoName(IpProto.TCP), "TCP");
  assert.equal(protoName(IpProto.UDP), "UDP");
  assert.equal(protoName(IpProto.ICMP), "ICMP");
  assert.equal(protoName(IpProto.ICMPV6), "IPv6-ICMP");
  assert.equal(protoName(47), "47");
});
