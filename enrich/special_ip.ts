/**
 * Which addresses may be sent to an outside reputation service: only globally routable unicast
 * ones. Private, loopback, link-local, carrier-grade NAT, multicast, documentation, benchmarking
 * and other IANA special-purpose blocks never leave the machine (they say nothing about an
 * attacker on the Internet, and they describe our own network).
 *
 * @module
 */
import { parseIPv4, parseIPv6Into } from "../config/ip.ts";

interface Block4 {
  base: number;
  prefix: number;
  why: string;
}

const v4 = (cidr: string, why: string): Block4 => {
  const [addr, prefix] = cidr.split("/");
  return { base: parseIPv4(addr)!, prefix: Number(prefix), why };
};

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast and reserved
const SPECIAL_V4: readonly Block4[] = [
  v4("0.0.0.0/8", "a 'this network' address (0.0.0.0/8)"),
  v4("10.0.0.0/8", "a private address (RFC 1918)"),
  v4("100.64.0.0/10", "a carrier-grade NAT address (RFC 6598)"),
  v4("127.0.0.0/8", "a loopback address"),
  v4("169.254.0.0/16", "a link-local address"),
  v4("172.16.0.0/12", "a private address (RFC 1918)"),
  v4("192.0.0.0/24", "an IETF protocol assignment (192.0.0.0/24)"),
  v4("192.0.2.0/24", "a documentation address (TEST-NET-1)"),
  v4("192.88.99.0/24", "a deprecated 6to4 relay anycast address"),
  v4("192.168.0.0/16", "a private address (RFC 1918)"),
  v4("198.18.0.0/15", "a benchmarking address (RFC 2544)"),
  v4("198.51.100.0/24", "a documentation address (TEST-NET-2)"),
  v4("203.0.113.0/24", "a documentation address (TEST-NET-3)"),
  v4("224.0.0.0/4", "a multicast address"),
  v4("240.0.0.0/4", "a reserved address (240.0.0.0/4, including broadcast)"),
];

function inBlock4(ip: number, block: Block4): boolean {
  if (block.prefix === 0) return true;
  const mask = (0xffffffff << (32 - block.prefix)) >>> 0;
  return ((ip & mask) >>> 0) === block.base;
}

function classify4(ip: number): string | null {
  for (const block of SPECIAL_V4) if (inBlock4(ip, block)) return block.why;
  return null;
}

function classify6(w: Uint16Array): string | null {
  const zeroTo = (n: number) => w.subarray(0, n).every((x) => x === 0);
  if (zeroTo(8)) return "the unspecified address (::)";
  if (zeroTo(7) && w[7] === 1) return "the loopback address (::1)";
  if (zeroTo(5) && w[5] === 0xffff) return classify4(((w[6] << 16) | w[7]) >>> 0); // IPv4-mapped
  if (w[0] === 0x64 && w[1] === 0xff9b) {
    // NAT64 well-known prefix: the embedded IPv4 address decides
    if (w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0) return classify4(((w[6] << 16) | w[7]) >>> 0);
    return "a local-use NAT64 address (64:ff9b:1::/48)";
  }
  if (w[0] === 0x100 && w[1] === 0 && w[2] === 0 && w[3] === 0) return "a discard-only address (100::/64)";
  if (w[0] === 0x2001 && w[1] === 0xdb8) return "a documentation address (2001:db8::/32)";
  if (w[0] === 0x2001 && w[1] < 0x200) {
    // 2001::/23 IETF protocol assignments; Teredo (2001::/32) and a few anycast ones are routable but
    // carry no stable attacker identity
    return "an IETF protocol assignment (2001::/23)";
  }
  if (w[0] === 0x2002) return "a 6to4 address (2002::/16)";
  if (w[0] === 0x3fff && w[1] < 0x1000) return "a documentation address (3fff::/20)";
  if ((w[0] & 0xfe00) === 0xfc00) return "a unique local address (fc00::/7)";
  if ((w[0] & 0xffc0) === 0xfe80) return "a link-local address (fe80::/10)";
  if ((w[0] & 0xffc0) === 0xfec0) return "a deprecated site-local address (fec0::/10)";
  if ((w[0] & 0xff00) === 0xff00) return "a multicast address (ff00::/8)";
  if ((w[0] & 0xe000) !== 0x2000) return "outside global unicast (2000::/3)";
  return null;
}

/**
 * Why `ip` must not be sent to an outside service, or null when it is a public (globally routable)
 * unicast address.
 *
 * @returns one phrase such as `a private address (RFC 1918)`; `not an IP address` for bad text
 */
export function nonPublicReason(ip: string): string | null {
  const a = parseIPv4(ip);
  if (a !== null) return classify4(a);
  const words = new Uint16Array(8);
  if (parseIPv6Into(ip, words)) return classify6(words);
  return "not an IP address";
}

/** Is `ip` a public unicast address that may be looked up or reported? */
export function isPublicIp(ip: string): boolean {
  return nonPublicReason(ip) === null;
}
