/**
 * Test helper: a layer-by-layer description of a hand-built frame and what the decoder must report
 * for every prefix of it (every truncation point). Not used by the product.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Decoder } from "./decoder.ts";
import {
  arp,
  be16,
  cat,
  eth,
  ext6,
  frag6,
  frame,
  icmp,
  ipv4,
  ipv6,
  nullHdr,
  sll,
  sll2,
  tcp,
  type TcpOpts,
  udp,
} from "./_test_frames.ts";
import { ipToString, Packet } from "./packet.ts";

/** Link layer of a spec. */
export type LinkSpec =
  | { kind: "eth"; tags: { off: number; vid: number }[] }
  | { kind: "sll" | "sll2" | "null" | "raw" | "none" };

/** Layer 3 of a spec. Addresses as text. */
export type L3Spec =
  | {
    kind: "ipv4";
    off: number;
    hlen: number;
    total: number;
    src: string;
    dst: string;
    ttl: number;
    proto: number;
    frag?: boolean;
    later?: boolean;
  }
  | {
    kind: "ipv6";
    off: number;
    plen: number;
    src: string;
    dst: string;
    hop: number;
    /** Extension headers in order: offset, length, and their own type (the previous "next header"). */
    exts: { off: number; len: number; type: number; frag?: { later: boolean } }[];
    /** Final upper-layer protocol. */
    proto: number;
  }
  | { kind: "arp"; off: number; op: number; spa: string; tpa: string }
  | { kind: "other"; etherType: number };

/** Layer 4 of a spec. */
export type L4Spec =
  | {
    kind: "tcp";
    off: number;
    hlen: number;
    sp: number;
    dp: number;
    seq: number;
    ack: number;
    flags: number;
    win: number;
  }
  | { kind: "udp"; off: number; ulen: number; sp: number; dp: number }
  | { kind: "icmp" | "icmpv6"; off: number; type: number; code: number };

/** A frame and its layers. */
export interface FrameSpec {
  name: string;
  linkType: number;
  bytes: Uint8Array;
  /** EtherType the link layer hands over (0 when it has none to report). */
  etherType: number;
  link: LinkSpec;
  l3?: L3Spec;
  l4?: L4Spec;
}

/** What the decoder must report for one prefix. */
export interface Expected {
  events: Record<string, number>;
  etherType: number;
  vlanCount: number;
  vlanId: number;
  isArp: boolean;
  arp?: { op: number; spa: string; tpa: string };
  ipVersion: number;
  ip?: { src: string; dst: string; ttl: number; l3Off: number; ipLen: number; ipHdrLen?: number };
  proto: number;
  isFragment: boolean;
  isLaterFragment: boolean;
  hasL4: boolean;
  l4?: {
    srcPort: number;
    dstPort: number;
    tcp?: { seq: number; ack: number; flags: number; win: number; hdrLen: number };
    icmp?: { type: number; code: number };
  };
  icmpType: number;
  icmpCode: number;
  payloadOff: number;
  payloadLen: number;
}

/**
 * The reference model: what a decoder must report for the first `L` bytes of `s`, captured from a
 * frame whose wire length is `wireLen` (wireLen > L: cut by snaplen).
 */
export function expectAt(s: FrameSpec, L: number, wireLen: number): Expected {
  const ev: string[] = [];
  const e: Expected = {
    events: {},
    etherType: 0,
    vlanCount: 0,
    vlanId: 0,
    isArp: false,
    ipVersion: 0,
    proto: 0,
    isFragment: false,
    isLaterFragment: false,
    hasL4: false,
    icmpType: -1,
    icmpCode: -1,
    payloadOff: 0,
    payloadLen: 0,
  };
  const finish = () => {
    for (const k of ev) e.events[k] = (e.events[k] ?? 0) + 1;
    return e;
  };
  // ---- link
  switch (s.link.kind) {
    case "eth":
      if (L < 14) {
        ev.push("ethernet.truncated");
        return finish();
      }
      for (const t of s.link.tags) {
        if (L < t.off + 4) {
          ev.push("vlan.truncated");
          return finish();
        }
        e.vlanCount++;
        e.vlanId = t.vid;
      }
      break;
    case "sll":
      if (L < 16) {
        ev.push("sll.truncated");
        return finish();
      }
      break;
    case "sll2":
      if (L < 20) {
        ev.push("sll.truncated");
        return finish();
      }
      break;
    case "null":
      if (L < 4) {
        ev.push("null.truncated");
        return finish();
      }
      break;
    case "raw":
      if (L === 0) {
        ev.push("ipv4.truncated");
        return finish();
      }
      break;
    case "none":
      break;
  }
  e.etherType = s.etherType;
  const l3 = s.l3;
  if (l3 === undefined) return finish();
  let end = L;
  switch (l3.kind) {
    case "other":
      ev.push("l3.unknown_ethertype");
      return finish();
    case "arp": {
      if (L - l3.off < 28) {
        ev.push("arp.truncated");
        return finish();
      }
      e.isArp = true;
      e.arp = { op: l3.op, spa: l3.spa, tpa: l3.tpa };
      return finish();
    }
    case "ipv4": {
      const avail = L - l3.off;
      if (avail < 20 || l3.hlen > avail) {
        ev.push("ipv4.truncated");
        return finish();
      }
      e.ipVersion = 4;
      e.ip = { src: l3.src, dst: l3.dst, ttl: l3.ttl, l3Off: l3.off, ipLen: l3.total, ipHdrLen: l3.hlen };
      e.proto = l3.proto;
      e.isFragment = l3.frag ?? false;
      e.isLaterFragment = l3.later ?? false;
      end = l3.off + l3.total;
      if (end > L) {
        ev.push(wireLen > L ? "ipv4.snaplen_cut" : "ipv4.length_exceeds_frame");
        end = L;
      }
      if (e.isLaterFragment) return finish();
      break;
    }
    case "ipv6": {
      if (L - l3.off < 40) {
        ev.push("ipv6.truncated");
        return finish();
      }
      e.ipVersion = 6;
      e.ip = { src: l3.src, dst: l3.dst, ttl: l3.hop, l3Off: l3.off, ipLen: 40 + l3.plen };
      end = l3.off + 40 + l3.plen;
      if (end > L) {
        ev.push(wireLen > L ? "ipv6.snaplen_cut" : "ipv6.length_exceeds_frame");
        end = L;
      }
      let p = l3.off + 40;
      for (const x of l3.exts) {
        if (end - p < 8) {
          ev.push("ipv6.exthdr_truncated");
          e.proto = x.type;
          e.ip.ipHdrLen = p - l3.off;
          return finish();
        }
        if (x.frag) {
          e.isFragment = true;
          if (x.frag.later) e.isLaterFragment = true;
        }
        if (end - p < x.len) {
          ev.push("ipv6.exthdr_truncated");
          e.proto = x.type;
          e.ip.ipHdrLen = p - l3.off;
          return finish();
        }
        p += x.len;
      }
      e.proto = l3.proto;
      e.ip.ipHdrLen = p - l3.off;
      if (e.isLaterFragment) return finish();
      break;
    }
  }
  const l4 = s.l4;
  if (l4 === undefined) {
    if (e.proto !== 59 && e.proto !== 50) ev.push("l4.unknown_protocol");
    return finish();
  }
  const avail = end - l4.off;
  switch (l4.kind) {
    case "tcp":
      if (avail < 20) {
        ev.push("tcp.truncated");
        return finish();
      }
      e.hasL4 = true;
      e.l4 = {
        srcPort: l4.sp,
        dstPort: l4.dp,
        tcp: { seq: l4.seq, ack: l4.ack, flags: l4.flags, win: l4.win, hdrLen: l4.hlen },
      };
      if (l4.hlen > avail) {
        ev.push("tcp.options_truncated");
        e.payloadOff = end;
        e.payloadLen = 0;
      } else {
        e.payloadOff = l4.off + l4.hlen;
        e.payloadLen = end - l4.off - l4.hlen;
      }
      return finish();
    case "udp":
      if (avail < 8) {
        ev.push("udp.truncated");
        return finish();
      }
      e.hasL4 = true;
      e.l4 = { srcPort: l4.sp, dstPort: l4.dp };
      e.payloadOff = l4.off + 8;
      e.payloadLen = Math.min(l4.ulen, avail) - 8;
      return finish();
    case "icmp":
    case "icmpv6":
      if (avail < 4) {
        ev.push(l4.kind === "icmp" ? "icmp.truncated" : "icmpv6.truncated");
        return finish();
      }
      e.hasL4 = true;
      e.icmpType = l4.type;
      e.icmpCode = l4.code;
      e.l4 = { srcPort: 0, dstPort: 0, icmp: { type: l4.type, code: l4.code } };
      e.payloadOff = l4.off + 4;
      e.payloadLen = avail - 4;
      return finish();
  }
}

/** Compares a decoded packet with the model's expectation; `where` names the case in failures. */
export function assertDecoded(pkt: Packet, dec: Decoder, e: Expected, where: string): void {
  assert.deepEqual(dec.events.toObject(), e.events, `${where}: events`);
  assert.deepEqual(pkt.etherType, e.etherType, `${where}: etherType`);
  assert.deepEqual(pkt.vlanCount, e.vlanCount, `${where}: vlanCount`);
  assert.deepEqual(pkt.vlanId, e.vlanId, `${where}: vlanId`);
  assert.deepEqual(pkt.isArp, e.isArp, `${where}: isArp`);
  if (e.arp) {
    assert.deepEqual(pkt.arpOp, e.arp.op, `${where}: arpOp`);
    assert.deepEqual(ipToString(pkt.arpSpa), e.arp.spa, `${where}: arpSpa`);
    assert.deepEqual(ipToString(pkt.arpTpa), e.arp.tpa, `${where}: arpTpa`);
  }
  assert.deepEqual(pkt.ipVersion, e.ipVersion, `${where}: ipVersion`);
  if (e.ip) {
    if (e.ipVersion === 4) {
      assert.ok(typeof pkt.src === "number" && typeof pkt.dst === "number", `${where}: IPv4 addresses are numbers`);
    } else assert.ok(typeof pkt.src === "string" && typeof pkt.dst === "string", `${where}: IPv6 addresses are text`);
    assert.deepEqual(ipToString(pkt.src), e.ip.src, `${where}: src`);
    assert.deepEqual(ipToString(pkt.dst), e.ip.dst, `${where}: dst`);
    assert.deepEqual(pkt.ttl, e.ip.ttl, `${where}: ttl`);
    assert.deepEqual(pkt.l3Off, e.ip.l3Off, `${where}: l3Off`);
    assert.deepEqual(pkt.ipLen, e.ip.ipLen, `${where}: ipLen`);
    if (e.ip.ipHdrLen !== undefined) assert.deepEqual(pkt.ipHdrLen, e.ip.ipHdrLen, `${where}: ipHdrLen`);
    assert.deepEqual(pkt.proto, e.proto, `${where}: proto`);
    assert.deepEqual(pkt.isFragment, e.isFragment, `${where}: isFragment`);
    assert.deepEqual(pkt.isLaterFragment, e.isLaterFragment, `${where}: isLaterFragment`);
  }
  assert.deepEqual(pkt.hasL4, e.hasL4, `${where}: hasL4`);
  if (e.l4) {
    assert.deepEqual(pkt.srcPort, e.l4.srcPort, `${where}: srcPort`);
    assert.deepEqual(pkt.dstPort, e.l4.dstPort, `${where}: dstPort`);
    if (e.l4.tcp) {
      assert.deepEqual(pkt.tcpSeq, e.l4.tcp.seq, `${where}: tcpSeq`);
      assert.deepEqual(pkt.tcpAck, e.l4.tcp.ack, `${where}: tcpAck`);
      assert.deepEqual(pkt.tcpFlags, e.l4.tcp.flags, `${where}: tcpFlags`);
      assert.deepEqual(pkt.tcpWindow, e.l4.tcp.win, `${where}: tcpWindow`);
      assert.deepEqual(pkt.tcpHdrLen, e.l4.tcp.hdrLen, `${where}: tcpHdrLen`);
    }
    assert.deepEqual(pkt.payloadOff, e.payloadOff, `${where}: payloadOff`);
    assert.deepEqual(pkt.payloadLen, e.payloadLen, `${where}: payloadLen`);
  }
  assert.deepEqual(pkt.icmpType, e.icmpType, `${where}: icmpType`);
  assert.deepEqual(pkt.icmpCode, e.icmpCode, `${where}: icmpCode`);
}

/**
 * Decodes every prefix 0..len of the spec's frame (as if cut by snaplen: wire length stays the full
 * length) with a fresh decoder each, checks it never throws and matches the model. Returns the
 * packet decoded from the whole frame.
 */
export function checkEveryPrefix(s: FrameSpec): Packet {
  const len = s.bytes.length;
  let full: Packet | undefined;
  for (let L = 0; L <= len; L++) {
    const dec = new Decoder();
    const pkt = new Packet();
    const cut = s.bytes.slice(0, L); // exact-length buffer: reading past it would be caught as undefined
    dec.decode(frame(cut, s.linkType, len), pkt);
    const e = expectAt(s, L, len);
    assertDecoded(pkt, dec, e, `${s.name} cut at ${L}/${len}`);
    assert.deepEqual(dec.events.frames, Object.keys(e.events).length > 0 ? 1 : 0, `${s.name} cut at ${L}: frames`);
    if (L === len) full = pkt;
  }
  // the whole frame decodes with no events at all
  assert.deepEqual(expectAt(s, len, len).events, {}, `${s.name}: a whole frame has no events`);
  return full!;
}

/** Decodes one frame with a fresh decoder. */
export function decodeOne(bytes: Uint8Array, linkType: number, wireLen = bytes.length): { pkt: Packet; dec: Decoder } {
  const dec = new Decoder();
  const pkt = new Packet();
  dec.decode(frame(bytes, linkType, wireLen), pkt);
  return { pkt, dec };
}

// ------------------------------------------------------------------------------------ spec builder

/** A frame to build, layer by layer. */
export interface Build {
  name: string;
  linkType: number;
  link:
    | { kind: "eth"; tags?: { tpid: number; vid: number }[]; etherType: number }
    | { kind: "sll" | "sll2"; etherType: number }
    | { kind: "null"; family: number; bigEndian: boolean; etherType: number }
    | { kind: "raw" | "none"; etherType: number };
  ip?:
    | {
      v: 4;
      src: string;
      dst: string;
      ttl: number;
      options?: number[];
      fragOff?: number;
      mf?: boolean;
      proto?: number;
    }
    | {
      v: 6;
      src: string;
      dst: string;
      hop: number;
      exts?: ({ type: 0 | 43 | 60; len8: number } | { type: 44; offset8: number; more: boolean })[];
      proto?: number;
    };
  arp?: { op: number; spa: string; tpa: string };
  l4?:
    | { kind: "tcp"; tcp: TcpOpts; payload?: Uint8Array }
    | { kind: "udp"; sp: number; dp: number; payload?: Uint8Array }
    | { kind: "icmp" | "icmpv6"; type: number; code: number; payload?: Uint8Array };
  /** Raw bytes after the IP header when there is no l4. */
  rest?: Uint8Array;
}

/** Builds the bytes and the layer description of a frame. */
export function makeSpec(b: Build): FrameSpec {
  const linkBytes: number[] = [];
  let link: LinkSpec;
  const l = b.link;
  switch (l.kind) {
    case "eth": {
      const tags = l.tags ?? [];
      const first = tags.length > 0 ? tags[0].tpid : l.etherType;
      linkBytes.push(...eth(first));
      const tagSpecs: { off: number; vid: number }[] = [];
      tags.forEach((t, i) => {
        tagSpecs.push({ off: linkBytes.length, vid: t.vid });
        const nextType = i + 1 < tags.length ? tags[i + 1].tpid : l.etherType;
        linkBytes.push(...be16(t.vid), ...be16(nextType));
      });
      link = { kind: "eth", tags: tagSpecs };
      break;
    }
    case "sll":
      linkBytes.push(...sll(l.etherType));
      link = { kind: "sll" };
      break;
    case "sll2":
      linkBytes.push(...sll2(l.etherType));
      link = { kind: "sll2" };
      break;
    case "null":
      linkBytes.push(...nullHdr(l.family, l.bigEndian));
      link = { kind: "null" };
      break;
    default:
      link = { kind: l.kind };
  }
  const off = linkBytes.length;
  let l4Bytes: Uint8Array = new Uint8Array(0);
  let proto = 0;
  let l4Hdr = 0, ulen = 0;
  if (b.l4) {
    const x = b.l4;
    if (x.kind === "tcp") {
      l4Bytes = tcp(x.tcp, x.payload ?? []);
      proto = 6;
      l4Hdr = l4Bytes[12] >> 2;
    } else if (x.kind === "udp") {
      l4Bytes = udp(x.sp, x.dp, x.payload ?? []);
      proto = 17;
      ulen = l4Bytes.length;
    } else {
      l4Bytes = icmp(x.type, x.code, [0, 1, 0, 1], x.payload ?? []);
      proto = x.kind === "icmp" ? 1 : 58;
    }
  } else if (b.rest) l4Bytes = b.rest;
  if (b.ip?.proto !== undefined) proto = b.ip.proto;
  let l3: L3Spec | undefined;
  let l3Bytes: Uint8Array = new Uint8Array(0);
  let l4Off = 0;
  if (b.ip?.v === 4) {
    const ip = b.ip;
    l3Bytes = ipv4({
      src: ip.src,
      dst: ip.dst,
      proto,
      ttl: ip.ttl,
      options: ip.options,
      fragOff: ip.fragOff,
      mf: ip.mf,
    }, l4Bytes);
    const hlen = (l3Bytes[0] & 15) << 2;
    l3 = {
      kind: "ipv4",
      off,
      hlen,
      total: l3Bytes.length,
      src: ip.src,
      dst: ip.dst,
      ttl: ip.ttl,
      proto,
      frag: (ip.fragOff ?? 0) !== 0 || (ip.mf ?? false),
      later: (ip.fragOff ?? 0) !== 0,
    };
    l4Off = off + hlen;
  } else if (b.ip?.v === 6) {
    const ip = b.ip;
    const exts = ip.exts ?? [];
    const extBytes: number[] = [];
    const extSpecs: { off: number; len: number; type: number; frag?: { later: boolean } }[] = [];
    exts.forEach((x, i) => {
      const next = i + 1 < exts.length ? exts[i + 1].type : proto;
      const xo = off + 40 + extBytes.length;
      if (x.type === 44) {
        extBytes.push(...frag6(next, x.offset8, x.more));
        extSpecs.push({ off: xo, len: 8, type: 44, frag: { later: x.offset8 !== 0 } });
      } else {
        extBytes.push(...ext6(next, x.len8));
        extSpecs.push({ off: xo, len: (x.len8 + 1) * 8, type: x.type });
      }
    });
    const payload = cat(extBytes, l4Bytes);
    l3Bytes = ipv6({ src: ip.src, dst: ip.dst, next: exts.length > 0 ? exts[0].type : proto, hop: ip.hop }, payload);
    l3 = { kind: "ipv6", off, plen: payload.length, src: ip.src, dst: ip.dst, hop: ip.hop, exts: extSpecs, proto };
    l4Off = off + 40 + extBytes.length;
  } else if (b.arp) {
    l3Bytes = arp(b.arp.op, b.arp.spa, b.arp.tpa);
    l3 = { kind: "arp", off, ...b.arp };
  } else if (l.etherType !== 0) {
    l3Bytes = b.rest ?? new Uint8Array(0);
    l3 = { kind: "other", etherType: l.etherType };
  }
  let l4: L4Spec | undefined;
  if (b.l4) {
    const x = b.l4;
    if (x.kind === "tcp") {
      l4 = {
        kind: "tcp",
        off: l4Off,
        hlen: l4Hdr,
        sp: x.tcp.sp,
        dp: x.tcp.dp,
        seq: x.tcp.seq ?? 0,
        ack: x.tcp.ack ?? 0,
        flags: x.tcp.flags,
        win: x.tcp.win ?? 65535,
      };
    } else if (x.kind === "udp") l4 = { kind: "udp", off: l4Off, ulen, sp: x.sp, dp: x.dp };
    else l4 = { kind: x.kind, off: l4Off, type: x.type, code: x.code };
  }
  return { name: b.name, linkType: b.linkType, bytes: cat(linkBytes, l3Bytes), etherType: l.etherType, link, l3, l4 };
}
