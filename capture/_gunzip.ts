/**
 * gzip decompression as `gzip -d` does it: every member of a multi-member file (RFC 1952 §2.2), and trailing
 * garbage after the last member ignored with a warning instead of losing the data before it.
 *
 * The platform's `DecompressionStream("gzip")` refuses both (and drops the whole chunk it was decoding), so
 * members are framed here and each member's deflate data is inflated by `node:zlib`'s raw inflater, whose
 * `bytesWritten` says exactly where the deflate data ended.
 *
 * @module
 */
import zlib from "node:zlib";

const ID1 = 0x1f, ID2 = 0x8b, CM_DEFLATE = 8;
const FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
const READ = 256 * 1024;

/** Reads compressed bytes (a file). */
export interface ByteReader {
  read(into: Uint8Array): Promise<number | null>;
  close(): void;
}

/**
 * Pull-based gunzip of every member. {@link read} throws `Error` with a one-line reason on corrupt or
 * truncated data; a warning (trailing garbage) is left in {@link warning}.
 */
export class GunzipMembers {
  #src: ByteReader;
  #cbuf = new Uint8Array(READ * 2);
  #cpos = 0;
  #cend = 0;
  #eof = false;
  /** Compressed offset of #cbuf[0]. */
  #cbase = 0;
  #members = 0;
  #out: Uint8Array[] = [];
  #outHead: Uint8Array | null = null;
  #inflater: zlib.InflateRaw | null = null;
  #memberOut = 0;
  #fed = 0;
  #error: Error | null = null;
  #done = false;
  #memberStart = 0;
  #failed: Error | null = null;
  /** Set when trailing bytes after the last member were ignored. */
  warning: string | undefined;

  constructor(src: ByteReader) {
    this.#src = src;
  }

  /** Members started so far. */
  get members(): number {
    return this.#members;
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    if (this.#cpos > 0) {
      this.#cbuf.copyWithin(0, this.#cpos, this.#cend);
      this.#cbase += this.#cpos;
      this.#cend -= this.#cpos;
      this.#cpos = 0;
    }
    if (this.#cbuf.length - this.#cend < READ) {
      const bigger = new Uint8Array(this.#cbuf.length * 2);
      bigger.set(this.#cbuf.subarray(0, this.#cend));
      this.#cbuf = bigger;
    }
    const n = await this.#src.read(this.#cbuf.subarray(this.#cend, this.#cend + READ));
    if (n === null || n === 0) {
      this.#eof = true;
      return false;
    }
    this.#cend += n;
    return true;
  }

  async #need(n: number): Promise<boolean> {
    while (this.#cend - this.#cpos < n) if (!await this.#fill()) return false;
    return true;
  }

  /** Parses a member header at #cpos; returns false (with warning) for trailing garbage, throws when cut. */
  async #header(): Promise<boolean> {
    const at = this.#cbase + this.#cpos;
    if (!await this.#need(1)) return false; // clean end
    const b = this.#cbuf;
    const looksLike = (this.#cend - this.#cpos < 2 || b[this.#cpos + 1] === ID2) && b[this.#cpos] === ID1;
    if (!looksLike || (await this.#need(3) && b[this.#cpos + 2] !== CM_DEFLATE)) {
      if (this.#members === 0) throw new Error(`not gzip data at byte ${at}`);
      return this.#garbage(at);
    }
    if (!await this.#need(10)) {
      if (this.#members > 0) return this.#garbage(at);
      throw new Error(`gzip header cut at byte ${at}`);
    }
    const flags = b[this.#cpos + 3];
    let p = 10;
    const cut = () => new Error(`gzip header cut at byte ${at}`);
    if (flags & FEXTRA) {
      if (!await this.#need(p + 2)) throw cut();
      p += 2 + (this.#cbuf[this.#cpos + p] | (this.#cbuf[this.#cpos + p + 1] << 8));
    }
    for (const f of [FNAME, FCOMMENT]) {
      if (!(flags & f)) continue;
      while (true) {
        if (!await this.#need(p + 1)) throw cut();
        if (this.#cbuf[this.#cpos + p++] === 0) break;
      }
    }
    if (flags & FHCRC) p += 2;
    if (!await this.#need(p)) throw cut();
    this.#cpos += p;
    this.#members++;
    return true;
  }

  async #garbage(at: number): Promise<false> {
    let n = this.#cend - this.#cpos;
    while (await this.#fill()) n = this.#cend - this.#cpos;
    this.#cpos = this.#cend;
    this.warning = `trailing garbage ignored (${n} bytes after the last gzip member, at byte ${at})`;
    return false;
  }

  async #endMember(start: number): Promise<void> {
    const inflater = this.#inflater!;
    await new Promise<void>((resolve) => inflater.end(() => resolve()));
    this.#inflater = null;
    if (this.#error) throw new Error(`gzip data corrupt: ${this.#error.message}`);
    if (!await this.#need(8)) {
      throw new Error(`gzip data truncated: member at byte ${start - 10} has no trailer (unexpected end of file)`);
    }
    const b = this.#cbuf, q = this.#cpos + 4;
    const isize = (b[q] | (b[q + 1] << 8) | (b[q + 2] << 16) | (b[q + 3] << 24)) >>> 0;
    if (isize !== this.#memberOut % 4294967296) {
      throw new Error(`gzip data corrupt: member length ${this.#memberOut} does not match its trailer (${isize})`);
    }
    this.#cpos += 8;
  }

  /** Continues the current member (or starts the next) until output is available or the input ended. */
  async #produce(): Promise<void> {
    while (this.#out.length === 0 && !this.#done) {
      if (this.#inflater === null) {
        if (!await this.#header()) {
          this.#done = true;
          return;
        }
        const inflater = zlib.createInflateRaw({ chunkSize: 256 * 1024 });
        this.#inflater = inflater;
        this.#memberOut = 0;
        this.#fed = 0;
        this.#error = null;
        inflater.on("data", (d: Uint8Array) => {
          this.#out.push(d);
          this.#memberOut += d.length;
        });
        inflater.on("error", (e: Error) => this.#error ??= e);
        this.#memberStart = this.#cbase + this.#cpos;
      }
      const inflater = this.#inflater;
      if (this.#cend === this.#cpos && !await this.#fill()) {
        throw new Error(
          `gzip data truncated: the member at byte ${this.#memberStart} ends early (unexpected end of file)`,
        );
      }
      const chunk = this.#cbuf.subarray(this.#cpos, this.#cend); // not touched until the write completed
      await new Promise<void>((resolve) => inflater.write(chunk, () => resolve()));
      if (this.#error) throw new Error(`gzip data corrupt: ${this.#error.message}`);
      const consumed = inflater.bytesWritten - this.#fed;
      this.#fed = inflater.bytesWritten;
      this.#cpos += consumed;
      if (consumed < chunk.length || (consumed === 0 && chunk.length > 0)) {
        await this.#endMember(this.#memberStart);
      }
    }
  }

  /** Copies up to `into.length` decompressed bytes; 0 at the end. */
  async read(into: Uint8Array): Promise<number> {
    let n = 0;
    while (n < into.length) {
      if (this.#outHead === null) {
        if (this.#out.length === 0) {
          if (n > 0) return n;
          if (this.#failed) throw this.#failed;
          try {
            await this.#produce();
          } catch (e) {
            // deliver every byte inflated before the problem first; the error comes with the next read
            this.#failed = e as Error;
            this.#done = true;
          }
          if (this.#out.length === 0) {
            if (this.#failed) throw this.#failed;
            return n;
          }
        }
        this.#outHead = this.#out.shift()!;
      }
      const h = this.#outHead;
      const take = Math.min(h.length, into.length - n);
      into.set(take === h.length ? h : h.subarray(0, take), n);
      n += take;
      this.#outHead = take === h.length ? null : h.subarray(take);
    }
    return n;
  }

  /** Releases the input. */
  close(): void {
    try {
      this.#inflater?.destroy();
    } catch { /* already gone */ }
    this.#src.close();
  }
}
