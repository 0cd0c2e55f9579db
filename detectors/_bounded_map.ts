/**
 * A map with a hard cap on entries, least recently used first out.
 *
 * Every per-address table of the detectors is one of these: an attacker who sprays random source
 * addresses fills it to the cap and then pushes out its own oldest entries, never memory. Entries
 * that keep being used stay (a `get` moves the entry to the newest end), so a real attacker's entry
 * survives a spoofed flood as long as it stays active. Every operation is O(1) and allocation-free
 * once the map is full (see {@link LruIndex} and {@link BoundedMap.acquire}). Keys are numbers
 * (IPv4 addresses, composite keys) or strings (IPv6 addresses).
 *
 * @module
 */
import { LruIndex } from "./_lru_index.ts";

/** Options of {@link BoundedMap}. */
export interface BoundedMapOptions<K extends number | string, V> {
  /** Called for an entry pushed out by the cap (not for `delete` or `clear`). */
  onEvict?: (key: K, value: V) => void;
}

/** A capped, LRU-ordered map (see module docs). */
export class BoundedMap<K extends number | string, V> {
  #index: LruIndex<K>;
  #values: (V | undefined)[] = [];
  #cap: number;
  #onEvict: ((key: K, value: V) => void) | undefined;
  /** Entries pushed out because the map was full. */
  evictions = 0;

  /**
   * @param capacity most entries held (at least 1)
   * @throws {RangeError} when capacity is not a positive number
   */
  constructor(capacity: number, options: BoundedMapOptions<K, V> = {}) {
    this.#cap = BoundedMap.#checkCap(capacity);
    this.#index = new LruIndex<K>(16, this.#cap);
    this.#onEvict = options.onEvict;
  }

  static #checkCap(capacity: number): number {
    if (!(capacity >= 1)) throw new RangeError(`Cannot size bounded map: capacity ${capacity} is not ≥ 1`);
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
    this.#cap = BoundedMap.#checkCap(capacity);
    this.#index.limit = this.#cap;
    while (this.#index.size > this.#cap) this.#evictOldest();
  }

  /** The value of `key`, marking it most recently used. */
  get(key: K): V | undefined {
    const s = this.#index.find(key);
    if (s < 0) return undefined;
    this.#index.touch(s);
    return this.#values[s];
  }

  /** The value of `key` without changing its age. */
  peek(key: K): V | undefined {
    const s = this.#index.find(key);
    return s < 0 ? undefined : this.#values[s];
  }

  /** True when `key` is held. */
  has(key: K): boolean {
    return this.#index.find(key) >= 0;
  }

  /** Stores `value` as the most recently used entry, evicting the oldest one when full. */
  set(key: K, value: V): void {
    const idx = this.#index;
    let s = idx.find(key);
    if (s >= 0) {
      idx.touch(s);
    } else {
      while (idx.size >= this.#cap) this.#evictOldest();
      s = idx.insert(key);
    }
    this.#values[s] = value;
  }

  /** The value of `key` (marked most recently used), created by `create` when missing. */
  getOrCreate(key: K, create: () => V): V {
    const idx = this.#index;
    const s = idx.find(key);
    if (s >= 0) {
      idx.touch(s);
      return this.#values[s] as V;
    }
    const v = create();
    this.set(key, v);
    return v;
  }

  /**
   * The value of `key` (marked most recently used). When missing, `init` makes it; when the map is
   * full, `init` receives the evicted oldest value to reset and reuse, so a flood of new keys
   * allocates nothing once the map is full.
   */
  acquire(key: K, init: (recycled: V | undefined) => V): V {
    const idx = this.#index;
    let s = idx.find(key);
    if (s >= 0) {
      idx.touch(s);
      return this.#values[s] as V;
    }
    let recycled: V | undefined;
    while (idx.size >= this.#cap) recycled = this.#evictOldest();
    const v = init(recycled);
    s = idx.insert(key);
    this.#values[s] = v;
    return v;
  }

  /** Removes `key`; true when it was held. */
  delete(key: K): boolean {
    const s = this.#index.find(key);
    if (s < 0) return false;
    this.#index.remove(s);
    this.#values[s] = undefined;
    return true;
  }

  /** Removes every entry (not counted as evictions). */
  clear(): void {
    this.#index.clear();
    this.#values = [];
  }

  /**
   * Removes entries from the oldest end while `isStale(value)` holds, at most `maxSteps` of them.
   * Call with a small `maxSteps` per packet to age out idle entries in O(1).
   */
  prune(isStale: (value: V) => boolean, maxSteps: number): number {
    const idx = this.#index;
    let n = 0;
    while (n < maxSteps) {
      const s = idx.oldest;
      if (s < 0 || !isStale(this.#values[s] as V)) break;
      idx.remove(s);
      this.#values[s] = undefined;
      n++;
    }
    return n;
  }

  /** Entries, oldest first. */
  *entries(): IterableIterator<[K, V]> {
    const idx = this.#index;
    for (let s = idx.oldest; s >= 0; s = idx.newer(s)) yield [idx.keyOf(s), this.#values[s] as V];
  }

  #evictOldest(): V | undefined {
    const idx = this.#index;
    const s = idx.oldest;
    if (s < 0) return undefined;
    const k = idx.keyOf(s), v = this.#values[s] as V;
    idx.remove(s);
    this.#values[s] = undefined;
    this.evictions++;
    this.#onEvict?.(k, v);
    return v;
  }
}
