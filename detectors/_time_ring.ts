/**
 * A sliding-window event counter on packet time with O(1) work per event.
 *
 * The window of `windowUs` is split into `buckets` equal buckets; the ring holds one more bucket than
 * that so every event at most `windowUs` old is counted and none older than `windowUs + windowUs /
 * buckets`. The count in the window is a running sum: advancing time clears only the buckets that
 * expired (at most the ring length per call). Bucket edges are aligned to the ring's first event,
 * so shifting every timestamp by a constant gives the same counts.
 *
 * A ring that only ever saw events in one bucket holds no array (many keys see a single packet,
 * e.g. spoofed sources), so it costs a few fields until a second bucket is needed.
 *
 * @module
 */

/** Buckets per window used when none is given. */
export const DEFAULT_BUCKETS = 16;

/** Sliding-window counter (see module docs). */
export class TimeRing {
  #bucketUs: number;
  #len: number;
  #counts: Uint32Array | null = null;
  /** Epoch (bucket number since the origin) of the newest bucket. */
  #head = 0;
  #origin = NaN;
  #sum = 0;

  /**
   * @param windowUs window length in microseconds (> 0)
   * @param buckets buckets per window (≥ 1)
   */
  constructor(windowUs: number, buckets: number = DEFAULT_BUCKETS) {
    const n = Math.max(1, Math.floor(buckets));
    this.#bucketUs = Math.max(1, windowUs / n);
    this.#len = n + 1;
  }

  /** Count of the newest state (without advancing time). */
  get sum(): number {
    return this.#sum;
  }

  #epoch(tsUs: number): number {
    if (this.#origin !== this.#origin) {
      this.#origin = tsUs;
      this.#head = 0;
    }
    return Math.floor((tsUs - this.#origin) / this.#bucketUs);
  }

  #index(epoch: number): number {
    const i = epoch % this.#len;
    return i < 0 ? i + this.#len : i;
  }

  /** Moves the head to `epoch`, clearing expired buckets. */
  #advance(epoch: number): void {
    const d = epoch - this.#head;
    if (d <= 0) return;
    const counts = this.#counts;
    if (counts === null) {
      if (d >= this.#len) this.#sum = 0;
      // else: the single bucket is still inside the window; it stays at its epoch
      if (this.#sum === 0) this.#head = epoch;
      return;
    }
    if (d >= this.#len) {
      counts.fill(0);
      this.#sum = 0;
    } else {
      for (let i = 1; i <= d; i++) {
        const idx = this.#index(this.#head + i);
        this.#sum -= counts[idx];
        counts[idx] = 0;
      }
    }
    this.#head = epoch;
  }

  /**
   * Adds `n` events at packet time `tsUs` and returns the count in the window ending at the newest
   * time seen. Events older than the window are ignored.
   */
  add(tsUs: number, n = 1): number {
    const e = this.#epoch(tsUs);
    if (this.#counts === null) {
      if (e === this.#head) {
        this.#sum += n;
        return this.#sum;
      }
      if (e > this.#head) {
        if (this.#sum === 0 || e - this.#head >= this.#len) {
          this.#head = e;
          this.#sum = n;
          return n;
        }
      } else if (this.#head - e >= this.#len) {
        return this.#sum;
      }
      const counts = new Uint32Array(this.#len);
      counts[this.#index(this.#head)] = this.#sum;
      this.#counts = counts;
    }
    if (e > this.#head) this.#advance(e);
    else if (this.#head - e >= this.#len) return this.#sum;
    this.#counts![this.#index(e)] += n;
    this.#sum += n;
    return this.#sum;
  }

  /** The count in the window ending at packet time `tsUs` (or at the newest time seen, if later). */
  count(tsUs: number): number {
    if (this.#origin !== this.#origin) return 0;
    const e = this.#epoch(tsUs);
    if (this.#counts === null) {
      if (e - this.#head >= this.#len) this.#sum = 0;
      return this.#sum;
    }
    this.#advance(e);
    return this.#sum;
  }

  /**
   * Takes back up to `n` events counted at packet time `tsUs` (e.g. packets of a flow that turned
   * out to be answered). Removes from the bucket of `tsUs` first, then from newer buckets; never
   * below zero. Returns how many were removed.
   */
  sub(tsUs: number, n: number): number {
    if (this.#origin !== this.#origin || n <= 0 || this.#sum === 0) return 0;
    let e = this.#epoch(tsUs);
    if (e > this.#head) return 0;
    if (this.#head - e >= this.#len) return 0;
    const counts = this.#counts;
    if (counts === null) {
      const k = Math.min(n, this.#sum);
      this.#sum -= k;
      return k;
    }
    let left = n;
    for (; e <= this.#head && left > 0; e++) {
      const idx = this.#index(e);
      const k = Math.min(left, counts[idx]);
      counts[idx] -= k;
      this.#sum -= k;
      left -= k;
    }
    return n - left;
  }

  /** Forgets every event. */
  clear(): void {
    this.#counts = null;
    this.#sum = 0;
    this.#head = 0;
    this.#origin = NaN;
  }
}
