/**
 * ARP over Ethernet/IPv4.
 *
 * @module
 */
import { type DecodeEvents, Ev } from "./events.ts";
import type { Packet } from "./packet.ts";

/** Decodes an ARP packet at `off`. */
export function decodeArp(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf;
  if (pkt.end - off < 8) {
    ev.add(Ev["arp.truncated"]);
    return;
  }
  const hlen = b[off + 4], plen = b[off + 5];
  const need = 8 + 2 * hlen + 2 * plen;
  if (pkt.end - off < need) {
    ev.add(Ev["arp.truncated"]);
    return;
  }
  pkt.arpOp = (b[off + 6] << 8) | b[off + 7];
  if (plen !== 4) {
    ev.add(Ev["arp.unsupported"]);
    return;
  }
  const spa = off + 8 + hlen, tpa = spa + 4 + hlen;
  pkt.arpSpa = ((b[spa] << 24) | (b[spa + 1] << 16) | (b[spa + 2] << 8) | b[spa + 3]) >>> 0;
  pkt.arpTpa = ((b[tpa] << 24) | (b[tpa + 1] << 16) | (b[tpa + 2] << 8) | b[tpa + 3]) >>> 0;
  pkt.isArp = true;
}
