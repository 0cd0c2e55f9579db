/**
 * Buffered streaming access to a file, optionally gunzipped, with a record-friendly window:
 * `ensure(n)` makes n bytes available contiguously at `pos` without reallocating per record.
 *
 * @module
 */

const GZIP_MAGIC0 = 0x1f, GZIP_MAGIC1 = 0x8b;

/** A pull-based byte producer. */
interface Producer {
  /** Copies up to `into.length` bytes; returns bytes copied, 0 at end. */
  read(into: Uint8Array): Promise<number>;
  close(): void;
}

class FileProducer implements Producer {
  #file: Deno.FsFile;
  constructor(file: Deno.FsFile) {
    this.#file = file;
  }
  async read(into: Uint8Array): Promise<number> {
    return (await this.#file.read(into)) ?? 0;
  }
  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

class StreamProducer implements Producer {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array | null = null;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }
  async read(into: Uint8Array): Promise<number> {
    let n = 0;
    while (n < into.length) {
      if (this.#pending === null) {
        if (n > 0) return n; // deliver what we have rather than waiting
        const r = await this.#reader.read();
        if (r.done) return n;
        this.#pending = r.value;
      }
      const p = this.#pending;
      const take = Math.min(p.length, into.length - n);
      into.set(take === p.length ? p : p.subarray(0, take), n);
      n += take;
      this.#pending = take === p.length ? null : p.subarray(take);
    }
    return n;
  }
  close(): void {
    this.#reader.cancel().catch(() => {});
  }
}

/** A growable window over a byte stream. */
export class ByteStream {
  /** Current buffer; valid bytes are [pos, end). */
  buf: Uint8Array;
  /** DataView over `buf`. */
  view: DataView;
  /** Read position in `buf`. */
  pos = 0;
  /** End of valid data in `buf`. */
  end = 0;
  /** Stream offset of `buf[0]` (decompressed bytes). */
  base = 0;
  /** True when the producer is exhausted. */
  eof = false;
  /** Set when the producer failed (corrupt or truncated compressed data); reading then stops. */
  streamError: string | undefined;
  /** True when the input was gzip-compressed. */
  readonly gzip: boolean;
  #producer: Producer;

  private constructor(producer: Producer, gzip: boolean, size: number) {
    this.#producer = producer;
    this.gzip = gzip;
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  /** Opens a file; gzip is detected from its first two bytes. */
  static async open(path: string | URL, bufferSize = 1 << 20): Promise<ByteStream> {
    const file = await Deno.open(path, { read: true });
    const head = new Uint8Array(2);
    let got = 0;
    while (got < 2) {
      const n = await file.read(head.subarray(got));
      if (n === null) break;
      got += n;
    }
    const gzip = got === 2 && head[0] === GZIP_MAGIC0 && head[1] === GZIP_MAGIC1;
    await file.seek(0, Deno.SeekMode.Start);
    if (gzip) {
      const stream = file.readable.pipeThrough(new DecompressionStream("gzip"));
      return new ByteStream(new StreamProducer(stream), true, bufferSize);
    }
    return new ByteStream(new FileProducer(file), false, bufferSize);
  }

  /** Wraps bytes already in memory (tests and small inputs). */
  static fromBytes(bytes: Uint8Array): ByteStream {
    const producer: Producer = { read: () => Promise.resolve(0), close() {} };
    const s = new ByteStream(producer, false, Math.max(16, bytes.length));
    s.buf.set(bytes);
    s.end = bytes.length;
    s.eof = true;
    return s;
  }

  /** Stream offset of `pos`. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes available at `pos`. */
  get available(): number {
    return this.end - this.pos;
  }

  /**
   * Makes at least `n` bytes available at `pos`, reading more (and growing the buffer for huge
   * records). Returns false when the stream ends first.
   */
  async ensure(n: number): Promise<boolean> {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    // compact
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      let size = this.buf.length;
      while (size < n) size *= 2;
      const nb = new Uint8Array(size);
      nb.set(this.buf.subarray(0, this.end));
      this.buf = nb;
      this.view = new DataView(nb.buffer);
    }
    while (this.end < n || this.end < this.buf.length) {
      let got: number;
      try {
        got = await this.#producer.read(this.buf.subarray(this.end));
      } catch (e) {
        // e.g. a gzip stream that ends early: keep what was read, remember why it stopped
        this.streamError = (e as Error).message;
        got = 0;
      }
      if (got === 0) {
        this.eof = true;
        break;
      }
      this.end += got;
      if (this.end >= n && this.end >= this.buf.length >> 1) break;
    }
    return this.end - this.pos >= n;
  }

  /** Releases the file. */
  close(): void {
    this.#producer.close();
  }
}
