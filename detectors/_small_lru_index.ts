/**
 * Keys (numbers or strings) in least-recently-used order, each in a numbered slot, for small tables that stay in the
 * cache (a distinct-count window of at most a few dozen members): the same operations and results as
 * `LruIndex` (`_lru_index.ts`), with a chained hash index.
 *
 * `LruIndex`'s open addressing saves cache misses in large tables (an absent key is told apart from the hashes
 * in the index, no slot read), but costs more instructions per operation (a removal recomputes its key's hash and
 * shifts the entries after it back). In a 64-member window that a spoofed flood churns on every packet (a new source
 * in, the oldest out) nothing misses the cache, and the chains were faster: 42 against 71 ns per add of a new member
 * (`DistinctWindow.add`, cap 64, a micro-benchmark). A slot's number key, hash chain link, order links and hash sit
 * together in 24 bytes of one buffer.
 *
 * @module
 */

const NIL = -1;
/** Slots past which the arrays grow to {@link SmallLruIndex.limit} at once instead of doubling. */
const DOUBLING_SLOTS = 4096;

// a slot's 24 bytes: the number key (Float64 index 3s), then four Int32s (Int32 index 6s + …)
const CHAIN = 2, PREV = 3, NEXT = 4, HASH = 5;

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

/** LRU-ordered key slots for small tables (see module docs). */
export class SmallLruIndex<K extends number | string> {
  /** Slot count the arrays grow to at most while slots are free to take (callers evict first). */
  limit: number;
  #cap = 0;
  /** Per slot at 3s: the number key (NaN for a text key or a free slot). */
  #num: Float64Array = new Float64Array(0);
  /** The same bytes: per slot at 6s + CHAIN / PREV / NEXT / HASH. */
  #link: Int32Array = new Int32Array(0);
  /** Per slot: the text key; only as long as the highest slot that held one (no holes, no sparse array). */
  #str: (string | undefined)[] = textColumn();
  #buckets: Int32Array = new Int32Array(0);
  #mask = 0;
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
    const num = this.#num, link = this.#link;
    if (typeof key === "number") {
      // text keys hold NaN in the number column, so a number key never matches one
      if (num[n * 3] === key) return n;
      let s = this.#buckets[hashNumber(key) & this.#mask];
      while (s !== NIL && num[s * 3] !== key) s = link[s * 6 + CHAIN];
      return s;
    }
    if (this.#text(n) === key) return n;
    const h = hashString(key);
    let s = this.#buckets[h & this.#mask];
    while (s !== NIL && (link[s * 6 + HASH] !== h || this.#text(s) !== key)) s = link[s * 6 + CHAIN];
    return s;
  }

  /** The key in `slot` (for a slot freed since: NaN or undefined, equal to no key). */
  keyOf(slot: number): K {
    const n = this.#num[slot * 3];
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
    return this.#link[slot * 6 + NEXT];
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
      this.#free = this.#link[s * 6 + NEXT];
    } else {
      if (this.#used === this.#cap) this.#grow();
      s = this.#used++;
    }
    let h: number;
    if (typeof key === "number") {
      h = hashNumber(key);
      this.#num[s * 3] = key;
    } else {
      h = hashString(key);
      const str = this.#str;
      while (str.length < s) str.push(undefined);
      if (str.length === s) str.push(key);
      else str[s] = key;
      this.#num[s * 3] = NaN;
    }
    const link = this.#link, i = s * 6;
    link[i + HASH] = h;
    const b = h & this.#mask;
    link[i + CHAIN] = this.#buckets[b];
    this.#buckets[b] = s;
    this.#linkNewest(s);
    this.#size++;
    return s;
  }

  /** Removes the key in `slot`. */
  remove(slot: number): void {
    const link = this.#link;
    const b = link[slot * 6 + HASH] & this.#mask;
    let s = this.#buckets[b], prev = NIL;
    while (s !== NIL && s !== slot) {
      prev = s;
      s = link[s * 6 + CHAIN];
    }
    if (s !== slot) return; // not live
    if (prev === NIL) this.#buckets[b] = link[slot * 6 + CHAIN];
    else link[prev * 6 + CHAIN] = link[slot * 6 + CHAIN];
    this.#unlink(slot);
    if (slot < this.#str.length) this.#str[slot] = undefined;
    this.#num[slot * 3] = NaN; // a free slot's key equals no key (see keyOf)
    link[slot * 6 + CHAIN] = NIL;
    link[slot * 6 + NEXT] = this.#free;
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
    const buf = new ArrayBuffer(cap * 24);
    const num = new Float64Array(buf), link = new Int32Array(buf);
    num.set(this.#num);
    // the new slots are not written: a slot from #used up is never read before insert writes its key, hash and links
    // (so the pages of slots not used yet stay out of the resident set)
    this.#num = num;
    this.#link = link;
    let nb = 2;
    while (nb < cap * 2) nb <<= 1;
    this.#buckets = new Int32Array(nb).fill(NIL);
    this.#mask = nb - 1;
    this.#cap = cap;
    // re-chain every live slot (walk the order list; free slots are not in it)
    for (let s = this.#oldest; s !== NIL; s = link[s * 6 + NEXT]) {
      const b = link[s * 6 + HASH] & this.#mask;
      link[s * 6 + CHAIN] = this.#buckets[b];
      this.#buckets[b] = s;
    }
  }

  #unlink(s: number): void {
    const link = this.#link, i = s * 6;
    const p = link[i + PREV], n = link[i + NEXT];
    if (p !== NIL) link[p * 6 + NEXT] = n;
    else this.#oldest = n;
    if (n !== NIL) link[n * 6 + PREV] = p;
    else this.#newest = p;
    link[i + PREV] = NIL;
    link[i + NEXT] = NIL;
  }

  #linkNewest(s: number): void {
    // the list runs oldest → newest through NEXT; PREV points toward the oldest
    const link = this.#link, i = s * 6;
    link[i + PREV] = this.#newest;
    link[i + NEXT] = NIL;
    if (this.#newest !== NIL) link[this.#newest * 6 + NEXT] = s;
    else this.#oldest = s;
    this.#newest = s;
  }
}
