/**
 * The out-of-order queue of {@link TcpDirection} against a model: the implementation before the queue kept its bytes
 * in an arena and its piece objects for reuse (a copy per queued segment, `insertPiece` for every insertion, the
 * array shifted). Random segment streams — in order, reordered, duplicated, overlapping with different bytes, holes
 * given up by acknowledgements, full queues, directions reused — must give the same results, sink calls and state.
 */
import assert from "node:assert/strict";
import { MAX_QUEUED_SEGMENTS, type StreamSink, TcpDirection, type TcpDirectionOptions, WINDOW } from "./tcp_stream.ts";
import { insertPiece, OVERLAP_POLICIES, type Piece } from "../defrag/overlap.ts";
import { mulberry32 } from "../core/prng.ts";

const SEG_OVERLAP = 1;
const SEG_DIFFERENT = 2;

/** The model: TcpDirection as it was before the arena (commit 341e799). */
class ModelDirection {
  #opts: TcpDirectionOptions;
  #started = false;
  #base = 0;
  /** Relative offset of the next byte to deliver. */
  #next = 0;
  #queue: Piece[] = [];
  #queued = 0;
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

  /**
   * Makes the direction as new (nothing seen, not started) with `opts`, keeping its window buffer
   * for reuse: a stream stage recycles the directions of ended connections instead of allocating.
   */
  reset(opts: TcpDirectionOptions): void {
    this.#opts = opts;
    this.#started = false;
    this.#base = 0;
    this.#next = 0;
    if (this.#queue.length > 0) this.#queue.length = 0;
    this.#queued = 0;
    this.#winSize = 0;
    this.done = false;
    this.diffStart = this.diffEnd = 0;
  }

  /** Segments waiting out of order. */
  get queuedSegments(): number {
    return this.#queue.length;
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
    if (this.#queue.length > 0) this.#queue.length = 0;
    this.#queued = 0;
    this.#winSize = 0;
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
    if (rel === next && this.#queue.length === 0) {
      this.#deliver(data, sink);
      return result;
    }
    if (this.#queue.length >= MAX_QUEUED_SEGMENTS || this.#queued + data.length > this.#opts.maxQueued) {
      // the hole is not filling: give it up and go on from the first queued bytes
      sink.gap();
      const first = this.#queue.length > 0 ? Math.min(this.#queue[0].start, rel) : rel;
      this.#next = first;
      this.#drain(sink);
      if (this.done) return result;
      if (rel === this.#next && this.#queue.length === 0) {
        this.#deliver(data, sink);
        return result;
      }
    }
    const r = insertPiece(this.#queue, rel, data.slice(), this.#opts.policy);
    if (r.overlapBytes > 0) {
      result |= SEG_OVERLAP;
      if (r.differentStart >= 0) {
        result |= SEG_DIFFERENT;
        this.diffStart = r.differentStart;
        this.diffEnd = r.differentEnd;
      }
    }
    this.#queued = 0;
    const q = this.#queue;
    for (let i = 0; i < q.length; i++) this.#queued += q[i].end - q[i].start;
    this.#drain(sink);
    return result;
  }

  /**
   * The peer acknowledged everything before `ack`: when that lies past a hole we are still waiting
   * to fill, the receiver got bytes the capture never saw; the hole is given up at once.
   */
  acked(ack: number, sink: StreamSink): void {
    if (!this.#started || this.done || this.#queue.length === 0) return;
    const rel = (ack - this.#base) | 0;
    if (rel <= this.#next) return;
    sink.gap();
    this.#next = Math.min(this.#queue[0].start, rel);
    this.#drain(sink);
  }

  /** Ends the direction: queued bytes after a hole are delivered after a gap. */
  finish(sink: StreamSink): void {
    while (!this.done && this.#queue.length > 0) {
      sink.gap();
      this.#next = this.#queue[0].start;
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
    while (q.length > 0 && !this.done) {
      const p = q[0];
      if (p.start > this.#next) break;
      q.shift();
      this.#queued -= p.end - p.start;
      if (p.end > this.#next) this.#deliver(p.data.subarray(this.#next - p.start), sink);
    }
  }
}

/** Records every sink call (bytes copied: a view is valid only during the call). */
function recorder(): { sink: StreamSink; log: string[] } {
  const log: string[] = [];
  return { sink: { data: (b) => log.push(`d:${Array.from(b).join(",")}`), gap: () => log.push("gap") }, log };
}

Deno.test("the queue gives what the model gives: random streams, every policy, reused directions", () => {
  const random = mulberry32(15);
  const pick = (n: number) => Math.floor(random() * n);
  for (let trial = 0; trial < 400; trial++) {
    const policy = OVERLAP_POLICIES[trial % OVERLAP_POLICIES.length];
    const opts: TcpDirectionOptions = { policy, depth: 1 + pick(20000), maxQueued: 64 + pick(6000) };
    const d = new TcpDirection(opts), m = new ModelDirection(opts);
    const a = recorder(), b = recorder();
    // one reused direction per few trials: the arena and the piece objects of the last stream must not leak in
    for (let life = 0; life < 1 + pick(3); life++) {
      if (life > 0) {
        d.reset(opts);
        m.reset(opts);
      }
      const base = pick(2) === 0 ? 0xffffff00 + pick(200) : pick(1 << 30);
      d.start(base);
      m.start(base);
      const total = 1 + pick(8000);
      const stream = new Uint8Array(total).map(() => pick(3));
      const ops = 1 + pick(120);
      for (let k = 0; k < ops; k++) {
        const r = random();
        if (r < 0.12) {
          const ack = (base + pick(total + 50)) >>> 0;
          d.acked(ack, a.sink);
          m.acked(ack, b.sink);
        } else {
          const at = pick(total), n = 1 + pick(Math.min(total - at, 1500));
          // the bytes as sent (a copy sometimes changed), in a buffer overwritten after the call like a read buffer
          const buf = new Uint8Array(n + 8);
          buf.set(stream.subarray(at, at + n), 4);
          if (random() < 0.15) buf[4 + pick(n)] ^= 1 + pick(2);
          const seg = buf.subarray(4, 4 + n);
          const seq = (base + at) >>> 0;
          const got = d.push(seq, seg, a.sink);
          const want = m.push(seq, seg, b.sink);
          buf.fill(0xee);
          assert.equal(got, want, `trial ${trial} op ${k}: result`);
          if ((want & SEG_DIFFERENT) !== 0) assert.deepEqual([d.diffStart, d.diffEnd], [m.diffStart, m.diffEnd]);
        }
        assert.deepEqual(a.log, b.log, `trial ${trial} op ${k}: sink calls`);
        assert.deepEqual(
          [d.queuedSegments, d.heldBytes, d.delivered, d.done],
          [m.queuedSegments, m.heldBytes, m.delivered, m.done],
          `trial ${trial} op ${k}: state`,
        );
      }
      if (random() < 0.5) {
        d.finish(a.sink);
        m.finish(b.sink);
        assert.deepEqual(a.log, b.log, `trial ${trial}: finish`);
      }
    }
  }
  assert.ok(MAX_QUEUED_SEGMENTS > 0 && WINDOW > 0);
});

Deno.test("the queue arena stays near what is queued while bytes pass through a queue that never empties", () => {
  const d = new TcpDirection({ policy: "bsd", depth: 1 << 30, maxQueued: 65536 });
  let delivered = 0;
  const sink: StreamSink = { data: (b) => delivered += b.length, gap: () => assert.fail("no gap") };
  d.start(0);
  const seg = (k: number) => new Uint8Array(100).fill(k & 0xff);
  // 1, 3, 0, 5, 2, 7, 4, …: one or two segments always wait, ~100 kB pass through the queue
  d.push(100, seg(1), sink);
  d.push(300, seg(3), sink);
  d.push(0, seg(0), sink);
  for (let k = 1; k < 1000; k++) {
    d.push((2 * k + 3) * 100, seg(2 * k + 3), sink);
    d.push(2 * k * 100, seg(2 * k), sink);
    assert.ok(d.queuedSegments > 0, `step ${k}: the queue never empties`);
    assert.ok(d.bufferBytes <= WINDOW + 4 * (2 * 100 + 100) + 512, `step ${k}: ${d.bufferBytes} bytes of buffers`);
  }
  assert.equal(delivered, d.delivered);
  assert.equal(d.delivered, 2000 * 100);
});

Deno.test("a queue arena grown by a burst goes when the queue drains, stops or keeps only a little", () => {
  const sink: StreamSink = { data: () => {}, gap: () => {} };
  const burst = (d: TcpDirection) => {
    d.start(0);
    // 240,000 bytes past a one-byte hole (the arena grows to hold them), and one byte far after them
    for (let s = 0; s < 4; s++) d.push(1 + s * 60000, new Uint8Array(60000), sink);
    d.push(250000, new Uint8Array(1), sink);
    assert.ok(d.bufferBytes > 240000, `the burst is held: ${d.bufferBytes}`);
  };
  const opts = { policy: "bsd" as const, depth: 1 << 20, maxQueued: 256 << 10 };

  // the hole filled: every byte but the last one drained, the arena shrinks to what is still queued
  const partly = new TcpDirection(opts);
  burst(partly);
  partly.push(0, new Uint8Array(1), sink);
  assert.equal(partly.queuedSegments, 1);
  assert.ok(partly.bufferBytes <= WINDOW + 512, `partly drained: ${partly.bufferBytes}`);

  // every hole filled: nothing queued, no arena past its first size
  const drained = new TcpDirection(opts);
  burst(drained);
  drained.push(0, new Uint8Array(1), sink);
  drained.push(240001, new Uint8Array(9999), sink);
  assert.equal(drained.queuedSegments, 0);
  assert.ok(drained.bufferBytes <= WINDOW + 512, `drained: ${drained.bufferBytes}`);

  // stopped with the burst queued (what the stream stage does before it pools the direction)
  const stopped = new TcpDirection(opts);
  burst(stopped);
  stopped.stop();
  assert.ok(stopped.bufferBytes <= 512, `stopped: ${stopped.bufferBytes}`);

  // the holes given up by acknowledgements past them (each gives up the first hole): the queue drains after gaps
  const acked = new TcpDirection(opts);
  burst(acked);
  acked.acked(250001, sink);
  assert.equal(acked.queuedSegments, 1);
  assert.ok(acked.bufferBytes <= WINDOW + 512, `acked once: ${acked.bufferBytes}`);
  acked.acked(250001, sink);
  assert.equal(acked.queuedSegments, 0);
  assert.ok(acked.bufferBytes <= WINDOW + 512, `acked twice: ${acked.bufferBytes}`);

  // a full queue given up for the segment after it: drained, and that segment delivered at once
  const full = new TcpDirection(opts);
  full.start(0);
  for (let s = 0; s < 4; s++) full.push(1 + s * 60000, new Uint8Array(60000), sink);
  full.push(240001, new Uint8Array(30000), sink);
  assert.equal(full.queuedSegments, 0);
  assert.equal(full.delivered, 270001);
  assert.ok(full.bufferBytes <= WINDOW + 512, `given up: ${full.bufferBytes}`);
});
