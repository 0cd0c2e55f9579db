/**
 * Keys (numbers or strings) in least-recently-used order, each in a numbered slot, with O(1) find,
 * touch, insert and remove and no allocation per operation.
 *
 * Built like the flow table: keys sit in typed-array slots with a chained hash index and an
 * intrusive doubly linked list for the order. A JS `Map` is not used because churn is what floods
 * produce: evicting a Map's first entry walks the holes earlier deletes left (quadratic), and
 * every rehash of a large Map leaves megabytes of garbage in the old generation. Slots are reused
 * through a free list and never move, so callers can keep values in arrays indexed by slot; the
 * arrays grow by doubling (up to {@link LruIndex.limit} while there is room to grow).
 *
 * Number keys must be integers in ±2^53 (addresses, composite keys); strings are IPv6 addresses or
 * other text keys.
 *
 * @module
 */

const NIL = -1;

function hashNumber(k: number): number {
  const lo = k >>> 0, hi = (k / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 16);
}

function hashString(k: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

/** LRU-ordered key slots (see module docs). */
export class LruIndex<K extends number | string> {
  /** Slot count the arrays grow to at most while slots are free to take (callers evict first). */
  limit: number;
  #cap = 0;
  #num: Float64Array = new Float64Array(0);
  #str: (string | undefined)[] = [];
  #isStr: Uint8Array = new Uint8Array(0);
  #hash: Int32Array = new Int32Array(0);
  #chain: Int32Array = new Int32Array(0);
  #buckets: Int32Array = new Int32Array(0);
  #mask = 0;
  #prev: Int32Array = new Int32Array(0);
  #next: Int32Array = new Int32Array(0);
  #newest = NIL;
  #oldest = NIL;
  #free = NIL;
  #used = 0;
  #size = 0;
  #initial: number;

  /**
   * @param initial slots allocated at the first insert
   * @param limit slots the arrays grow to at most (they grow past it only if asked to hold more)
   */
  constructor(initial = 8, limit = Infinity) {
    this.#initial = Math.max(2, Math.floor(initial));
    this.limit = limit;
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
    if (typeof key === "number") {
      // text keys hold NaN in the number column, so a number key never matches one
      if (this.#num[n] === key) return n;
      let s = this.#buckets[hashNumber(key) & this.#mask];
      while (s !== NIL && this.#num[s] !== key) s = this.#chain[s];
      return s;
    }
    if (this.#str[n] === key) return n;
    const h = hashString(key);
    let s = this.#buckets[h & this.#mask];
    while (s !== NIL && (this.#hash[s] !== h || this.#str[s] !== key)) s = this.#chain[s];
    return s;
  }

  /** The key in `slot` (NaN for a slot freed since: it equals no key). */
  keyOf(slot: number): K {
    return (this.#isStr[slot] !== 0 ? this.#str[slot] : this.#num[slot]) as K;
  }

  /** The least recently used slot, -1 when empty. */
  get oldest(): number {
    return this.#oldest;
  }

  /** The next slot toward the most recently used, -1 after the newest. */
  newer(slot: number): number {
    return this.#next[slot];
  }

  /** Marks `slot` most recently used. */
  touch(slot: number): void {
    if (slot === this.#newest) return;
    this.#unlink(slot);
    this.#linkNewest(slot);
  }

  /** Adds `key` (must be absent) as the most recently used; returns its slot. */
  insert(key: K): number {
    let s = this.#free;
    if (s !== NIL) {
      this.#free = this.#next[s];
    } else {
      if (this.#used === this.#cap) this.#grow();
      s = this.#used++;
    }
    let h: number;
    if (typeof key === "number") {
      h = hashNumber(key);
      this.#num[s] = key;
      this.#isStr[s] = 0;
    } else {
      h = hashString(key);
      this.#str[s] = key;
      this.#num[s] = NaN;
      this.#isStr[s] = 1;
    }
    this.#hash[s] = h;
    const b = h & this.#mask;
    this.#chain[s] = this.#buckets[b];
    this.#buckets[b] = s;
    this.#linkNewest(s);
    this.#size++;
    return s;
  }

  /** Removes the key in `slot`. */
  remove(slot: number): void {
    const b = this.#hash[slot] & this.#mask;
    let s = this.#buckets[b], prev = NIL;
    while (s !== NIL && s !== slot) {
      prev = s;
      s = this.#chain[s];
    }
    if (s !== slot) return; // not live
    if (prev === NIL) this.#buckets[b] = this.#chain[slot];
    else this.#chain[prev] = this.#chain[slot];
    this.#unlink(slot);
    this.#str[slot] = undefined;
    this.#num[slot] = NaN; // a free slot's key equals no key (see keyOf)
    this.#isStr[slot] = 0;
    this.#chain[slot] = NIL;
    this.#next[slot] = this.#free;
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
    this.#str = [];
    this.#isStr = new Uint8Array(0);
    this.#hash = new Int32Array(0);
    this.#chain = new Int32Array(0);
    this.#buckets = new Int32Array(0);
    this.#prev = new Int32Array(0);
    this.#next = new Int32Array(0);
    this.#newest = this.#oldest = this.#free = NIL;
  }

  #grow(): void {
    const old = this.#cap;
    let cap = old === 0 ? Math.min(this.#initial, this.limit) : Math.min(old * 2, this.limit);
    if (cap <= old) cap = old === 0 ? this.#initial : old * 2;
    cap = Math.max(2, Math.ceil(cap));
    const num = new Float64Array(cap);
    num.set(this.#num);
    this.#num = num;
    const isStr = new Uint8Array(cap);
    isStr.set(this.#isStr);
    this.#isStr = isStr;
    const hash = new Int32Array(cap);
    hash.set(this.#hash);
    this.#hash = hash;
    const prev = new Int32Array(cap).fill(NIL);
    prev.set(this.#prev);
    this.#prev = prev;
    const next = new Int32Array(cap).fill(NIL);
    next.set(this.#next);
    this.#next = next;
    this.#chain = new Int32Array(cap).fill(NIL);
    let nb = 2;
    while (nb < cap * 2) nb <<= 1;
    this.#buckets = new Int32Array(nb).fill(NIL);
    this.#mask = nb - 1;
    this.#cap = cap;
    // re-chain every live slot (walk the order list; free slots are not in it)
    for (let s = this.#oldest; s !== NIL; s = this.#next[s]) {
      const b = this.#hash[s] & this.#mask;
      this.#chain[s] = this.#buckets[b];
      this.#buckets[b] = s;
    }
  }

  #unlink(s: number): void {
    const p = this.#prev[s], n = this.#next[s];
    if (p !== NIL) this.#next[p] = n;
    else this.#oldest = n;
    if (n !== NIL) this.#prev[n] = p;
    else this.#newest = p;
    this.#prev[s] = NIL;
    this.#next[s] = NIL;
  }

  #linkNewest(s: number): void {
    // the list runs oldest → newest through `next`; `prev` points toward the oldest
    this.#prev[s] = this.#newest;
    this.#next[s] = NIL;
    if (this.#newest !== NIL) this.#next[this.#newest] = s;
    else this.#oldest = s;
    this.#newest = s;
  }
}
