/**
 * Link-layer decoders on hand-built frames: Ethernet, 802.1Q, QinQ, SLL, SLL2, RAW, NULL, LOOP,
 * each decoded at every truncation point.
 */
import assert from "node:assert/strict";
import { LinkType } from "../capture/packet_source.ts";
import { be16, cat, eth, nullHdr, payload, v4, v4n } from "./_test_frames.ts";
import { checkEveryPrefix, decodeOne, makeSpec } from "./_test_model.ts";
import { EtherType } from "./link.ts";
import { TcpFlag } from "./packet.ts";

const TCP_OPTS = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]; // MSS, SACK-perm, TS, NOP, WS

Deno.test("Ethernet + IPv4 + TCP with options and payload: every truncation point", () => {
  const spec = makeSpec({
    name: "eth/ipv4/tcp",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "192.0.2.10", dst: "198.51.100.20", ttl: 63 },
    l4: {
      kind: "tcp",
      tcp: {
        sp: 49152,
        dp: 443,
        seq: 0xdeadbeef,
        ack: 0x01020304,
        flags: TcpFlag.PSH | TcpFlag.ACK,
        win: 502,
        options: TCP_OPTS,
      },
      payload: payload(37),
    },
  });
  assert.deepEqual(spec.bytes.length, 14 + 20 + 40 + 37);
  const pkt = checkEveryPrefix(spec);
  // the whole frame, field by field
  assert.deepEqual(pkt.src, v4n("192.0.2.10"));
  assert.deepEqual(pkt.dst, v4n("198.51.100.20"));
  assert.deepEqual(pkt.srcPort, 49152);
  assert.deepEqual(pkt.dstPort, 443);
  assert.deepEqual(pkt.tcpSeq, 0xdeadbeef);
  assert.deepEqual(pkt.tcpAck, 0x01020304);
  assert.deepEqual(pkt.tcpFlags, 0x18);
  assert.deepEqual(pkt.tcpHdrLen, 40);
  assert.deepEqual(pkt.ttl, 63);
  assert.deepEqual(pkt.payloadOff, 74);
  assert.deepEqual(pkt.payloadLen, 37);
  assert.deepEqual([...pkt.payload()], [...payload(37)]);
  assert.deepEqual(pkt.vlanCount, 0);
  assert.deepEqual(pkt.vlanId, 0);

  // spot checks of the events at hand-picked cuts (besides the model)
  const at = (L: number) => decodeOne(spec.bytes.slice(0, L), LinkType.ETHERNET, spec.bytes.length);
  assert.deepEqual(at(13).dec.events.toObject(), { "ethernet.truncated": 1 });
  assert.deepEqual(at(33).dec.events.toObject(), { "ipv4.truncated": 1 });
  assert.deepEqual(at(34 + 19).dec.events.toObject(), { "ipv4.snaplen_cut": 1, "tcp.truncated": 1 });
  const opt = at(34 + 30);
  assert.deepEqual(opt.dec.events.toObject(), { "ipv4.snaplen_cut": 1, "tcp.options_truncated": 1 });
  assert.deepEqual(opt.pkt.hasL4, true);
  assert.deepEqual(opt.pkt.dstPort, 443);
  assert.deepEqual(opt.pkt.payloadLen, 0);
  const mid = at(80);
  assert.deepEqual(mid.dec.events.toObject(), { "ipv4.snaplen_cut": 1 });
  assert.deepEqual(mid.pkt.payloadLen, 6);
  // the same cut with wire length == captured length: the IP length field lies
  const lie = decodeOne(spec.bytes.slice(0, 80), LinkType.ETHERNET);
  assert.deepEqual(lie.dec.events.toObject(), { "ipv4.length_exceeds_frame": 1 });
});

Deno.test("Ethernet padding after a short IPv4 packet is not payload", () => {
  const spec = makeSpec({
    name: "padded",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "10.0.0.1", dst: "10.0.0.2", ttl: 64 },
    l4: { kind: "tcp", tcp: { sp: 1, dp: 2, flags: TcpFlag.RST } },
  });
  const padded = cat(spec.bytes, new Uint8Array(60 - spec.bytes.length));
  const { pkt, dec } = decodeOne(padded, LinkType.ETHERNET);
  assert.deepEqual(dec.events.total(), 0);
  assert.deepEqual(pkt.payloadLen, 0);
  assert.deepEqual(pkt.payloadOff, 54);
  assert.deepEqual(pkt.ipLen, 40);
});

Deno.test("Ethernet + 802.1Q + IPv4 + UDP: every truncation point", () => {
  const spec = makeSpec({
    name: "eth/vlan/ipv4/udp",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", tags: [{ tpid: EtherType.VLAN, vid: 42 | (5 << 13) }], etherType: EtherType.IPV4 },
    ip: { v: 4, src: "10.1.2.3", dst: "10.4.5.6", ttl: 128 },
    l4: { kind: "udp", sp: 5353, dp: 53, payload: payload(25) },
  });
  // the model's vid carries the PCP bits: the decoder must mask them
  spec.link = { kind: "eth", tags: [{ off: 14, vid: 42 }] };
  const pkt = checkEveryPrefix(spec);
  assert.deepEqual(pkt.vlanId, 42);
  assert.deepEqual(pkt.vlanCount, 1);
  assert.deepEqual(pkt.etherType, EtherType.IPV4);
  assert.deepEqual(pkt.src, v4n("10.1.2.3"));
  assert.deepEqual(pkt.dst, v4n("10.4.5.6"));
  assert.deepEqual(pkt.srcPort, 5353);
  assert.deepEqual(pkt.dstPort, 53);
  assert.deepEqual(pkt.ttl, 128);
  assert.deepEqual(pkt.payloadOff, 18 + 20 + 8);
  assert.deepEqual(pkt.payloadLen, 25);
  const cut = decodeOne(spec.bytes.slice(0, 17), LinkType.ETHERNET, 99);
  assert.deepEqual(cut.dec.events.toObject(), { "vlan.truncated": 1 });
  const udpCut = decodeOne(spec.bytes.slice(0, 18 + 20 + 7), LinkType.ETHERNET, 99);
  assert.deepEqual(udpCut.dec.events.toObject(), { "ipv4.snaplen_cut": 1, "udp.truncated": 1 });
});

Deno.test("802.1ad + 802.1Q (QinQ) + IPv4 + ICMP: every truncation point", () => {
  for (const outer of [EtherType.QINQ, EtherType.QINQ_OLD]) {
    const spec = makeSpec({
      name: `qinq 0x${outer.toString(16)}`,
      linkType: LinkType.ETHERNET,
      link: {
        kind: "eth",
        tags: [{ tpid: outer, vid: 100 }, { tpid: EtherType.VLAN, vid: 20 }],
        etherType: EtherType.IPV4,
      },
      ip: { v: 4, src: "10.77.20.1", dst: "10.77.20.2", ttl: 1 },
      l4: { kind: "icmp", type: 8, code: 0, payload: payload(16) },
    });
    const pkt = checkEveryPrefix(spec);
    assert.deepEqual(pkt.vlanCount, 2);
    assert.deepEqual(pkt.vlanId, 20, "innermost VLAN id");
    assert.deepEqual(pkt.icmpType, 8);
    assert.deepEqual(pkt.icmpCode, 0);
    assert.deepEqual(pkt.ttl, 1);
    const inner = decodeOne(spec.bytes.slice(0, 20), LinkType.ETHERNET, 99);
    assert.deepEqual(inner.dec.events.toObject(), { "vlan.truncated": 1 });
    assert.deepEqual(inner.pkt.vlanCount, 1);
    assert.deepEqual(inner.pkt.vlanId, 100);
  }
});

Deno.test("more than four VLAN tags is an event, four are fine", () => {
  const tags = (n: number) => {
    const parts: number[] = [];
    for (let i = 0; i < n; i++) parts.push(...be16(i + 1), ...be16(i + 1 < n ? EtherType.VLAN : EtherType.ARP));
    return cat(eth(EtherType.VLAN), parts);
  };
  const four = decodeOne(tags(4), LinkType.ETHERNET);
  assert.deepEqual(four.dec.events.toObject(), { "arp.truncated": 1 });
  assert.deepEqual(four.pkt.vlanCount, 4);
  assert.deepEqual(four.pkt.vlanId, 4);
  const five = decodeOne(tags(5), LinkType.ETHERNET);
  assert.deepEqual(five.dec.events.toObject(), { "vlan.too_many_tags": 1 });
  assert.deepEqual(five.pkt.vlanCount, 4);
});

Deno.test("unknown EtherType and unsupported link type are counted", () => {
  const lldp = decodeOne(cat(eth(0x88cc), payload(30)), LinkType.ETHERNET);
  assert.deepEqual(lldp.dec.events.toObject(), { "l3.unknown_ethertype": 1 });
  assert.deepEqual(lldp.pkt.etherType, 0x88cc);
  assert.deepEqual(lldp.pkt.ipVersion, 0);
  const user0 = decodeOne(payload(40), 147);
  assert.deepEqual(user0.dec.events.toObject(), { "link.unsupported": 1 });
});

Deno.test("Linux SLL + IPv4 + TCP: every truncation point", () => {
  const spec = makeSpec({
    name: "sll/ipv4/tcp",
    linkType: LinkType.LINUX_SLL,
    link: { kind: "sll", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "127.0.0.1", dst: "127.0.0.53", ttl: 64 },
    l4: { kind: "tcp", tcp: { sp: 40000, dp: 53, seq: 1, flags: TcpFlag.SYN, win: 1024 }, payload: payload(3) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.deepEqual(pkt.l3Off, 16);
  assert.deepEqual(pkt.tcpFlags, TcpFlag.SYN);
  assert.deepEqual(pkt.tcpSeq, 1);
  assert.deepEqual(pkt.payloadOff, 16 + 40);
});

Deno.test("Linux SLL2 + IPv6 + UDP: every truncation point", () => {
  const spec = makeSpec({
    name: "sll2/ipv6/udp",
    linkType: LinkType.LINUX_SLL2,
    link: { kind: "sll2", etherType: EtherType.IPV6 },
    ip: { v: 6, src: "fe80::1:2", dst: "2001:db8::1", hop: 255 },
    l4: { kind: "udp", sp: 546, dp: 547, payload: payload(12) },
  });
  const pkt = checkEveryPrefix(spec);
  assert.deepEqual(pkt.l3Off, 20);
  assert.deepEqual(pkt.src, "fe80::1:2");
  assert.deepEqual(pkt.dst, "2001:db8::1");
  assert.deepEqual(pkt.ttl, 255);
  assert.deepEqual(pkt.srcPort, 546);
  assert.deepEqual(pkt.dstPort, 547);
  assert.deepEqual(pkt.payloadLen, 12);
});

Deno.test("SLL carrying ARP; SLL with a non-IP protocol", () => {
  const spec = makeSpec({
    name: "sll/arp",
    linkType: LinkType.LINUX_SLL,
    link: { kind: "sll", etherType: EtherType.ARP },
    arp: { op: 2, spa: "10.0.0.1", tpa: "10.0.0.2" },
  });
  checkEveryPrefix(spec);
  const llc = decodeOne(cat(new Uint8Array(14), be16(0x0004), payload(10)), LinkType.LINUX_SLL);
  assert.deepEqual(llc.dec.events.toObject(), { "l3.unknown_ethertype": 1 });
});

Deno.test("RAW (101, 12, 14) with IPv4 and IPv6: every truncation point", () => {
  for (const lt of [LinkType.RAW, 12, 14]) {
    const s4 = makeSpec({
      name: `raw${lt}/ipv4/udp`,
      linkType: lt,
      link: { kind: "raw", etherType: EtherType.IPV4 },
      ip: { v: 4, src: "10.77.5.2", dst: "10.77.5.1", ttl: 64 },
      l4: { kind: "udp", sp: 1234, dp: 5678, payload: payload(5) },
    });
    const p4 = checkEveryPrefix(s4);
    assert.deepEqual(p4.l3Off, 0);
    assert.deepEqual(p4.srcPort, 1234);
    const s6 = makeSpec({
      name: `raw${lt}/ipv6/icmpv6`,
      linkType: lt,
      link: { kind: "raw", etherType: EtherType.IPV6 },
      ip: { v: 6, src: "::1", dst: "::ffff:1.2.3.4", hop: 64 },
      l4: { kind: "icmpv6", type: 128, code: 0, payload: payload(8) },
    });
    const p6 = checkEveryPrefix(s6);
    assert.deepEqual(p6.src, "::1");
    assert.deepEqual(p6.dst, "::ffff:1.2.3.4");
    assert.deepEqual(p6.icmpType, 128);
  }
  const bad = decodeOne(new Uint8Array([0x50, 0, 0, 0]), LinkType.RAW);
  assert.deepEqual(bad.dec.events.toObject(), { "ipv4.bad_version": 1 });
});

Deno.test("LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229)", () => {
  const s4 = makeSpec({
    name: "ipv4-228",
    linkType: LinkType.IPV4,
    link: { kind: "none", etherType: EtherType.IPV4 },
    ip: { v: 4, src: "1.2.3.4", dst: "5.6.7.8", ttl: 9 },
    l4: { kind: "icmp", type: 0, code: 0 },
  });
  checkEveryPrefix(s4);
  const s6 = makeSpec({
    name: "ipv6-229",
    linkType: LinkType.IPV6,
    link: { kind: "none", etherType: EtherType.IPV6 },
    ip: { v: 6, src: "2001:db8::1", dst: "2001:db8::2", hop: 3 },
    l4: { kind: "tcp", tcp: { sp: 1, dp: 2, flags: TcpFlag.FIN | TcpFlag.ACK } },
  });
  checkEveryPrefix(s6);
});

Deno.test("NULL (host order) and LOOP (network order) with AF_INET and every AF_INET6 value", () => {
  const cases: { lt: number; family: number; be: boolean; v: 4 | 6 }[] = [
    { lt: LinkType.NULL, family: 2, be: false, v: 4 },
    { lt: LinkType.NULL, family: 2, be: true, v: 4 }, // written by a big-endian host
    { lt: LinkType.LOOP, family: 2, be: true, v: 4 },
  ];
  for (const family of [10, 23, 24, 28, 30]) {
    cases.push({ lt: LinkType.NULL, family, be: false, v: 6 });
    cases.push({ lt: LinkType.NULL, family, be: true, v: 6 });
    cases.push({ lt: LinkType.LOOP, family, be: true, v: 6 });
  }
  for (const c of cases) {
    const spec = c.v === 4
      ? makeSpec({
        name: `null lt=${c.lt} af=${c.family} be=${c.be}`,
        linkType: c.lt,
        link: { kind: "null", family: c.family, bigEndian: c.be, etherType: EtherType.IPV4 },
        ip: { v: 4, src: "127.0.0.1", dst: "127.0.0.1", ttl: 64 },
        l4: { kind: "tcp", tcp: { sp: 5000, dp: 80, flags: TcpFlag.SYN } },
      })
      : makeSpec({
        name: `null lt=${c.lt} af=${c.family} be=${c.be}`,
        linkType: c.lt,
        link: { kind: "null", family: c.family, bigEndian: c.be, etherType: EtherType.IPV6 },
        ip: { v: 6, src: "::1", dst: "::1", hop: 64 },
        l4: { kind: "udp", sp: 5000, dp: 53, payload: payload(4) },
      });
    const pkt = checkEveryPrefix(spec);
    assert.deepEqual(pkt.l3Off, 4);
    assert.deepEqual(pkt.ipVersion, c.v);
  }
  const unknown = decodeOne(cat(nullHdr(7, false), v4("1.2.3.4")), LinkType.NULL);
  assert.deepEqual(unknown.dec.events.toObject(), { "null.unknown_family": 1 });
  assert.ok(unknown.pkt.ipVersion === 0);
});
