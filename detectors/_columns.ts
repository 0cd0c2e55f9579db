/**
 * Per-slot number columns for detector tables kept in {@link SlotMap} slots.
 *
 * @module
 */

/** `column` grown (by doubling, at least 16) to hold index `slot`; new entries are `fill`. */
export function grownColumn(column: Float64Array<ArrayBuffer>, slot: number, fill = 0): Float64Array<ArrayBuffer> {
  if (slot < column.length) return column;
  let n = Math.max(16, column.length);
  while (n <= slot) n *= 2;
  const grown = new Float64Array(n);
  grown.set(column);
  if (fill !== 0) grown.fill(fill, column.length);
  return grown;
}

/** One address (or other number-or-text key) per slot: numbers in a typed array, text beside it. */
export class KeyColumn<K extends number | string> {
  #num: Float64Array<ArrayBuffer> = new Float64Array(0);
  #str: (string | undefined)[] | null = null;

  /** The key stored for `slot` (0 when none was). */
  get(slot: number): K {
    const n = this.#num[slot];
    return (n === n ? n : this.#str![slot]) as K;
  }

  /** Stores `key` for `slot`. */
  set(slot: number, key: K): void {
    if (slot >= this.#num.length) this.#num = grownColumn(this.#num, slot);
    if (typeof key === "number") {
      this.#num[slot] = key;
    } else {
      this.#num[slot] = NaN;
      const str = this.#str ??= [];
      while (str.length <= slot) str.push(undefined);
      str[slot] = key;
    }
  }

  /** Forgets every key. */
  clear(): void {
    this.#num = new Float64Array(0);
    this.#str = null;
  }
}
