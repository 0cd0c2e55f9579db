/** Layer 4 decoders: TCP, UDP, ICMP, ICMPv6 — malformed headers and exact fields. */
import assert from "node:assert/strict";
import { LinkType } from "../capture/packet_source.ts";
import { cat, eth, icmp, ipv4, ipv6, payload, tcp, udp } from "./_test_frames.ts";
import { decodeOne } from "./_test_model.ts";
import { EtherType } from "./link.ts";
import { IpProto, TcpFlag } from "./packet.ts";

const v4frame = (proto: number, l4: Uint8Array) =>
  cat(eth(EtherType.IPV4), ipv4({ src: "10.0.0.1", dst: "10.0.0.2", proto }, l4));
const v6frame = (next: number, l4: Uint8Array) =>
  cat(eth(EtherType.IPV6), ipv6({ src: "2001:db8::a", dst: "2001:db8::b", next }, l4));

Deno.test("TCP: every flag bit, sequence numbers above 2^31, window", () => {
  for (let f = 0; f < 256; f++) {
    const { pkt, dec } = decodeOne(
      v4frame(IpProto.TCP, tcp({ sp: 65535, dp: 0, seq: 0xffffffff, ack: 0x80000000, flags: f, win: 0 })),
      LinkType.ETHERNET,
    );
    assert.equal(dec.events.total(), 0);
    assert.equal(pkt.tcpFlags, f);
    assert.equal(pkt.srcPort, 65535);
    assert.equal(pkt.dstPort, 0);
    assert.equal(pkt.tcpSeq, 0xffffffff);
    assert.equal(pkt.tcpAck, 0x80000000);
    assert.equal(pkt.tcpWindow, 0);
  }
  assert.deepEqual(TcpFlag, { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 });
});

Deno.test("TCP data offset below 5 words is an event; above the segment is options_truncated", () => {
  const small = decodeOne(v4frame(IpProto.TCP, tcp({ sp: 1, dp: 2, flags: 2, doff: 4 })), LinkType.ETHERNET);
  assert.deepEqual(small.dec.events.toObject(), { "tcp.header_too_small": 1 });
  assert.equal(small.pkt.hasL4, false);
  const big = decodeOne(v4frame(IpProto.TCP, tcp({ sp: 1, dp: 2, flags: 2, doff: 15 }, payload(4))), LinkType.ETHERNET);
  assert.deepEqual(big.dec.events.toObject(), { "tcp.options_truncated": 1 });
  assert.equal(big.pkt.hasL4, true);
  assert.equal(big.pkt.tcpHdrLen, 60);
  assert.equal(big.pkt.payloadLen, 0);
  assert.equal(big.pkt.dstPort, 2);
});

Deno.test("UDP: length field shorter than 8, longer than the packet, shorter than the packet", () => {
  const bad = decodeOne(v4frame(IpProto.UDP, udp(1, 2, payload(10), 4)), LinkType.ETHERNET);
  assert.deepEqual(bad.dec.events.toObject(), { "udp.bad_length": 1 });
  assert.equal(bad.pkt.hasL4, true);
  assert.equal(bad.pkt.payloadLen, 10);
  // a length field larger than the IP payload: a decode event (tshark flags it), the payload is what is there
  const long = decodeOne(v4frame(IpProto.UDP, udp(1, 2, payload(10), 500)), LinkType.ETHERNET);
  assert.deepEqual(long.dec.events.toObject(), { "udp.length_exceeds_payload": 1 });
  assert.equal(long.pkt.payloadLen, 10, "payload is what was captured");
  const long6 = decodeOne(
    cat(eth(EtherType.IPV6), ipv6({ src: "fd77::2", dst: "fd77::1", next: 17 }, udp(1, 2, payload(10), 300))),
    LinkType.ETHERNET,
  );
  assert.deepEqual(long6.dec.events.toObject(), { "udp.length_exceeds_payload": 1 });
  const short = decodeOne(v4frame(IpProto.UDP, udp(1, 2, payload(10), 12)), LinkType.ETHERNET);
  assert.equal(short.pkt.payloadLen, 4, "payload is what the UDP length says");
  const zeroPayload = decodeOne(v4frame(IpProto.UDP, udp(53, 53)), LinkType.ETHERNET);
  assert.equal(zeroPayload.pkt.payloadLen, 0);
  assert.equal(zeroPayload.pkt.payloadOff, 14 + 20 + 8);
});

Deno.test("ICMP and ICMPv6 type/code; non-ICMP packets report -1", () => {
  for (const [t, c] of [[0, 0], [3, 13], [11, 1], [255, 255]]) {
    const { pkt } = decodeOne(v4frame(IpProto.ICMP, icmp(t, c)), LinkType.ETHERNET);
    assert.equal(pkt.icmpType, t);
    assert.equal(pkt.icmpCode, c);
    assert.equal(pkt.proto, IpProto.ICMP);
  }
  for (const [t, c] of [[1, 4], [128, 0], [129, 0], [135, 0], [136, 0]]) {
    const { pkt, dec } = decodeOne(v6frame(IpProto.ICMPV6, icmp(t, c)), LinkType.ETHERNET);
    assert.equal(dec.events.total(), 0);
    assert.equal(pkt.icmpType, t);
    assert.equal(pkt.icmpCode, c);
  }
  const t = decodeOne(v4frame(IpProto.TCP, tcp({ sp: 1, dp: 2, flags: 2 })), LinkType.ETHERNET);
  assert.equal(t.pkt.icmpType, -1);
  assert.equal(t.pkt.icmpCode, -1);
  // ICMP over IPv6 (proto 1) is still decoded as ICMP, ICMPv6 over IPv4 too: the number decides
  const odd = decodeOne(v4frame(IpProto.ICMPV6, new Uint8Array(2)), LinkType.ETHERNET);
  assert.deepEqual(odd.dec.events.toObject(), { "icmpv6.truncated": 1 });
});

Deno.test("a packet record is fully reset between frames", () => {
  const dec = decodeOne(new Uint8Array(0), LinkType.ETHERNET).dec;
  const { pkt } = decodeOne(v4frame(IpProto.TCP, tcp({ sp: 1, dp: 2, flags: 0x3f }, payload(9))), LinkType.ETHERNET);
  // reuse the same record for an ARP-less, L4-less frame
  dec.decode({ buf: cat(eth(0x88cc), payload(20)), caplen: 34, len: 34, tsUs: 5, linkType: 1, iface: 3 }, pkt);
  assert.equal(pkt.ipVersion, 0);
  assert.equal(pkt.hasL4, false);
  assert.equal(pkt.tcpFlags, 0);
  assert.equal(pkt.srcPort, 0);
  assert.equal(pkt.payloadLen, 0);
  assert.equal(pkt.icmpType, -1);
  assert.equal(pkt.flow, -1);
  assert.equal(pkt.tsUs, 5);
  assert.equal(pkt.iface, 3);
  assert.equal(pkt.etherType, 0x88cc);
});
