import assert from "node:assert/strict";
import { formatInt } from "./format_int.ts";
import { mulberry32 } from "./prng.ts";

Deno.test("formatInt: writes what toLocaleString('en-US') writes, for every digit count and sign", () => {
  const cases = [
    0,
    -0,
    1,
    -1,
    12,
    999,
    1000,
    -1000,
    12_345,
    999_999,
    1_000_000,
    1_234_567_890,
    Number.MAX_SAFE_INTEGER,
  ];
  for (let d = 1; d <= 16; d++) cases.push(10 ** d - 1, 10 ** d, -(10 ** d));
  const rand = mulberry32(15);
  for (let i = 0; i < 2000; i++) cases.push(Math.floor((rand() - 0.5) * 2 ** (1 + (i % 53))));
  for (const n of cases) assert.equal(formatInt(n), n.toLocaleString("en-US"), String(n));
});

Deno.test("formatInt: non-integers, huge numbers and non-finite values go to toLocaleString", () => {
  for (const n of [1.5, -1234.5678, 2 ** 60, NaN, Infinity, -Infinity]) {
    assert.equal(formatInt(n), n.toLocaleString("en-US"));
  }
});
