/**
 * One {@link DistinctWindow} per numbered slot, with the common single-member state in typed-array
 * columns instead of an object per key.
 *
 * Most entries of a per-address table see one member (a spoofed source probes one port, a flood
 * source hits one host): here that member and its time are two numbers in shared columns. A slot
 * that sees a second distinct member gets a real `DistinctWindow` (seeded with the first member),
 * so every call gives exactly what the same call on a `DistinctWindow` gives
 * (`_distinct_windows_test.ts` compares them on random sequences). {@link reset} a slot before
 * its first use.
 *
 * @module
 */
import { DistinctWindow } from "./_distinct.ts";

/** Distinct members in a sliding window, per slot (see module docs). */
export class DistinctWindows<M extends number | string> {
  #cap = 0;
  /** Per slot: the inline member when it is a number (NaN: none, or a text member). */
  #oneNum: Float64Array = new Float64Array(0);
  /** Per slot: the inline member when it is text (null until the first text member). */
  #oneStr: (string | undefined)[] | null = null;
  /** Per slot: packet time the inline member was last seen. */
  #oneUs: Float64Array = new Float64Array(0);
  /** Per slot: 1 when an inline member is held. */
  #hasOne: Uint8Array = new Uint8Array(0);
  /** Per slot: the window once it saw two distinct members (then the inline columns are unused). */
  #many: (DistinctWindow<M> | null)[] = [];
  /** True when the last {@link add} saw a member not in the window. */
  added = false;

  /** Empties `slot` (a new or reused entry); grows the columns to hold it. */
  reset(slot: number): void {
    if (slot >= this.#cap) this.#grow(slot + 1);
    this.#hasOne[slot] = 0;
    this.#oneNum[slot] = NaN;
    if (this.#oneStr !== null) this.#oneStr[slot] = undefined;
    this.#many[slot] = null;
  }

  /** Forgets every slot and releases the columns. */
  clear(): void {
    this.#cap = 0;
    this.#oneNum = new Float64Array(0);
    this.#oneStr = null;
    this.#oneUs = new Float64Array(0);
    this.#hasOne = new Uint8Array(0);
    this.#many = [];
  }

  #grow(need: number): void {
    let cap = Math.max(16, this.#cap);
    while (cap < need) cap *= 2;
    const oneNum = new Float64Array(cap).fill(NaN), oneUs = new Float64Array(cap), hasOne = new Uint8Array(cap);
    oneNum.set(this.#oneNum);
    oneUs.set(this.#oneUs);
    hasOne.set(this.#hasOne);
    this.#oneNum = oneNum;
    this.#oneUs = oneUs;
    this.#hasOne = hasOne;
    if (this.#oneStr !== null) {
      for (let i = this.#oneStr.length; i < cap; i++) this.#oneStr.push(undefined);
    }
    for (let i = this.#many.length; i < cap; i++) this.#many.push(null);
    this.#cap = cap;
  }

  #isOne(slot: number, member: M): boolean {
    return typeof member === "number" ? this.#oneNum[slot] === member : this.#oneStr?.[slot] === member;
  }

  #setOne(slot: number, member: M): void {
    if (typeof member === "number") {
      this.#oneNum[slot] = member;
      if (this.#oneStr !== null) this.#oneStr[slot] = undefined;
    } else {
      this.#oneNum[slot] = NaN;
      (this.#oneStr ??= new Array<string | undefined>(this.#cap).fill(undefined))[slot] = member;
    }
  }

  #one(slot: number): M {
    const n = this.#oneNum[slot];
    return (n === n ? n : this.#oneStr![slot]) as M;
  }

  /** Distinct members of `slot` in its window ({@link DistinctWindow.expire}); returns the count. */
  expire(slot: number, tsUs: number, windowUs: number): number {
    const many = this.#many[slot];
    if (many !== null) return many.expire(tsUs, windowUs);
    if (this.#hasOne[slot] !== 0) {
      if (this.#oneUs[slot] >= tsUs - windowUs) return 1;
      this.#hasOne[slot] = 0;
      this.#oneNum[slot] = NaN;
      if (this.#oneStr !== null) this.#oneStr[slot] = undefined;
    }
    return 0;
  }

  /**
   * Records `member` at `tsUs` in `slot` and returns its distinct count ({@link DistinctWindow.add});
   * sets {@link added}.
   */
  add(slot: number, member: M, tsUs: number, windowUs: number, cap: number): number {
    let many = this.#many[slot];
    if (many === null) {
      const has = this.expire(slot, tsUs, windowUs) !== 0;
      if (!has || cap <= 1) {
        const added = !has || !this.#isOne(slot, member);
        this.added = added;
        const oneUs = this.#oneUs[slot];
        this.#setOne(slot, member);
        this.#oneUs[slot] = has && !added && oneUs > tsUs ? oneUs : tsUs;
        this.#hasOne[slot] = 1;
        return 1;
      }
      if (this.#isOne(slot, member)) {
        if (tsUs > this.#oneUs[slot]) this.#oneUs[slot] = tsUs;
        this.added = false;
        return 1;
      }
      // a second distinct member: a full window, seeded with the first (still inside the window)
      many = this.#many[slot] = new DistinctWindow<M>();
      many.add(this.#one(slot), this.#oneUs[slot], windowUs, cap);
      this.#hasOne[slot] = 0;
      this.#oneNum[slot] = NaN;
      if (this.#oneStr !== null) this.#oneStr[slot] = undefined;
    }
    const n = many.add(member, tsUs, windowUs, cap);
    this.added = many.added;
    return n;
  }
}
