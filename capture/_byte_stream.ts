/**
 * Buffered streaming access to a file, optionally gunzipped, with a record-friendly window:
 * `ensure(n)` makes n bytes available contiguously at `pos` without reallocating per record.
 *
 * @module
 */

import type { GunzipMembers } from "./_gunzip.ts";

const GZIP_MAGIC0 = 0x1f, GZIP_MAGIC1 = 0x8b;

/** A pull-based byte producer. */
interface Producer {
  /** Copies up to `into.length` bytes; returns bytes copied, 0 at end. */
  read(into: Uint8Array): Promise<number>;
  /** The same without waiting (regular files only: a FIFO could block). */
  readSync?(into: Uint8Array): number;
  /**
   * Reads `read` may have in flight at once (default 1: a call only after the previous one settled). Above 1, the
   * calls' results still come in order: each covers the bytes after the previous call's, full unless the input ended.
   */
  readonly lanes?: number;
  close(): void;
}

/** Something to read bytes from: a file, a FIFO, stdin. */
interface Readable {
  read(p: Uint8Array): Promise<number | null>;
  readSync?(p: Uint8Array): number | null;
  close(): void;
}

/**
 * Reads `head` (bytes already taken to sniff the format) and then the rest of the input, strictly in order:
 * pipes and FIFOs cannot seek back.
 */
class PrefixedReader implements Readable {
  #head: Uint8Array | null;
  #src: Readable;
  #sync: boolean;
  /** `sync`: the source is a regular file, so reading it without waiting cannot block the thread. */
  constructor(head: Uint8Array, src: Readable, sync: boolean) {
    this.#head = head.length > 0 ? head : null;
    this.#src = src;
    this.#sync = sync && src.readSync !== undefined;
  }
  read(p: Uint8Array): Promise<number | null> {
    const h = this.#head;
    if (h !== null) {
      const n = Math.min(h.length, p.length);
      p.set(h.subarray(0, n));
      this.#head = n === h.length ? null : h.subarray(n);
      return Promise.resolve(n);
    }
    return this.#src.read(p);
  }
  readSync(p: Uint8Array): number | null {
    const h = this.#head;
    if (h !== null) {
      const n = Math.min(h.length, p.length);
      p.set(h.subarray(0, n));
      this.#head = n === h.length ? null : h.subarray(n);
      // the sniffed bytes alone would make the first read a 2-byte one: fill the rest from the file
      return n < p.length && this.#head === null ? n + (this.#src.readSync!(p.subarray(n)) ?? 0) : n;
    }
    return this.#src.readSync!(p);
  }
  /** Sniffed bytes not read yet. */
  get headLeft(): number {
    return this.#head?.length ?? 0;
  }
  /** True when the source can be read without waiting: a regular file (a FIFO's read could block). */
  get canReadSync(): boolean {
    return this.#sync;
  }
  close(): void {
    try {
      this.#src.close();
    } catch { /* already closed (stdin) */ }
  }
}

/** What a read ended by the stop resolves to inside {@link StopRace}. */
const STOPPED = Symbol("stopped");

/**
 * Ends a pending open or read of stdin, a pipe or a FIFO when `signal` aborts: the read then returns the end of the
 * input (null) at once, whatever its writer does. The abandoned read may still complete later; its bytes are dropped.
 * Each read races a promise of its own, dropped when the read settles: one promise for the whole run would keep a
 * reaction per read until the stop (memory growing with every read of a long `tcpdump -w - | ids replay -`).
 */
export class StopRace {
  #signal: AbortSignal;
  #wakers = new Set<() => void>();
  /** True once an open or read ended by the stop. */
  hit = false;
  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener("abort", () => {
      for (const wake of this.#wakers) wake();
    }, { once: true });
  }
  /** Reads waiting for their source or the stop (for tests: 0 between reads). */
  get pending(): number {
    return this.#wakers.size;
  }
  /** `p`'s value, or null when the stop comes first. */
  async race<T>(p: Promise<T>): Promise<T | null> {
    if (this.#signal.aborted) {
      p.catch(() => {}); // abandoned: a later failure is not an unhandled rejection
      this.hit = true;
      return null;
    }
    let wake!: () => void;
    const stopped = new Promise<typeof STOPPED>((resolve) => wake = () => resolve(STOPPED));
    this.#wakers.add(wake);
    try {
      const v = await Promise.race([p, stopped]);
      if (v !== STOPPED) return v as T;
      this.hit = true;
      return null;
    } finally {
      this.#wakers.delete(wake);
    }
  }
  /** `src` whose reads end at the stop. */
  reader(src: Readable): Readable {
    return { read: (p) => this.race(src.read(p)), close: () => src.close() };
  }
}

/**
 * A regular file read at explicit offsets through `count` descriptors of its own (one is the stream's), so that
 * `count` reads can be in flight at once: a read waits for an I/O thread of the runtime, and with one read ahead the
 * capture waited whenever that thread waited for a CPU. Each call takes the next lane and the bytes after the previous
 * call's; a short read is completed on its lane at once (so only the end of the file makes a result short). A
 * descriptor's reads are serialized by the runtime, hence one lane per read in flight.
 */
class FileLanes {
  #path: string | URL;
  #first: Deno.FsFile;
  #count: number;
  #files: Deno.FsFile[] | undefined;
  /** Each lane's file offset, or -1 when unknown (seek before its next read). */
  #at: number[] = [];
  #next = 0;
  #turn = 0;
  constructor(path: string | URL, first: Deno.FsFile, count: number) {
    this.#path = path;
    this.#first = first;
    this.#count = count;
  }
  /** Opens the other descriptors (at the first read ahead): the lanes in use, 1 when no other could be opened. */
  get lanes(): number {
    if (this.#files === undefined) {
      this.#files = [this.#first];
      try {
        this.#next = this.#first.seekSync(0, Deno.SeekMode.Current);
        const st = this.#first.statSync();
        // a file at its end (a small capture) needs no lanes; without an inode to compare, the path could name
        // another file by now
        if (st.ino !== null && st.size > this.#next) {
          while (this.#files.length < this.#count) {
            const f = Deno.openSync(this.#path, { read: true });
            let o: Deno.FileInfo;
            try {
              o = f.statSync();
            } catch (e) {
              f.close();
              throw e;
            }
            if (o.ino !== st.ino || o.dev !== st.dev) {
              f.close();
              break;
            }
            this.#files.push(f);
          }
        }
      } catch {
        // keep the lanes opened so far (one at least: the stream's own descriptor)
      }
      this.#at = this.#files.map(() => -1);
      this.#at[0] = this.#next;
    }
    return this.#files.length;
  }
  read(into: Uint8Array): Promise<number> {
    const files = this.#files!;
    const lane = this.#turn;
    this.#turn = lane + 1 === files.length ? 0 : lane + 1;
    const f = files[lane];
    const at = this.#next;
    this.#next += into.length;
    if (this.#at[lane] !== at) f.seekSync(at, Deno.SeekMode.Start);
    this.#at[lane] = at + into.length;
    return f.read(into).then((n) => {
      let got = n ?? 0;
      if (got === into.length || got === 0) return got;
      // short before the end: complete it now (the lane is idle until this result was taken)
      this.#at[lane] = -1;
      while (got < into.length) {
        const more = f.readSync(into.subarray(got));
        if (more === null || more === 0) break;
        got += more;
      }
      return got;
    });
  }
  /** Closes the lanes' own descriptors (the stream's is closed with it). */
  close(): void {
    for (const f of this.#files?.slice(1) ?? []) {
      try {
        f.close();
      } catch { /* already closed */ }
    }
  }
}

class FileProducer implements Producer {
  #file: PrefixedReader;
  #lanes: FileLanes | undefined;
  readSync?: (into: Uint8Array) => number;
  /** `lanes`: a regular file's reads at explicit offsets (see {@link FileLanes}); else one read at a time. */
  constructor(file: PrefixedReader, lanes?: FileLanes) {
    this.#file = file;
    this.#lanes = lanes;
    if (file.canReadSync) this.readSync = (into) => file.readSync(into) ?? 0;
  }
  get lanes(): number {
    // the sniffed bytes must have been taken first (the first read of a regular file is a sync one that takes them)
    if (this.#lanes === undefined || this.#file.headLeft > 0) return 1;
    const n = this.#lanes.lanes;
    if (n === 1) this.#lanes = undefined;
    return n;
  }
  async read(into: Uint8Array): Promise<number> {
    if (this.#lanes !== undefined) return await this.#lanes.read(into);
    return (await this.#file.read(into)) ?? 0;
  }
  close(): void {
    this.#lanes?.close();
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

/** Every member of a gzip file (see _gunzip.ts); its warning surfaces as {@link ByteStream.warning}. */
class GunzipProducer implements Producer {
  readonly gunzip: GunzipMembers;
  constructor(gunzip: GunzipMembers) {
    this.gunzip = gunzip;
  }
  read(into: Uint8Array): Promise<number> {
    return this.gunzip.read(into);
  }
  close(): void {
    this.gunzip.close();
  }
}

/**
 * Room kept in front of each chunk: when the reader reaches the end of the active buffer, the
 * unread tail (at most one partial record) is copied here, just before the prefetched chunk, so a
 * record that straddles two chunks is contiguous without copying the bulk of the data.
 */
const HEAD = 1 << 20;

/**
 * Bytes of the first read of a regular file, made at once on this thread: small, so the first packet is
 * handed on after a few page faults of the fresh buffer, not a thousand (~10-20 ms on this VM); the later
 * reads fill whole chunks ahead, on the I/O thread.
 */
const FIRST_CHUNK = 256 << 10;

/**
 * Reads of a regular file in flight at once (see {@link FileLanes}); pipes, FIFOs, stdin and gzip data are read one
 * read at a time.
 */
const READ_LANES = 3;

/** A read in flight: its buffer, the bytes asked for, whether only the end makes the result short, its failure. */
interface Read {
  buf: Uint8Array;
  want: number;
  exact: boolean;
  got: Promise<number>;
  /** Set when the read failed; the stream's error only once the read is taken. */
  error?: string;
}

/**
 * A window over a byte stream with read-ahead: while the reader parses the active buffer, the next
 * chunk is read into a spare buffer (file reads run off the JS thread, so this overlaps I/O with
 * parsing: measured 411–497 ms vs 757–768 ms serial for 2 GB with work per byte).
 */
export class ByteStream {
  /** Current buffer; valid bytes are [pos, end). */
  buf: Uint8Array;
  /** DataView over `buf`. */
  view: DataView;
  /** Read position in `buf`. */
  pos = 0;
  /** End of valid data in `buf`. */
  end = 0;
  /** Stream offset of `buf[0]` (decompressed bytes; may be negative: the head room). */
  base = 0;
  /** True when the producer is exhausted. */
  eof = false;
  /** Set when the producer failed (corrupt or truncated compressed data); reading then stops. */
  streamError: string | undefined;
  /** True when the input was gzip-compressed. */
  readonly gzip: boolean;
  /** A problem that lost no data (trailing garbage after the last gzip member), once reading ended. */
  get warning(): string | undefined {
    return this.#producer instanceof GunzipProducer ? this.#producer.gunzip.warning : undefined;
  }
  #producer: Producer;
  /** Buffers of {@link #size} bytes waiting for a read. */
  #free: Uint8Array[] = [];
  /** Reads in flight, oldest first. */
  #inflight: Read[] = [];
  #size: number;
  /** A read came short of what it asked for on a producer whose reads are exact: the input ended there. */
  #ending = false;
  #started = false;
  #stopped = false;
  #stop: StopRace | undefined;

  private constructor(producer: Producer, gzip: boolean, chunk: number) {
    this.#producer = producer;
    this.gzip = gzip;
    this.#size = HEAD + chunk;
    this.buf = new Uint8Array(this.#size);
    this.view = new DataView(this.buf.buffer);
    this.#free.push(new Uint8Array(this.#size));
    this.pos = this.end = HEAD;
    this.base = -HEAD;
  }

  /**
   * Starts reading the next chunks into spare buffers, as many as the producer takes at once; a failed read ends the
   * stream when it is taken (see streamError).
   */
  #prefetch(): void {
    const producer = this.#producer;
    if (!this.#started && producer.readSync !== undefined) {
      // the first chunk of a regular file: read now, not through the I/O thread pool and the event loop
      // (10-40 ms before the first packet on a busy machine); later chunks are read ahead while parsing
      this.#started = true;
      const spare = this.#free.pop()!;
      const want = Math.min(FIRST_CHUNK, spare.length - HEAD);
      let n = 0;
      try {
        n = producer.readSync(spare.subarray(HEAD, HEAD + want));
      } catch (e) {
        this.streamError = (e as Error).message;
      }
      this.#inflight.push({ buf: spare, want, exact: false, got: Promise.resolve(n) });
      return;
    }
    const lanes = producer.lanes ?? 1;
    while (this.#inflight.length < lanes && !this.#ending) {
      const spare = this.#free.pop() ?? new Uint8Array(this.#size);
      const into = spare.subarray(HEAD);
      // a failure counts only when its read is taken (in ensure): a read dropped after the end of the input or
      // still in flight at close (its descriptor closed under it) fails harmlessly
      const read: Read = { buf: spare, want: into.length, exact: lanes > 1, got: Promise.resolve(0) };
      read.got = producer.read(into).catch((e) => {
        read.error = (e as Error).message;
        return 0;
      });
      this.#inflight.push(read);
    }
  }

  /**
   * Opens a file; gzip is detected from its first two bytes. `signal`: a stop (Ctrl-C). Stdin, a pipe or a FIFO can
   * wait for its writer without end (a FIFO's open too): on the stop, its pending open or read ends at once, as at
   * the end of the input, and {@link stopped} says so. A regular file's reads never wait: the readers check the
   * signal between records.
   */
  static async open(
    path: string | URL,
    bufferSize = 1 << 20,
    signal?: AbortSignal,
    lanes = READ_LANES,
  ): Promise<ByteStream> {
    // `-` is stdin (`tcpdump -w - | ids replay -`); files, FIFOs and pipes are all read sequentially
    // a regular file is opened and its first bytes read without waiting on the I/O thread pool; a FIFO or a
    // pipe could block the thread, so it is read asynchronously
    const regular = path !== "-" && Deno.statSync(path).isFile;
    const stop = regular || signal === undefined ? undefined : new StopRace(signal);
    let file: Readable;
    if (path === "-") file = { read: (p) => Deno.stdin.read(p), close: () => {} };
    else if (regular) file = Deno.openSync(path, { read: true });
    else {
      const opening = Deno.open(path, { read: true });
      const opened = stop ? await stop.race(opening) : await opening;
      if (opened === null) {
        // stopped while a FIFO waited for its writer: nothing was read (the open, if it ever completes, is closed)
        opening.then((f) => f.close(), () => {});
        const empty = ByteStream.fromBytes(new Uint8Array(0));
        empty.#stopped = true;
        return empty;
      }
      file = opened;
    }
    if (stop) file = stop.reader(file);
    const head = new Uint8Array(2);
    let got = 0;
    while (got < 2) {
      const n = regular ? file.readSync!(head.subarray(got)) : await file.read(head.subarray(got));
      if (n === null) break;
      got += n;
    }
    const gzip = got === 2 && head[0] === GZIP_MAGIC0 && head[1] === GZIP_MAGIC1;
    const input = new PrefixedReader(head.subarray(0, got), file, regular);
    let stream: ByteStream;
    if (gzip) {
      // node:zlib loads only for a gzip file (~15 ms of start-up otherwise)
      const { GunzipMembers } = await import("./_gunzip.ts");
      stream = new ByteStream(new GunzipProducer(new GunzipMembers(input)), true, bufferSize);
    } else {
      const ahead = regular && lanes > 1 ? new FileLanes(path, file as Deno.FsFile, lanes) : undefined;
      stream = new ByteStream(new FileProducer(input, ahead), false, bufferSize);
    }
    stream.#stop = stop;
    return stream;
  }

  /**
   * True when the input ended because the stop signal given to {@link open} came while stdin, a pipe or a FIFO
   * waited for its writer (not at the writer's end): a record or gzip member cut there is not a defect of the input.
   */
  get stopped(): boolean {
    return this.#stopped || this.#stop?.hit === true;
  }

  /** Wraps bytes already in memory (tests and small inputs). */
  static fromBytes(bytes: Uint8Array): ByteStream {
    const producer: Producer = { read: () => Promise.resolve(0), close() {} };
    const s = new ByteStream(producer, false, 16);
    s.buf = bytes.slice();
    s.view = new DataView(s.buf.buffer);
    s.pos = 0;
    s.end = bytes.length;
    s.base = 0;
    s.eof = true;
    s.#free = [];
    s.#started = true;
    return s;
  }

  /** Reads started and not taken yet (for tests: a regular file keeps several in flight, other inputs one). */
  get readsAhead(): number {
    return this.#inflight.length;
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
   * Makes at least `n` bytes available at `pos`, contiguous in `buf`. Returns false when the stream
   * ends first. `buf` and `view` may change: re-read them after awaiting.
   */
  async ensure(n: number): Promise<boolean> {
    if (this.end - this.pos >= n) return true;
    if (!this.#started) {
      this.#prefetch();
      this.#started = true;
    }
    while (this.end - this.pos < n) {
      if (this.eof) return false;
      const next = this.#inflight.shift();
      if (next === undefined) return false;
      const got = this.#ending ? 0 : await next.got;
      if (!this.#ending && next.error !== undefined) this.streamError = next.error;
      if (got === 0) {
        this.eof = true;
        return this.end - this.pos >= n;
      }
      // a short result of exact reads: the input ended there (reads ahead of it are dropped)
      if (next.exact && got < next.want) this.#ending = true;
      const spare = next.buf;
      const remaining = this.end - this.pos;
      const nextBase = this.base + this.end - HEAD; // stream offset of spare[0]
      if (remaining <= HEAD) {
        // the unread tail goes just before the new chunk; the old buffer takes the next read
        spare.set(this.buf.subarray(this.pos, this.end), HEAD - remaining);
        if (this.buf.length === this.#size) this.#free.push(this.buf);
        this.buf = spare;
        this.pos = HEAD - remaining;
        this.end = HEAD + got;
        this.base = nextBase;
      } else {
        // a record larger than the head room: join both into a larger buffer (rare)
        const joined = new Uint8Array(Math.max(remaining + got, spare.length));
        joined.set(this.buf.subarray(this.pos, this.end));
        joined.set(spare.subarray(HEAD, HEAD + got), remaining);
        if (this.buf.length === this.#size) this.#free.push(this.buf);
        this.#free.push(spare);
        this.base = this.base + this.pos;
        this.buf = joined;
        this.pos = 0;
        this.end = remaining + got;
      }
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      this.#prefetch();
    }
    return true;
  }

  /** Releases the file. */
  close(): void {
    this.#producer.close();
  }
}
