/**
 * A capped, least-recently-used set of keys, each in a numbered slot: a {@link BoundedMap} whose
 * values the caller keeps in columns indexed by slot (`TimeRings`, `DistinctWindows`, typed arrays),
 * so a table with an entry per address holds no object per entry.
 *
 * Keys are found, touched, inserted and evicted exactly as {@link BoundedMap} does (the same
 * {@link LruIndex} calls in the same order), so a detector moved from one to the other keeps the same
 * entries and evicts the same ones. A slot freed by an eviction is the one the next insert takes.
 *
 * @module
 */
import { LruIndex } from "./_lru_index.ts";

/** A capped, LRU-ordered key → slot table (see module docs). */
export class SlotMap<K extends number | string> {
  #index: LruIndex<K>;
  #cap: number;
  /** Entries pushed out because the table was full. */
  evictions = 0;
  /** True when the last {@link acquire} inserted the key (its slot's columns must be reset). */
  created = false;

  /**
   * @param capacity most entries held (at least 1)
   * @throws {RangeError} when capacity is not a positive number
   */
  constructor(capacity: number) {
    this.#cap = SlotMap.#checkCap(capacity);
    this.#index = new LruIndex<K>(16, this.#cap);
  }

  static #checkCap(capacity: number): number {
    if (!(capacity >= 1)) throw new RangeError(`Cannot size slot map: capacity ${capacity} is not ≥ 1`);
    return Math.floor(capacity);
  }

  /** Entries held. */
  get size(): number {
    return this.#index.size;
  }

  /** Most entries held. */
  get capacity(): number {
    return this.#cap;
  }

  /** Changes the cap, evicting the oldest entries when it shrinks. */
  setCapacity(capacity: number): void {
    this.#cap = SlotMap.#checkCap(capacity);
    this.#index.limit = this.#cap;
    while (this.#index.size > this.#cap) this.#evictOldest();
  }

  /** The slot of `key` without changing its age, -1 when absent ({@link BoundedMap.peek}). */
  find(key: K): number {
    return this.#index.find(key);
  }

  /** The key in a live `slot`. */
  keyOf(slot: number): K {
    return this.#index.keyOf(slot);
  }

  /**
   * The slot of `key`, marked most recently used ({@link BoundedMap.acquire}). When missing it is
   * inserted (the oldest entry evicted first when full) and {@link created} is set.
   */
  acquire(key: K): number {
    const idx = this.#index;
    const s = idx.find(key);
    if (s >= 0) {
      idx.touch(s);
      this.created = false;
      return s;
    }
    while (idx.size >= this.#cap) this.#evictOldest();
    this.created = true;
    return idx.insert(key);
  }

  /** Removes `key`; true when it was held. */
  delete(key: K): boolean {
    const s = this.#index.find(key);
    if (s < 0) return false;
    this.#index.remove(s);
    return true;
  }

  /** Removes every entry (not counted as evictions); the caller clears its columns. */
  clear(): void {
    this.#index.clear();
  }

  #evictOldest(): void {
    const s = this.#index.oldest;
    if (s < 0) return;
    this.#index.remove(s);
    this.evictions++;
  }
}
