/**
 * TCP checksums (RFC 793 / RFC 2460 pseudo-header) and what they say about the capture.
 *
 * A segment captured on the host that sent it, with checksum offload on, holds only the
 * pseudo-header sum in its checksum field (the NIC fills in the rest): {@link tcpChecksum} reports
 * it as `OFFLOADED`, distinct from a checksum that is simply wrong.
 *
 * @module
 */
import { IpProto, type Packet } from "../decode/packet.ts";

/** The checksum is right. */
export const CHECKSUM_OK = 0;
/** The checksum is wrong: the receiver drops the segment. */
export const CHECKSUM_BAD = 1;
/** The field holds the pseudo-header sum only: captured before the NIC computed it (offload). */
export const CHECKSUM_OFFLOADED = 2;
/** Not enough bytes captured to tell (snaplen). */
export const CHECKSUM_UNKNOWN = 3;

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * A `DataView` of the whole `ArrayBuffer` last summed, keyed by the buffer, not the view: a file reader hands many
 * packets of one view in a row, the live source a new subarray of one ring buffer per packet, a reassembled datagram
 * a buffer of its own (indexes add the view's `byteOffset`; on a resizable buffer the view tracks its length).
 */
let viewOf: ArrayBufferLike | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
/** The last `Uint8Array` summed and its `byteOffset` (the common case: the same view again). */
let lastBytes: Uint8Array | null = null;
let lastOff = 0;

function sumBytes(b: Uint8Array, start: number, end: number, sum: number): number {
  // eight bytes a step as two big-endian 32-bit loads, their high and low 16-bit words summed apart,
  // then put together: the same sum of words, so the same folded checksum (below 2^32 for any IP packet)
  if (b !== lastBytes) {
    const buffer = b.buffer;
    if (buffer !== viewOf) {
      viewOf = buffer;
      view = new DataView(buffer);
    }
    lastBytes = b;
    lastOff = b.byteOffset;
  }
  const v = view, off = lastOff;
  let hi = 0, lo = 0, i = start;
  for (const stop = end - 15; i < stop; i += 16) {
    const j = off + i;
    const x = v.getUint32(j), y = v.getUint32(j + 4), z = v.getUint32(j + 8), u = v.getUint32(j + 12);
    hi += (x >>> 16) + (y >>> 16) + (z >>> 16) + (u >>> 16);
    lo += (x & 0xffff) + (y & 0xffff) + (z & 0xffff) + (u & 0xffff);
  }
  for (const stop = end - 3; i < stop; i += 4) {
    const x = v.getUint32(off + i);
    hi += x >>> 16;
    lo += x & 0xffff;
  }
  const last = end - 1;
  for (; i < last; i += 2) lo += (b[i] << 8) | b[i + 1];
  if (i === last) lo += b[i] << 8;
  return fold(sum + hi + lo);
}

function addrSum(pkt: Packet): number {
  const b = pkt.buf, o = pkt.l3Off;
  if (pkt.ipVersion === 4) return sumBytes(b, o + 12, o + 20, 0);
  return sumBytes(b, o + 8, o + 40, 0);
}

/**
 * Verifies the TCP checksum of a decoded TCP packet: {@link CHECKSUM_OK}, {@link CHECKSUM_BAD},
 * {@link CHECKSUM_OFFLOADED} or {@link CHECKSUM_UNKNOWN}.
 */
export function tcpChecksum(pkt: Packet): number {
  const b = pkt.buf;
  const tcpLen = pkt.payloadOff + pkt.payloadLen - pkt.l4Off;
  // the segment must be captured whole (the IP length says how long it is)
  const ipEnd = pkt.l3Off + pkt.ipLen;
  if (pkt.ipVersion === 4 && ipEnd !== pkt.payloadOff + pkt.payloadLen) return CHECKSUM_UNKNOWN;
  if (pkt.ipVersion === 6 && ipEnd > pkt.end) return CHECKSUM_UNKNOWN;
  const pseudo = fold(addrSum(pkt) + IpProto.TCP + tcpLen);
  const field = (b[pkt.l4Off + 16] << 8) | b[pkt.l4Off + 17];
  const all = sumBytes(b, pkt.l4Off, pkt.l4Off + tcpLen, pseudo);
  if (all === 0xffff) return CHECKSUM_OK;
  // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum (some stacks: its complement)
  if (field === pseudo || field === (~pseudo & 0xffff)) return CHECKSUM_OFFLOADED;
  return CHECKSUM_BAD;
}
