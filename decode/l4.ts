/**
 * Layer 4: TCP (flags, options length, payload), UDP, ICMP, ICMPv6.
 *
 * @module
 */
import { type DecodeEvents, Ev } from "./events.ts";
import { IpProto, type Packet } from "./packet.ts";

/** Smallest header of an upper-layer protocol (TCP 20, UDP 8, ICMP/ICMPv6 4, others 0). */
export function minL4Header(proto: number): number {
  return proto === IpProto.TCP
    ? 20
    : proto === IpProto.UDP
    ? 8
    : proto === IpProto.ICMP || proto === IpProto.ICMPV6
    ? 4
    : 0;
}

/** Decodes the layer 4 header at `off`; `end` is the end of the IP payload within the captured bytes. */
export function decodeL4(pkt: Packet, off: number, end: number, ev: DecodeEvents): void {
  const b = pkt.buf;
  const avail = end - off;
  switch (pkt.proto) {
    case IpProto.TCP: {
      if (avail < 20) {
        ev.add(Ev["tcp.truncated"]);
        return;
      }
      const hlen = (b[off + 12] >> 4) << 2;
      if (hlen < 20) {
        ev.add(Ev["tcp.header_too_small"]);
        return;
      }
      pkt.srcPort = (b[off] << 8) | b[off + 1];
      pkt.dstPort = (b[off + 2] << 8) | b[off + 3];
      pkt.tcpSeq = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
      pkt.tcpAck = ((b[off + 8] << 24) | (b[off + 9] << 16) | (b[off + 10] << 8) | b[off + 11]) >>> 0;
      pkt.tcpFlags = b[off + 13];
      pkt.tcpWindow = (b[off + 14] << 8) | b[off + 15];
      pkt.tcpHdrLen = hlen;
      pkt.l4Off = off;
      pkt.hasL4 = true;
      if (hlen > avail) {
        // ports and flags are known; options were cut
        ev.add(Ev["tcp.options_truncated"]);
        pkt.payloadOff = end;
        pkt.payloadLen = 0;
        return;
      }
      pkt.payloadOff = off + hlen;
      pkt.payloadLen = avail - hlen;
      return;
    }
    case IpProto.UDP: {
      if (avail < 8) {
        ev.add(Ev["udp.truncated"]);
        return;
      }
      const ulen = (b[off + 4] << 8) | b[off + 5];
      pkt.srcPort = (b[off] << 8) | b[off + 1];
      pkt.dstPort = (b[off + 2] << 8) | b[off + 3];
      pkt.l4Off = off;
      pkt.hasL4 = true;
      pkt.payloadOff = off + 8;
      if (ulen < 8) {
        ev.add(Ev["udp.bad_length"]);
        pkt.payloadLen = avail - 8;
      } else {
        // a length field beyond the IP payload the IP header declares (tshark: "Bad length value > IP payload
        // length"); a snaplen cut is not this (the declared payload is still whole); a first fragment is not either
        const ipPayload = pkt.l3Off + pkt.ipLen - off;
        if (ulen > ipPayload && ipPayload >= 8 && !pkt.isFragment) ev.add(Ev["udp.length_exceeds_payload"]);
        pkt.payloadLen = Math.min(ulen, avail) - 8;
      }
      return;
    }
    case IpProto.ICMP:
    case IpProto.ICMPV6: {
      if (avail < 4) {
        ev.add(Ev[pkt.proto === IpProto.ICMP ? "icmp.truncated" : "icmpv6.truncated"]);
        return;
      }
      pkt.icmpType = b[off];
      pkt.icmpCode = b[off + 1];
      pkt.l4Off = off;
      pkt.hasL4 = true;
      pkt.payloadOff = off + 4;
      pkt.payloadLen = avail - 4;
      return;
    }
    default:
      ev.add(Ev["l4.unknown_protocol"]);
  }
}
