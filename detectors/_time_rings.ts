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
 * {@link reset} a slot before its first use.
 *
 * @module
 */
import { DEFAULT_BUCKETS } from "./_time_ring.ts";

const NONE = -1;

/** Sliding-window counters indexed by slot (see module docs). */
export class TimeRings {
  #bucketUs: number;
  #len: number;
  #cap = 0;
  /** Per slot: packet time of the first event (NaN: none since the reset). */
  #origin: Float64Array = new Float64Array(0);
  /** Per slot: epoch of the newest bucket. */
  #head: Float64Array = new Float64Array(0);
  /** Per slot: events in the window. */
  #sum: Float64Array = new Float64Array(0);
  /** Per slot: first index of its bucket block in {@link #pool}, -1 while it has a single bucket. */
  #block: Int32Array = new Int32Array(0);
  #pool: Uint32Array = new Uint32Array(0);
  #poolUsed = 0;
  /** Freed blocks (their first index), reused first. */
  #freeBlocks: number[] = [];

  /**
   * @param windowUs window length in microseconds (> 0)
   * @param buckets buckets per window (≥ 1)
   */
  constructor(windowUs: number, buckets: number = DEFAULT_BUCKETS) {
    const n = Math.max(1, Math.floor(buckets));
    this.#bucketUs = Math.max(1, windowUs / n);
    this.#len = n + 1;
  }

  /** Empties `slot` (a new or reused entry); grows the columns to hold it. */
  reset(slot: number): void {
    if (slot >= this.#cap) this.#grow(slot + 1);
    this.#origin[slot] = NaN;
    this.#head[slot] = 0;
    this.#sum[slot] = 0;
    const b = this.#block[slot];
    if (b !== NONE) {
      this.#freeBlocks.push(b);
      this.#block[slot] = NONE;
    }
  }

  /** Forgets every slot and releases the columns. */
  clear(): void {
    this.#cap = 0;
    this.#origin = new Float64Array(0);
    this.#head = new Float64Array(0);
    this.#sum = new Float64Array(0);
    this.#block = new Int32Array(0);
    this.#pool = new Uint32Array(0);
    this.#poolUsed = 0;
    this.#freeBlocks = [];
  }

  /** Count of the newest state of `slot` (without advancing time). */
  sum(slot: number): number {
    return this.#sum[slot];
  }

  #grow(need: number): void {
    let cap = Math.max(16, this.#cap);
    while (cap < need) cap *= 2;
    const origin = new Float64Array(cap), head = new Float64Array(cap), sum = new Float64Array(cap);
    const block = new Int32Array(cap).fill(NONE);
    origin.set(this.#origin);
    head.set(this.#head);
    sum.set(this.#sum);
    block.set(this.#block);
    this.#origin = origin;
    this.#head = head;
    this.#sum = sum;
    this.#block = block;
    this.#cap = cap;
  }

  /** A zeroed bucket block for `slot`. */
  #newBlock(slot: number): number {
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
    this.#block[slot] = b;
    return b;
  }

  #epoch(slot: number, tsUs: number): number {
    const o = this.#origin[slot];
    if (o !== o) {
      this.#origin[slot] = tsUs;
      this.#head[slot] = 0;
      return 0;
    }
    return Math.floor((tsUs - o) / this.#bucketUs);
  }

  #index(epoch: number): number {
    // epochs are integers read from a float column: integer remainder when they fit (a float one is a libm call)
    const i = epoch >= -2147483648 && epoch <= 2147483647 ? (epoch | 0) % this.#len : epoch % this.#len;
    return i < 0 ? i + this.#len : i;
  }

  /** Moves the head of `slot` to `epoch`, clearing expired buckets. */
  #advance(slot: number, epoch: number): void {
    const head = this.#head[slot];
    const d = epoch - head;
    if (d <= 0) return;
    const b = this.#block[slot];
    if (b === NONE) {
      if (d >= this.#len) this.#sum[slot] = 0;
      // else: the single bucket is still inside the window; it stays at its epoch
      if (this.#sum[slot] === 0) this.#head[slot] = epoch;
      return;
    }
    const pool = this.#pool;
    if (d >= this.#len) {
      pool.fill(0, b, b + this.#len);
      this.#sum[slot] = 0;
    } else {
      let sum = this.#sum[slot];
      for (let i = 1; i <= d; i++) {
        const idx = b + this.#index(head + i);
        sum -= pool[idx];
        pool[idx] = 0;
      }
      this.#sum[slot] = sum;
    }
    this.#head[slot] = epoch;
  }

  /**
   * Adds `n` events at packet time `tsUs` to `slot` and returns its count in the window ending at
   * the newest time seen ({@link TimeRing.add}).
   */
  add(slot: number, tsUs: number, n = 1): number {
    const e = this.#epoch(slot, tsUs);
    let b = this.#block[slot];
    const head = this.#head[slot];
    if (b === NONE) {
      const sum = this.#sum[slot];
      if (e === head) return this.#sum[slot] = sum + n;
      if (e > head) {
        if (sum === 0 || e - head >= this.#len) {
          this.#head[slot] = e;
          return this.#sum[slot] = n;
        }
      } else if (head - e >= this.#len) {
        return sum;
      }
      b = this.#newBlock(slot);
      this.#pool[b + this.#index(head)] = sum;
    }
    if (e > head) this.#advance(slot, e);
    else if (head - e >= this.#len) return this.#sum[slot];
    this.#pool[b + this.#index(e)] += n;
    return this.#sum[slot] += n;
  }

  /** The count of `slot` in the window ending at `tsUs` (or at the newest time seen, if later). */
  count(slot: number, tsUs: number): number {
    const o = this.#origin[slot];
    if (o !== o) return 0;
    const e = Math.floor((tsUs - o) / this.#bucketUs);
    if (this.#block[slot] === NONE) {
      if (e - this.#head[slot] >= this.#len) this.#sum[slot] = 0;
      return this.#sum[slot];
    }
    this.#advance(slot, e);
    return this.#sum[slot];
  }

  /** Takes back up to `n` events counted at `tsUs` from `slot` ({@link TimeRing.sub}); returns how many. */
  sub(slot: number, tsUs: number, n: number): number {
    const o = this.#origin[slot];
    if (o !== o || n <= 0 || this.#sum[slot] === 0) return 0;
    let e = Math.floor((tsUs - o) / this.#bucketUs);
    const head = this.#head[slot];
    if (e > head) return 0;
    if (head - e >= this.#len) return 0;
    const b = this.#block[slot];
    if (b === NONE) {
      const k = Math.min(n, this.#sum[slot]);
      this.#sum[slot] -= k;
      return k;
    }
    const pool = this.#pool;
    let left = n, sum = this.#sum[slot];
    for (; e <= head && left > 0; e++) {
      const idx = b + this.#index(e);
      const k = Math.min(left, pool[idx]);
      pool[idx] -= k;
      sum -= k;
      left -= k;
    }
    this.#sum[slot] = sum;
    return n - left;
  }
}
