/**
 * Per-slot records of numbers for detector tables kept in {@link SlotMap} slots: one `Float64Array`
 * with a fixed number of fields per slot, so the state one packet reads for one address (its
 * counters, their window heads, its last report) sits in one or two cache lines instead of one
 * object per counter (which the GC copies) or one array per field (a cache miss per field).
 *
 * The parts of a record (`TimeRings`, `DistinctWindows`, `KeyColumn`, plain fields) reserve their
 * fields with {@link fields} when they are built, before the first slot is used.
 *
 * @module
 */

/** Slots past which {@link SlotRecords.ensure} grows the records to their {@link SlotRecords.limit} at once. */
const DOUBLING_SLOTS = 4096;

/** Number fields per slot in one array (see module docs). */
export class SlotRecords {
  #stride = 0;
  /**
   * Most slots the owner asks for (its table's cap; 0: unknown). Past {@link DOUBLING_SLOTS} slots the records grow to
   * it at once instead of doubling: each doubling left the array it outgrew as garbage until a full GC (as many bytes as
   * the new array's half, 5 MB for a 19-field record at 65,536 slots), in the resident set at a flood's peak; the pages of
   * slots not used yet stay untouched (new records are zero), so a larger array costs no memory before it is used.
   */
  limit = 0;
  /** The records: slot `s`'s field `f` is `data[s * stride + f]`. Replaced when it grows. */
  data: Float64Array<ArrayBuffer> = new Float64Array(0);

  /** Fields per slot. */
  get stride(): number {
    return this.#stride;
  }

  /**
   * Reserves `n` fields per slot and returns the offset of the first.
   * @throws {Error} once a slot was made room for
   */
  fields(n: number): number {
    if (this.data.length > 0) throw new Error("Cannot add record fields: slots are in use");
    const at = this.#stride;
    this.#stride += n;
    return at;
  }

  /** Makes room for `slot` (new records are all zero). */
  ensure(slot: number): void {
    const need = (slot + 1) * this.#stride;
    if (need <= this.data.length) return;
    let slots = Math.max(16, this.data.length / Math.max(1, this.#stride));
    while (slots * this.#stride < need) slots *= 2;
    if (slots > DOUBLING_SLOTS && slots < this.limit) slots = this.limit;
    const grown = new Float64Array(slots * this.#stride);
    grown.set(this.data);
    this.data = grown;
  }

  /** Drops every record. */
  clear(): void {
    this.data = new Float64Array(0);
  }
}

/** One address (or other number-or-text key) per slot: a record field for numbers, text beside it. */
export class KeyColumn<K extends number | string> {
  #rec: SlotRecords;
  #at: number;
  #str: (string | undefined)[] | null = null;

  constructor(records: SlotRecords) {
    this.#rec = records;
    this.#at = records.fields(1);
  }

  /** The key stored for `slot`. */
  get(slot: number): K {
    const n = this.#rec.data[slot * this.#rec.stride + this.#at];
    return (n === n ? n : this.#str![slot]) as K;
  }

  /** Stores `key` for `slot` (room made with {@link SlotRecords.ensure}). */
  set(slot: number, key: K): void {
    const i = slot * this.#rec.stride + this.#at;
    if (typeof key === "number") {
      this.#rec.data[i] = key;
      if (this.#str !== null && slot < this.#str.length) this.#str[slot] = undefined;
    } else {
      this.#rec.data[i] = NaN;
      const str = this.#str ??= [];
      while (str.length <= slot) str.push(undefined);
      str[slot] = key;
    }
  }

  /** Forgets the text keys (the records are cleared by their owner). */
  clear(): void {
    this.#str = null;
  }
}
