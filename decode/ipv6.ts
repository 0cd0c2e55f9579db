/**
 * IPv6: fixed header and the extension-header chain.
 *
 * @module
 */
import { type DecodeEvents, Ev } from "./events.ts";
import { decodeL4, minL4Header } from "./l4.ts";
import type { Packet } from "./packet.ts";

const HOP_BY_HOP = 0,
  ROUTING = 43,
  FRAGMENT = 44,
  ESP = 50,
  AH = 51,
  NO_NEXT = 59,
  DEST_OPTS = 60,
  MOBILITY = 135,
  HIP = 139,
  SHIM6 = 140;
const MAX_EXT = 8;

/** Canonical text (RFC 5952) of the 16-byte address at `off`. */
export function ipv6ToString(b: Uint8Array, off: number): string {
  // longest run of zero groups (length ≥ 2) is compressed
  let bestStart = -1, bestLen = 0, curStart = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    const g = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
    if (g === 0) {
      if (curStart < 0) curStart = i;
      curLen++;
      if (curLen > bestLen) {
        bestLen = curLen;
        bestStart = curStart;
      }
    } else {
      curStart = -1;
      curLen = 0;
    }
  }
  if (bestLen < 2) bestStart = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(":")) s += ":";
    s += ((b[off + 2 * i] << 8) | b[off + 2 * i + 1]).toString(16);
  }
  // IPv4-mapped addresses are conventionally shown with a dotted quad
  if (bestStart === 0 && bestLen === 5 && b[off + 10] === 0xff && b[off + 11] === 0xff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  return s;
}

/** Slots of the address text cache of {@link ipv6Text} (direct-mapped, 2^12). */
const TEXT_CACHE_BITS = 12;
const textCacheWords = new Int32Array(4 << TEXT_CACHE_BITS);
const textCacheText: (string | undefined)[] = new Array(1 << TEXT_CACHE_BITS).fill(undefined);

function word(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/**
 * {@link ipv6ToString} through a small direct-mapped cache keyed by the 16 bytes: the addresses of
 * a busy link repeat packet after packet, so decoding them allocates no new text (as IPv4 keys
 * allocate nothing). Bounded (4,096 entries); a spoofed-source flood only replaces entries.
 */
export function ipv6Text(b: Uint8Array, off: number): string {
  const w0 = word(b, off), w1 = word(b, off + 4), w2 = word(b, off + 8), w3 = word(b, off + 12);
  let h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1), 0x85ebca6b);
  h = Math.imul(h ^ w2, 0xc2b2ae35) ^ w3;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  const i = (h ^ (h >>> 13)) >>> (32 - TEXT_CACHE_BITS);
  const j = i << 2, words = textCacheWords;
  const cached = textCacheText[i];
  if (cached !== undefined && words[j] === w0 && words[j + 1] === w1 && words[j + 2] === w2 && words[j + 3] === w3) {
    return cached;
  }
  const text = ipv6ToString(b, off);
  words[j] = w0;
  words[j + 1] = w1;
  words[j + 2] = w2;
  words[j + 3] = w3;
  textCacheText[i] = text;
  return text;
}

/** Decodes an IPv6 header at `off`, walks extension headers, then the layer 4 header. */
export function decodeIpv6(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf, n = pkt.end;
  if (n - off < 40) {
    ev.add(Ev["ipv6.truncated"]);
    return;
  }
  if ((b[off] >> 4) !== 6) {
    ev.add(Ev["ipv6.bad_version"]);
    return;
  }
  const plen = (b[off + 4] << 8) | b[off + 5];
  // payload length 0 with a hop-by-hop header: a jumbogram (BIG TCP); the frame holds it all
  const declaredEnd = plen === 0 && b[off + 6] === HOP_BY_HOP ? n : off + 40 + plen;
  let end = declaredEnd;
  if (end > n) {
    if (pkt.wireLen > n - pkt.start) ev.add(Ev["ipv6.snaplen_cut"]);
    else ev.add(Ev["ipv6.length_exceeds_frame"]);
    end = n;
  }
  pkt.ipVersion = 6;
  pkt.l3Off = off;
  pkt.ipLen = 40 + plen;
  pkt.ttl = b[off + 7];
  pkt.src = ipv6Text(b, off + 8);
  pkt.dst = ipv6Text(b, off + 24);
  let next = b[off + 6];
  let p = off + 40;
  let nextAt = off + 6;
  for (let count = 0;; count++) {
    if (
      next !== HOP_BY_HOP && next !== ROUTING && next !== FRAGMENT && next !== DEST_OPTS && next !== AH &&
      next !== MOBILITY && next !== HIP && next !== SHIM6
    ) break;
    if (count === MAX_EXT) {
      ev.add(Ev["ipv6.too_many_exthdrs"]);
      pkt.proto = next;
      pkt.ipHdrLen = p - off;
      return;
    }
    if (end - p < 8) {
      ev.add(Ev["ipv6.exthdr_truncated"]);
      pkt.proto = next;
      pkt.ipHdrLen = p - off;
      return;
    }
    const hdrNext = b[p];
    let len: number;
    if (next === FRAGMENT) {
      len = 8;
      const fo = (b[p + 2] << 8) | b[p + 3];
      const offset = fo >> 3;
      pkt.isFragment = true;
      if (offset !== 0) pkt.isLaterFragment = true;
      pkt.fragId = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
      pkt.fragOffset = offset << 3;
      pkt.fragMore = (fo & 1) !== 0;
      pkt.fragHdrOff = p;
      pkt.fragNextAt = nextAt;
      pkt.fragDataOff = p + 8;
      pkt.fragDataEnd = end;
    } else if (next === AH) len = (b[p + 1] + 2) << 2;
    else len = (b[p + 1] + 1) << 3;
    if (end - p < len) {
      ev.add(Ev["ipv6.exthdr_truncated"]);
      pkt.proto = next;
      pkt.ipHdrLen = p - off;
      return;
    }
    nextAt = p;
    p += len;
    next = hdrNext;
  }
  pkt.proto = next;
  pkt.ipHdrLen = p - off;
  if (next === ESP || next === NO_NEXT || pkt.isLaterFragment) return;
  if (pkt.isFragment && pkt.fragMore && declaredEnd - p < minL4Header(next)) {
    ev.add(Ev["ipv6.frag_tiny_first"]);
    return;
  }
  decodeL4(pkt, p, end, ev);
}
