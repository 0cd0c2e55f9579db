/**
 * One direction of a TCP connection put back in order.
 *
 * Segments are placed by sequence number relative to the direction's first byte. In-order bytes
 * go straight to the {@link StreamSink} without a copy; a segment ahead of a hole waits (copied)
 * in a small out-of-order queue where overlaps are resolved by the {@link OverlapPolicy}. The
 * last {@link WINDOW} delivered bytes are kept so that a later copy of them can be compared: bytes
 * already handed on keep their first copy (as the receiving host does for data it accepted), and
 * a later copy with DIFFERENT bytes is reported as an overlap with different data, whatever the
 * policy.
 *
 * Bounded: the queue holds at most {@link MAX_QUEUED_SEGMENTS} segments and `maxQueued` bytes;
 * when it is full the hole is given up (`sink.gap()`), and after `depth` bytes the direction stops
 * (`done`).
 *
 * @module
 */
import { insertPiece, type OverlapPolicy, type Piece } from "../defrag/overlap.ts";

/** Receives a direction's bytes in order. */
export interface StreamSink {
  /** The next in-order bytes (a view, valid only during the call). */
  data(bytes: Uint8Array): void;
  /** Bytes before the next `data` were lost (never captured, or given up). */
  gap(): void;
}

/** Bytes of delivered data kept for comparing retransmissions. */
export const WINDOW = 2048;
/** Segments held out of order at most. */
export const MAX_QUEUED_SEGMENTS = 32;

/** Bytes of a queue arena at least (a power of two times this), and the most a pooled direction keeps. */
const ARENA_FIRST = 512;
const EMPTY = new Uint8Array(0);

/** `push` result bit: some bytes were seen before. */
export const SEG_OVERLAP = 1;
/** `push` result bit: some bytes seen before came with different data. */
export const SEG_DIFFERENT = 2;

/** Options of {@link TcpDirection}. */
export interface TcpDirectionOptions {
  policy: OverlapPolicy;
  /** Bytes delivered before the direction stops. */
  depth: number;
  /** Bytes held out of order at most. */
  maxQueued: number;
}

/** One direction of one TCP connection. */
export class TcpDirection {
  #opts: TcpDirectionOptions;
  #started = false;
  #base = 0;
  /** Relative offset of the next byte to deliver. */
  #next = 0;
  /**
   * The out-of-order queue: the pieces at `#queue[#qHead .. #qEnd)`, sorted and not overlapping. Slots outside that
   * range keep their piece objects for reuse (each object is in the array at most once), so a segment queued past
   * a hole and drained later allocates no object and the array never shrinks and regrows.
   */
  #queue: Piece[] = [];
  #qHead = 0;
  #qEnd = 0;
  #queued = 0;
  /**
   * The queued bytes' copies, one after another from offset 0 until the queue is empty again (pieces are views of
   * it, never written after they are queued): no buffer per queued segment. A full arena is replaced by one of at
   * least twice the queued bytes and the new segment, the queued pieces moved into it, and no piece keeps an old one.
   * After each placement and drain an arena past four times the queued bytes (plus {@link ARENA_FIRST}) is replaced
   * the same way, and one past {@link ARENA_FIRST} is dropped once the queue is empty: what the stream stage's byte
   * cap does not see (`heldBytes` counts queued bytes, not the arena) stays within four times what it sees.
   */
  #arena: Uint8Array | null = null;
  #arenaUsed = 0;
  /** The comparison window's buffer (kept across {@link reset}: a pooled direction reuses it) … */
  #win: Uint8Array | null = null;
  /** … and the part of it in use (0: none; grows with the stream up to {@link WINDOW}). */
  #winSize = 0;
  /** True once `depth` bytes were delivered (or {@link stop} was called). */
  done = false;
  /** Byte range (relative to the direction start) of the latest differing overlap. */
  diffStart = 0;
  diffEnd = 0;

  constructor(opts: TcpDirectionOptions) {
    this.#opts = opts;
  }

  /** Bytes held (out-of-order queue and comparison window). */
  get heldBytes(): number {
    return this.#queued + this.#winSize;
  }

  /** Bytes of the buffers this direction holds (the comparison window's and the queue arena's). */
  get bufferBytes(): number {
    return (this.#win === null ? 0 : this.#win.length) + (this.#arena === null ? 0 : this.#arena.length);
  }

  /**
   * Makes the direction as new (nothing seen, not started) with `opts`, keeping its window buffer
   * for reuse: a stream stage recycles the directions of ended connections instead of allocating.
   */
  reset(opts: TcpDirectionOptions): void {
    this.#opts = opts;
    this.#started = false;
    this.#base = 0;
    this.#next = 0;
    this.#clearQueue();
    this.#winSize = 0;
    this.done = false;
    this.diffStart = this.diffEnd = 0;
  }

  /** Segments waiting out of order. */
  get queuedSegments(): number {
    return this.#qEnd - this.#qHead;
  }

  /** Bytes delivered so far. */
  get delivered(): number {
    return this.#next;
  }

  /** Sets the sequence number of the first data byte (from the SYN: its seq + 1). */
  start(seq: number): void {
    if (this.#started) return;
    this.#started = true;
    this.#base = seq >>> 0;
  }

  /** Stops reassembly and releases every buffer. */
  stop(): void {
    this.done = true;
    this.#clearQueue();
    this.#winSize = 0;
  }

  /** Empties the queue (its piece objects stay for reuse, without their bytes) and the arena. */
  #clearQueue(): void {
    const q = this.#queue;
    for (let i = 0; i < q.length; i++) q[i].data = EMPTY;
    this.#qHead = this.#qEnd = 0;
    this.#queued = 0;
    this.#arenaUsed = 0;
    if (this.#arena !== null && this.#arena.length > ARENA_FIRST) this.#arena = null;
  }

  /** A copy of `data` in the arena (a view of it), valid until the queue is empty again. */
  #copy(data: Uint8Array): Uint8Array {
    const n = data.length;
    let a = this.#arena, at = this.#arenaUsed;
    if (a === null || at + n > a.length) {
      // the queued pieces move along (amortized: the new arena has room for as many bytes again)
      at = this.#moveQueue(this.#queued + n);
      a = this.#arena!;
    }
    a.set(data, at);
    this.#arenaUsed = at + n;
    return a.subarray(at, at + n);
  }

  /**
   * Moves the queued pieces into a new arena with room for `bytes` twice over ({@link ARENA_FIRST} times a power of
   * two); returns the bytes they take there.
   */
  #moveQueue(bytes: number): number {
    let size = ARENA_FIRST;
    while (size < 2 * bytes) size *= 2;
    const a = this.#arena = new Uint8Array(size);
    let at = 0;
    const q = this.#queue;
    for (let i = this.#qHead; i < this.#qEnd; i++) {
      const p = q[i], len = p.data.length;
      a.set(p.data, at);
      p.data = a.subarray(at, at + len);
      at += len;
    }
    return this.#arenaUsed = at;
  }

  /**
   * Keeps the arena in proportion to the queue: dropped past {@link ARENA_FIRST} when the queue is empty, moved to
   * one sized for the queued bytes when it holds more than four times them (plus {@link ARENA_FIRST}).
   */
  #fitArena(): void {
    const a = this.#arena;
    if (a === null || a.length <= ARENA_FIRST) return;
    if (this.#qEnd === this.#qHead) this.#arena = null;
    else if (a.length > 4 * this.#queued + ARENA_FIRST) this.#moveQueue(this.#queued);
  }

  /**
   * Places one segment's data (`seq` is its first byte). Returns {@link SEG_OVERLAP} |
   * {@link SEG_DIFFERENT} bits (0 for new bytes only).
   */
  push(seq: number, data: Uint8Array, sink: StreamSink): number {
    if (this.done || data.length === 0) return 0;
    if (!this.#started) this.start(seq);
    let rel = (seq - this.#base) | 0;
    let result = 0;
    const next = this.#next;
    if (rel < next) {
      // (part of) bytes already delivered: compare with what was delivered, keep the first copy
      const end = Math.min(rel + data.length, next);
      result |= SEG_OVERLAP;
      if (this.#differsFromDelivered(rel, end, data)) result |= SEG_DIFFERENT;
      if (rel + data.length <= next) return result;
      data = data.subarray(next - rel);
      rel = next;
    }
    if (rel === next && this.#qEnd === this.#qHead) {
      this.#deliver(data, sink);
      return result;
    }
    if (this.#qEnd - this.#qHead >= MAX_QUEUED_SEGMENTS || this.#queued + data.length > this.#opts.maxQueued) {
      // the hole is not filling: give it up and go on from the first queued bytes
      sink.gap();
      const first = this.#qEnd > this.#qHead ? Math.min(this.#queue[this.#qHead].start, rel) : rel;
      this.#next = first;
      this.#drain(sink);
      if (this.done) return result;
      if (rel === this.#next && this.#qEnd === this.#qHead) {
        this.#deliver(data, sink);
        return result;
      }
    }
    const end = rel + data.length;
    if (this.#qEnd === this.#qHead || this.#queue[this.#qEnd - 1].end <= rel) {
      // after every queued piece (the common case: segments past a hole in order): insertPiece's fast path, in place
      this.#append(rel, end, this.#copy(data));
      this.#queued += end - rel;
    } else {
      const q = this.#queue;
      const live = this.#qHead === 0 && this.#qEnd === q.length ? q : q.slice(this.#qHead, this.#qEnd);
      const r = insertPiece(live, rel, this.#copy(data), this.#opts.policy);
      if (r.overlapBytes > 0) {
        result |= SEG_OVERLAP;
        if (r.differentStart >= 0) {
          result |= SEG_DIFFERENT;
          this.diffStart = r.differentStart;
          this.diffEnd = r.differentEnd;
        }
      }
      // insertPiece's list (each piece once) is the queue now
      this.#queue = live;
      this.#qHead = 0;
      this.#qEnd = live.length;
      this.#queued = 0;
      for (let i = 0; i < live.length; i++) this.#queued += live[i].end - live[i].start;
    }
    this.#drain(sink);
    this.#fitArena();
    return result;
  }

  /** Puts a piece after the queued ones, in a free slot's object when there is one. */
  #append(start: number, end: number, data: Uint8Array): void {
    const q = this.#queue;
    if (this.#qEnd === q.length && this.#qHead > 0) {
      // move the queued pieces to the front by swapping slots (each object stays in the array once)
      const n = this.#qEnd - this.#qHead;
      for (let i = 0; i < n; i++) {
        const t = q[i];
        q[i] = q[this.#qHead + i];
        q[this.#qHead + i] = t;
      }
      this.#qHead = 0;
      this.#qEnd = n;
    }
    if (this.#qEnd < q.length) {
      const p = q[this.#qEnd];
      p.start = p.origStart = start;
      p.end = p.origEnd = end;
      p.data = data;
    } else q.push({ start, end, data, origStart: start, origEnd: end });
    this.#qEnd++;
  }

  /**
   * The peer acknowledged everything before `ack`: when that lies past a hole we are still waiting
   * to fill, the receiver got bytes the capture never saw; the hole is given up at once.
   */
  acked(ack: number, sink: StreamSink): void {
    if (!this.#started || this.done || this.#qEnd === this.#qHead) return;
    const rel = (ack - this.#base) | 0;
    if (rel <= this.#next) return;
    sink.gap();
    this.#next = Math.min(this.#queue[this.#qHead].start, rel);
    this.#drain(sink);
    this.#fitArena();
  }

  /** Ends the direction: queued bytes after a hole are delivered after a gap. */
  finish(sink: StreamSink): void {
    while (!this.done && this.#qEnd > this.#qHead) {
      sink.gap();
      this.#next = this.#queue[this.#qHead].start;
      this.#drain(sink);
    }
    this.stop();
  }

  #differsFromDelivered(rel: number, end: number, data: Uint8Array): boolean {
    const w = this.#win, size = this.#winSize;
    if (w === null || size === 0) return false;
    const from = Math.max(rel, this.#next - size, 0);
    // offset o sits at w[o % size]: compared in at most two runs of consecutive indexes (no division per byte)
    for (let o = from; o < end;) {
      const at = o % size;
      const stop = Math.min(end, o + size - at);
      const shift = at - o;
      while (o < stop && w[o + shift] === data[o - rel]) o++;
      if (o < stop) {
        this.diffStart = o;
        let e = o + 1;
        while (e < end && w[e % size] !== data[e - rel]) e++;
        this.diffEnd = e;
        return true;
      }
    }
    return false;
  }

  #deliver(data: Uint8Array, sink: StreamSink): void {
    const room = this.#opts.depth - this.#next;
    if (data.length > room) data = data.subarray(0, Math.max(0, room));
    if (data.length > 0) {
      const n = data.length;
      let w = this.#win, size = this.#winSize;
      if (size < WINDOW && this.#next + n > size) {
        // grow with the stream until the full window: a short request costs a short buffer
        const old = size;
        if (size === 0) size = 64;
        while (size < this.#next + n && size < WINDOW) size *= 2;
        if (size > WINDOW) size = WINDOW;
        if (w === null || w.length < size) {
          const grown = new Uint8Array(size);
          if (w !== null && old > 0) grown.set(w.subarray(0, this.#next)); // not wrapped yet: offsets are indexes
          w = this.#win = grown;
        }
        this.#winSize = size;
      }
      // the last `size` bytes delivered, at offset % size (two copies where it wraps)
      const from = n > size ? n - size : 0;
      const at = (this.#next + from) % size;
      const first = Math.min(n - from, size - at);
      w!.set(first === n && from === 0 ? data : data.subarray(from, from + first), at);
      if (from + first < n) w!.set(data.subarray(from + first), 0);
      this.#next += n;
      sink.data(data);
    }
    if (this.#next >= this.#opts.depth) this.stop();
  }

  #drain(sink: StreamSink): void {
    const q = this.#queue;
    while (this.#qEnd > this.#qHead && !this.done) {
      const p = q[this.#qHead];
      if (p.start > this.#next) break;
      this.#qHead++;
      this.#queued -= p.end - p.start;
      const data = p.data;
      p.data = EMPTY;
      if (this.#qHead === this.#qEnd) {
        // the queue is empty: its slots and the arena are free again (the piece's bytes stay valid during the call;
        // an arena grown past its first size goes: the byte cap does not count it)
        this.#qHead = this.#qEnd = 0;
        this.#arenaUsed = 0;
        if (this.#arena !== null && this.#arena.length > ARENA_FIRST) this.#arena = null;
      }
      if (p.end > this.#next) this.#deliver(p.start === this.#next ? data : data.subarray(this.#next - p.start), sink);
    }
  }
}
