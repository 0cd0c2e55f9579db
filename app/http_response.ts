/**
 * HTTP/1.x responses from the server half of a connection: the status line and headers of each
 * response, bodies skipped by `Content-Length` or chunked framing. Enough to follow a login form's
 * answers (401, 403, 200 with the form again, 302 to the account page).
 *
 * @module
 */
import type { HttpHeader } from "./http_request.ts";
import { latin1 } from "./url_decode.ts";

/** One response head. */
export interface HttpResponse {
  /** Status code (0 when the line did not hold one). */
  status: number;
  /** Reason phrase as sent. */
  reason: string;
  version: string;
  headers: HttpHeader[];
}

const MAX_HEAD = 16384;
const HEAD = 0, BODY = 1, CHUNK_SIZE = 2, CHUNK_DATA = 3, CHUNK_TRAILER = 4, CLOSED = 5;

/** Parses the server → client byte stream into response heads. */
export class HttpResponseParser {
  #state = HEAD;
  #head = "";
  #skip = 0;
  #line = "";
  #resync = false;
  /** Responses reported. */
  responses = 0;

  /**
   * @param resync start in the middle of the server's bytes: bytes are skipped until a chunk (a
   * segment) begins with a status line (`HTTP/`).
   */
  constructor(resync = false) {
    this.#resync = resync;
  }

  /** Bytes were lost: skip until a chunk begins with a status line (unless the parser stopped). */
  resync(): void {
    if (this.#state !== CLOSED) this.#resync = true;
  }

  /** Body bytes still to skip in the response being read (0 between responses). */
  get pendingBody(): number {
    return this.#state === BODY || this.#state === CHUNK_DATA ? this.#skip : 0;
  }

  /** True once the parser stopped (body until close, a protocol switch, or a malformed head). */
  get closed(): boolean {
    return this.#state === CLOSED;
  }

  /** Feeds in-order bytes; calls `onResponse` per response head. */
  feed(b: Uint8Array, onResponse: (r: HttpResponse) => void): void {
    if (this.#resync) {
      // H T T P /
      if (b.length < 5 || b[0] !== 72 || b[1] !== 84 || b[2] !== 84 || b[3] !== 80 || b[4] !== 47) return;
      this.#resync = false;
      this.#state = HEAD;
      this.#head = this.#line = "";
      this.#skip = 0;
    }
    let i = 0;
    const n = b.length;
    while (i < n && this.#state !== CLOSED) {
      switch (this.#state) {
        case HEAD: {
          const end = b.indexOf(10, i);
          const stop = end < 0 ? n : end + 1;
          this.#head += latin1(b, i, stop);
          i = stop;
          if (this.#head.length > MAX_HEAD) {
            this.#state = CLOSED;
            break;
          }
          if (end >= 0 && (this.#head.endsWith("\n\n") || this.#head.endsWith("\r\n\r\n"))) this.#onHead(onResponse);
          else if (this.#head === "\r\n" || this.#head === "\n") this.#head = "";
          break;
        }
        case BODY:
        case CHUNK_DATA: {
          const k = Math.min(this.#skip, n - i);
          this.#skip -= k;
          i += k;
          if (this.#skip === 0) this.#state = this.#state === BODY ? HEAD : CHUNK_SIZE;
          break;
        }
        case CHUNK_SIZE:
        case CHUNK_TRAILER: {
          const end = b.indexOf(10, i);
          const stop = end < 0 ? n : end + 1;
          this.#line += latin1(b, i, stop);
          i = stop;
          if (this.#line.length > 1024) {
            this.#state = CLOSED;
            break;
          }
          if (end < 0) break;
          const line = this.#line.trim();
          this.#line = "";
          if (this.#state === CHUNK_TRAILER) {
            if (line === "") this.#state = HEAD;
            break;
          }
          if (line === "") break; // the CRLF after a chunk's data
          const size = parseInt(line, 16);
          if (!Number.isFinite(size) || size < 0) this.#state = CLOSED;
          else if (size === 0) this.#state = CHUNK_TRAILER;
          else {
            this.#skip = size;
            this.#state = CHUNK_DATA;
          }
          break;
        }
      }
    }
  }

  #onHead(onResponse: (r: HttpResponse) => void): void {
    const lines = this.#head.split(/\r?\n/);
    this.#head = "";
    const m = /^(HTTP\/\d\.\d)\s+(\d{3})\s*(.*)$/.exec(lines[0]);
    if (m === null) {
      this.#state = CLOSED;
      return;
    }
    const headers: HttpHeader[] = [];
    let length = -1, chunked = false;
    for (let k = 1; k < lines.length && headers.length < 128; k++) {
      const c = lines[k].indexOf(":");
      if (c <= 0) continue;
      const name = lines[k].slice(0, c).trim().toLowerCase(), value = lines[k].slice(c + 1).trim();
      headers.push([name, value]);
      if (name === "content-length" && /^\d{1,15}$/.test(value)) length = Number(value);
      if (name === "transfer-encoding" && /chunked/i.test(value)) chunked = true;
    }
    const status = Number(m[2]);
    this.responses++;
    onResponse({ status, reason: m[3], version: m[1], headers });
    if (status === 101) this.#state = CLOSED;
    else if (status < 200 || status === 204 || status === 304) this.#state = HEAD;
    else if (chunked) this.#state = CHUNK_SIZE;
    else if (length > 0) {
      this.#skip = length;
      this.#state = BODY;
    } else if (length === 0) this.#state = HEAD;
    else this.#state = CLOSED; // body until the connection closes
  }
}
