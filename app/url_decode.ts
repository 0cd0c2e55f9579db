/**
 * Decoding of HTTP request text for inspection: percent-decoding (`%27`, `%u0027`), form decoding
 * (`+` is a space), the double decoding some applications perform (`%2527` → `%27` → `'`), HTML
 * character references (`&#39;`, `&#x27;`, `&apos;`), form / cookie pair splitting and
 * latin1 byte-to-text conversion.
 *
 * Everything works on latin1 strings: one character per byte, so `%E9` decodes to `é` (U+00E9) and no
 * input can make decoding fail. Multi-byte UTF-8 sequences stay as several latin1 characters, which
 * is fine for pattern matching on ASCII SQL syntax.
 *
 * @module
 */

/** Value of one hex digit character code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 65 && c <= 70) return c - 55; // A-F
  if (c >= 97 && c <= 102) return c - 87; // a-f
  return -1;
}

/**
 * Decodes `%XX` escapes (and the IIS-style `%uXXXX`); with `plusIsSpace`, `+` becomes a space
 * (application/x-www-form-urlencoded). Malformed escapes are kept as they are.
 *
 * @example
 * ```ts
 * percentDecode("a%27b+c", true); // "a'b c"
 * ```
 */
export function percentDecode(text: string, plusIsSpace = false): string {
  if (text.indexOf("%") < 0 && (!plusIsSpace || text.indexOf("+") < 0)) return text;
  let out = "";
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 43 /* + */ && plusIsSpace) {
      out += text.slice(start, i) + " ";
      start = i + 1;
    } else if (c === 37 /* % */) {
      if (i + 2 < n) {
        const h = hexValue(text.charCodeAt(i + 1)), l = hexValue(text.charCodeAt(i + 2));
        if (h >= 0 && l >= 0) {
          out += text.slice(start, i) + String.fromCharCode(h * 16 + l);
          i += 2;
          start = i + 1;
          continue;
        }
      }
      if (i + 5 < n && (text.charCodeAt(i + 1) | 0x20) === 117 /* u */) {
        const a = hexValue(text.charCodeAt(i + 2)), b = hexValue(text.charCodeAt(i + 3));
        const d = hexValue(text.charCodeAt(i + 4)), e = hexValue(text.charCodeAt(i + 5));
        if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
          out += text.slice(start, i) + String.fromCharCode(((a * 16 + b) * 16 + d) * 16 + e);
          i += 5;
          start = i + 1;
        }
      }
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  apos: "'",
  quot: '"',
  amp: "&",
  lt: "<",
  gt: ">",
  nbsp: "\xa0",
  semi: ";",
  num: "#",
  lpar: "(",
  rpar: ")",
  comma: ",",
  equals: "=",
  period: ".",
  sol: "/",
  ast: "*",
};

const ENTITY_RE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));?/g;

/**
 * Decodes HTML character references: decimal (`&#39;`), hexadecimal (`&#x27;`) and a few named ones
 * that matter to SQL (`&apos;`, `&quot;`, `&amp;`, …). Unknown names are kept.
 */
export function decodeHtmlEntities(text: string): string {
  if (text.indexOf("&") < 0) return text;
  return text.replace(ENTITY_RE, (all, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    const v = NAMED_ENTITIES[name!.toLowerCase()];
    return v === undefined ? all : v;
  });
}

/** Matches a `%XX` or `%uXXXX` escape. */
const ESCAPE_RE = /%(?:[0-9a-fA-F]{2}|[uU][0-9a-fA-F]{4})/;

/** A decoded value and how much decoding it took. */
export interface DeepDecoded {
  /** The decoded text. */
  value: string;
  /** True when a second percent-decoding pass changed the text (double encoding). */
  doubleEncoded: boolean;
}

/**
 * Decodes a value the way a permissive application stack might before it reaches SQL: one
 * percent-decoding pass (with `+` as space when `form`), a second percent-only pass when escapes
 * remain (double encoding: `%2527` → `%27` → `'`), then HTML character references.
 */
export function decodeDeep(raw: string, form: boolean): DeepDecoded {
  let value = percentDecode(raw, form);
  let doubleEncoded = false;
  if (value.indexOf("%") >= 0 && ESCAPE_RE.test(value)) {
    const again = percentDecode(value, false);
    if (again !== value) {
      value = again;
      doubleEncoded = true;
    }
  }
  if (value.indexOf("&") >= 0) value = decodeHtmlEntities(value);
  return { value, doubleEncoded };
}

/**
 * Splits `a=1&b=2` (query strings, form bodies) into raw `[name, value]` pairs without decoding.
 * A pair without `=` has an empty name and the whole text as value. Empty pairs are skipped.
 * At most `limit` pairs are returned.
 */
export function splitPairs(text: string, separator = "&", limit = 256): [string, string][] {
  const out: [string, string][] = [];
  let start = 0;
  const n = text.length;
  while (start <= n && out.length < limit) {
    let end = text.indexOf(separator, start);
    if (end < 0) end = n;
    if (end > start) {
      const part = text.slice(start, end);
      const eq = part.indexOf("=");
      if (eq < 0) out.push(["", part]);
      else out.push([part.slice(0, eq), part.slice(eq + 1)]);
    }
    start = end + 1;
  }
  return out;
}

/**
 * Converts bytes to a latin1 string (one character per byte, exact for every byte value, unlike
 * the WHATWG `latin1` label which is windows-1252).
 */
export function latin1(bytes: Uint8Array, start = 0, end: number = bytes.length): string {
  let out = "";
  const CHUNK = 8192;
  for (let i = start; i < end; i += CHUNK) {
    const stop = Math.min(end, i + CHUNK);
    out += String.fromCharCode.apply(null, bytes.subarray(i, stop) as unknown as number[]);
  }
  return out;
}

/**
 * Makes attacker-controlled text safe to show in one line: control characters, non-ASCII and `\`
 * become `\xNN` escapes (`\\` for the backslash) and the result is cut to about `max` characters
 * with a trailing `…` when cut.
 */
export function escapeExcerpt(text: string, max = 80): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (out.length >= max) return out + "…";
    const c = text.charCodeAt(i);
    if (c === 92) out += "\\\\";
    else if (c < 0x20 || c >= 0x7f) {
      out += c > 0xff ? `\\u${c.toString(16).padStart(4, "0")}` : `\\x${c.toString(16).padStart(2, "0")}`;
    } else out += text[i];
  }
  return out;
}
