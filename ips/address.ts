/**
 * Block targets: the only way an address reaches a firewall command. Text is parsed (never matched
 * against a pattern) into one host address and re-formatted canonically, so what a backend writes into
 * a command is our own formatting of a number, not the caller's text. CIDR blocks, ranges, names,
 * zone ids and anything with extra characters are refused.
 *
 * @module
 */
import { bigIntToIpv6, formatIPv6, ipv6ToBigInt, parseIPv4, parseIPv6Into } from "../config/ip.ts";

/** One host address a blocker may act on. */
export interface BlockTarget {
  /** 4 or 6. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) become IPv4 targets. */
  readonly version: 4 | 6;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  readonly ip: string;
  /** The address as a number: uint32 for IPv4, 128-bit for IPv6. */
  readonly value: bigint;
}

/** Formats an unsigned 32-bit IPv4 address. */
export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/**
 * Parses a host address to block. Accepts an IPv4 dotted quad, any valid IPv6 text, or a number
 * (a decoder {@link IpKey} for IPv4). Returns null for everything else — `1.2.3.4; rm -rf /`,
 * `1.2.3.4 -Action Allow`, `0.0.0.0/0`, `10.0.0.1-10.0.0.9`, `fe80::1%eth0`, `[::1]`, names.
 */
export function parseBlockTarget(input: string | number): BlockTarget | null {
  if (typeof input === "number") {
    if (!Number.isInteger(input) || input < 0 || input > 0xffffffff) return null;
    return { version: 4, ip: formatIPv4(input), value: BigInt(input) };
  }
  if (typeof input !== "string") return null;
  const v4 = parseIPv4(input);
  if (v4 !== null) return { version: 4, ip: formatIPv4(v4), value: BigInt(v4) };
  if (!input.includes(":")) return null;
  const words = new Uint16Array(8);
  if (!parseIPv6Into(input, words)) return null;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    const mapped = ((words[6] << 16) | words[7]) >>> 0;
    return { version: 4, ip: formatIPv4(mapped), value: BigInt(mapped) };
  }
  const value = ipv6ToBigInt(words);
  return { version: 6, ip: formatIPv6(bigIntToIpv6(value)), value };
}

/**
 * Like {@link parseBlockTarget} but throws `Cannot <action>: "<text>" is not a single IP address`,
 * with the text escaped, for callers that must refuse loudly.
 */
export function requireBlockTarget(input: string | number, action: string): BlockTarget {
  const target = parseBlockTarget(input);
  if (target === null) {
    throw new TypeError(`Cannot ${action}: ${JSON.stringify(String(input)).slice(0, 80)} is not a single IP address`);
  }
  return target;
}
