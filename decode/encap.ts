/**
 * Encapsulations between the link layer and IP: MPLS label stacks, PPPoE sessions and PPP (RFC 1661,
 * in HDLC-like framing per RFC 1662, and Cisco HDLC).
 *
 * @module
 */
import { type DecodeEvents, Ev } from "./events.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import type { Packet } from "./packet.ts";

/** Most MPLS labels followed before the stack is called malformed. */
const MAX_MPLS_LABELS = 16;

/** PPP protocol numbers handled. */
export const PppProto = { IPV4: 0x0021, IPV6: 0x0057, MPLS: 0x0281 } as const;

/**
 * MPLS (EtherType 0x8847/0x8848): 4-byte label entries up to the one with the bottom-of-stack bit;
 * the payload's version nibble picks IPv4 or IPv6 (explicit-null and pseudowire payloads with a
 * control word are not decoded).
 */
export function decodeMpls(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf, n = pkt.end;
  for (let labels = 0;; labels++) {
    if (labels === MAX_MPLS_LABELS) {
      ev.add(Ev["mpls.too_many_labels"]);
      return;
    }
    if (n - off < 4) {
      ev.add(Ev["mpls.truncated"]);
      return;
    }
    const bottom = (b[off + 2] & 1) !== 0;
    off += 4;
    if (bottom) break;
  }
  if (off >= n) {
    ev.add(Ev["mpls.truncated"]);
    return;
  }
  const v = b[off] >> 4;
  if (v === 4) decodeIpv4(pkt, off, ev);
  else if (v === 6) decodeIpv6(pkt, off, ev);
  else ev.add(Ev["mpls.unknown_payload"]);
}

/** Dispatches on a PPP protocol number. */
export function decodePppPayload(pkt: Packet, proto: number, off: number, ev: DecodeEvents): void {
  if (proto === PppProto.IPV4) decodeIpv4(pkt, off, ev);
  else if (proto === PppProto.IPV6) decodeIpv6(pkt, off, ev);
  else if (proto === PppProto.MPLS) decodeMpls(pkt, off, ev);
  else ev.add(Ev["ppp.unsupported_protocol"]);
}

/**
 * PPPoE session stage (EtherType 0x8864): version/type 0x11, code 0, session id, length, then the
 * PPP protocol (2 bytes, or 1 when compressed).
 */
export function decodePppoe(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf;
  if (pkt.end - off < 7) {
    ev.add(Ev["pppoe.truncated"]);
    return;
  }
  if (b[off] !== 0x11 || b[off + 1] !== 0) {
    ev.add(Ev["pppoe.bad_header"]);
    return;
  }
  decodePppProtocol(pkt, off + 6, ev);
}

/** The PPP protocol field at `off`: 2 bytes, or 1 when compressed (an odd first byte, RFC 1661 PFC). */
function decodePppProtocol(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf;
  if (off >= pkt.end) {
    ev.add(Ev["ppp.truncated"]);
    return;
  }
  if ((b[off] & 1) !== 0) {
    decodePppPayload(pkt, b[off], off + 1, ev);
    return;
  }
  if (pkt.end - off < 2) {
    ev.add(Ev["ppp.truncated"]);
    return;
  }
  decodePppPayload(pkt, (b[off] << 8) | b[off + 1], off + 2, ev);
}

/**
 * PPP frame at `off` (LINKTYPE_PPP 9, LINKTYPE_PPP_HDLC 50): optional `ff 03` address and control
 * bytes, then a 1-byte (compressed, odd) or 2-byte protocol. Cisco HDLC (address 0x0f or 0x8f, as
 * link type 50 allows) carries an EtherType instead.
 */
export function decodePpp(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf, n = pkt.end;
  if (n - off < 2) {
    ev.add(Ev["ppp.truncated"]);
    return;
  }
  if ((b[off] === 0x0f || b[off] === 0x8f) && b[off + 1] === 0) {
    if (n - off < 4) {
      ev.add(Ev["ppp.truncated"]);
      return;
    }
    const et = (b[off + 2] << 8) | b[off + 3];
    if (et === 0x0800) decodeIpv4(pkt, off + 4, ev);
    else if (et === 0x86dd) decodeIpv6(pkt, off + 4, ev);
    else if (et === 0x8847 || et === 0x8848) decodeMpls(pkt, off + 4, ev);
    else ev.add(Ev["ppp.unsupported_protocol"]);
    return;
  }
  if (b[off] === 0xff && b[off + 1] === 0x03) off += 2;
  decodePppProtocol(pkt, off, ev);
}
