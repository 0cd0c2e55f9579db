/**
 * The trusted-source matcher: answers "is this address on the trusted lists?" for every packet.
 *
 * The lists are compiled once into sorted, merged address ranges: IPv4 exact addresses and blocks
 * share one table of uint32 ranges, IPv6 ones one table of 128-bit ranges. A lookup is a binary
 * search; an IPv4 lookup allocates nothing, an IPv6 one parses the canonical text in place.
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) match the IPv4 lists and vice versa.
 *
 * @module
 */
import type { IpKey } from "../core/ip.ts";
import { ipv4Mask, ipv6ToBigInt, parseCidr, parseIPv4, parseIPv6Into } from "./ip.ts";

export { formatIPv6, parseCidr, parseIp, parseIPv4, parseIPv6 } from "./ip.ts";
export type { Cidr, ParseCidrOptions } from "./ip.ts";

/** The trusted lists as the config holds them. */
export interface TrustedLists {
  /** Exact IPv4 or IPv6 addresses. */
  ips?: readonly string[];
  /** CIDR blocks, IPv4 or IPv6, with host bits zero. */
  cidrs?: readonly string[];
}

/** True when `ip` is on the trusted lists. */
export type TrustedMatcher = (ip: IpKey) => boolean;

const MAPPED_START = 0xffffn << 32n;
const MAPPED_END = MAPPED_START + 0xffffffffn;

/** Sorts ranges by start and merges overlapping or adjacent ones. */
function mergeRanges(ranges: [bigint, bigint][]): [bigint, bigint][] {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && start <= last[1] + 1n) {
      if (end > last[1]) last[1] = end;
    } else {
      merged.push([start, end]);
    }
  }
  return merged;
}

/** Four uint32 words of a 128-bit value, most significant first, written at `offset`. */
function writeWords(value: bigint, out: Uint32Array, offset: number): void {
  for (let i = 3; i >= 0; i--) {
    out[offset + i] = Number(value & 0xffffffffn);
    value >>= 32n;
  }
}

/**
 * Compiles the trusted lists into a matcher.
 *
 * @throws {TypeError} when an entry is not an address (in `ips`) or a CIDR block with host bits
 * zero (in `cidrs`); the config validator reports these first.
 */
export function buildTrustedMatcher(lists: TrustedLists): TrustedMatcher {
  const v4: [bigint, bigint][] = [];
  const v6: [bigint, bigint][] = [];
  const words = new Uint16Array(8);

  const addV6 = (start: bigint, end: bigint) => {
    v6.push([start, end]);
    if (start <= MAPPED_END && end >= MAPPED_START) {
      const lo = start > MAPPED_START ? start : MAPPED_START;
      const hi = end < MAPPED_END ? end : MAPPED_END;
      v4.push([lo - MAPPED_START, hi - MAPPED_START]);
    }
  };

  for (const text of lists.ips ?? []) {
    const ip4 = parseIPv4(text);
    if (ip4 !== null) {
      v4.push([BigInt(ip4), BigInt(ip4)]);
    } else if (typeof text === "string" && text.includes(":") && parseIPv6Into(text, words)) {
      const value = ipv6ToBigInt(words);
      addV6(value, value);
    } else {
      throw new TypeError(`Cannot build trusted matcher: "${text}" in ips is not an IP address`);
    }
  }
  for (const text of lists.cidrs ?? []) {
    const cidr = parseCidr(text);
    if (cidr === null) {
      throw new TypeError(`Cannot build trusted matcher: "${text}" in cidrs is not a CIDR block`);
    }
    if (cidr.version === 4) {
      const network = cidr.network as number;
      v4.push([BigInt(network), BigInt((network | ~ipv4Mask(cidr.prefix)) >>> 0)]);
    } else {
      parseIPv6Into(cidr.network as string, words);
      const start = ipv6ToBigInt(words);
      addV6(start, start + (1n << BigInt(128 - cidr.prefix)) - 1n);
    }
  }

  const ranges4 = mergeRanges(v4);
  const starts4 = new Uint32Array(ranges4.map((r) => Number(r[0])));
  const ends4 = new Uint32Array(ranges4.map((r) => Number(r[1])));
  const count4 = starts4.length;

  const ranges6 = mergeRanges(v6);
  const count6 = ranges6.length;
  const starts6 = new Uint32Array(count6 * 4);
  const ends6 = new Uint32Array(count6 * 4);
  ranges6.forEach(([start, end], i) => {
    writeWords(start, starts6, i * 4);
    writeWords(end, ends6, i * 4);
  });

  const scratch = new Uint16Array(8);

  function matchV4(ip: number): boolean {
    let lo = 0;
    let hi = count4 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts4[mid] <= ip) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && ip <= ends4[found];
  }

  /** Compares the address in `scratch` with the 128-bit value at `table[offset..offset+3]`. */
  function compare(table: Uint32Array, offset: number): number {
    for (let w = 0; w < 4; w++) {
      const word = ((scratch[w * 2] << 16) | scratch[w * 2 + 1]) >>> 0;
      const other = table[offset + w];
      if (word !== other) return word < other ? -1 : 1;
    }
    return 0;
  }

  function matchV6(): boolean {
    let lo = 0;
    let hi = count6 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(starts6, mid * 4) >= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && compare(ends6, found * 4) <= 0;
  }

  return function isTrusted(ip: IpKey): boolean {
    if (typeof ip === "number") return count4 > 0 && matchV4(ip >>> 0);
    if (count6 === 0 && count4 === 0) return false;
    if (!parseIPv6Into(ip, scratch)) return false;
    if (count6 > 0 && matchV6()) return true;
    if (
      count4 > 0 && scratch[0] === 0 && scratch[1] === 0 && scratch[2] === 0 && scratch[3] === 0 &&
      scratch[4] === 0 && scratch[5] === 0xffff
    ) {
      return matchV4(((scratch[6] << 16) | scratch[7]) >>> 0);
    }
    return false;
  };
}
