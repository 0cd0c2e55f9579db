/**
 * Test helper: hand-built frames, layer by layer, with known field values. Not used by the product.
 *
 * @module
 */
import type { Frame } from "../capture/packet_source.ts";

/** Concatenates byte arrays / byte lists. */
export function cat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Big-endian 16-bit value as two bytes. */
export function be16(v: number): number[] {
  return [(v >> 8) & 255, v & 255];
}

/** Big-endian 32-bit value as four bytes. */
export function be32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** Dotted quad → 4 bytes. */
export function v4(s: string): number[] {
  const p = s.split(".").map(Number);
  if (p.length !== 4) throw new Error(`bad IPv4 ${s}`);
  return p;
}

/** Dotted quad → uint32. */
export function v4n(s: string): number {
  const [a, b, c, d] = v4(s);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** IPv6 text (with `::` and an optional trailing dotted quad) → 16 bytes. */
export function v6(s: string): number[] {
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    s = s.slice(0, quad.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const hs = head ? head.split(":") : [];
  const ts = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill("0"), ...ts];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${s}`);
  return groups.flatMap((g) => be16(parseInt(g, 16)));
}

/** Ethernet II header. */
export function eth(
  type: number,
  dst = [0, 0x11, 0x22, 0x33, 0x44, 0x55],
  src = [0, 0x66, 0x77, 0x88, 0x99, 0xaa],
): number[] {
  return [...dst, ...src, ...be16(type)];
}

/** An 802.1Q / 802.1ad tag: TPID, then PCP/DEI/VID, then the next EtherType (written by the caller). */
export function vlanTag(tpid: number, vid: number, pcp = 0): number[] {
  return [...be16(tpid), ...be16((pcp << 13) | vid)];
}

/** IPv4 header fields. */
export interface Ipv4Opts {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  id?: number;
  /** Fragment offset in 8-byte units. */
  fragOff?: number;
  mf?: boolean;
  df?: boolean;
  /** Option bytes (padded to a multiple of 4 here). */
  options?: readonly number[];
  /** Overrides the total length field. */
  totalLen?: number;
}

/** Fills in the checksum of a whole TCP segment (field zero) after a pseudo-header of `addrs` (4 or 16 bytes each). */
function fillTcpChecksum(seg: Uint8Array, addrs: number[]): Uint8Array {
  if (seg.length < 20 || seg[16] !== 0 || seg[17] !== 0) return seg;
  let sum = 6 + seg.length;
  for (let i = 0; i < addrs.length; i += 2) sum += (addrs[i] << 8) | addrs[i + 1];
  for (let i = 0; i < seg.length; i += 2) sum += (seg[i] << 8) | (seg[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const out = seg.slice();
  const c = ~sum & 0xffff;
  out[16] = c >> 8;
  out[17] = c & 255;
  return out;
}

/**
 * IPv4 header + payload. The IP header checksum is left zero (the decoder does not verify it); a
 * whole TCP segment of an unfragmented packet gets its real checksum (the stream stage checks it).
 */
export function ipv4(o: Ipv4Opts, payload: Uint8Array): Uint8Array {
  if (o.proto === 6 && !o.mf && !o.fragOff && o.totalLen === undefined) {
    payload = fillTcpChecksum(payload, [...v4(o.src), ...v4(o.dst)]);
  }
  const opts = [...(o.options ?? [])];
  while (opts.length & 3) opts.push(0);
  const hlen = 20 + opts.length;
  const total = o.totalLen ?? hlen + payload.length;
  const frag = (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | (o.fragOff ?? 0);
  return cat(
    [0x40 | (hlen >> 2), 0, ...be16(total), ...be16(o.id ?? 0x1234), ...be16(frag), o.ttl ?? 64, o.proto, 0, 0],
    v4(o.src),
    v4(o.dst),
    opts,
    payload,
  );
}

/** IPv6 fixed header + payload (ext headers included in the payload; a TCP segment right after the header gets its checksum). */
export function ipv6(
  o: { src: string; dst: string; next: number; hop?: number; plen?: number },
  payload: Uint8Array,
): Uint8Array {
  if (o.next === 6 && o.plen === undefined) payload = fillTcpChecksum(payload, [...v6(o.src), ...v6(o.dst)]);
  return cat(
    [0x60, 0, 0, 0, ...be16(o.plen ?? payload.length), o.next, o.hop ?? 64],
    v6(o.src),
    v6(o.dst),
    payload,
  );
}

/** A generic IPv6 extension header of (len8+1)*8 bytes (hop-by-hop, routing, dest opts). */
export function ext6(next: number, len8: number, fill = 0): number[] {
  const b = new Array((len8 + 1) * 8).fill(fill);
  b[0] = next;
  b[1] = len8;
  return b;
}

/** IPv6 fragment header. */
export function frag6(next: number, offset8: number, more: boolean, id = 0xabcdef01): number[] {
  return [next, 0, ...be16((offset8 << 3) | (more ? 1 : 0)), ...be32(id)];
}

/** TCP header fields. */
export interface TcpOpts {
  sp: number;
  dp: number;
  seq?: number;
  ack?: number;
  flags: number;
  win?: number;
  /** Option bytes (padded to a multiple of 4 with NOPs... zeros here). */
  options?: readonly number[];
  /** Overrides the data offset (in 32-bit words). */
  doff?: number;
}

/** TCP header + payload. */
export function tcp(o: TcpOpts, payload: Uint8Array | readonly number[] = []): Uint8Array {
  const opts = [...(o.options ?? [])];
  while (opts.length & 3) opts.push(0);
  const doff = o.doff ?? (20 + opts.length) >> 2;
  return cat(
    [
      ...be16(o.sp),
      ...be16(o.dp),
      ...be32(o.seq ?? 0),
      ...be32(o.ack ?? 0),
      doff << 4,
      o.flags,
      ...be16(o.win ?? 65535),
    ],
    [0, 0, 0, 0],
    opts,
    payload,
  );
}

/** UDP header + payload. */
export function udp(sp: number, dp: number, payload: Uint8Array | readonly number[] = [], len?: number): Uint8Array {
  return cat([...be16(sp), ...be16(dp), ...be16(len ?? 8 + payload.length), 0, 0], payload);
}

/** ICMP / ICMPv6 header (type, code, checksum, 4 more bytes) + payload. */
export function icmp(
  type: number,
  code: number,
  rest: readonly number[] = [0, 1, 0, 1],
  payload: Uint8Array | readonly number[] = [],
): Uint8Array {
  return cat([type, code, 0, 0], rest, payload);
}

/** ARP for Ethernet/IPv4. */
export function arp(op: number, spa: string, tpa: string): Uint8Array {
  return cat(
    [0, 1, 8, 0, 6, 4, ...be16(op)],
    [0, 0x66, 0x77, 0x88, 0x99, 0xaa],
    v4(spa),
    [0, 0, 0, 0, 0, 0],
    v4(tpa),
  );
}

/** Linux cooked v1 header. */
export function sll(proto: number): number[] {
  return [...be16(0), ...be16(1), ...be16(6), 0, 0x66, 0x77, 0x88, 0x99, 0xaa, 0, 0, ...be16(proto)];
}

/** Linux cooked v2 header. */
export function sll2(proto: number): number[] {
  return [...be16(proto), 0, 0, ...be32(3), ...be16(1), 0, 6, 0, 0x66, 0x77, 0x88, 0x99, 0xaa, 0, 0];
}

/** BSD loopback header: `family` in little-endian (NULL on x86) or big-endian (LOOP / NULL on BE hosts). */
export function nullHdr(family: number, bigEndian: boolean): number[] {
  return bigEndian ? be32(family) : be32(family).reverse();
}

/** A frame record for the decoder. */
export function frame(buf: Uint8Array, linkType: number, len = buf.length, tsUs = 1_700_000_000_000_000): Frame {
  return { buf, caplen: buf.length, len, tsUs, linkType, iface: 0 };
}

/** A repeating payload of `n` bytes. */
export function payload(n: number, seed = 0x41): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (seed + i) & 255;
  return p;
}
