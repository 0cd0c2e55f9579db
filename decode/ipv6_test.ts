/** IPv6 decoder: extension-header chains, fragments, canonical address text — at every truncation point. */
import assert from "node:assert/strict";
import { LinkType } from "../capture/packet_source.ts";
import { cat, eth, ext6, frag6, ipv6, payload, tcp, udp, v6 } from "./_test_frames.ts";
import { checkEveryPrefix, decodeOne, makeSpec } from "./_test_model.ts";
import { ipv6Text, ipv6ToString } from "./ipv6.ts";
import { EtherType } from "./link.ts";
import { IpProto, TcpFlag } from "./packet.ts";

const CHAIN = [
  { type: 0 as const, len8: 0 }, // hop-by-hop, 8 bytes
  { type: 43 as const, len8: 2 }, // routing, 24 bytes
  { type: 44 as const, offset8: 0, more: true }, // first fragment
];

Deno.test("IPv6 + hop-by-hop + routing + fragment + TCP: every truncation point", () => {
  const spec = makeSpec({
    name: "ipv6 ext tcp",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV6 },
    ip: { v: 6, src: "2001:db8::1", dst: "2001:db8::2", hop: 64, exts: CHAIN },
    l4: {
      kind: "tcp",
      tcp: {
        sp: 443,
        dp: 50000,
        seq: 7,
        ack: 8,
        flags: TcpFlag.SYN | TcpFlag.ACK,
        win: 28800,
        options: [2, 4, 5, 0xa0],
      },
      payload: payload(10),
    },
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.src, "2001:db8::1");
  assert.equal(pkt.dst, "2001:db8::2");
  assert.equal(pkt.ipHdrLen, 40 + 8 + 24 + 8);
  assert.equal(pkt.proto, IpProto.TCP);
  assert.equal(pkt.isFragment, true);
  assert.equal(pkt.isLaterFragment, false);
  assert.equal(pkt.srcPort, 443);
  assert.equal(pkt.tcpFlags, 0x12);
  assert.equal(pkt.tcpSeq, 7);
  assert.equal(pkt.tcpAck, 8);
  assert.equal(pkt.tcpHdrLen, 24);
  assert.equal(pkt.payloadLen, 10);
  // hand-picked cuts
  const at = (L: number) => decodeOne(spec.bytes.slice(0, L), LinkType.ETHERNET, spec.bytes.length);
  assert.deepEqual(at(14 + 39).dec.events.toObject(), { "ipv6.truncated": 1 });
  const inRouting = at(14 + 40 + 8 + 10);
  assert.deepEqual(inRouting.dec.events.toObject(), { "ipv6.snaplen_cut": 1, "ipv6.exthdr_truncated": 1 });
  assert.equal(inRouting.pkt.ipVersion, 6);
  assert.equal(inRouting.pkt.proto, 43);
  assert.equal(inRouting.pkt.src, "2001:db8::1");
  assert.deepEqual(at(14 + 80 + 5).dec.events.toObject(), { "ipv6.snaplen_cut": 1, "tcp.truncated": 1 });
  const lie = decodeOne(spec.bytes.slice(0, 14 + 80 + 5), LinkType.ETHERNET);
  assert.deepEqual(lie.dec.events.toObject(), { "ipv6.length_exceeds_frame": 1, "tcp.truncated": 1 });
});

Deno.test("IPv6 + hop-by-hop + routing + fragment + UDP: every truncation point", () => {
  const spec = makeSpec({
    name: "ipv6 ext udp",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV6 },
    ip: { v: 6, src: "fe80::1:2", dst: "ff02::fb", hop: 255, exts: CHAIN },
    l4: { kind: "udp", sp: 5353, dp: 5353, payload: payload(30) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.src, "fe80::1:2");
  assert.equal(pkt.dst, "ff02::fb");
  assert.equal(pkt.ttl, 255);
  assert.equal(pkt.dstPort, 5353);
  assert.equal(pkt.payloadLen, 30);
});

Deno.test("IPv6 + hop-by-hop + routing + fragment + ICMPv6: every truncation point", () => {
  const spec = makeSpec({
    name: "ipv6 ext icmpv6",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV6 },
    ip: { v: 6, src: "::1", dst: "::ffff:1.2.3.4", hop: 1, exts: CHAIN },
    l4: { kind: "icmpv6", type: 128, code: 0, payload: payload(12) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.src, "::1");
  assert.equal(pkt.dst, "::ffff:1.2.3.4");
  assert.equal(pkt.icmpType, 128);
  assert.equal(pkt.icmpCode, 0);
  assert.equal(pkt.proto, IpProto.ICMPV6);
  assert.deepEqual(
    decodeOne(spec.bytes.slice(0, spec.bytes.length - 12 - 4 - 2), LinkType.ETHERNET, 999).dec.events.toObject(),
    { "ipv6.snaplen_cut": 1, "icmpv6.truncated": 1 },
  );
});

Deno.test("IPv6 hop-by-hop + destination options + ICMPv6 (MLD-like): every truncation point", () => {
  const spec = makeSpec({
    name: "ipv6 hbh dst icmpv6",
    linkType: LinkType.LINUX_SLL,
    link: { kind: "sll", etherType: EtherType.IPV6 },
    ip: { v: 6, src: "fe80::1", dst: "ff02::16", hop: 1, exts: [{ type: 0, len8: 0 }, { type: 60, len8: 1 }] },
    l4: { kind: "icmpv6", type: 143, code: 0, payload: payload(20) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.ipHdrLen, 40 + 8 + 16);
  assert.equal(pkt.icmpType, 143);
});

Deno.test("IPv6 later fragment: no L4 header, every truncation point", () => {
  const spec = makeSpec({
    name: "ipv6 later fragment",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV6 },
    ip: {
      v: 6,
      src: "2001:db8:0:1::10",
      dst: "2001:db8:0:2::20",
      hop: 60,
      exts: [{ type: 44, offset8: 181, more: false }],
      proto: IpProto.UDP,
    },
    rest: payload(48),
  });
  const pkt = checkEveryPrefix(spec);
  assert.equal(pkt.isFragment, true);
  assert.equal(pkt.isLaterFragment, true);
  assert.equal(pkt.hasL4, false);
  assert.equal(pkt.proto, IpProto.UDP);
  assert.equal(pkt.src, "2001:db8:0:1::10");
});

Deno.test("IPv6 AH length unit, ESP and No Next Header stop quietly, too many extension headers", () => {
  const dec = (next: number, body: Uint8Array) =>
    decodeOne(cat(eth(EtherType.IPV6), ipv6({ src: "::1", dst: "::2", next }, body)), LinkType.ETHERNET);
  // AH: payload length in 4-byte units minus 2 → (4 + 2) * 4 = 24 bytes
  const ah = new Uint8Array(24);
  ah[0] = IpProto.UDP;
  ah[1] = 4;
  const withAh = dec(51, cat(ah, udp(7, 9)));
  assert.equal(withAh.dec.events.total(), 0);
  assert.equal(withAh.pkt.ipHdrLen, 64);
  assert.equal(withAh.pkt.dstPort, 9);
  const esp = dec(50, payload(40));
  assert.equal(esp.dec.events.total(), 0);
  assert.equal(esp.pkt.proto, 50);
  assert.equal(esp.pkt.hasL4, false);
  const none = dec(59, new Uint8Array(0));
  assert.equal(none.dec.events.total(), 0);
  assert.equal(none.pkt.proto, 59);
  // nine destination-options headers
  const chain: number[] = [];
  for (let i = 0; i < 9; i++) chain.push(...ext6(i < 8 ? 60 : IpProto.UDP, 0));
  const many = dec(60, cat(chain, udp(1, 2)));
  assert.deepEqual(many.dec.events.toObject(), { "ipv6.too_many_exthdrs": 1 });
  assert.equal(many.pkt.ipVersion, 6);
  assert.equal(many.pkt.hasL4, false);
  // eight are accepted
  const eight = dec(60, cat(chain.slice(8), udp(1, 2)));
  assert.equal(eight.dec.events.total(), 0);
  assert.equal(eight.pkt.dstPort, 2);
  // an extension header whose length runs past the packet
  const long = dec(0, cat(ext6(IpProto.TCP, 0).map((b, i) => i === 1 ? 9 : b), tcp({ sp: 1, dp: 2, flags: 2 })));
  assert.deepEqual(long.dec.events.toObject(), { "ipv6.exthdr_truncated": 1 });
  // fragment header alone with a later offset: no L4 even when bytes follow
  const lf = dec(44, cat(frag6(IpProto.TCP, 1, true), tcp({ sp: 1, dp: 2, flags: 2 })));
  assert.equal(lf.pkt.isLaterFragment, true);
  assert.equal(lf.pkt.hasL4, false);
  assert.equal(lf.dec.events.total(), 0);
});

Deno.test("IPv6 canonical text (RFC 5952)", () => {
  const cases: [string, string][] = [
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["0000:0000:0000:0000:0000:0000:0000:0001", "::1"],
    ["0000:0000:0000:0000:0000:0000:0000:0000", "::"],
    ["fe80:0000:0000:0000:0000:0000:0001:0002", "fe80::1:2"],
    ["0000:0000:0000:0000:0000:ffff:0102:0304", "::ffff:1.2.3.4"],
    ["0000:0000:0000:0000:0000:ffff:0000:0000", "::ffff:0.0.0.0"],
    ["2001:0db8:0000:0001:0001:0001:0001:0001", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"], // equal runs: the first one
    ["2001:0000:0000:0001:0000:0000:0000:0001", "2001:0:0:1::1"], // the longest run
    ["2001:0db8:0000:0000:0000:0000:0000:0000", "2001:db8::"],
    ["0001:0000:0000:0000:0000:0000:0000:0000", "1::"],
    ["2001:0DB8:ABCD:EF01:2345:6789:abcd:ef01", "2001:db8:abcd:ef01:2345:6789:abcd:ef01"],
    ["0000:0000:0000:0000:0000:0000:0102:0304", "::102:304"],
    ["0000:0000:0000:0000:ffff:0000:0102:0304", "::ffff:0:102:304"], // not IPv4-mapped
    ["ff02:0000:0000:0000:0000:0000:0000:00fb", "ff02::fb"],
    ["0000:0001:0000:0000:0000:0000:0000:0000", "0:1::"],
  ];
  for (const [full, want] of cases) {
    const bytes = new Uint8Array(
      full.split(":").flatMap((g) => {
        const n = parseInt(g, 16);
        return [n >> 8, n & 255];
      }),
    );
    assert.equal(ipv6ToString(bytes, 0), want, full);
    // at an offset too
    assert.equal(ipv6ToString(cat([9, 9, 9], bytes), 3), want, `${full} at offset 3`);
    // and round trip through the test helper
    assert.deepEqual(v6(want), [...bytes], `v6(${want})`);
  }
});

Deno.test("ipv6Text: the cached text always equals the formatted address (repeats, evictions, neighbours)", () => {
  // a seeded generator: the same addresses every run
  let seed = 0x12345678;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  const addrs: Uint8Array[] = [];
  for (let n = 0; n < 20_000; n++) {
    const a = new Uint8Array(16);
    for (let i = 0; i < 16; i++) a[i] = rnd();
    if (n % 3 === 0) a.fill(0, 4, 12); // runs of zeros (compressed)
    if (n % 5 === 0) a.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 0); // IPv4-mapped
    addrs.push(a);
    // a neighbour differing in one bit of each word must not be served the other's text
    const b = a.slice();
    b[n % 16] ^= 1;
    addrs.push(b);
  }
  for (let round = 0; round < 2; round++) {
    for (const a of addrs) assert.equal(ipv6Text(cat([7], a), 1), ipv6ToString(a, 0));
  }
});
