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
