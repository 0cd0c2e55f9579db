/**
 * One {@link TimeRing} per numbered slot, held in typed-array columns instead of an object per key.
 *
 * A detector table with an entry per address (a spoofed flood puts tens of thousands in it) held a
 * `TimeRing` object per entry, plus the boxes of its floating-point fields: objects that live as
 * long as the entry, so every young-generation collection copied them (the detectors' largest GC
 * cost on attack-heavy traffic). Here a slot's ring is a few numbers in shared columns and, once
 * it needs more than one bucket, a block of a shared bucket pool; nothing is allocated per slot.
 *
 * Every operation gives exactly what the same call on a `TimeRing` of the same window and bucket
 * count gives (the same algorithm on the same numbers; `_time_rings_test.ts` compares them on
 * random sequences). Slots come from a {@link SlotMap} (or any source of small slot numbers);
 * {@link reset} a slot before its first use. The fields can sit in a record shared with other per-slot
 * state ({@link SlotRecords}), so one packet's look-ups stay in few cache lines.
 *
 * @module
 */
import { DEFAULT_BUCKETS } from "./_time_ring.ts";
import { SlotRecords } from "./_slot_records.ts";
import { unboxed } from "./_util.ts";

// fields of a slot's ring in its record: packet time of the first event (NaN: none since the
// reset), epoch of the newest bucket, events in the window, 1 + first index of its bucket block in
// the pool (0 while it has a single bucket), and with a block: the newest bucket's index in it and
// its count (kept here, not in the pool: adding to the newest bucket touches only the record)
const ORIGIN = 0, HEAD = 1, SUM = 2, BLOCK = 3, HEAD_IDX = 4, HEAD_N = 5;

/** Sliding-window counters indexed by slot (see module docs). */
export class TimeRings {
  #bucketUs = 1;
  #len = 2;
  #rec: SlotRecords;
  #at: number;
  /** The packet time of the {@link add}, {@link count} or {@link sub} in progress. */
  #tsUs = 0;
  #pool: Uint32Array = new Uint32Array(0);
  #poolUsed = 0;
  /** Freed blocks (their first index), reused first. */
  #freeBlocks: number[] = [];

  /**
   * @param windowUs window length in microseconds (> 0)
   * @param buckets buckets per window (≥ 1)
   * @param records the records holding the ring's six fields per slot (default: its own)
   */
  constructor(windowUs: number, buckets: number = DEFAULT_BUCKETS, records: SlotRecords = new SlotRecords()) {
    this.#rec = records;
    this.#at = records.fields(6);
    this.setWindow(windowUs, buckets);
  }

  /** Changes the window and forgets every bucket block: only with every slot cleared (reset before use). */
  setWindow(windowUs: number, buckets: number = DEFAULT_BUCKETS): void {
    const n = Math.max(1, Math.floor(buckets));
    this.#bucketUs = Math.max(1, windowUs / n);
    this.#len = n + 1;
    this.#freePool();
  }

  #freePool(): void {
    this.#pool = new Uint32Array(0);
    this.#poolUsed = 0;
    this.#freeBlocks = [];
  }

  /** Empties `slot` (a new or reused entry); makes room for it in the records. */
  reset(slot: number): void {
    this.#rec.ensure(slot);
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    d[i + ORIGIN] = NaN;
    d[i + HEAD] = 0;
    d[i + SUM] = 0;
    const b = d[i + BLOCK];
    if (b !== 0) {
      this.#freeBlocks.push(b - 1);
      d[i + BLOCK] = 0;
    }
  }

  /** Forgets every slot (with its own records) and every bucket block. */
  clear(): void {
    this.#rec.clear();
    this.#freePool();
  }

  /** Count of the newest state of `slot` (without advancing time). */
  sum(slot: number): number {
    return this.#rec.data[slot * this.#rec.stride + this.#at + SUM];
  }

  /** A zeroed bucket block; returns its first index. */
  #newBlock(): number {
    let b: number;
    if (this.#freeBlocks.length > 0) {
      b = this.#freeBlocks.pop()!;
      this.#pool.fill(0, b, b + this.#len);
    } else {
      b = this.#poolUsed;
      if (b + this.#len > this.#pool.length) {
        const pool = new Uint32Array(Math.max(this.#len * 64, this.#pool.length * 2));
        pool.set(this.#pool);
        this.#pool = pool;
      }
      this.#poolUsed += this.#len;
    }
    return b;
  }

  #index(boxed: number): number {
    // epochs are integers read from a float column: integer remainder when they fit (a float one is a libm call);
    // an epoch comes boxed from optimized callers ({@link unboxed})
    const epoch = unboxed(boxed);
    const i = epoch >= -2147483648 && epoch <= 2147483647 ? (epoch | 0) % this.#len : epoch % this.#len;
    return i < 0 ? i + this.#len : i;
  }

  /** Moves the head of the ring at `i` in `d` to `epoch`, clearing expired buckets. */
  #advance(d: Float64Array, i: number, epoch: number): void {
    const head = d[i + HEAD];
    const dist = epoch - head;
    if (dist <= 0) return;
    const blk = d[i + BLOCK];
    if (blk === 0) {
      if (dist >= this.#len) d[i + SUM] = 0;
      // else: the single bucket is still inside the window; it stays at its epoch
      if (d[i + SUM] === 0) d[i + HEAD] = epoch;
      return;
    }
    const b = blk - 1, pool = this.#pool, len = this.#len;
    let idx = d[i + HEAD_IDX];
    if (dist >= len) {
      pool.fill(0, b, b + len);
      d[i + SUM] = 0;
      idx = this.#index(epoch);
    } else {
      pool[b + idx] = d[i + HEAD_N]; // the old newest bucket goes to the pool
      let sum = d[i + SUM];
      for (let k = 1; k <= dist; k++) {
        if (++idx === len) idx = 0;
        sum -= pool[b + idx];
        pool[b + idx] = 0;
      }
      d[i + SUM] = sum;
    }
    d[i + HEAD] = epoch;
    d[i + HEAD_IDX] = idx;
    d[i + HEAD_N] = 0;
  }

  /**
   * Adds `n` events at packet time `tsUs` to `slot` and returns its count in the window ending at
   * the newest time seen ({@link TimeRing.add}).
   */
  add(slot: number, tsUs: number, n = 1): number {
    // a small function V8 inlines into every caller: the time goes through a field, and the call that is not
    // inlined takes no double (a double argument would be boxed in a fresh heap number per call)
    this.#tsUs = tsUs;
    return this.#add(slot, n);
  }

  #add(slot: number, n: number): number {
    const tsUs = this.#tsUs;
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    let e: number;
    const o = d[i + ORIGIN];
    if (o !== o) {
      d[i + ORIGIN] = tsUs;
      d[i + HEAD] = 0;
      e = 0;
    } else {
      e = Math.floor((tsUs - o) / this.#bucketUs);
    }
    const head = d[i + HEAD];
    if (d[i + BLOCK] === 0) {
      const sum = d[i + SUM];
      if (e === head) return d[i + SUM] = sum + n;
      if (e > head) {
        if (sum === 0 || e - head >= this.#len) {
          d[i + HEAD] = e;
          return d[i + SUM] = n;
        }
      } else if (head - e >= this.#len) {
        return sum;
      }
      // a second bucket: the single one becomes the newest bucket of a block
      d[i + BLOCK] = this.#newBlock() + 1;
      d[i + HEAD_IDX] = this.#index(head);
      d[i + HEAD_N] = sum;
    }
    if (e > head) this.#advance(d, i, e);
    else if (head - e >= this.#len) return d[i + SUM];
    if (e >= head) d[i + HEAD_N] += n; // (the head moved to e)
    else {
      let idx = d[i + HEAD_IDX] - (head - e);
      if (idx < 0) idx += this.#len;
      this.#pool[d[i + BLOCK] - 1 + idx] += n;
    }
    return d[i + SUM] += n;
  }

  /** The count of `slot` in the window ending at `tsUs` (or at the newest time seen, if later). */
  count(slot: number, tsUs: number): number {
    this.#tsUs = tsUs; // (see add)
    return this.#count(slot);
  }

  #count(slot: number): number {
    const tsUs = this.#tsUs;
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    const o = d[i + ORIGIN];
    if (o !== o) return 0;
    const e = Math.floor((tsUs - o) / this.#bucketUs);
    if (d[i + BLOCK] === 0) {
      if (e - d[i + HEAD] >= this.#len) d[i + SUM] = 0;
      return d[i + SUM];
    }
    this.#advance(d, i, e);
    return d[i + SUM];
  }

  /** Takes back up to `n` events counted at `tsUs` from `slot` ({@link TimeRing.sub}); returns how many. */
  sub(slot: number, tsUs: number, n: number): number {
    this.#tsUs = tsUs; // (see add)
    return this.#sub(slot, n);
  }

  #sub(slot: number, n: number): number {
    const tsUs = this.#tsUs;
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    const o = d[i + ORIGIN];
    if (o !== o || n <= 0 || d[i + SUM] === 0) return 0;
    let e = Math.floor((tsUs - o) / this.#bucketUs);
    const head = d[i + HEAD];
    if (e > head) return 0;
    if (head - e >= this.#len) return 0;
    const blk = d[i + BLOCK];
    if (blk === 0) {
      const k = Math.min(n, d[i + SUM]);
      d[i + SUM] -= k;
      return k;
    }
    const b = blk - 1, pool = this.#pool, len = this.#len;
    let left = n, sum = d[i + SUM];
    let idx = d[i + HEAD_IDX] - (head - e);
    if (idx < 0) idx += len;
    for (; e < head && left > 0; e++) {
      const k = Math.min(left, pool[b + idx]);
      pool[b + idx] -= k;
      sum -= k;
      left -= k;
      if (++idx === len) idx = 0;
    }
    if (left > 0) {
      // the newest bucket, held in the record
      const k = Math.min(left, d[i + HEAD_N]);
      d[i + HEAD_N] -= k;
      sum -= k;
      left -= k;
    }
    d[i + SUM] = sum;
    return n - left;
  }
}
