/** TCP checksums: the classification of right, wrong and offloaded checksums, against a plain word-by-word sum. */
import assert from "node:assert/strict";
import { IpProto, Packet } from "../decode/packet.ts";
import { CHECKSUM_BAD, CHECKSUM_OFFLOADED, CHECKSUM_OK, CHECKSUM_UNKNOWN, tcpChecksum } from "./checksum.ts";
import { mulberry32 } from "../core/prng.ts";

/** The reference: the one's-complement sum of 16-bit words, one word at a time, folded at each step. */
function wordSum(bytes: number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}

/**
 * A TCP segment over IPv4 or IPv6 with `len` random payload bytes, `pad` random bytes before it in
 * the buffer (a frame inside the reader's buffer) and its checksum field set by `field(sum, pseudo)`.
 */
function segment(
  random: () => number,
  o: { v6: boolean; len: number; pad: number; field: (right: number, pseudo: number) => number },
): { p: Packet; pseudo: number; field: number } {
  const ipHdr = o.v6 ? 40 : 20, tcpLen = 20 + o.len;
  const buf = new Uint8Array(o.pad + ipHdr + tcpLen + 7).map(() => Math.floor(random() * 256));
  const l3 = o.pad, l4 = l3 + ipHdr;
  const addr = Array.from(buf.subarray(l3 + (o.v6 ? 8 : 12), l3 + (o.v6 ? 40 : 20)));
  const pseudo = wordSum([...addr, 0, IpProto.TCP, tcpLen >>> 8, tcpLen & 0xff]);
  buf[l4 + 16] = buf[l4 + 17] = 0;
  const right = ~wordSum([...addr, 0, IpProto.TCP, tcpLen >>> 8, tcpLen & 0xff, ...buf.subarray(l4, l4 + tcpLen)]) &
    0xffff;
  const f = o.field(right, pseudo);
  buf[l4 + 16] = f >>> 8;
  buf[l4 + 17] = f & 0xff;
  const p = new Packet();
  p.reset();
  Object.assign(p, {
    buf,
    start: o.pad,
    end: l4 + tcpLen,
    ipVersion: o.v6 ? 6 : 4,
    l3Off: l3,
    ipHdrLen: ipHdr,
    ipLen: o.v6 ? tcpLen : ipHdr + tcpLen,
    proto: IpProto.TCP,
    hasL4: true,
    l4Off: l4,
    tcpHdrLen: 20,
    payloadOff: l4 + 20,
    payloadLen: o.len,
  });
  return { p, pseudo, field: f };
}

Deno.test("tcpChecksum: right, wrong and pseudo-header-only fields on IPv4 and IPv6, every length 0-1600, odd offsets", () => {
  const random = mulberry32(7);
  let offloaded = 0;
  for (let len = 0; len <= 1600; len++) {
    const v6 = len % 3 === 0, pad = len % 5;
    assert.equal(tcpChecksum(segment(random, { v6, len, pad, field: (r) => r }).p), CHECKSUM_OK, `len ${len}`);
    // one off: wrong, unless it happens to read as the pseudo-header sum (or its complement)
    const w = segment(random, { v6, len, pad, field: (r) => (r + 1) & 0xffff });
    const asPseudo = w.field === w.pseudo || w.field === (~w.pseudo & 0xffff);
    assert.equal(tcpChecksum(w.p), asPseudo ? CHECKSUM_OFFLOADED : CHECKSUM_BAD, `len ${len}`);
    // the pseudo-header sum only: offloaded, unless the segment's own words happen to make it right
    const r = tcpChecksum(segment(random, { v6, len, pad, field: (_r, p) => p }).p);
    assert.ok(r === CHECKSUM_OFFLOADED || r === CHECKSUM_OK, `len ${len}`);
    if (r === CHECKSUM_OFFLOADED) offloaded++;
  }
  assert.ok(offloaded > 1590, `${offloaded}`);
});

Deno.test("tcpChecksum: a segment not captured whole (IPv4 length past the payload) is unknown", () => {
  const { p } = segment(mulberry32(1), { v6: false, len: 100, pad: 0, field: (r) => r });
  p.ipLen += 10;
  assert.equal(tcpChecksum(p), CHECKSUM_UNKNOWN);
});

Deno.test("tcpChecksum: packets in views at any byte offset of a larger buffer, alternating between buffers", () => {
  const random = mulberry32(11);
  // each segment copied into a view at an odd offset of a buffer with random bytes around it (a reader's
  // chunk): the sum must read the view's bytes, not its buffer's, and follow the packet from view to view
  const views: { p: Packet; want: number }[] = [];
  for (let len = 0; len <= 300; len += 7) {
    for (const v6 of [false, true]) {
      const good = len % 2 === 0;
      const s = segment(random, { v6, len, pad: len % 4, field: (r) => good ? r : (r + 1) & 0xffff });
      const within = 1 + (len % 6);
      const big = new Uint8Array(s.p.buf.length + within + 9).map(() => Math.floor(random() * 256));
      const view = big.subarray(within, within + s.p.buf.length);
      view.set(s.p.buf);
      const want = tcpChecksum(s.p);
      s.p.buf = view;
      views.push({ p: s.p, want });
      if (good) assert.equal(want, CHECKSUM_OK);
    }
  }
  for (let round = 0; round < 3; round++) {
    for (const { p, want } of views) assert.equal(tcpChecksum(p), want);
  }
});

/** The reference classification: the packet's bytes copied out and summed a word at a time. */
function referenceChecksum(p: Packet): number {
  const bytes = Array.from(p.buf.subarray(p.l3Off, p.payloadOff + p.payloadLen));
  const l3 = 0, l4 = p.l4Off - p.l3Off, tcpLen = p.payloadOff + p.payloadLen - p.l4Off;
  const addr = p.ipVersion === 4 ? bytes.slice(l3 + 12, l3 + 20) : bytes.slice(l3 + 8, l3 + 40);
  const pseudoWords = [...addr, 0, IpProto.TCP, tcpLen >>> 8, tcpLen & 0xff];
  const pseudo = wordSum(pseudoWords);
  const all = wordSum([...pseudoWords, ...bytes.slice(l4, l4 + tcpLen)]);
  if (all === 0xffff) return CHECKSUM_OK;
  const field = (bytes[l4 + 16] << 8) | bytes[l4 + 17];
  return field === pseudo || field === (~pseudo & 0xffff) ? CHECKSUM_OFFLOADED : CHECKSUM_BAD;
}

Deno.test("tcpChecksum: live-style views (one ring buffer, a subarray per packet at its own offset) and buffers of their own, interleaved", () => {
  const random = mulberry32(23);
  const ring = new Uint8Array(512 * 1024).map(() => Math.floor(random() * 256));
  const packets: Packet[] = [];
  let at = 3;
  for (let n = 0; n < 400; n++) {
    const v6 = n % 3 === 0, len = (n * 37) % 700;
    const kind = n % 3; // right, one off, pseudo-header only
    const s = segment(random, {
      v6,
      len,
      pad: n % 4,
      field: (r, p) => kind === 0 ? r : kind === 1 ? (r + 1) & 0xffff : p,
    });
    if (n % 4 === 3) {
      // a buffer of its own (a reassembled datagram), between the ring's views
      packets.push(s.p);
      continue;
    }
    // a view of the ring at an offset of any alignment, the way the live source hands a captured frame out
    const view = ring.subarray(at, at + s.p.buf.length);
    view.set(s.p.buf);
    at += s.p.buf.length + (n % 7);
    s.p.buf = view;
    packets.push(s.p);
  }
  const kinds = new Set<number>();
  for (let round = 0; round < 2; round++) {
    for (const p of packets) {
      const want = referenceChecksum(p);
      kinds.add(want);
      assert.equal(tcpChecksum(p), want, `offset ${p.buf.byteOffset}, ${p.payloadLen} bytes`);
    }
  }
  assert.deepEqual([...kinds].sort(), [CHECKSUM_OK, CHECKSUM_BAD, CHECKSUM_OFFLOADED].sort());
});
