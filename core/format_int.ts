/**
 * Integers with thousands separators, as `n.toLocaleString("en-US")` writes them, without `Intl`: the first
 * `toLocaleString` of a process (or Worker) loads ICU's number formatting, 10-20 ms on this project's VM, which
 * a replay's report paid on its critical path after the last packet.
 *
 * @module
 */

/** `n.toLocaleString("en-US")`: `1234567` → `"1,234,567"`; anything but a safe integer goes to `toLocaleString`. */
export function formatInt(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString("en-US");
  const digits = n < 0 ? String(-n) : String(n);
  let out = digits.length % 3 === 0 ? "" : digits.slice(0, digits.length % 3);
  for (let i = digits.length % 3; i < digits.length; i += 3) {
    out += (out === "" ? "" : ",") + digits.slice(i, i + 3);
  }
  return n < 0 ? `-${out}` : out;
}
