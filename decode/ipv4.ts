/**
 * IPv4: header with options, fragments flagged, lengths checked once.
 *
 * @module
 */
import { type DecodeEvents, Ev } from "./events.ts";
import { decodeL4, minL4Header } from "./l4.ts";
import type { Packet } from "./packet.ts";

/** Scratch for the addresses as unsigned 32-bit numbers. */
const u32 = new Uint32Array(2);

/** Decodes an IPv4 header at `off` and the layer 4 header after it. */
export function decodeIpv4(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf, n = pkt.end;
  const avail = n - off;
  if (avail < 20) {
    ev.add(Ev["ipv4.truncated"]);
    return;
  }
  const vhl = b[off];
  if ((vhl >> 4) !== 4) {
    ev.add(Ev["ipv4.bad_version"]);
    return;
  }
  const hlen = (vhl & 15) << 2;
  if (hlen < 20) {
    ev.add(Ev["ipv4.header_too_small"]);
    return;
  }
  if (hlen > avail) {
    ev.add(Ev["ipv4.truncated"]);
    return;
  }
  let total = (b[off + 2] << 8) | b[off + 3];
  // 0 on the sending host of a TSO/GSO or BIG TCP capture: the frame holds the whole datagram (as long
  // as the frame on the wire: a live capture cuts super-frames at its snaplen, which is a cut, not the end)
  if (total === 0) total = Math.max(avail, pkt.wireLen - (off - pkt.start));
  if (total < hlen) {
    ev.add(Ev["ipv4.length_too_small"]);
    return;
  }
  const declaredEnd = off + total;
  let end = declaredEnd;
  if (total > avail) {
    // captured less than the header claims: cut by snaplen, or a lying length field
    if (pkt.wireLen > n - pkt.start) ev.add(Ev["ipv4.snaplen_cut"]);
    else ev.add(Ev["ipv4.length_exceeds_frame"]);
    end = n;
  }
  const frag = (b[off + 6] << 8) | b[off + 7];
  const fragOff = frag & 0x1fff;
  pkt.isFragment = (frag & 0x2000) !== 0 || fragOff !== 0;
  pkt.isLaterFragment = fragOff !== 0;
  if (pkt.isFragment) {
    pkt.fragId = (b[off + 4] << 8) | b[off + 5];
    pkt.fragOffset = fragOff << 3;
    pkt.fragMore = (frag & 0x2000) !== 0;
    pkt.fragDataOff = off + hlen;
    pkt.fragDataEnd = end;
  }
  pkt.ipVersion = 4;
  pkt.l3Off = off;
  pkt.ipHdrLen = hlen;
  pkt.ipLen = total;
  pkt.ipOptions = hlen > 20;
  pkt.ttl = b[off + 8];
  pkt.proto = b[off + 9];
  // unsigned through a Uint32Array rather than `>>> 0`: a capture whose first addresses are below 128.0.0.0 teaches
  // the optimizing compiler 31-bit results, and the first address above would throw away the decoder's optimized
  // code (a "lost precision" deoptimization); a typed array's unsigned load needs no such guess
  u32[0] = (b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15];
  u32[1] = (b[off + 16] << 24) | (b[off + 17] << 16) | (b[off + 18] << 8) | b[off + 19];
  pkt.src = u32[0];
  pkt.dst = u32[1];
  if (pkt.isLaterFragment) return;
  if (pkt.isFragment && declaredEnd - (off + hlen) < minL4Header(pkt.proto)) {
    // a first fragment too small to hold the transport header (nmap -f): the ports are in later fragments
    ev.add(Ev["ipv4.frag_tiny_first"]);
    return;
  }
  decodeL4(pkt, off + hlen, end, ev);
}
