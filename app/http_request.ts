/**
 * HTTP/1.x requests from the client half of a TCP connection.
 *
 * {@link HttpRequestParser} takes the client's bytes in order (the stream stage reassembles them;
 * lost bytes arrive as a {@link HttpRequestParser.gap}) and splits them into requests: request
 * line, headers, and a body delimited by `Content-Length` or `Transfer-Encoding: chunked`.
 * Pipelined and keep-alive requests come out one after another. Each request is bounded: past
 * `maxRequestBytes` the parser reports what it has with `truncated` set and skips the rest of that
 * request. A stream that does not start at a request line (capture began mid-request) resumes at
 * the next one.
 *
 * Bytes are kept in one buffer per stream, allocated on demand and released whenever no request is
 * in progress; text is built (latin1, one character per byte) only when a request is complete.
 *
 * @module
 */
import { latin1 } from "./url_decode.ts";

/** One header: lower-case name and trimmed value. */
export type HttpHeader = [name: string, value: string];

/** One parsed HTTP request. */
export interface HttpRequest {
  /** Method token as sent (`GET`, `POST`, …). */
  method: string;
  /** Request target as sent (origin form `/path?query`, or absolute form). */
  target: string;
  /** Protocol version (`HTTP/1.1`), empty for a bare `GET /path` line. */
  version: string;
  /** Headers in order (identical requests may share one list: read it, never change it). */
  headers: HttpHeader[];
  /** Body bytes as latin1 text, de-chunked. */
  body: string;
  /** True when the request was cut: larger than the limit, or the connection ended or lost bytes mid-request. */
  truncated: boolean;
}

/** Receives each request as it completes. */
export type OnRequest = (req: HttpRequest) => void;

/** First value of header `name` (lower case), or undefined. */
export function headerValue(req: HttpRequest, name: string): string | undefined {
  const headers = req.headers;
  for (let i = 0; i < headers.length; i++) if (headers[i][0] === name) return headers[i][1];
  return undefined;
}

const EMPTY = new Uint8Array(0);
/** The empty chunk list (shared; replaced by a list of its own at the first chunk). */
const NO_CHUNKS: number[] = [];
/** Size of a request buffer as first allocated; such buffers are recycled between requests. */
const FIRST_BUFFER = 1024;
/** Released first-size buffers kept for reuse (at most {@link POOL_MAX}: 256 KiB). */
const POOL: Uint8Array[] = [];
const POOL_MAX = 256;
const CR = 13;
const LF = 10;
const SP = 32;

/** Longest method token accepted. */
const MAX_METHOD = 20;
/** Most headers kept per request. */
const MAX_HEADERS = 128;
/** Bytes searched for a request line, before any request was seen, after which a connection is not HTTP. */
const MAX_JUNK = 1 << 20;

/** Parser states. */
const HEAD = 0;
const BODY = 1;
const CHUNKED = 2;

interface PendingHead {
  method: string;
  target: string;
  version: string;
  headers: HttpHeader[];
  /** Ends the connection's HTTP/1 (WebSocket upgrade, CONNECT tunnel, HTTP/2 preface). */
  final: boolean;
  /** A `Transfer-Encoding` naming chunked. */
  chunked: boolean;
  /** The largest valid `Content-Length` (0 without one): with `chunked`, worked out once per distinct head. */
  length: number;
}

/** True for characters allowed in a method token (A-Z, `-`, `_`). */
function isMethodChar(c: number): boolean {
  return (c >= 65 && c <= 90) || c === 45 || c === 95;
}

/** True when `text[at..end)` starts with `HTTP/` and a digit (any case), as a version does. */
function isVersionAt(text: string, at: number, end: number): boolean {
  if (end - at < 6) return false;
  const c = text.charCodeAt(at) | 0x20, d = text.charCodeAt(at + 5);
  return c === 104 && (text.charCodeAt(at + 1) | 0x20) === 116 && (text.charCodeAt(at + 2) | 0x20) === 116 &&
    (text.charCodeAt(at + 3) | 0x20) === 112 && text.charCodeAt(at + 4) === 47 && d >= 48 && d <= 57;
}

/** Parses the request line and header lines of `text` (which may be cut short). */
function parseHead(text: string): PendingHead | null {
  // (positions into `text` rather than a string per line: one request head makes few strings)
  let nl = text.indexOf("\n");
  let firstEnd = nl < 0 ? text.length : nl;
  if (firstEnd > 0 && text.charCodeAt(firstEnd - 1) === 13) firstEnd--;
  const sp = text.indexOf(" ");
  if (sp <= 0 || sp >= firstEnd) return null;
  const method = text.slice(0, sp);
  let restEnd = firstEnd;
  let version = "";
  const last = text.lastIndexOf(" ", firstEnd - 1);
  if (last > sp && isVersionAt(text, last + 1, firstEnd)) {
    version = text.slice(last + 1, firstEnd);
    restEnd = last;
  }
  const headers: HttpHeader[] = [];
  // CONNECT opens a tunnel and `PRI * HTTP/2.0` starts HTTP/2 frames: no more HTTP/1 requests follow
  let final = method === "CONNECT" || method === "PRI";
  let chunked = false, length = 0;
  while (nl >= 0 && headers.length < MAX_HEADERS) {
    const start = nl + 1;
    nl = text.indexOf("\n", start);
    let end = nl < 0 ? text.length : nl;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end === start) break;
    const colon = text.indexOf(":", start);
    if (colon <= start || colon >= end) continue;
    const name = text.slice(start, colon).trim().toLowerCase();
    const value = text.slice(colon + 1, end).trim();
    headers.push([name, value]);
    if (name === "upgrade" && /websocket/i.test(value)) final = true;
    else if (name === "transfer-encoding" && /chunked/i.test(value)) chunked = true;
    else if (name === "content-length" && /^\d{1,15}$/.test(value)) length = Math.max(length, Number(value));
  }
  return { method, target: text.slice(sp + 1, restEnd).trim(), version, headers, final, chunked, length };
}

/** Identical request heads (floods repeat one) are parsed once: raw bytes and result, by a hash of the bytes. */
const HEAD_CACHE_SLOTS = 256;
/** Longest head cached. */
const HEAD_CACHE_MAX = 512;
const headBytes = new Uint8Array(HEAD_CACHE_SLOTS * HEAD_CACHE_MAX);
/** The same bytes four at a time (a slot starts on a multiple of four). */
const headWords = new Int32Array(headBytes.buffer);
/** The words of the head being looked up, as the hash read them (compared with a slot's words). */
const lookupWords = new Int32Array(HEAD_CACHE_MAX / 4);
/** Words are compared as the platform stores them: little-endian, else byte by byte. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const headLength = new Int32Array(HEAD_CACHE_SLOTS);
const headParsed: (PendingHead | null)[] = new Array<PendingHead | null>(HEAD_CACHE_SLOTS).fill(null);

/**
 * True when the cached head at `at` (of the same length) holds the bytes of `b[start..end)`, whose
 * first `nWords` words are in `lookupWords`.
 */
function sameHead(b: Uint8Array, start: number, end: number, at: number, nWords: number): boolean {
  let i = 0;
  if (LITTLE_ENDIAN) {
    const w0 = at >> 2;
    for (let k = 0; k < nWords; k++) if (headWords[w0 + k] !== lookupWords[k]) return false;
    i = nWords * 4;
  }
  for (const len = end - start; i < len; i++) if (headBytes[at + i] !== b[start + i]) return false;
  return true;
}

/** Mixes one 32-bit word (or byte) into a head hash. */
function mixWord(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x5bd1e995);
  return h ^ (h >>> 13);
}

/** The head hash's last step: its length mixed in. */
function finishHash(h: number, len: number): number {
  h = Math.imul(h ^ len, 0x5bd1e995);
  return h ^ (h >>> 15);
}

const HASH_SEED = 0x2f5a3c71;

/**
 * The cached head at the cache slot of hash `h` when it holds `b[start..end)` (whose first `nWords` words
 * are in `lookupWords`), else {@link parseHead} of those bytes, then cached. A cached result is shared:
 * its header list must not be changed (listeners copy what they keep).
 */
function cachedHead(b: Uint8Array, start: number, end: number, h: number, nWords: number): PendingHead | null {
  const len = end - start;
  const slot = (h >>> 0) & (HEAD_CACHE_SLOTS - 1);
  const at = slot * HEAD_CACHE_MAX;
  if (headLength[slot] === len && sameHead(b, start, end, at, nWords)) return headParsed[slot];
  const head = parseHead(latin1(b, start, end));
  headBytes.set(b.subarray(start, end), at);
  headLength[slot] = len;
  headParsed[slot] = head;
  return head;
}

/**
 * {@link parseHead} of the head in `b[start..end)`, from the cache when the same bytes were parsed
 * recently (see {@link cachedHead}).
 */
function parseHeadBytes(b: Uint8Array, start: number, end: number): PendingHead | null {
  const len = end - start;
  if (len > HEAD_CACHE_MAX) return parseHead(latin1(b, start, end));
  // four bytes per step (a byte-at-a-time hash is a chain of multiplies, one per byte); any collision is caught by
  // the byte comparison in cachedHead (the words are kept for it: a word compare instead of one per byte)
  const words = lookupWords;
  let h = HASH_SEED, i = start, k = 0;
  for (; i + 4 <= end; i += 4) {
    const w = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    words[k++] = w;
    h = mixWord(h, w);
  }
  for (; i < end; i++) h = mixWord(h, b[i]);
  return cachedHead(b, start, end, finishHash(h, len), k);
}

/** The end of the head {@link scanHead} found (just past its blank line), -1 for none … */
let scannedEnd = -1;
/** … and its parse (from the cache when the same bytes were parsed recently). */
let scannedHead: PendingHead | null = null;

/**
 * Looks in `b[start..n)` (`start` at a request line) for the blank line that ends the head, the
 * first LF followed by LF or CR LF, as {@link parseHeadBytes}'s callers did with `indexOf`; when
 * found, sets {@link scannedEnd} and {@link scannedHead} (unless the head is longer than `max`, then
 * only the end). One pass: the words read to find the LFs are the words of the head's hash.
 */
function scanHead(b: Uint8Array, start: number, n: number, max: number): void {
  const words = lookupWords, maxWords = HEAD_CACHE_MAX / 4;
  let h = HASH_SEED, i = start, k = 0, end = -1;
  scannedEnd = -1;
  scannedHead = null;
  for (; i + 4 <= n; i += 4) {
    const w = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    const x = w ^ 0x0a0a0a0a; // a zero byte of x: an LF in w
    if ((((x - 0x01010101) & ~x) & 0x80808080) !== 0) {
      for (let j = i; j < i + 4; j++) {
        if (b[j] !== LF) continue;
        if (j + 1 < n && b[j + 1] === LF) end = j + 2;
        else if (j + 2 < n && b[j + 1] === CR && b[j + 2] === LF) end = j + 3;
        else continue;
        break;
      }
      if (end >= 0) break;
    }
    if (k < maxWords) words[k] = w;
    k++;
    h = mixWord(h, w);
  }
  if (end < 0) {
    // the last bytes, fewer than four
    for (let j = i; j < n; j++) {
      if (b[j] !== LF) continue;
      if (j + 1 < n && b[j + 1] === LF) end = j + 2;
      else if (j + 2 < n && b[j + 1] === CR && b[j + 2] === LF) end = j + 3;
      else continue;
      break;
    }
    if (end < 0) return;
  }
  scannedEnd = end;
  const len = end - start;
  if (len > max) return;
  if (len > HEAD_CACHE_MAX) {
    scannedHead = parseHead(latin1(b, start, end));
    return;
  }
  // the words hashed so far end at i (≤ end); the head's whole words from there, then its last bytes
  for (; i + 4 <= end; i += 4) {
    const w = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    words[k++] = w;
    h = mixWord(h, w);
  }
  for (; i < end; i++) h = mixWord(h, b[i]);
  scannedHead = cachedHead(b, start, end, finishHash(h, len), k);
}

/**
 * Parses the client → server byte stream of one TCP connection (in order, from the stream stage)
 * into requests.
 *
 * @example
 * ```ts
 * const p = new HttpRequestParser(16384);
 * const bytes = new TextEncoder().encode("GET /?id=1 HTTP/1.1\r\nHost: x\r\n\r\n");
 * p.feed(bytes, (req) => console.log(req.target)); // "/?id=1"
 * ```
 */
export class HttpRequestParser {
  #max: number;
  #buf: Uint8Array = EMPTY;
  #len = 0;
  #state = HEAD;
  #resync = false;
  #resyncFresh = false;
  #closed = false;
  #skip = 0;
  #scan = 0;
  #head: PendingHead | null = null;
  #headEnd = 0;
  #bodyLen = 0;
  #chunkPos = 0;
  #chunks: number[] = NO_CHUNKS;
  #chunkPartial = -1;
  #chunkEnd = 0;
  #junk = 0;
  /** True when {@link #direct} stopped at a request whose head has no end in the bytes it was given. */
  #directNoEnd = false;

  /** Requests reported so far. */
  requests = 0;
  /** Times bytes were lost before the next bytes ({@link gap}). */
  gaps = 0;

  /** @param maxRequestBytes bytes buffered per request before it is reported truncated (≥ 64). */
  constructor(maxRequestBytes = 16384) {
    this.#max = Math.max(64, Math.floor(maxRequestBytes));
  }

  /** Makes the parser as new (a new connection), releasing its buffer. */
  reset(maxRequestBytes: number): void {
    this.#max = Math.max(64, Math.floor(maxRequestBytes));
    this.#release();
    this.#state = HEAD;
    this.#resync = this.#resyncFresh = this.#closed = false;
    this.#skip =
      this.#headEnd =
      this.#bodyLen =
      this.#chunkPos =
      this.#chunkEnd =
      this.#junk =
        0;
    this.#head = null;
    this.#chunks = NO_CHUNKS;
    this.#chunkPartial = -1;
    this.requests = this.gaps = 0;
  }

  /** Bytes held for the request in progress. */
  get bufferedBytes(): number {
    return this.#len;
  }

  /**
   * True once the connection stopped carrying HTTP requests (WebSocket upgrade, CONNECT, 1 MiB
   * without a request line, or {@link finish}).
   */
  get closed(): boolean {
    return this.#closed;
  }

  /** Changes the per-request limit; applies from the next byte. */
  setMaxRequestBytes(maxRequestBytes: number): void {
    this.#max = Math.max(64, Math.floor(maxRequestBytes));
  }

  /** Feeds the next in-order bytes; calls `onRequest` for every request they complete. */
  feed(data: Uint8Array, onRequest: OnRequest): void {
    if (this.#closed || data.length === 0) return;
    this.#feed(data, onRequest);
  }

  /**
   * Bytes were lost before the next ones: the request in progress is reported truncated and
   * parsing resumes at the next request line.
   */
  gap(onRequest: OnRequest): void {
    if (this.#closed) return;
    this.gaps++;
    this.#flushPartial(onRequest);
    this.#release();
    this.#state = HEAD;
    this.#skip = 0;
    this.#resync = true;
    this.#resyncFresh = true;
  }

  /**
   * Ends the stream (connection closed or forgotten): a request in progress is reported with
   * `truncated` set, then every buffer is released.
   */
  finish(onRequest: OnRequest): void {
    this.#flushPartial(onRequest);
    this.#release();
    this.#closed = true;
  }

  #feed(data: Uint8Array, out: OnRequest): void {
    let off = 0;
    const n = data.length;
    // nothing buffered or pending: whole requests are parsed straight from these bytes (no copy)
    let scanned = false;
    if (this.#len === 0 && this.#skip === 0 && this.#state === HEAD && !this.#resync) {
      off = this.#direct(data, out);
      scanned = this.#directNoEnd;
    }
    while (off < n && !this.#closed) {
      if (this.#skip > 0) {
        const k = Math.min(this.#skip, n - off);
        this.#skip -= k;
        off += k;
        continue;
      }
      if (this.#len >= this.#max) {
        // the limit was lowered below what is buffered: start over at the next request
        this.#flushPartial(out);
        this.#release();
        this.#resync = true;
      }
      const k = Math.min(this.#max - this.#len, n - off);
      this.#append(data, off, k);
      off += k;
      if (scanned) {
        // #direct looked for the head's end in these very bytes (now the whole buffer) and found none
        this.#scan = this.#len;
        scanned = false;
      }
      this.#parse(out);
    }
  }

  /**
   * Parses the complete requests at the start of `b` in place, as the buffered path would (each
   * within the size limit, not chunked); returns the offset of the first byte left for it.
   */
  #direct(b: Uint8Array, out: OnRequest): number {
    this.#directNoEnd = false;
    let off = 0;
    const n = b.length;
    while (off < n && !this.#closed) {
      let p = off;
      while (p < n && (b[p] === CR || b[p] === LF)) p++;
      const lim = Math.min(n, p + MAX_METHOD + 1);
      let i = p;
      while (i < lim && isMethodChar(b[i])) i++;
      if (i === p || i >= n || b[i] !== SP) return off;
      // the head's end and its parse in one pass (no LF before i: the method and a space are there)
      scanHead(b, p, n, this.#max - (p - off));
      const end = scannedEnd;
      if (end < 0) {
        this.#directNoEnd = p === off;
        return off;
      }
      if (end - off > this.#max) return off;
      const head = scannedHead;
      if (head === null || head.chunked) return off;
      const length = head.length;
      const stop = end + length;
      if (stop > n || stop - off > this.#max) return off;
      this.#emit(head, length > 0 ? latin1(b, end, stop) : "", false, out);
      off = stop;
    }
    return off;
  }

  #append(data: Uint8Array, off: number, k: number): void {
    const need = this.#len + k;
    if (need > this.#buf.length) {
      const cap = Math.min(this.#max, Math.max(need, this.#buf.length * 2, FIRST_BUFFER));
      const old = this.#buf;
      const nb = cap === FIRST_BUFFER && POOL.length > 0 ? POOL.pop()! : new Uint8Array(cap);
      if (this.#len > 0) nb.set(old.subarray(0, this.#len)); // (the first bytes of a request: nothing to move)
      if (old.length === FIRST_BUFFER && POOL.length < POOL_MAX) POOL.push(old);
      this.#buf = nb;
    }
    // (a whole segment is copied as it is: no view object per segment)
    this.#buf.set(off === 0 && k === data.length ? data : data.subarray(off, off + k), this.#len);
    this.#len = need;
  }

  /** Drops `n` bytes from the front of the buffer; releases it when empty. */
  #consume(n: number): void {
    if (n === 0) {
      this.#scan = 0; // (as before: nothing moves)
      return;
    }
    if (n >= this.#len) {
      this.#release();
      return;
    }
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
    this.#scan = 0;
  }

  #release(): void {
    if (this.#buf.length === FIRST_BUFFER && POOL.length < POOL_MAX) POOL.push(this.#buf);
    this.#buf = EMPTY;
    this.#len = 0;
    this.#scan = 0;
  }

  /** 1: the buffer starts with `METHOD SP`; 0: too short to tell; -1: it does not. */
  #checkRequestStart(): number {
    const b = this.#buf, len = this.#len;
    const n = Math.min(len, MAX_METHOD + 1);
    for (let i = 0; i < n; i++) {
      const c = b[i];
      if (c === SP) return i > 0 ? 1 : -1;
      if (!isMethodChar(c)) return -1;
    }
    return len > MAX_METHOD ? -1 : 0;
  }

  /**
   * Looks for `LF METHOD SP (/|h|*)` to restart parsing after bytes were lost or were not HTTP;
   * right after a hole the buffer start itself is a candidate. Drops the bytes before the candidate.
   */
  #resyncScan(): boolean {
    const b = this.#buf, len = this.#len;
    for (let i = this.#resyncFresh ? -1 : 0; i < len; i++) {
      if (i >= 0 && b[i] !== LF) continue;
      let j = i + 1;
      while (j < len && j - i - 1 < MAX_METHOD && b[j] >= 65 && b[j] <= 90) j++;
      if (j + 1 >= len) {
        // possibly a request line cut at the end of the buffer: keep it for the next segment
        if (i > 0) this.#consume(i);
        return false;
      }
      const t = b[j + 1];
      if (j - i - 1 >= 3 && b[j] === SP && (t === 47 /* / */ || t === 104 /* h */ || t === 42 /* * */)) {
        this.#consume(i + 1);
        this.#resync = false;
        this.#resyncFresh = false;
        return true;
      }
    }
    // nothing here: the next bytes start at a segment boundary, where a request line may begin
    this.#resyncFresh = true;
    this.#junk += len;
    this.#release();
    // a connection that never carried a request in all these bytes is not HTTP: stop looking
    if (this.requests === 0 && this.#junk > MAX_JUNK) this.#closed = true;
    return false;
  }

  /** Index just past the blank line ending the head, or -1. */
  #findHeadEnd(): number {
    const b = this.#buf, len = this.#len;
    let i = Math.max(0, this.#scan - 3);
    // four bytes a step, as scanHead: a word without an LF (no zero byte in word ^ 0x0a0a0a0a) is passed whole
    for (; i + 4 <= len; i += 4) {
      const x = (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) ^ 0x0a0a0a0a;
      if ((((x - 0x01010101) & ~x) & 0x80808080) === 0) continue;
      for (let j = i; j < i + 4; j++) {
        if (b[j] !== LF) continue;
        if (j + 1 < len && b[j + 1] === LF) return j + 2;
        if (j + 2 < len && b[j + 1] === CR && b[j + 2] === LF) return j + 3;
      }
    }
    for (; i < len; i++) {
      if (b[i] !== LF) continue;
      if (i + 1 < len && b[i + 1] === LF) return i + 2;
      if (i + 2 < len && b[i + 1] === CR && b[i + 2] === LF) return i + 3;
    }
    this.#scan = len;
    return -1;
  }

  #emit(head: PendingHead, body: string, truncated: boolean, out: OnRequest): void {
    this.requests++;
    if (head.final) this.#closed = true;
    out({ method: head.method, target: head.target, version: head.version, headers: head.headers, body, truncated });
  }

  #chunkBody(): string {
    let body = "";
    const c = this.#chunks;
    for (let i = 0; i < c.length; i += 2) body += latin1(this.#buf, c[i], c[i] + c[i + 1]);
    return body;
  }

  /** Parses complete chunks from `#chunkPos`: 1 complete, 0 needs more bytes, -1 malformed. */
  #parseChunks(): number {
    const b = this.#buf, len = this.#len;
    for (;;) {
      this.#chunkPartial = -1;
      let nl = -1;
      for (let i = this.#chunkPos; i < len && i - this.#chunkPos < 80; i++) {
        if (b[i] === LF) {
          nl = i;
          break;
        }
      }
      if (nl < 0) return len - this.#chunkPos >= 80 ? -1 : 0;
      let size = 0, digits = 0;
      for (let i = this.#chunkPos; i < nl; i++) {
        const c = b[i];
        const v = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
        if (v < 0) break;
        size = size * 16 + v;
        digits++;
        if (digits > 8) return -1;
      }
      if (digits === 0) return -1;
      const dataStart = nl + 1;
      if (size === 0) {
        // last chunk, then optional trailers and a blank line
        let p = dataStart;
        for (;;) {
          let e = -1;
          for (let i = p; i < len; i++) {
            if (b[i] === LF) {
              e = i;
              break;
            }
          }
          if (e < 0) return 0;
          if (e === p || (e === p + 1 && b[p] === CR)) {
            this.#chunkEnd = e + 1;
            return 1;
          }
          p = e + 1;
        }
      }
      if (dataStart + size > len) {
        this.#chunkPartial = dataStart;
        return 0;
      }
      let p = dataStart + size;
      if (p < len && b[p] === CR) p++;
      if (p >= len) {
        this.#chunkPartial = dataStart;
        return 0;
      }
      if (b[p] !== LF) return -1;
      if (this.#chunks === NO_CHUNKS) this.#chunks = [];
      this.#chunks.push(dataStart, size);
      this.#chunkPos = p + 1;
    }
  }

  #parse(out: OnRequest): void {
    for (;;) {
      if (this.#closed) {
        this.#release();
        return;
      }
      if (this.#resync && !this.#resyncScan()) return;
      if (this.#state === HEAD) {
        let p = 0;
        while (p < this.#len && (this.#buf[p] === CR || this.#buf[p] === LF)) p++;
        if (p > 0) this.#consume(p);
        if (this.#len === 0) return;
        const v = this.#checkRequestStart();
        if (v < 0) {
          this.#resync = true;
          continue;
        }
        if (v === 0) return;
        const end = this.#findHeadEnd();
        if (end < 0) {
          if (this.#len >= this.#max) {
            // head larger than the limit: report what we have, then look for the next request
            const head = parseHeadBytes(this.#buf, 0, this.#len);
            if (head !== null) this.#emit(head, "", true, out);
            this.#release();
            this.#resync = true;
          }
          return;
        }
        const head = parseHeadBytes(this.#buf, 0, end);
        if (head === null) {
          this.#resync = true;
          continue;
        }
        const chunked = head.chunked, length = head.length;
        this.#head = head;
        this.#headEnd = end;
        if (chunked) {
          this.#state = CHUNKED;
          this.#chunkPos = end;
          this.#chunks = NO_CHUNKS;
          this.#chunkPartial = -1;
        } else if (length > 0) {
          this.#state = BODY;
          this.#bodyLen = length;
        } else {
          this.#head = null;
          this.#emit(head, "", false, out);
          this.#consume(end);
        }
        continue;
      }
      const head = this.#head!;
      if (this.#state === BODY) {
        const have = this.#len - this.#headEnd;
        if (have >= this.#bodyLen) {
          const stop = this.#headEnd + this.#bodyLen;
          this.#state = HEAD;
          this.#head = null;
          this.#emit(head, latin1(this.#buf, this.#headEnd, stop), false, out);
          this.#consume(stop);
          continue;
        }
        if (this.#len >= this.#max) {
          this.#state = HEAD;
          this.#head = null;
          this.#emit(head, latin1(this.#buf, this.#headEnd, this.#len), true, out);
          this.#skip = this.#bodyLen - have;
          this.#release();
        }
        return;
      }
      // chunked
      const r = this.#parseChunks();
      if (r === 1) {
        this.#state = HEAD;
        this.#head = null;
        this.#emit(head, this.#chunkBody(), false, out);
        this.#consume(this.#chunkEnd);
        this.#chunks = NO_CHUNKS;
        continue;
      }
      if (r < 0 || this.#len >= this.#max) {
        this.#flushPartial(out);
        this.#release();
        this.#resync = true;
        continue;
      }
      return;
    }
  }

  /** Reports a request in progress as truncated and resets the parser (the buffer is left as is). */
  #flushPartial(out: OnRequest): void {
    if (this.#closed) return;
    const state = this.#state;
    const head = this.#head;
    this.#state = HEAD;
    this.#head = null;
    if (state === BODY && head !== null) {
      this.#emit(head, latin1(this.#buf, this.#headEnd, this.#len), true, out);
    } else if (state === CHUNKED && head !== null) {
      let body = this.#chunkBody();
      if (this.#chunkPartial >= 0) body += latin1(this.#buf, this.#chunkPartial, this.#len);
      this.#chunks = NO_CHUNKS;
      this.#emit(head, body, true, out);
    } else if (state === HEAD && !this.#resync && this.#len > 0) {
      let p = 0;
      while (p < this.#len && (this.#buf[p] === CR || this.#buf[p] === LF)) p++;
      if (p > 0) this.#consume(p);
      if (this.#len > 0 && this.#checkRequestStart() === 1) {
        const partial = parseHeadBytes(this.#buf, 0, this.#len);
        if (partial !== null) this.#emit(partial, "", true, out);
      }
    }
  }
}
