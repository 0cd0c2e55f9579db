/**
 * Linux NFLOG (LINKTYPE_NFLOG 239): what `tcpdump -i nflog:N` records from an iptables/nftables
 * `log group N` rule. A 4-byte header (address family, version, resource id) and then
 * type-length-value records in the capturing host's byte order; the packet is the NFULA_PAYLOAD
 * record (type 9), an IPv4 or IPv6 datagram.
 *
 * @module
 */
import { type DecodeEvents, Ev } from "./events.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import type { Packet } from "./packet.ts";

const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;

/** Decodes an NFLOG frame; the IP datagram is found in its payload record. */
export function decodeNflog(pkt: Packet, ev: DecodeEvents): void {
  const b = pkt.buf, s = pkt.start, n = pkt.end;
  if (n - s < 4) {
    ev.add(Ev["nflog.truncated"]);
    return;
  }
  const family = b[s];
  // records are in host byte order; pick the order under which the first record is well formed
  let le = true;
  if (n - s >= 8) {
    const l = b[s + 4] | (b[s + 5] << 8), t = b[s + 6] | (b[s + 7] << 8);
    le = l >= 4 && l <= n - s - 4 && t < 0x100;
  }
  let off = s + 4;
  while (n - off >= 4) {
    const len = le ? b[off] | (b[off + 1] << 8) : (b[off] << 8) | b[off + 1];
    const type = (le ? b[off + 2] | (b[off + 3] << 8) : (b[off + 2] << 8) | b[off + 3]) & 0x7fff;
    if (len < 4 || off + len > n) {
      ev.add(Ev["nflog.truncated"]);
      return;
    }
    if (type === NFULA_PAYLOAD) {
      const start = off + 4, end = off + len;
      if (end < n) pkt.end = end; // records after the payload are not IP bytes
      const v = start < end ? b[start] >> 4 : 0;
      if (family === AF_INET || (family !== AF_INET6 && v === 4)) decodeIpv4(pkt, start, ev);
      else decodeIpv6(pkt, start, ev);
      return;
    }
    off += (len + 3) & ~3;
  }
  ev.add(Ev["nflog.no_payload"]);
}
