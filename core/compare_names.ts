/**
 * Sort order of machine names (attack types, detector names): by UTF-16 code unit, the same on every machine
 * whatever its locale, and without `Intl` (the first `localeCompare` of a process or Worker builds ICU's
 * collator, ~6 ms on this project's VM, which a replay paid on its capture thread at the first detection).
 *
 * @module
 */

/**
 * Compares two machine names by code unit (negative, zero or positive, as `Array.prototype.sort` wants). For
 * names of lower-case ASCII letters and `_` (every attack type) this is also what `localeCompare` gives in
 * English; unlike `localeCompare` it does not change with the process locale (`LANG`, `LC_ALL`).
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
