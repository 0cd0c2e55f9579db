/**
 * Fuzz: over a million random and mutated frames through the decoders, a small flow table and the
 * pipeline. Nothing may throw; every counter must stay sane. Deterministic (xorshift, fixed seed).
 */
import assert from "node:assert/strict";
import { LinkType } from "../capture/packet_source.ts";
import type { Detector } from "../detectors/detector.ts";
import type { FlowEndReason, FlowTable } from "../flow/flow_table.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import { DECODE_EVENTS } from "./events.ts";
import { makeSpec } from "./_test_model.ts";
import { EtherType } from "./link.ts";
import { Packet, TcpFlag } from "./packet.ts";
import { Decoder } from "./decoder.ts";
import type { Frame } from "../capture/packet_source.ts";
import { payload } from "./_test_frames.ts";

const FRAMES = Number(Deno.env.get("IDS_FUZZ_FRAMES") ?? 2_000_000);
const SEED = Number(Deno.env.get("IDS_FUZZ_SEED") ?? 0x9e3779b9);
const CAP = 64;

/** xorshift32: fast, deterministic. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = (seed >>> 0) || 1;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
}

const LINKS = [
  LinkType.ETHERNET,
  LinkType.LINUX_SLL,
  LinkType.LINUX_SLL2,
  LinkType.RAW,
  12,
  14,
  LinkType.NULL,
  LinkType.LOOP,
  LinkType.IPV4,
  LinkType.IPV6,
];

function baseFrames(): { bytes: Uint8Array; linkType: number }[] {
  const tcp = { sp: 40000, dp: 80, seq: 1, ack: 2, flags: TcpFlag.SYN, options: [2, 4, 5, 0xb4, 1, 1, 4, 2] };
  const specs = [
    makeSpec({
      name: "eth tcp",
      linkType: 1,
      link: { kind: "eth", etherType: EtherType.IPV4 },
      ip: { v: 4, src: "10.0.0.1", dst: "10.0.0.2", ttl: 64, options: [1, 1, 1, 0] },
      l4: { kind: "tcp", tcp, payload: payload(40) },
    }),
    makeSpec({
      name: "qinq udp",
      linkType: 1,
      link: { kind: "eth", tags: [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 20 }], etherType: EtherType.IPV4 },
      ip: { v: 4, src: "10.0.0.3", dst: "10.0.0.4", ttl: 64, mf: true },
      l4: { kind: "udp", sp: 53, dp: 5353, payload: payload(30) },
    }),
    makeSpec({
      name: "eth arp",
      linkType: 1,
      link: { kind: "eth", etherType: EtherType.ARP },
      arp: { op: 1, spa: "10.0.0.1", tpa: "10.0.0.2" },
    }),
    makeSpec({
      name: "eth v6 ext",
      linkType: 1,
      link: { kind: "eth", etherType: EtherType.IPV6 },
      ip: {
        v: 6,
        src: "2001:db8::1",
        dst: "fe80::1:2",
        hop: 64,
        exts: [{ type: 0, len8: 0 }, { type: 43, len8: 1 }, { type: 44, offset8: 0, more: true }],
      },
      l4: { kind: "tcp", tcp, payload: payload(20) },
    }),
    makeSpec({
      name: "sll icmp",
      linkType: LinkType.LINUX_SLL,
      link: { kind: "sll", etherType: EtherType.IPV4 },
      ip: { v: 4, src: "10.0.0.9", dst: "10.0.0.8", ttl: 1 },
      l4: { kind: "icmp", type: 8, code: 0, payload: payload(16) },
    }),
    makeSpec({
      name: "sll2 icmpv6",
      linkType: LinkType.LINUX_SLL2,
      link: { kind: "sll2", etherType: EtherType.IPV6 },
      ip: { v: 6, src: "::1", dst: "::ffff:1.2.3.4", hop: 255 },
      l4: { kind: "icmpv6", type: 135, code: 0, payload: payload(24) },
    }),
    makeSpec({
      name: "raw udp",
      linkType: LinkType.RAW,
      link: { kind: "raw", etherType: EtherType.IPV4 },
      ip: { v: 4, src: "10.77.5.1", dst: "10.77.5.2", ttl: 64 },
      l4: { kind: "udp", sp: 1, dp: 2, payload: payload(8) },
    }),
    makeSpec({
      name: "null v6",
      linkType: LinkType.NULL,
      link: { kind: "null", family: 30, bigEndian: false, etherType: EtherType.IPV6 },
      ip: { v: 6, src: "::1", dst: "::1", hop: 64, exts: [{ type: 44, offset8: 3, more: false }], proto: 17 },
      rest: payload(16),
    }),
    makeSpec({
      name: "loop v4",
      linkType: LinkType.LOOP,
      link: { kind: "null", family: 2, bigEndian: true, etherType: EtherType.IPV4 },
      ip: { v: 4, src: "127.0.0.1", dst: "127.0.0.1", ttl: 64 },
      l4: { kind: "tcp", tcp: { sp: 1, dp: 2, flags: TcpFlag.FIN | TcpFlag.ACK } },
    }),
  ];
  return specs.map((s) => ({ bytes: s.bytes, linkType: s.linkType }));
}

Deno.test(`fuzz: ${FRAMES.toLocaleString("en-US")} random and mutated frames never throw, counters stay sane`, () => {
  const rng = new Rng(SEED);
  const bases = baseFrames();
  const ends: Record<FlowEndReason, number> = { timeout: 0, evicted: 0, closed: 0, flush: 0 };
  let flowPackets = 0;
  const counter = {
    type: "fuzz",
    onPacket(pkt: Packet) {
      flowPackets++;
      // invariants of every decoded IP packet (cheap checks; a failure names the first broken one)
      const n = pkt.buf.length;
      if (
        !(pkt.flow >= 0 && pkt.flow < CAP) || (pkt.dir !== 0 && pkt.dir !== 1) ||
        pkt.l3Off < 0 || pkt.l3Off >= n || pkt.vlanCount > 4 ||
        (pkt.ipVersion === 4
          ? typeof pkt.src !== "number" || pkt.src < 0 || pkt.src > 0xffffffff
          : pkt.ipVersion !== 6 || typeof pkt.src !== "string" || typeof pkt.dst !== "string") ||
        (pkt.hasL4 && (pkt.isLaterFragment || pkt.l4Off < pkt.l3Off || pkt.payloadOff < pkt.l4Off ||
          pkt.payloadLen < 0 || pkt.payloadOff + pkt.payloadLen > n || pkt.srcPort > 65535 || pkt.dstPort > 65535))
      ) {
        assert.fail(`bad packet record: ${JSON.stringify({ ...pkt, buf: [...pkt.buf] })}`);
      }
    },
    onFlowEnd(_flows: FlowTable, _slot: number, reason: FlowEndReason) {
      ends[reason]++;
    },
    configure() {},
    size: () => 0,
  } as unknown as Detector;
  const pipe = new Pipeline({
    maxFlows: CAP,
    detectors: [counter],
    timeouts: { tcp_new: 2, tcp_established: 5, tcp_closed: 1, udp: 3, icmp: 2, other: 3 },
  });
  const scratch = new Uint8Array(4096);
  const fr: Frame = { buf: scratch, caplen: 0, len: 0, tsUs: 1_700_000_000_000_000, linkType: 1, iface: 0 };
  let ts = 1_700_000_000_000_000;
  let maxSize = 0;
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    const mode = rng.int(8);
    let len: number;
    let linkType: number;
    if (mode === 0) {
      // pure noise
      len = rng.int(160);
      for (let j = 0; j < len; j++) scratch[j] = rng.next() & 255;
      linkType = LINKS[rng.int(LINKS.length)];
    } else {
      const base = bases[rng.int(bases.length)];
      scratch.set(base.bytes);
      len = base.bytes.length;
      linkType = rng.int(16) === 0 ? LINKS[rng.int(LINKS.length)] : base.linkType;
      const edits = 1 + rng.int(4);
      for (let e = 0; e < edits; e++) {
        const op = rng.int(6);
        if (op <= 2 && len > 0) {
          // flip bits of one byte, or overwrite it, or set a "length-ish" byte to an extreme
          const at = rng.int(len);
          scratch[at] = op === 0 ? scratch[at] ^ (1 << rng.int(8)) : op === 1 ? rng.next() & 255 : rng.int(2) ? 0 : 255;
        } else if (op === 3 && len < 3000) {
          // insert 1..16 random bytes
          const at = rng.int(len + 1), n = 1 + rng.int(16);
          scratch.copyWithin(at + n, at, len);
          for (let j = 0; j < n; j++) scratch[at + j] = rng.next() & 255;
          len += n;
        } else if (op === 4 && len > 0) {
          // delete 1..16 bytes
          const at = rng.int(len), n = Math.min(len - at, 1 + rng.int(16));
          scratch.copyWithin(at, at + n, len);
          len -= n;
        } else {
          len = rng.int(len + 1); // truncate
        }
      }
    }
    if (rng.int(1000) === 0) linkType = rng.next() & 0xffff; // unsupported link types too
    fr.buf = scratch.subarray(0, len);
    fr.caplen = len;
    fr.len = rng.int(4) === 0 ? len + rng.int(1500) : len;
    // packet time: mostly small steps, sometimes long idle gaps, sometimes a step backwards
    const r = rng.int(1000);
    ts += r < 990 ? rng.int(2000) : r < 998 ? rng.int(20_000_000) : -rng.int(1_000_000);
    fr.tsUs = ts;
    fr.linkType = linkType;
    pipe.handle(fr);
    const size = pipe.flows.size;
    if (size > maxSize) maxSize = size;
  }
  const secs = (performance.now() - t0) / 1000;
  const flows = pipe.flows;
  const liveAtEnd = flows.size;
  pipe.finish();
  console.log(
    `fuzz: ${FRAMES} frames in ${secs.toFixed(1)} s; ${pipe.counters.ipPackets} IP; ${flows.created} flows, ` +
      `${flows.evictions} evicted, ${flows.expired} expired; ${pipe.decoder.events.frames} frames with events`,
  );

  assert.equal(pipe.counters.packets, FRAMES, "packets = frames");
  let byLink = 0;
  for (const n of pipe.decoder.linkTypeCounts().values()) byLink += n;
  assert.equal(byLink, FRAMES, "frames per link type add up");
  const ev = pipe.decoder.events;
  for (let k = 0; k < DECODE_EVENTS.length; k++) {
    const c = ev.counts[k];
    assert.ok(Number.isInteger(c) && c >= 0, `${DECODE_EVENTS[k]} = ${c}`);
  }
  assert.equal(ev.total(), ev.n);
  assert.ok(ev.frames <= FRAMES && ev.frames <= ev.n && ev.frames > 0);
  assert.ok(pipe.counters.ipPackets > FRAMES / 3, "most mutated frames still decode as IP");
  // fragments wait in the reassembler; each rebuilt datagram goes on in their place
  const dc = pipe.defrag!.counters;
  assert.ok(dc.fragments > 0 && dc.reassembled > 0, `fragments ${dc.fragments}, rebuilt ${dc.reassembled}`);
  assert.equal(
    flowPackets,
    pipe.counters.ipPackets - dc.fragments + dc.reassembled,
    "every IP packet (or rebuilt datagram) reached the detectors with a flow",
  );
  assert.ok(maxSize <= CAP, `flow table size ${maxSize} ≤ cap ${CAP}`);
  assert.equal(maxSize, CAP, "the cap was reached");
  assert.ok(flows.evictions > 0, "evictions happened");
  assert.ok(flows.expired > 0, "timeouts happened");
  assert.equal(ends.evicted, flows.evictions, "every eviction was delivered to onFlowEnd");
  assert.equal(ends.timeout + ends.closed, flows.expired, "every expiry was delivered to onFlowEnd");
  assert.equal(ends.flush, liveAtEnd);
  assert.equal(flows.created, flows.evictions + flows.expired + liveAtEnd, "created = evicted + expired + live");
  assert.equal(flows.size, 0, "flush empties the table");
  assert.ok(secs < 60, `fuzz took ${secs} s`);
});

/** Every field of a decoded packet, offsets taken relative to the frame's start. */
function snapshot(pkt: Packet, dec: Decoder): string {
  const rec: Record<string, unknown> = {};
  // offsets are compared where their layer decoded (elsewhere they keep an earlier frame's value)
  const valid: Record<string, boolean> = {
    end: true,
    l3Off: pkt.ipVersion !== 0,
    l4Off: pkt.hasL4,
    payloadOff: pkt.hasL4,
    fragDataOff: pkt.isFragment,
    fragDataEnd: pkt.isFragment,
    fragHdrOff: pkt.isFragment && pkt.ipVersion === 6,
    fragNextAt: pkt.isFragment && pkt.ipVersion === 6,
  };
  for (const [k, v] of Object.entries(pkt)) {
    if (k === "buf" || k === "start") continue;
    if (k in valid) {
      if (valid[k]) rec[k] = (v as number) - pkt.start;
    } else rec[k] = v;
  }
  rec.events = [...dec.events.counts];
  return JSON.stringify(rec);
}

Deno.test("frames decode the same alone and at any offset inside a larger buffer (file readers pass their read buffer)", () => {
  const rng = new Rng(SEED ^ 0x5bd1e995);
  const bases = baseFrames();
  const links = [...LINKS, LinkType.PPP, LinkType.PPP_HDLC, LinkType.NFLOG, LinkType.IEEE802_11, 127];
  const alone = new Decoder(), inside = new Decoder();
  const a = new Packet(), b = new Packet();
  const scratch = new Uint8Array(4096);
  const big = new Uint8Array(8192);
  const N = Math.min(FRAMES, 200_000);
  for (let i = 0; i < N; i++) {
    let len: number, linkType: number;
    if (rng.int(4) === 0) {
      len = rng.int(200);
      for (let j = 0; j < len; j++) scratch[j] = rng.next() & 255;
      linkType = links[rng.int(links.length)];
    } else {
      const base = bases[rng.int(bases.length)];
      scratch.set(base.bytes);
      len = base.bytes.length;
      linkType = rng.int(8) === 0 ? links[rng.int(links.length)] : base.linkType;
      for (let e = rng.int(3); e > 0; e--) {
        const at = rng.int(len + 1);
        if (at < len) scratch[at] = rng.next() & 255;
      }
      if (rng.int(3) === 0) len = rng.int(len + 1);
    }
    // the same bytes at an offset, with random bytes before and after: a decoder that reads outside
    // [off, off + caplen) or from index 0 decodes differently
    const off = rng.int(2048);
    for (let j = 0; j < off; j++) big[j] = rng.next() & 255;
    big.set(scratch.subarray(0, len), off);
    for (let j = off + len; j < off + len + 64; j++) big[j] = rng.next() & 255;
    const wire = rng.int(4) === 0 ? len + rng.int(1500) : len;
    const base = { caplen: len, len: wire, tsUs: 1_700_000_000_000_000 + i, linkType, iface: 0 };
    alone.decode({ ...base, buf: scratch.slice(0, len) }, a);
    inside.decode({ ...base, buf: big, off }, b);
    assert.equal(b.start, off);
    const sa = snapshot(a, alone), sb = snapshot(b, inside);
    if (sa !== sb) {
      assert.fail(`frame ${i} (link ${linkType}, ${len} bytes at ${off}) decodes differently:\n${sa}\n${sb}`);
    }
  }
});
