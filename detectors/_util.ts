/**
 * Small helpers shared by the detectors.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import { buildTrustedMatcher, type TrustedMatcher } from "../config/trusted.ts";
import { type IpKey, IpProto } from "../decode/packet.ts";

const F64 = new Float64Array(1);

/**
 * `x` read back from a Float64Array. A number that reached a function as a boxed double (a value the
 * optimized caller read from a Float64Array, e.g. 0.0) fails the small-integer check that code
 * compiled from the interpreter's feedback (where such values were small integers) puts on it, and
 * that code is thrown away; a value read from a typed array is checked by value instead.
 */
export function unboxed(x: number): number {
  F64[0] = x;
  return F64[0];
}

/** Longest pause between two detections of one key while the condition holds (µs). */
export const MAX_REEMIT_US = 10e6;

/** Compiles the trusted lists when `use` is set; null when sources are not filtered. */
export function trustedFilter(config: Config, use: boolean): TrustedMatcher | null {
  if (!use) return null;
  if (config.trusted_ips.length === 0 && config.trusted_cidrs.length === 0) return null;
  return buildTrustedMatcher({ ips: config.trusted_ips, cidrs: config.trusted_cidrs });
}

/** Seconds to microseconds, at least 1 µs. */
export function toUs(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1e6));
}

/** How often one key may be reported while the condition holds: once per window, at least every 10 s. */
export function reemitUs(windowUs: number): number {
  return Math.min(windowUs, MAX_REEMIT_US);
}

/** A number as short text for reasons (`0.5`, `60`). */
export function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/**
 * A table key made of an address and a small number (< 2^20, e.g. protocol and port): a number for
 * IPv4 (no allocation), text for IPv6.
 */
export function pairKey(ip: IpKey, n: number): number | string {
  // the same number as ip * 1048576 + n (every step is exact: 32 + 20 bits fit a double), summed as a
  // fraction so the addition never learns "safe integer" from the first (lower) addresses of a capture
  // and is thrown away at the first address >= 128.0.0.0 (whose key passes 2^51)
  return typeof ip === "number" ? (ip + n / 1048576) * 1048576 : `${ip}|${n}`;
}

/**
 * True for destinations no scan targets: IPv4 multicast (224/4), limited broadcast and 0.0.0.0,
 * IPv6 multicast (ff00::/8) and the unspecified address.
 */
export function isGroupAddress(ip: IpKey): boolean {
  if (typeof ip === "number") {
    // the first addresses of a capture are often small integers, and a comparison that learnt only
    // those was thrown away at the first address >= 2^30 ({@link unboxed})
    const u = unboxed(ip);
    return u >= 0xe0000000 || u === 0;
  }
  return ip.startsWith("ff") || ip === "::";
}

/** Name of a transport protocol in reasons (`tcp`, `udp`, `icmp`). */
export function protoText(proto: number): string {
  switch (proto) {
    case IpProto.TCP:
      return "tcp";
    case IpProto.UDP:
      return "udp";
    case IpProto.ICMP:
      return "icmp";
    case IpProto.ICMPV6:
      return "icmpv6";
    default:
      return `proto ${proto}`;
  }
}

/**
 * True for ICMP/ICMPv6 messages a flooder sends: requests and unknown types. Replies, errors and
 * IPv6 neighbour discovery / multicast listener messages are answers or housekeeping, never counted
 * (so a victim answering a ping flood never looks like the attacker).
 */
export function isIcmpRequest(proto: number, type: number): boolean {
  if (type < 0) return false;
  if (proto === IpProto.ICMP) {
    switch (type) {
      case 0: // echo reply
      case 3: // destination unreachable
      case 4: // source quench
      case 5: // redirect
      case 11: // time exceeded
      case 12: // parameter problem
      case 14: // timestamp reply
      case 16: // information reply
      case 18: // address mask reply
        return false;
      default:
        return true;
    }
  }
  if (proto === IpProto.ICMPV6) {
    if (type < 128) return false; // errors
    if (type === 129) return false; // echo reply
    if (type >= 130 && type <= 143) return false; // MLD, NDP, router renumbering, node info, MLDv2
    return true;
  }
  return false;
}
