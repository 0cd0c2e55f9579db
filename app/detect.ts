/**
 * Protocol detection by content: the first bytes of each direction of a TCP connection decide its
 * application protocol, whatever the port.
 *
 * | protocol | recognised by |
 * |---|---|
 * | `http`   | client: `METHOD SP target SP HTTP/1.x` (or a well-known method); server: `HTTP/1.x` |
 * | `ssh`    | either side: the `SSH-` identification string |
 * | `ftp`    | server: a `220` greeting (naming FTP, or not naming SMTP) |
 * | `smtp`   | server: a `220` greeting naming (E)SMTP; client: `EHLO` / `HELO` |
 * | `pop3`   | server: `+OK` |
 * | `imap`   | server: `* OK` / `* PREAUTH` |
 * | `telnet` | either side: option negotiation (IAC WILL/WONT/DO/DONT) |
 * | `rdp`    | client: a TPKT carrying an X.224 Connection Request |
 * | `redis`  | client: a RESP command array (`*N` CR LF `$`), or a first line `AUTH <password>` (inline; not FTP's `AUTH TLS`/`AUTH SSL`) |
 *
 * @module
 */

/** Application protocols the app layer recognises. */
export type AppProtocol = "http" | "ssh" | "ftp" | "smtp" | "pop3" | "imap" | "telnet" | "rdp" | "redis";

/** Every {@link AppProtocol}. */
export const APP_PROTOCOLS: readonly AppProtocol[] = [
  "http",
  "ssh",
  "ftp",
  "smtp",
  "pop3",
  "imap",
  "telnet",
  "rdp",
  "redis",
];

/** Detection verdict: a protocol, `more` (too few bytes to tell) or `unknown`. */
export type Detected = AppProtocol | "more" | "unknown";

const HTTP_METHODS = new Set([
  "GET",
  "POST",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "PATCH",
  "TRACE",
  "CONNECT",
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
  "SEARCH",
]);

/** The methods as bytes, by length (looked up without making a string). */
const METHODS_BY_LENGTH: Uint8Array[][] = [];
for (const m of HTTP_METHODS) (METHODS_BY_LENGTH[m.length] ??= []).push(new TextEncoder().encode(m));

/** True when `b[0..len)` is one of {@link HTTP_METHODS}. */
function isKnownMethod(b: Uint8Array, len: number): boolean {
  const list = METHODS_BY_LENGTH[len];
  if (list === undefined) return false;
  outer: for (let k = 0; k < list.length; k++) {
    const m = list[k];
    for (let i = 0; i < len; i++) if (b[i] !== m[i]) continue outer;
    return true;
  }
  return false;
}

/** Bytes looked at for a request line before giving up. */
const MAX_LINE = 2048;

function startsWith(b: Uint8Array, text: string, at = 0): boolean {
  if (b.length - at < text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Case-insensitive ASCII search of `word` (upper case) within the first `limit` bytes. */
function containsUpper(b: Uint8Array, word: string, limit: number): boolean {
  const n = Math.min(b.length, limit) - word.length;
  outer: for (let i = 0; i <= n; i++) {
    for (let j = 0; j < word.length; j++) {
      let c = b[i + j];
      if (c >= 97 && c <= 122) c -= 32;
      if (c !== word.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}

function isTelnet(b: Uint8Array): Detected {
  if (b[0] !== 0xff) return "unknown";
  if (b.length < 2) return "more";
  return b[1] >= 0xfb && b[1] <= 0xfe ? "telnet" : "unknown";
}

/** The first line's token before the first space, upper-cased (at most 16 bytes), or null. */
function firstToken(b: Uint8Array): string | null {
  let s = "";
  for (let i = 0; i < b.length && i < 16; i++) {
    const c = b[i];
    if (c === 32 || c === 13 || c === 10) return s;
    if (c < 33 || c > 126) return null;
    s += String.fromCharCode(c >= 97 && c <= 122 ? c - 32 : c);
  }
  return b.length < 16 ? null : s;
}

/** FTP's `AUTH TLS` / `AUTH SSL` (RFC 4217), and their variants. */
const FTP_AUTH = /^AUTH (?:TLS|SSL)(?:-[CP])?\s/i;

/** A RESP (Redis) command: `*` digits CR LF `$` (an array of bulk strings). */
function isResp(b: Uint8Array): Detected {
  let i = 1;
  while (i < b.length && i < 12 && b[i] >= 48 && b[i] <= 57) i++;
  if (i === 1 || i === 12) return "unknown";
  if (i + 2 >= b.length) return "more";
  return b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 36 ? "redis" : "unknown";
}

/** Detects the protocol from the first bytes the CLIENT sent. */
export function detectClient(b: Uint8Array): Detected {
  if (b.length === 0) return "more";
  if (b[0] === 0xff) return isTelnet(b);
  if (b[0] === 42) return isResp(b);
  if (b[0] === 3) {
    // TPKT version 3, then an X.224 Connection Request (code 0xE0)
    if (b.length < 6) return "more";
    return b[1] === 0 && (b[5] & 0xf0) === 0xe0 ? "rdp" : "unknown";
  }
  if (startsWith(b, "SSH-")) return "ssh";
  if (b.length < 4 && "SSH-".startsWith(String.fromCharCode(...b))) return "more";
  // HTTP: METHOD SP …
  let i = 0;
  while (i < b.length && i < 20 && ((b[i] >= 65 && b[i] <= 90) || b[i] === 45 || b[i] === 95)) i++;
  if (i === b.length) return b.length < 20 ? "more" : "unknown";
  if (i >= 3 && b[i] === 32) {
    if (isKnownMethod(b, i)) return "http";
    // an unknown method: HTTP when the line ends in HTTP/1.x
    const n = Math.min(b.length, MAX_LINE);
    let lf = -1;
    for (let j = i + 1; j < n; j++) {
      if (b[j] === 10) {
        lf = j;
        break;
      }
    }
    if (lf >= 9 && startsWith(b, "HTTP/1.", lf - (b[lf - 1] === 13 ? 9 : 8))) return "http";
    if (lf < 0 && b.length < MAX_LINE) return "more";
  }
  const tok = firstToken(b);
  if (tok === "EHLO" || tok === "HELO") return "smtp";
  // a Redis inline AUTH (the server speaks no greeting: a mail client's AUTH comes after one, detected first;
  // FTP's AUTH TLS / AUTH SSL, sent by a client whose server greeting the capture missed, is not Redis)
  if (tok === "AUTH" && !FTP_AUTH.test(String.fromCharCode(...b.subarray(0, 16)))) return "redis";
  return "unknown";
}

/** Detects the protocol from the first bytes the SERVER sent. */
export function detectServer(b: Uint8Array): Detected {
  if (b.length === 0) return "more";
  if (b[0] === 0xff) return isTelnet(b);
  if (b.length < 4) return "more";
  if (startsWith(b, "HTTP/1.")) return "http";
  if (startsWith(b, "SSH-")) return "ssh";
  if (startsWith(b, "+OK")) return "pop3";
  if (startsWith(b, "* OK") || startsWith(b, "* PREAUTH") || startsWith(b, "* BYE")) return "imap";
  if (startsWith(b, "220") && (b[3] === 32 || b[3] === 45)) {
    if (containsUpper(b, "SMTP", 512) || containsUpper(b, "POSTFIX", 512) || containsUpper(b, "EXIM", 512)) {
      return "smtp";
    }
    return "ftp";
  }
  return "unknown";
}
