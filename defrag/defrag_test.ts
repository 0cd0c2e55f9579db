/** Fragment reassembly: order, overlap policies, evasion reports, IPv6, timeouts and memory caps. */
import assert from "node:assert/strict";
import { cat, eth, frag6, frame, ipv4, ipv6, tcp, udp } from "../decode/_test_frames.ts";
import { Decoder } from "../decode/decoder.ts";
import { EtherType } from "../decode/link.ts";
import { IpProto, ipToString, Packet } from "../decode/packet.ts";
import { Defragmenter, type FragmentOverlap } from "./defrag.ts";
import { insertPiece, laterWins, OVERLAP_POLICIES, type Piece } from "./overlap.ts";

const T0 = 1_700_000_000_000_000;

/** Splits an IPv4 datagram payload into fragments of `size` bytes (multiple of 8). */
function v4frags(
  payload: Uint8Array,
  size: number,
  o: { src?: string; dst?: string; id?: number; proto?: number } = {},
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, Math.min(payload.length, off + size));
    out.push(cat(
      eth(EtherType.IPV4),
      ipv4({
        src: o.src ?? "10.0.0.66",
        dst: o.dst ?? "10.0.0.1",
        proto: o.proto ?? IpProto.TCP,
        id: o.id ?? 0x4242,
        fragOff: off / 8,
        mf: off + size < payload.length,
      }, part),
    ));
  }
  return out;
}

function run(frames: Uint8Array[], d: Defragmenter, dec = new Decoder(), tsStep = 1000) {
  const pkt = new Packet();
  const out: { src: string; dst: string; proto: number; sp: number; dp: number; flags: number; payload: string }[] = [];
  let ts = T0;
  for (const f of frames) {
    dec.decode(frame(f, 1, f.length, ts), pkt);
    ts += tsStep;
    if (!pkt.isFragment) continue;
    const dg = d.add(pkt, dec.events);
    if (dg === null) continue;
    dec.decodeDatagram(dg, pkt);
    out.push({
      src: ipToString(pkt.src),
      dst: ipToString(pkt.dst),
      proto: pkt.proto,
      sp: pkt.srcPort,
      dp: pkt.dstPort,
      flags: pkt.tcpFlags,
      payload: new TextDecoder().decode(pkt.payload()),
    });
  }
  return { out, dec };
}

const SYN = tcp({ sp: 40000, dp: 80, flags: 0x02, seq: 1 });

Deno.test("nmap -f style 8-byte fragments of a SYN rebuild the TCP header; the first is a tiny-fragment event", () => {
  const frames = v4frags(SYN, 8);
  assert.equal(frames.length, 3);
  const d = new Defragmenter();
  const { out, dec } = run(frames, d);
  assert.deepEqual(out, [{ src: "10.0.0.66", dst: "10.0.0.1", proto: 6, sp: 40000, dp: 80, flags: 2, payload: "" }]);
  assert.deepEqual(dec.events.toObject(), { "ipv4.frag_tiny_first": 1 });
  assert.equal(d.size, 0);
  assert.equal(d.bytes, 0);
});

Deno.test("fragments in any order (last first, shuffled, duplicated) rebuild the same datagram", () => {
  const body = tcp(
    { sp: 1234, dp: 8081, flags: 0x18 },
    new TextEncoder().encode("GET /?id=1' OR '1'='1 HTTP/1.1\r\n\r\n"),
  );
  const frames = v4frags(body, 16);
  for (const order of [[...frames].reverse(), [frames[2], frames[0], frames[3], frames[1], ...frames.slice(4)]]) {
    const withDup = [...order.slice(0, 2), order[0], ...order.slice(2)];
    const { out, dec } = run(withDup, new Defragmenter());
    assert.equal(out.length, 1);
    assert.equal(out[0].dp, 8081);
    assert.equal(out[0].payload, "GET /?id=1' OR '1'='1 HTTP/1.1\r\n\r\n");
    assert.equal(dec.events.toObject()["defrag.overlap"], 1, "the duplicate is an overlap");
    assert.equal(dec.events.toObject()["defrag.overlap_different_data"], undefined, "with the same data");
  }
});

Deno.test("overlap with different data: reported once per fragment, resolved by the policy", () => {
  const real = tcp({ sp: 1234, dp: 80, flags: 0x18 }, new TextEncoder().encode("AAAAAAAABBBBBBBB"));
  const frames = v4frags(real, 8); // 20 TCP header + 16 payload = 36 bytes: 5 fragments
  // a second copy of fragment 3 (payload bytes 4–11: "AAAABBBB") with different data, sent after the first
  const fake = cat(real.subarray(0, 24), new TextEncoder().encode("XXXXYYYY"), real.subarray(32));
  const fakeFrag = v4frags(fake, 8)[3];
  const seen: FragmentOverlap[] = [];
  for (const policy of OVERLAP_POLICIES) {
    const d = new Defragmenter({ policy, onOverlap: (o) => seen.push(o) });
    const order = [frames[0], frames[1], frames[2], frames[3], fakeFrag, frames[4]];
    const { out, dec } = run(order, d);
    const kept = out[0].payload;
    // same offset, same length: only "last" takes the later copy
    assert.equal(kept, policy === "last" ? "AAAAXXXXYYYYBBBB" : "AAAAAAAABBBBBBBB", policy);
    assert.equal(dec.events.toObject()["defrag.overlap_different_data"], 1);
  }
  assert.equal(seen.length, OVERLAP_POLICIES.length);
  assert.deepEqual({ ...seen[0], tsUs: 0 }, {
    tsUs: 0,
    src: 0x0a000042,
    dst: 0x0a000001,
    version: 4,
    proto: 6,
    id: 0x4242,
    start: 24,
    end: 32,
    keptLater: false,
    policy: "first",
  });
});

Deno.test("laterWins and insertPiece follow the policy table", () => {
  // later [0,16) over earlier [8,16): starts before
  assert.deepEqual(OVERLAP_POLICIES.map((p) => laterWins(p, 0, 16, 8, 16)), [false, true, true, true, true]);
  // same start, longer
  assert.deepEqual(OVERLAP_POLICIES.map((p) => laterWins(p, 8, 24, 8, 16)), [false, true, false, true, false]);
  // starts after
  assert.deepEqual(OVERLAP_POLICIES.map((p) => laterWins(p, 12, 24, 8, 16)), [false, true, false, false, false]);
  // starts before but ends inside
  assert.deepEqual(OVERLAP_POLICIES.map((p) => laterWins(p, 0, 12, 8, 16)), [false, true, true, true, false]);
  const pieces: Piece[] = [];
  const b = (s: string) => new TextEncoder().encode(s);
  insertPiece(pieces, 8, b("abcdefgh"), "bsd");
  const r = insertPiece(pieces, 4, b("WXYZabcDEFGH"), "bsd"); // starts before: the later copy wins under bsd
  assert.equal(r.overlapBytes, 8);
  assert.deepEqual([r.differentStart, r.differentEnd, r.newWonDifferent], [11, 16, true]);
  const text = pieces.map((p) => `${p.start}:${new TextDecoder().decode(p.data)}`);
  assert.deepEqual(text, ["4:WXYZabcDEFGH"]);
});

Deno.test("IPv6 fragments rebuild a UDP datagram with the fragment header removed", () => {
  const body = udp(5353, 53, new TextEncoder().encode("0123456789abcdefghijklmnopqrstuv"));
  const frames: Uint8Array[] = [];
  for (let off = 0; off < body.length; off += 16) {
    const part = body.subarray(off, off + 16);
    frames.push(cat(
      eth(EtherType.IPV6),
      ipv6(
        { src: "fd00::66", dst: "fd00::1", next: 44 },
        cat(frag6(IpProto.UDP, off / 8, off + 16 < body.length, 7), part),
      ),
    ));
  }
  const { out, dec } = run([frames[2], frames[0], frames[1]], new Defragmenter());
  assert.deepEqual(out, [{
    src: "fd00::66",
    dst: "fd00::1",
    proto: 17,
    sp: 5353,
    dp: 53,
    flags: 0,
    payload: "0123456789abcdefghijklmnopqrstuv",
  }]);
  assert.deepEqual(dec.events.toObject(), {});
});

Deno.test("a datagram that never completes times out on packet time", () => {
  const frames = v4frags(SYN, 8);
  const d = new Defragmenter({ timeoutS: 30 });
  const { dec } = run([frames[0], frames[1]], d);
  assert.equal(d.size, 1);
  d.expire(T0 + 29_000_000, dec.events);
  assert.equal(d.size, 1);
  d.expire(T0 + 31_000_000, dec.events);
  assert.equal(d.size, 0);
  assert.equal(d.bytes, 0);
  assert.equal(dec.events.toObject()["defrag.timeout"], 1);
});

Deno.test("ping of death: a fragment ending past 65535 bytes is an event, not held", () => {
  const f = cat(
    eth(EtherType.IPV4),
    ipv4({ src: "1.1.1.1", dst: "2.2.2.2", proto: 1, fragOff: 8189 }, new Uint8Array(64)),
  );
  const d = new Defragmenter();
  const { dec } = run([f], d);
  assert.equal(d.size, 0);
  assert.deepEqual(dec.events.toObject(), { "ipv4.frag_overflow": 1 });
});

Deno.test("fragment flood of random ids from many sources stays inside the caps, counted", () => {
  const maxBytes = 1 << 20, perSource = 128 << 10, maxTrackers = 4096;
  const d = new Defragmenter({ maxBytes, maxBytesPerSource: perSource, maxTrackers });
  const dec = new Decoder();
  const pkt = new Packet();
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  let maxHeld = 0, maxSize = 0;
  const payload = new Uint8Array(1200);
  for (let i = 0; i < 60_000; i++) {
    const r = rnd();
    // 200 sources; one of them sends a third of the flood
    const src = i % 3 === 0 ? "10.9.9.9" : `10.${(r >>> 8) & 255}.0.${r % 200}`;
    const f = cat(
      eth(EtherType.IPV4),
      ipv4({ src, dst: "10.0.0.1", proto: 17, id: rnd() & 0xffff, mf: true, fragOff: 0 }, payload),
    );
    dec.decode(frame(f, 1, f.length, T0 + i * 10), pkt);
    assert.equal(d.add(pkt, dec.events), null);
    if (d.bytes > maxHeld) maxHeld = d.bytes;
    if (d.size > maxSize) maxSize = d.size;
  }
  const c = d.counters;
  assert.ok(maxHeld <= maxBytes, `held ${maxHeld} ≤ ${maxBytes}`);
  assert.ok(maxSize <= maxTrackers);
  assert.ok(c.evicted > 0, "oldest datagrams were evicted");
  assert.ok(c.sourceLimited > 0, "the heavy source hit its own cap");
  const ev = dec.events.toObject();
  assert.equal(ev["defrag.evicted"], c.evicted);
  assert.equal(ev["defrag.source_limit"], c.sourceLimited);
});
