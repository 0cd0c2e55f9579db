/**
 * Strict parsing and formatting of IP addresses and CIDR blocks.
 *
 * IPv4 addresses become unsigned 32-bit numbers; IPv6 addresses become their canonical RFC 5952
 * text (lower case, leading zeros dropped, the longest run of two or more zero groups compressed to
 * `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`). Both are {@link IpKey} values as the decoder
 * produces them.
 *
 * @module
 */
import type { IpKey } from "../core/ip.ts";

/** A CIDR block: the network address (host bits zero) and the prefix length. */
export interface Cidr {
  /** 4 or 6. */
  version: 4 | 6;
  /** Network address: uint32 for IPv4, canonical text for IPv6. */
  network: IpKey;
  /** Prefix length: 0–32 for IPv4, 0–128 for IPv6. */
  prefix: number;
}

/** Options for {@link parseCidr}. */
export interface ParseCidrOptions {
  /**
   * When true (the default) a block whose address has host bits set (`10.0.0.1/8`) is refused;
   * when false the host bits are cleared (`10.0.0.0/8`).
   */
  strict?: boolean;
}

/**
 * Parses a strict dotted quad (`192.0.2.1`) between `start` and `end` of `text`, without
 * allocating. Each part is 1–3 decimal digits, 0–255, with no leading zero.
 *
 * @returns the address as an unsigned 32-bit number, or -1 when the text is not a dotted quad.
 */
export function parseIPv4Range(text: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const partStart = i;
    let part = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      part = part * 10 + (c - 48);
      i++;
    }
    const digits = i - partStart;
    if (digits === 0 || digits > 3 || part > 255) return -1;
    if (digits > 1 && text.charCodeAt(partStart) === 48) return -1;
    value = value * 256 + part;
    parts++;
    if (parts < 4) {
      if (i >= end || text.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

/**
 * Parses a strict dotted-quad IPv4 address such as `192.0.2.1`.
 *
 * @returns the address as an unsigned 32-bit number, or null when `text` is not a dotted quad
 * (leading zeros, missing parts, whitespace and values above 255 are refused).
 */
export function parseIPv4(text: string): number | null {
  if (typeof text !== "string" || text.length < 7 || text.length > 15) return null;
  const value = parseIPv4Range(text, 0, text.length);
  return value < 0 ? null : value;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parses IPv6 text into eight 16-bit groups written to `out`, without allocating. Accepts any
 * valid RFC 4291 form (`::`, leading zeros, upper case, a trailing dotted quad); refuses zone ids,
 * brackets and prefixes.
 *
 * @returns true when `text` is a valid IPv6 address (then `out[0..7]` holds it).
 */
export function parseIPv6Into(text: string, out: Uint16Array): boolean {
  const n = text.length;
  if (n < 2 || n > 45) return false;
  let i = 0;
  let groups = 0;
  let gap = -1;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const start = i;
    let value = 0;
    while (i < n && i - start < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 46) {
      if (groups > 6) return false;
      const v4 = parseIPv4Range(text, start, n);
      if (v4 < 0) return false;
      out[groups++] = v4 >>> 16;
      out[groups++] = v4 & 0xffff;
      i = n;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4 || groups >= 8) return false;
    out[groups++] = value;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    } else if (i === n) {
      return false;
    }
  }
  if (gap < 0) return groups === 8;
  if (groups > 7) return false;
  const shift = 8 - groups;
  for (let j = groups - 1; j >= gap; j--) out[j + shift] = out[j];
  for (let j = gap; j < gap + shift; j++) out[j] = 0;
  return true;
}

/**
 * Formats eight 16-bit groups as canonical RFC 5952 text: lower-case hex without leading zeros,
 * the first longest run of two or more zero groups written as `::`, and addresses in the
 * IPv4-mapped block `::ffff:0:0/96` written as `::ffff:a.b.c.d`.
 */
export function formatIPv6(words: ArrayLike<number>): string {
  if (
    words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 &&
    words[5] === 0xffff
  ) {
    return `::ffff:${words[6] >>> 8}.${words[6] & 255}.${words[7] >>> 8}.${words[7] & 255}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += "::";
      i += bestLen - 1;
      continue;
    }
    if (text !== "" && !text.endsWith(":")) text += ":";
    text += words[i].toString(16);
  }
  return text;
}

/**
 * Parses IPv6 text into its canonical RFC 5952 form.
 *
 * @returns the canonical text, or null when `text` is not an IPv6 address.
 */
export function parseIPv6(text: string): string | null {
  if (typeof text !== "string") return null;
  const words = new Uint16Array(8);
  return parseIPv6Into(text, words) ? formatIPv6(words) : null;
}

/**
 * Parses an IPv4 or IPv6 address into an {@link IpKey}.
 *
 * @returns a uint32 for IPv4, canonical RFC 5952 text for IPv6, or null for anything else.
 */
export function parseIp(text: string): IpKey | null {
  if (typeof text !== "string") return null;
  return text.includes(":") ? parseIPv6(text) : parseIPv4(text);
}

/** 128-bit value of eight 16-bit groups. */
export function ipv6ToBigInt(words: ArrayLike<number>): bigint {
  let value = 0n;
  for (let i = 0; i < 8; i++) value = (value << 16n) | BigInt(words[i]);
  return value;
}

/** Eight 16-bit groups of a 128-bit value. */
export function bigIntToIpv6(value: bigint): Uint16Array {
  const words = new Uint16Array(8);
  for (let i = 7; i >= 0; i--) {
    words[i] = Number(value & 0xffffn);
    value >>= 16n;
  }
  return words;
}

function parsePrefix(text: string, start: number, max: number): number {
  const digits = text.length - start;
  if (digits < 1 || digits > 3) return -1;
  if (digits > 1 && text.charCodeAt(start) === 48) return -1;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value <= max ? value : -1;
}

/** Netmask of an IPv4 prefix length as an unsigned 32-bit number (`/0` → 0). */
export function ipv4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses a CIDR block such as `10.0.0.0/8` or `2001:db8::/32`. A bare address (no `/`) is not a
 * CIDR block.
 *
 * @returns the block, or null when `text` is not a CIDR block (or, with `strict`, has host bits set).
 */
export function parseCidr(text: string, options: ParseCidrOptions = {}): Cidr | null {
  if (typeof text !== "string") return null;
  const strict = options.strict ?? true;
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const addressText = text.slice(0, slash);
  if (addressText.includes(":")) {
    const prefix = parsePrefix(text, slash + 1, 128);
    const words = new Uint16Array(8);
    if (prefix < 0 || !parseIPv6Into(addressText, words)) return null;
    const value = ipv6ToBigInt(words);
    const hostMask = (1n << BigInt(128 - prefix)) - 1n;
    if (strict && (value & hostMask) !== 0n) return null;
    return { version: 6, network: formatIPv6(bigIntToIpv6(value & ~hostMask)), prefix };
  }
  const prefix = parsePrefix(text, slash + 1, 32);
  const address = parseIPv4(addressText);
  if (prefix < 0 || address === null) return null;
  const network = (address & ipv4Mask(prefix)) >>> 0;
  if (strict && network !== address) return null;
  return { version: 4, network, prefix };
}
