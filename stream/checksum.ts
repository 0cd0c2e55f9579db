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

function sumBytes(b: Uint8Array, start: number, end: number, sum: number): number {
  // the high and the low bytes of the 16-bit words summed apart, eight bytes a step, then put
  // together: the same sum of words, so the same folded checksum (below 2^32 for any IP packet)
  let hi = 0, lo = 0, i = start;
  for (const stop = end - 7; i < stop; i += 8) {
    hi += b[i] + b[i + 2] + b[i + 4] + b[i + 6];
    lo += b[i + 1] + b[i + 3] + b[i + 5] + b[i + 7];
  }
  const last = end - 1;
  for (; i < last; i += 2) {
    hi += b[i];
    lo += b[i + 1];
  }
  if (i === last) hi += b[i];
  return fold(sum + hi * 256 + lo);
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
