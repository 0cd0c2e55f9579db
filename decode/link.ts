/**
 * Link layer: Ethernet with 802.1Q/802.1ad tags (and MPLS, PPPoE behind it), Linux cooked (SLL,
 * SLL2), raw IP, BSD NULL/LOOP, PPP, Linux NFLOG, 802.11 data frames with or without radiotap.
 *
 * @module
 */
import { LinkType } from "../core/frame.ts";
import { decodeArp } from "./arp.ts";
import { decodeMpls, decodePpp, decodePppoe } from "./encap.ts";
import { type DecodeEvents, Ev } from "./events.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { decodeNflog } from "./nflog.ts";
import type { Packet } from "./packet.ts";
import { decodeRadiotap, decodeWlan } from "./wlan.ts";

/** EtherTypes handled. */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_SESSION: 0x8864,
} as const;

// Plain numbers rather than property loads in the packet path (see flow/flow_table.ts).
const ET_ARP = EtherType.ARP;
const ET_IPV4 = EtherType.IPV4;
const ET_IPV6 = EtherType.IPV6;
const ET_MPLS = EtherType.MPLS;
const ET_MPLS_MULTICAST = EtherType.MPLS_MULTICAST;
const ET_PPPOE_SESSION = EtherType.PPPOE_SESSION;
const ET_QINQ = EtherType.QINQ;
const ET_QINQ_OLD = EtherType.QINQ_OLD;
const ET_VLAN = EtherType.VLAN;
const MAX_VLAN_TAGS = 4;

/** Dispatches on the EtherType at `off` (after any tags). */
export function decodeEtherPayload(pkt: Packet, etherType: number, off: number, ev: DecodeEvents): void {
  pkt.etherType = etherType;
  if (etherType === ET_IPV4) decodeIpv4(pkt, off, ev);
  else if (etherType === ET_IPV6) decodeIpv6(pkt, off, ev);
  else if (etherType === ET_ARP) decodeArp(pkt, off, ev);
  else if (etherType === ET_MPLS || etherType === ET_MPLS_MULTICAST) decodeMpls(pkt, off, ev);
  else if (etherType === ET_PPPOE_SESSION) decodePppoe(pkt, off, ev);
  else ev.add(Ev["l3.unknown_ethertype"]);
}

/** Ethernet II with up to four VLAN tags. */
export function decodeEthernet(pkt: Packet, ev: DecodeEvents): void {
  const b = pkt.buf, s = pkt.start, n = pkt.end;
  if (n - s < 14) {
    ev.add(Ev["ethernet.truncated"]);
    return;
  }
  let type = (b[s + 12] << 8) | b[s + 13];
  let off = s + 14;
  while (type === ET_VLAN || type === ET_QINQ || type === ET_QINQ_OLD) {
    if (pkt.vlanCount === MAX_VLAN_TAGS) {
      ev.add(Ev["vlan.too_many_tags"]);
      return;
    }
    if (n - off < 4) {
      ev.add(Ev["vlan.truncated"]);
      return;
    }
    pkt.vlanId = ((b[off] << 8) | b[off + 1]) & 0x0fff;
    pkt.vlanCount++;
    type = (b[off + 2] << 8) | b[off + 3];
    off += 4;
  }
  decodeEtherPayload(pkt, type, off, ev);
}

/** Linux cooked capture v1: 16-byte header, protocol at 14. */
export function decodeSll(pkt: Packet, ev: DecodeEvents): void {
  const b = pkt.buf, s = pkt.start;
  if (pkt.end - s < 16) {
    ev.add(Ev["sll.truncated"]);
    return;
  }
  decodeEtherPayload(pkt, (b[s + 14] << 8) | b[s + 15], s + 16, ev);
}

/** Linux cooked capture v2: 20-byte header, protocol at 0. */
export function decodeSll2(pkt: Packet, ev: DecodeEvents): void {
  const b = pkt.buf, s = pkt.start;
  if (pkt.end - s < 20) {
    ev.add(Ev["sll.truncated"]);
    return;
  }
  decodeEtherPayload(pkt, (b[s] << 8) | b[s + 1], s + 20, ev);
}

/** Raw IP: the version nibble picks IPv4 or IPv6. */
export function decodeRaw(pkt: Packet, off: number, ev: DecodeEvents): void {
  const b = pkt.buf;
  if (pkt.end <= off) {
    ev.add(Ev["ipv4.truncated"]);
    return;
  }
  const v = b[off] >> 4;
  if (v === 4) decodeEtherPayload(pkt, ET_IPV4, off, ev);
  else if (v === 6) decodeEtherPayload(pkt, ET_IPV6, off, ev);
  else ev.add(Ev["ipv4.bad_version"]);
}

/**
 * BSD loopback: a 4-byte address family in host byte order (NULL) or network order (LOOP).
 * AF_INET is 2 everywhere; AF_INET6 is 24, 28 or 30 depending on the OS (23 on Windows for Npcap).
 */
export function decodeNull(pkt: Packet, ev: DecodeEvents, networkOrder: boolean): void {
  const b = pkt.buf, s = pkt.start;
  if (pkt.end - s < 4) {
    ev.add(Ev["null.truncated"]);
    return;
  }
  let fam = networkOrder
    ? ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0
    : ((b[s + 3] << 24) | (b[s + 2] << 16) | (b[s + 1] << 8) | b[s]) >>> 0;
  // a host-order value written on a big-endian machine: accept either order for small families
  if (fam > 0xffff) fam = ((fam & 0xff) << 24 | (fam & 0xff00) << 8 | (fam >>> 8) & 0xff00 | fam >>> 24) >>> 0;
  if (fam === 2) decodeEtherPayload(pkt, ET_IPV4, s + 4, ev);
  else if (fam === 10 || fam === 23 || fam === 24 || fam === 28 || fam === 30) {
    decodeEtherPayload(pkt, ET_IPV6, s + 4, ev);
  } else ev.add(Ev["null.unknown_family"]);
}

/** Decodes a frame of any supported link type into `pkt` (already reset and holding buf, start and end). */
export function decodeLink(pkt: Packet, linkType: number, ev: DecodeEvents): void {
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(pkt, ev);
    case LinkType.LINUX_SLL:
      return decodeSll(pkt, ev);
    case LinkType.LINUX_SLL2:
      return decodeSll2(pkt, ev);
    case LinkType.RAW:
    case 12:
    case 14:
      return decodeRaw(pkt, pkt.start, ev);
    case LinkType.IPV4:
      return decodeEtherPayload(pkt, ET_IPV4, pkt.start, ev);
    case LinkType.IPV6:
      return decodeEtherPayload(pkt, ET_IPV6, pkt.start, ev);
    case LinkType.NULL:
      return decodeNull(pkt, ev, false);
    case LinkType.LOOP:
      return decodeNull(pkt, ev, true);
    case LinkType.PPP:
    case LinkType.PPP_HDLC:
      return decodePpp(pkt, pkt.start, ev);
    case LinkType.NFLOG:
      return decodeNflog(pkt, ev);
    case LinkType.IEEE802_11:
      return decodeWlan(pkt, pkt.start, ev, decodeEtherPayload);
    case LinkType.IEEE802_11_RADIOTAP:
      return decodeRadiotap(pkt, ev, decodeEtherPayload);
    default:
      ev.add(Ev["link.unsupported"]);
  }
}
