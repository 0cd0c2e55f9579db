/**
 * Exact distinct counting in a sliding window on packet time, capped.
 *
 * Holds each member with the packet time it was last seen, least recently seen first. Adding
 * expires members older than the window from the old end (each member expires once: amortised
 * O(1)) and stops growing at the cap: once the count reaches the cap the least recently seen member
 * makes room, so the count stays at the cap while new members keep arriving — enough for "at least
 * N distinct" tests.
 *
 * The first member is held inline; an index is allocated only for a second distinct member, so the
 * common single-member case (one source, one port) costs no collection.
 *
 * Window and cap are passed on every call, so a live configuration change applies at once.
 *
 * @module
 */
import { SmallLruIndex } from "./_small_lru_index.ts";

const EMPTY = new Float64Array(0);

/** Distinct members seen in a sliding window (see module docs). */
export class DistinctWindow<M extends number | string> {
  #one: M | undefined = undefined;
  // a double from the start (it holds packet times): a small-integer field turned double at the first
  // add, which replaced the map of every window made so far (and threw away code that had seen it)
  #oneUs = -Infinity;
  #hasOne = false;
  #index: SmallLruIndex<M> | null = null;
  #times: Float64Array = EMPTY;
  /** True when the last {@link add} saw a member not in the window. */
  added = false;
  /** The packet time and window of the {@link add} or {@link expire} in progress (doubles from the start). */
  #tsUs = -Infinity;
  #windowUs = -Infinity;

  /** Distinct members currently held (call {@link expire} or {@link add} first for an up-to-date value). */
  get count(): number {
    return this.#index !== null ? this.#index.size : this.#hasOne ? 1 : 0;
  }

  /** Drops members last seen more than `windowUs` before `tsUs`; returns the count. */
  expire(tsUs: number, windowUs: number): number {
    // a small function V8 inlines into every caller: the times go through fields, and the call that is not inlined
    // takes no double (a double argument would be boxed in a fresh heap number per call)
    this.#tsUs = tsUs;
    this.#windowUs = windowUs;
    return this.#expire();
  }

  #expire(): number {
    const limit = this.#tsUs - this.#windowUs;
    const idx = this.#index;
    if (idx !== null) {
      for (let s = idx.oldest; s >= 0 && this.#times[s] < limit; s = idx.oldest) idx.remove(s);
      return idx.size;
    }
    if (this.#hasOne && this.#oneUs < limit) {
      this.#hasOne = false;
      this.#one = undefined;
    }
    return this.#hasOne ? 1 : 0;
  }

  /**
   * Records `member` at packet time `tsUs` and returns the distinct count in the window.
   * Sets {@link added} when the member was not already in the window.
   *
   * @param cap most members held (≥ 1)
   */
  add(member: M, tsUs: number, windowUs: number, cap: number): number {
    this.#tsUs = tsUs; // (see expire)
    this.#windowUs = windowUs;
    return this.#add(member, cap);
  }

  #add(member: M, cap: number): number {
    const tsUs = this.#tsUs;
    this.#expire();
    let idx = this.#index;
    if (idx === null) {
      if (!this.#hasOne || cap <= 1) {
        this.added = !this.#hasOne || this.#one !== member;
        this.#one = member;
        this.#oneUs = this.#hasOne && !this.added && this.#oneUs > tsUs ? this.#oneUs : tsUs;
        this.#hasOne = true;
        return 1;
      }
      if (this.#one === member) {
        if (tsUs > this.#oneUs) this.#oneUs = tsUs;
        this.added = false;
        return 1;
      }
      idx = this.#index = new SmallLruIndex<M>(4, cap);
      this.#times = EMPTY;
      this.#setTime(idx.insert(this.#one as M), this.#oneUs);
      this.#one = undefined;
      this.#hasOne = false;
    }
    const s = idx.find(member);
    if (s >= 0) {
      idx.touch(s);
      if (tsUs > this.#times[s]) this.#times[s] = tsUs;
      this.added = false;
      return idx.size;
    }
    idx.limit = cap;
    while (idx.size >= cap && idx.oldest >= 0) idx.remove(idx.oldest);
    this.#setTime(idx.insert(member), tsUs);
    this.added = true;
    return idx.size;
  }

  #setTime(slot: number, tsUs: number): void {
    if (slot >= this.#times.length) {
      const t = new Float64Array(this.#index!.capacity);
      t.set(this.#times);
      this.#times = t;
    }
    this.#times[slot] = tsUs;
  }

  /** True when `member` is held (it may be older than the window until the next expire). */
  has(member: M): boolean {
    return this.#index !== null ? this.#index.find(member) >= 0 : this.#hasOne && this.#one === member;
  }

  /** Forgets every member. */
  clear(): void {
    if (this.#index !== null) {
      this.#index = null;
      this.#times = EMPTY;
    }
    this.#hasOne = false;
    this.#one = undefined;
  }
}
