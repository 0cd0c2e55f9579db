/**
 * The key/value cache reputation results live in. The store's SQLite key/value table implements it
 * for `ids run`; {@link MemoryKv} is the bounded in-memory one (tests, no data directory).
 *
 * @module
 */

/** A key/value cache with expiry. Synchronous: SQLite answers in microseconds. */
export interface KvCache {
  /** The value, when present and not expired at `nowMs`. */
  get(key: string, nowMs: number): string | undefined;
  /** Stores `value` until `expiresMs`. */
  set(key: string, value: string, expiresMs: number): void;
}

/** An in-memory {@link KvCache} holding at most `maxEntries` (least recently used evicted). */
export class MemoryKv implements KvCache {
  readonly #map = new Map<string, { value: string; expiresMs: number }>();
  readonly #max: number;

  /** A cache of at most `maxEntries` entries. */
  constructor(maxEntries = 10_000) {
    this.#max = maxEntries;
  }

  /** Entries held (expired ones included until touched or evicted). */
  get size(): number {
    return this.#map.size;
  }

  get(key: string, nowMs: number): string | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    this.#map.delete(key);
    if (entry.expiresMs <= nowMs) return undefined;
    this.#map.set(key, entry);
    return entry.value;
  }

  set(key: string, value: string, expiresMs: number): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expiresMs });
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }
}
