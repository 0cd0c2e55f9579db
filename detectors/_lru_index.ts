/**
 * Keys (numbers or strings) in least-recently-used order, each in a numbered slot, with O(1) find,
 * touch, insert and remove and no allocation per operation.
 *
 * Keys sit in typed-array slots with an open-addressing hash index (linear probing) and an intrusive
 * doubly linked list for the order. A JS `Map` is not used because churn is what floods
 * produce: evicting a Map's first entry walks the holes earlier deletes left (quadratic), and
 * every rehash of a large Map leaves megabytes of garbage in the old generation. Slots are reused
 * through a free list and never move, so callers can keep values in arrays indexed by slot; the
 * arrays grow by doubling (up to {@link LruIndex.limit} while there is room to grow).
 *
 * A slot's number key and order links sit together in 16 bytes of one buffer (a `Float64Array` and an
 * `Int32Array` view of it): finding a key and moving it to the newest end touch one cache line for the
 * slot instead of one per array. The hash index holds (slot + 1, full hash) pairs in one `Int32Array`
 * at most half full: a key that is not held is told apart from the others by their hashes in one or two
 * adjacent cache lines of the index, without reading any slot (with hash chains, every key ahead in the
 * chain was a slot read: a cache miss each under a spoofed flood, where most keys are new and the
 * table is full). Removal shifts the entries after it back (no tombstones: churn never degrades it).
 *
 * Number keys must be integers in ±2^53 (addresses, composite keys); strings are IPv6 addresses or
 * other text keys.
 *
 * @module
 */

import { fmix32, hashText, PROCESS_HASH_SEED, seedWord } from "../core/hash_seed.ts";

const NIL = -1;
/** Slots past which the arrays grow to {@link LruIndex.limit} at once instead of doubling. */
const DOUBLING_SLOTS = 4096;

// a slot's 16 bytes: the number key (Float64 index 2s), then two Int32s (Int32 index 4s + PREV / NEXT)
const PREV = 2, NEXT = 3;

/**
 * The keyed hash of a number key (see core/hash_seed.ts): {@link fmix32} of its low 32 bits XOR a seed word plus its
 * high bits times an odd seed word. One mix, not one per half: IPv4 keys (high bits 0) are most keys, and the tables
 * hash several times a packet. For equal high bits distinct keys never collide fully; keys whose high bits differ
 * (|difference| < 2^22) collide only through differences that depend on the seed.
 */
function hashNumber(k: number, seedLo: number, seedHi: number): number {
  return fmix32(((k >>> 0) ^ seedLo) + Math.imul((k / 4294967296) | 0, seedHi));
}

/** Options of {@link LruIndex}. */
export interface LruIndexOptions {
  /** Seed of the hash index's keyed hash (default {@link PROCESS_HASH_SEED}; tests pass a fixed one). */
  hashSeed?: number;
}

/**
 * An empty text column already of the elements kind it will have (an empty literal starts as small
 * integers and changes kind, and map, at its first push: code that saw one kind was thrown away at
 * the other), written once so it shares no copy-on-write store with a literal.
 */
function textColumn(): (string | undefined)[] {
  const column: (string | undefined)[] = [];
  column.push(undefined);
  return column;
}

/** LRU-ordered key slots (see module docs). */
export class LruIndex<K extends number | string> {
  /** Slot count the arrays grow to at most while slots are free to take (callers evict first). */
  limit: number;
  #cap = 0;
  /** Per slot at 2s: the number key (NaN for a text key or a free slot). */
  #num: Float64Array = new Float64Array(0);
  /** The same bytes: per slot at 4s + PREV / NEXT. */
  #link: Int32Array = new Int32Array(0);
  /** Per slot: the text key; only as long as the highest slot that held one (no holes, no sparse array). */
  #str: (string | undefined)[] = textColumn();
  /** The hash index: bucket b's slot + 1 at 2b (0: empty), its key's hash at 2b + 1. */
  #buckets: Int32Array = new Int32Array(0);
  /** Buckets − 1 (a power of two minus one). */
  #mask = 0;
  #newest = NIL;
  #oldest = NIL;
  #free = NIL;
  #used = 0;
  #size = 0;
  #initial: number;
  // seed words of the keyed hashes
  #seedLo: number;
  #seedHi: number;
  #seedText: number;

  /**
   * @param initial slots allocated at the first insert
   * @param limit slots the arrays grow to at most (they grow past it only if asked to hold more)
   */
  constructor(initial = 8, limit = Infinity, options: LruIndexOptions = {}) {
    this.#initial = Math.max(2, Math.floor(initial));
    this.limit = limit;
    const seed = options.hashSeed ?? PROCESS_HASH_SEED;
    this.#seedLo = seedWord(seed, 0);
    this.#seedHi = seedWord(seed, 1) | 1;
    this.#seedText = seedWord(seed, 2);
  }

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** Slots allocated (the highest slot number is below this). */
  get capacity(): number {
    return this.#cap;
  }

  /** The slot of `key`, -1 when absent. */
  find(key: K): number {
    if (this.#size === 0) return NIL;
    // the newest key first: a flood repeats its source and destination packet after packet
    const n = this.#newest;
    const num = this.#num, bk = this.#buckets, mask = this.#mask;
    if (typeof key === "number") {
      // text keys hold NaN in the number column, so a number key never matches one
      if (num[n * 2] === key) return n;
      const h = hashNumber(key, this.#seedLo, this.#seedHi);
      for (let b = h & mask;; b = (b + 1) & mask) {
        const e = bk[b * 2];
        if (e === 0) return NIL;
        if (bk[b * 2 + 1] === h && num[(e - 1) * 2] === key) return e - 1;
      }
    }
    if (this.#text(n) === key) return n;
    const h = hashText(key, this.#seedText);
    for (let b = h & mask;; b = (b + 1) & mask) {
      const e = bk[b * 2];
      if (e === 0) return NIL;
      if (bk[b * 2 + 1] === h && this.#text(e - 1) === key) return e - 1;
    }
  }

  /** The key in `slot` (for a slot freed since: NaN or undefined, equal to no key). */
  keyOf(slot: number): K {
    const n = this.#num[slot * 2];
    return (n === n ? n : this.#text(slot)) as K;
  }

  /** The text key of `slot`, undefined for a number key or a free slot. */
  #text(slot: number): string | undefined {
    const str = this.#str;
    return slot < str.length ? str[slot] : undefined;
  }

  /** The least recently used slot, -1 when empty. */
  get oldest(): number {
    return this.#oldest;
  }

  /** The next slot toward the most recently used, -1 after the newest. */
  newer(slot: number): number {
    return this.#link[slot * 4 + NEXT];
  }

  /** Marks `slot` most recently used. */
  touch(slot: number): void {
    if (slot === this.#newest) return;
    this.#unlink(slot);
    this.#linkNewest(slot);
  }

  /** Adds `key` (must be absent; not NaN) as the most recently used; returns its slot. */
  insert(key: K): number {
    // NaN marks a text key's slot (and never equals itself): it could be neither found nor removed
    if (key !== key) throw new Error("Cannot insert into the index: NaN is not a key");
    let s = this.#free;
    if (s !== NIL) {
      this.#free = this.#link[s * 4 + NEXT];
    } else {
      if (this.#used === this.#cap) this.#grow();
      s = this.#used++;
    }
    let h: number;
    if (typeof key === "number") {
      h = hashNumber(key, this.#seedLo, this.#seedHi);
      this.#num[s * 2] = key;
    } else {
      h = hashText(key, this.#seedText);
      const str = this.#str;
      while (str.length < s) str.push(undefined);
      if (str.length === s) str.push(key);
      else str[s] = key;
      this.#num[s * 2] = NaN;
    }
    this.#place(s, h);
    this.#linkNewest(s);
    this.#size++;
    return s;
  }

  /** Puts `slot` with hash `h` in the first empty bucket from its home. */
  #place(slot: number, h: number): void {
    const bk = this.#buckets, mask = this.#mask;
    let b = h & mask;
    while (bk[b * 2] !== 0) b = (b + 1) & mask;
    bk[b * 2] = slot + 1;
    bk[b * 2 + 1] = h;
  }

  /** The hash of the key in `slot`; NaN for a free slot. */
  #hashOf(slot: number): number {
    const n = this.#num[slot * 2];
    if (n === n) return hashNumber(n, this.#seedLo, this.#seedHi);
    const t = this.#text(slot);
    return t === undefined ? NaN : hashText(t, this.#seedText);
  }

  /**
   * The longest distance of a key's bucket from its hash's home (a look-up walks at most one bucket more): for tests
   * and diagnostics of hash flooding.
   */
  maxProbeDistance(): number {
    const bk = this.#buckets, mask = this.#mask;
    let max = 0;
    for (let i = 0; i * 2 < bk.length; i++) {
      if (bk[i * 2] === 0) continue;
      const d = (i - (bk[i * 2 + 1] & mask)) & mask;
      if (d > max) max = d;
    }
    return max;
  }

  /** Removes the key in `slot`. */
  remove(slot: number): void {
    const h = this.#hashOf(slot);
    if (h !== h) return; // not live
    const bk = this.#buckets, mask = this.#mask;
    let i = h & mask;
    for (;; i = (i + 1) & mask) {
      const e = bk[i * 2];
      if (e === 0) return; // not live
      if (e === slot + 1) break;
    }
    // shift the entries after it back over the hole, each as far as its home allows (linear probing's deletion)
    for (let j = (i + 1) & mask;; j = (j + 1) & mask) {
      const e = bk[j * 2];
      if (e === 0) break;
      const eh = bk[j * 2 + 1], home = eh & mask;
      // the entry at j may fill the hole at i unless its home lies cyclically in (i, j]
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        bk[i * 2] = e;
        bk[i * 2 + 1] = eh;
        i = j;
      }
    }
    bk[i * 2] = 0;
    bk[i * 2 + 1] = 0;
    this.#unlink(slot);
    if (slot < this.#str.length) this.#str[slot] = undefined;
    this.#num[slot * 2] = NaN; // a free slot's key equals no key (see keyOf)
    this.#link[slot * 4 + NEXT] = this.#free;
    this.#free = slot;
    this.#size--;
  }

  /** Removes every key and releases the arrays. */
  clear(): void {
    this.#cap =
      this.#used =
      this.#size =
      this.#mask =
        0;
    this.#num = new Float64Array(0);
    this.#link = new Int32Array(0);
    this.#str = textColumn();
    this.#buckets = new Int32Array(0);
    this.#newest = this.#oldest = this.#free = NIL;
  }

  #grow(): void {
    const old = this.#cap;
    let cap = old === 0 ? Math.min(this.#initial, this.limit) : Math.min(old * 2, this.limit);
    if (cap <= old) cap = old === 0 ? this.#initial : old * 2;
    cap = Math.max(2, Math.ceil(cap));
    // past DOUBLING_SLOTS to the limit at once: each doubling left the buffers it outgrew as garbage until a full GC
    // (as many bytes as half the new ones: 1.5 MB for a 65,536-slot table), in the resident set at a flood's peak
    if (cap > DOUBLING_SLOTS && cap < this.limit && Number.isFinite(this.limit)) cap = Math.ceil(this.limit);
    const buf = new ArrayBuffer(cap * 16);
    const num = new Float64Array(buf), link = new Int32Array(buf);
    num.set(this.#num);
    // the new slots are not written: a slot from #used up is never read before insert writes its key and links
    // (so the pages of slots not used yet stay out of the resident set)
    this.#num = num;
    this.#link = link;
    // at least two buckets per slot: the index stays at most half full
    let nb = 2;
    while (nb < cap * 2) nb <<= 1;
    this.#buckets = new Int32Array(nb * 2);
    this.#mask = nb - 1;
    this.#cap = cap;
    // index every live slot again (walk the order list; free slots are not in it)
    for (let s = this.#oldest; s !== NIL; s = link[s * 4 + NEXT]) this.#place(s, this.#hashOf(s));
  }

  #unlink(s: number): void {
    const link = this.#link, i = s * 4;
    const p = link[i + PREV], n = link[i + NEXT];
    if (p !== NIL) link[p * 4 + NEXT] = n;
    else this.#oldest = n;
    if (n !== NIL) link[n * 4 + PREV] = p;
    else this.#newest = p;
    link[i + PREV] = NIL;
    link[i + NEXT] = NIL;
  }

  #linkNewest(s: number): void {
    // the list runs oldest → newest through NEXT; PREV points toward the oldest
    const link = this.#link, i = s * 4;
    link[i + PREV] = this.#newest;
    link[i + NEXT] = NIL;
    if (this.#newest !== NIL) link[this.#newest * 4 + NEXT] = s;
    else this.#oldest = s;
    this.#newest = s;
  }
}
