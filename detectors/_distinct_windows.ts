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
import { SlotRecords } from "./_slot_records.ts";

// fields of a slot's inline member in its record
const ONE = 0, ONE_US = 1, HAS_ONE = 2;

/**
 * An empty per-slot window column already of the elements kind it will have: an empty literal starts
 * as small integers, and its first `push(null)` changed kind where optimized code expected the other
 * kind (a "not a Smi" deoptimization per replay). Slot 0 holds null like any reset slot.
 */
function windowColumn<M extends number | string>(): (DistinctWindow<M> | null)[] {
  const column: (DistinctWindow<M> | null)[] = [];
  column.push(null);
  return column;
}

/** Distinct members in a sliding window, per slot (see module docs). */
export class DistinctWindows<M extends number | string> {
  #rec: SlotRecords;
  #at: number;
  /** Per slot: the inline member when it is text (null until the first text member). */
  #oneStr: (string | undefined)[] | null = null;
  /** Per slot: the window once it saw two distinct members (then the inline fields are unused). */
  #many: (DistinctWindow<M> | null)[] = windowColumn();
  /** True when the last {@link add} saw a member not in the window. */
  added = false;
  /** The packet time and window of the {@link add} or {@link expire} in progress. */
  #tsUs = 0;
  #windowUs = 0;

  /**
   * @param records the records holding the three fields per slot (default: its own): the inline
   *   member when it is a number (NaN: none, or a text member), the packet time it was last seen,
   *   1 when an inline member is held.
   */
  constructor(records: SlotRecords = new SlotRecords()) {
    this.#rec = records;
    this.#at = records.fields(3);
  }

  /** Empties `slot` (a new or reused entry); makes room for it in the records. */
  reset(slot: number): void {
    this.#rec.ensure(slot);
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    d[i + HAS_ONE] = 0;
    d[i + ONE] = NaN;
    if (this.#oneStr !== null && slot < this.#oneStr.length) this.#oneStr[slot] = undefined;
    const many = this.#many;
    if (slot < many.length) many[slot] = null;
    else {
      while (many.length < slot) many.push(null);
      many.push(null);
    }
  }

  /** Forgets every slot (with its own records). */
  clear(): void {
    this.#rec.clear();
    this.#oneStr = null;
    this.#many = windowColumn();
  }

  #isOne(i: number, slot: number, member: M): boolean {
    return typeof member === "number" ? this.#rec.data[i + ONE] === member : this.#oneStr?.[slot] === member;
  }

  #setOne(i: number, slot: number, member: M): void {
    if (typeof member === "number") {
      this.#rec.data[i + ONE] = member;
      if (this.#oneStr !== null && slot < this.#oneStr.length) this.#oneStr[slot] = undefined;
    } else {
      this.#rec.data[i + ONE] = NaN;
      const str = this.#oneStr ??= [];
      while (str.length <= slot) str.push(undefined);
      str[slot] = member;
    }
  }

  #dropOne(i: number, slot: number): void {
    const d = this.#rec.data;
    d[i + HAS_ONE] = 0;
    d[i + ONE] = NaN;
    if (this.#oneStr !== null && slot < this.#oneStr.length) this.#oneStr[slot] = undefined;
  }

  /** Distinct members of `slot` in its window ({@link DistinctWindow.expire}); returns the count. */
  expire(slot: number, tsUs: number, windowUs: number): number {
    // a small function V8 inlines into every caller: the times go through fields, and the call that is not inlined
    // takes no double (a double argument would be boxed in a fresh heap number per call)
    this.#tsUs = tsUs;
    this.#windowUs = windowUs;
    return this.#expire(slot);
  }

  #expire(slot: number): number {
    const tsUs = this.#tsUs, windowUs = this.#windowUs;
    const many = this.#many[slot];
    if (many !== null) return many.expire(tsUs, windowUs);
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    if (d[i + HAS_ONE] !== 0) {
      if (d[i + ONE_US] >= tsUs - windowUs) return 1;
      this.#dropOne(i, slot);
    }
    return 0;
  }

  /**
   * Records `member` at `tsUs` in `slot` and returns its distinct count ({@link DistinctWindow.add});
   * sets {@link added}.
   */
  add(slot: number, member: M, tsUs: number, windowUs: number, cap: number): number {
    this.#tsUs = tsUs; // (see expire)
    this.#windowUs = windowUs;
    return this.#add(slot, member, cap);
  }

  #add(slot: number, member: M, cap: number): number {
    const tsUs = this.#tsUs, windowUs = this.#windowUs;
    let many = this.#many[slot];
    if (many === null) {
      const has = this.#expire(slot) !== 0;
      const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
      if (!has || cap <= 1) {
        const added = !has || !this.#isOne(i, slot, member);
        this.added = added;
        const oneUs = d[i + ONE_US];
        this.#setOne(i, slot, member);
        d[i + ONE_US] = has && !added && oneUs > tsUs ? oneUs : tsUs;
        d[i + HAS_ONE] = 1;
        return 1;
      }
      if (this.#isOne(i, slot, member)) {
        if (tsUs > d[i + ONE_US]) d[i + ONE_US] = tsUs;
        this.added = false;
        return 1;
      }
      // a second distinct member: a full window, seeded with the first (still inside the window)
      const n = d[i + ONE];
      const one = (n === n ? n : this.#oneStr![slot]) as M;
      many = this.#many[slot] = new DistinctWindow<M>();
      many.add(one, d[i + ONE_US], windowUs, cap);
      this.#dropOne(i, slot);
    }
    const n = many.add(member, tsUs, windowUs, cap);
    this.added = many.added;
    return n;
  }
}
