/**
 * IEEE 802.11 data frames (LINKTYPE_IEEE802_11 105) and the same behind a radiotap header
 * (LINKTYPE_IEEE802_11_RADIOTAP 127, what monitor-mode captures and Npcap give): the MAC header
 * (3 or 4 addresses, QoS and HT control fields), then LLC/SNAP and an EtherType. Management and
 * control frames, null data frames and protected (encrypted) frames carry no IP to decode and are
 * counted as unsupported.
 *
 * @module
 */
import { type DecodeEvents, Ev } from "./events.ts";
import type { Packet } from "./packet.ts";

/** Decodes the EtherType payload (link.ts's dispatcher, passed in to keep the import graph acyclic). */
export type EtherDispatch = (pkt: Packet, etherType: number, off: number, ev: DecodeEvents) => void;

/** 802.11 frame at `off`. */
export function decodeWlan(pkt: Packet, off: number, ev: DecodeEvents, ether: EtherDispatch): void {
  const b = pkt.buf, n = pkt.end;
  if (n - off < 24) {
    ev.add(Ev["wlan.truncated"]);
    return;
  }
  const fc0 = b[off], fc1 = b[off + 1];
  const type = (fc0 >> 2) & 3, subtype = fc0 >> 4;
  if (type !== 2 || (subtype & 4) !== 0) {
    // management, control, extension, or a data frame without data (null function)
    ev.add(Ev["wlan.unsupported_frame"]);
    return;
  }
  if ((fc1 & 0x40) !== 0) {
    ev.add(Ev["wlan.protected"]);
    return;
  }
  let hl = 24;
  if ((fc1 & 3) === 3) hl += 6; // to-DS and from-DS: a fourth address
  if ((subtype & 8) !== 0) {
    hl += 2; // QoS control
    if ((fc1 & 0x80) !== 0) hl += 4; // HT control
  }
  const p = off + hl;
  if (n - p < 8) {
    ev.add(Ev["wlan.truncated"]);
    return;
  }
  if (b[p] !== 0xaa || b[p + 1] !== 0xaa || b[p + 2] !== 0x03) {
    ev.add(Ev["wlan.unsupported_frame"]);
    return;
  }
  ether(pkt, (b[p + 6] << 8) | b[p + 7], p + 8, ev);
}

/** Radiotap header, then an 802.11 frame (the trailing FCS dropped when the flags say it is there). */
export function decodeRadiotap(pkt: Packet, ev: DecodeEvents, ether: EtherDispatch): void {
  const b = pkt.buf, s = pkt.start, n = pkt.end - s;
  if (n < 8) {
    ev.add(Ev["radiotap.truncated"]);
    return;
  }
  const len = b[s + 2] | (b[s + 3] << 8);
  if (len < 8 || len > n) {
    ev.add(Ev["radiotap.truncated"]);
    return;
  }
  const present = (b[s + 4] | (b[s + 5] << 8) | (b[s + 6] << 16) | (b[s + 7] << 24)) >>> 0;
  // the flags field (present bit 1) follows the present words and the 8-byte-aligned TSFT (bit 0)
  if ((present & 2) !== 0) {
    let p = 8;
    let word = present;
    while ((word & 0x80000000) !== 0 && p + 4 <= len) {
      word = (b[s + p] | (b[s + p + 1] << 8) | (b[s + p + 2] << 16) | (b[s + p + 3] << 24)) >>> 0;
      p += 4;
    }
    if ((present & 1) !== 0) p = ((p + 7) & ~7) + 8;
    if (p < len && (b[s + p] & 0x10) !== 0) {
      if (n - len < 4) {
        ev.add(Ev["wlan.truncated"]);
        return;
      }
      pkt.end = s + n - 4; // the frame check sequence is not payload
    }
  }
  decodeWlan(pkt, s + len, ev, ether);
}
