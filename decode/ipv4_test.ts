/** IPv4 decoder: options, fragments, ICMP, malformed headers — at every truncation point. */
import assert from "node:assert/strict";
import { LinkType } from "../capture/packet_source.ts";
import { cat, eth, ipv4, payload, udp, v4n } from "./_test_frames.ts";
import { checkEveryPrefix, decodeOne, makeSpec } from "./_test_model.ts";
import { EtherType } from "./link.ts";
import { IpProto } from "./packet.ts";

// Record Route (7), length 11, pointer 4, two slots; then End of options
const RR = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];

Deno.test("IPv4 with options + UDP: every truncation point", () => {
  const spec = makeSpec({
    name: "ipv4 options",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "172.16.0.1", dst: "224.0.0.251", ttl: 255, options: RR },
    l4: { kind: "udp", sp: 5353, dp: 5353, payload: payload(20) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.ipOptions, true);
  assert.equal(pkt.ipHdrLen, 32);
  assert.equal(pkt.l4Off, 14 + 32);
  assert.equal(pkt.payloadOff, 14 + 32 + 8);
  assert.equal(pkt.payloadLen, 20);
  // cut inside the options: the whole header is needed before anything is reported
  const cut = decodeOne(spec.bytes.slice(0, 14 + 25), LinkType.ETHERNET, spec.bytes.length);
  assert.deepEqual(cut.dec.events.toObject(), { "ipv4.truncated": 1 });
  assert.equal(cut.pkt.ipVersion, 0);
});

Deno.test("IPv4 first fragment (MF, offset 0) carries the L4 header: every truncation point", () => {
  const spec = makeSpec({
    name: "ipv4 first fragment",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "10.0.0.1", dst: "10.0.0.2", ttl: 64, mf: true },
    l4: { kind: "udp", sp: 4000, dp: 4001, payload: payload(32) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.isFragment, true);
  assert.equal(pkt.isLaterFragment, false);
  assert.equal(pkt.hasL4, true);
  assert.equal(pkt.srcPort, 4000);
});

Deno.test("IPv4 later fragment (offset > 0) has no L4 header: every truncation point", () => {
  for (const mf of [true, false]) {
    const spec = makeSpec({
      name: `ipv4 later fragment mf=${mf}`,
      linkType: LinkType.ETHERNET,
      link: { kind: "eth", etherType: EtherType.IPV4 },
      ip: { v: 4, src: "10.0.0.1", dst: "10.0.0.2", ttl: 64, fragOff: 185, mf, proto: IpProto.TCP },
      rest: payload(40),
    });
    const pkt = checkEveryPrefix(spec);
    assert.equal(pkt.isFragment, true);
    assert.equal(pkt.isLaterFragment, true);
    assert.equal(pkt.hasL4, false);
    assert.equal(pkt.proto, IpProto.TCP);
    assert.equal(pkt.srcPort, 0);
  }
});

Deno.test("DF alone is not a fragment", () => {
  const bytes = cat(eth(EtherType.IPV4), ipv4({ src: "1.1.1.1", dst: "2.2.2.2", proto: 17, df: true }, udp(1, 2)));
  const { pkt, dec } = decodeOne(bytes, LinkType.ETHERNET);
  assert.equal(dec.events.total(), 0);
  assert.equal(pkt.isFragment, false);
  assert.equal(pkt.isLaterFragment, false);
});

Deno.test("ICMP echo request: every truncation point", () => {
  const spec = makeSpec({
    name: "icmp echo",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "10.77.0.2", dst: "10.77.0.1", ttl: 64 },
    l4: { kind: "icmp", type: 8, code: 0, payload: payload(56) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.icmpType, 8);
  assert.equal(pkt.icmpCode, 0);
  assert.equal(pkt.srcPort, 0);
  assert.equal(pkt.payloadOff, 14 + 20 + 4);
  assert.equal(pkt.payloadLen, 4 + 56);
  const unreach = makeSpec({
    name: "icmp port unreachable",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "10.77.0.1", dst: "10.77.0.2", ttl: 64 },
    l4: { kind: "icmp", type: 3, code: 3, payload: payload(28) },
  });
  const u = checkEveryPrefix(unreach);
  assert.equal(u.icmpType, 3);
  assert.equal(u.icmpCode, 3);
});

Deno.test("IPv4 malformed headers", () => {
  const good = ipv4({ src: "1.2.3.4", dst: "5.6.7.8", proto: 17 }, udp(1, 2, payload(4)));
  const mut = (f: (b: Uint8Array) => void) => {
    const b = cat(eth(EtherType.IPV4), good);
    f(b);
    return decodeOne(b, LinkType.ETHERNET);
  };
  assert.deepEqual(mut((b) => b[14] = 0x55).dec.events.toObject(), { "ipv4.bad_version": 1 });
  assert.deepEqual(mut((b) => b[14] = 0x44).dec.events.toObject(), { "ipv4.header_too_small": 1 });
  assert.deepEqual(mut((b) => b[14] = 0x4f).dec.events.toObject(), { "ipv4.truncated": 1 }); // 60-byte header claimed
  assert.deepEqual(mut((b) => (b[16] = 0, b[17] = 19)).dec.events.toObject(), { "ipv4.length_too_small": 1 });
  const unknown = mut((b) => b[23] = 47); // GRE
  assert.deepEqual(unknown.dec.events.toObject(), { "l4.unknown_protocol": 1 });
  assert.equal(unknown.pkt.ipVersion, 4, "the IP layer still decoded");
  assert.equal(unknown.pkt.proto, 47);
  assert.equal(unknown.pkt.hasL4, false);
  // total length shorter than the frame: the rest is padding, the UDP payload is what the IP length says
  // (the UDP length field, 12, then claims more than the 10 bytes the IP header leaves it: tshark's "bad length")
  const short = mut((b) => (b[16] = 0, b[17] = 20 + 8 + 2));
  assert.deepEqual(short.dec.events.toObject(), { "udp.length_exceeds_payload": 1 });
  assert.equal(short.pkt.payloadLen, 2);
  const padded = mut((b) => (b[16] = 0, b[17] = 20 + 8 + 4));
  assert.equal(padded.dec.events.total(), 0, "a consistent datagram raises nothing");
  // an IPv4 header in an IPv6 EtherType
  const wrong = decodeOne(cat(eth(EtherType.IPV6), good, new Uint8Array(20)), LinkType.ETHERNET);
  assert.deepEqual(wrong.dec.events.toObject(), { "ipv6.bad_version": 1 });
});

Deno.test("IPv4 addresses are unsigned 32-bit numbers", () => {
  const b = cat(eth(EtherType.IPV4), ipv4({ src: "255.255.255.255", dst: "128.0.0.1", proto: 17 }, udp(1, 2)));
  const { pkt } = decodeOne(b, LinkType.ETHERNET);
  assert.equal(pkt.src, 0xffffffff);
  assert.equal(pkt.dst, v4n("128.0.0.1"));
  assert.equal(pkt.dst, 0x80000001);
});

Deno.test("IPv4 total length 0 (TSO/BIG TCP sender): the frame's length on the wire, also when snaplen cut it", () => {
  const spec = makeSpec({
    name: "ipv4 tso",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "10.0.0.1", dst: "10.0.0.2", ttl: 64 },
    l4: { kind: "udp", sp: 4000, dp: 4001, payload: payload(3000) },
  });
  const bytes = spec.bytes.slice();
  bytes[14 + 2] = bytes[14 + 3] = 0; // the field a super-frame carries
  const whole = decodeOne(bytes, LinkType.ETHERNET);
  assert.equal(whole.dec.events.total(), 0);
  assert.equal(whole.pkt.ipLen, bytes.length - 14);
  assert.equal(whole.pkt.payloadLen, 3000);
  // captured with a 2048-byte snaplen: cut (an event), the datagram still as long as on the wire
  const cut = decodeOne(bytes.slice(0, 2048), LinkType.ETHERNET, bytes.length);
  assert.deepEqual(cut.dec.events.toObject(), { "ipv4.snaplen_cut": 1 });
  assert.equal(cut.pkt.ipLen, bytes.length - 14);
  assert.equal(cut.pkt.payloadOff + cut.pkt.payloadLen, 2048);
});
