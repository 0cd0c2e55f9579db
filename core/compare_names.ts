/**
 * Sort order of machine names (attack types, detector names) as `a.localeCompare(b)` gives it, without
 * `Intl`: the first `localeCompare` of a process or Worker builds ICU's collator (~6 ms on this project's VM),
 * which a replay paid on its capture thread at the first detection and on the main thread after the capture.
 *
 * @module
 */

/** Lower-case letters, digits-free, and `_`: code-unit order and ICU's root collation agree on these. */
const PLAIN = /^[a-z_]*$/;

/**
 * `a.localeCompare(b)` (its sign): names of lower-case letters and `_` (every attack type) are compared by code
 * unit, which orders them the same way; any other name goes to `localeCompare`.
 */
export function compareNames(a: string, b: string): number {
  if (PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}
