/**
 * IP address keys, protocol numbers and TCP flags: the bottom-layer vocabulary every folder shares.
 *
 * Inside the packet path an address is an {@link IpKey} (IPv4 as an unsigned 32-bit number, no
 * allocation; IPv6 as its canonical RFC 5952 text). Everything that leaves the capture Worker
 * carries addresses as text ({@link ipToString}).
 *
 * @module
 */

/** IP protocol numbers used by the decoders. */
export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** TCP flag bits as in the header's flags byte. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** An IP address: uint32 for IPv4, canonical text for IPv6. */
export type IpKey = number | string;

/** Formats an {@link IpKey} as text. */
export function ipToString(ip: IpKey): string {
  if (typeof ip === "string") return ip;
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Protocol name as EVE writes it (`TCP`, `UDP`, `ICMP`, `IPv6-ICMP`, or the number). */
export function protoName(proto: number): string {
  switch (proto) {
    case IpProto.TCP:
      return "TCP";
    case IpProto.UDP:
      return "UDP";
    case IpProto.ICMP:
      return "ICMP";
    case IpProto.ICMPV6:
      return "IPv6-ICMP";
    default:
      return String(proto);
  }
}

const FLAG_LETTERS: ReadonlyArray<[number, string]> = [
  [TcpFlag.FIN, "F"],
  [TcpFlag.SYN, "S"],
  [TcpFlag.RST, "R"],
  [TcpFlag.PSH, "P"],
  [TcpFlag.ACK, "A"],
  [TcpFlag.URG, "U"],
  [TcpFlag.ECE, "E"],
  [TcpFlag.CWR, "C"],
];

/**
 * TCP flags as Scapy prints them (the seed's `flag` column): `S`, `SA`, `PA`, `FA`… in the order
 * F S R P A U E C; empty for 0.
 */
export function tcpFlagsString(flags: number): string {
  let out = "";
  for (const [bit, letter] of FLAG_LETTERS) if ((flags & bit) !== 0) out += letter;
  return out;
}
