import assert from "node:assert/strict";
import { compareNames } from "./compare_names.ts";
import { ATTACK_TYPES } from "./attack_type.ts";
import { mulberry32 } from "./prng.ts";

const sign = (x: number) => Math.sign(x);

Deno.test("compareNames: the sign of localeCompare for every pair of attack types", () => {
  for (const a of ATTACK_TYPES) {
    for (const b of ATTACK_TYPES) assert.equal(sign(compareNames(a, b)), sign(a.localeCompare(b)), `${a} ${b}`);
  }
});

Deno.test("compareNames: the sign of localeCompare on random names of letters and underscores, and on others", () => {
  const rand = mulberry32(7);
  const alphabet = "ab_z";
  const name = () => Array.from({ length: Math.floor(rand() * 5) }, () => alphabet[Math.floor(rand() * 4)]).join("");
  for (let i = 0; i < 5000; i++) {
    const a = name(), b = name();
    assert.equal(sign(compareNames(a, b)), sign(a.localeCompare(b)), `${a} ${b}`);
  }
  // outside the plain alphabet: localeCompare itself (code units would put "B" before "a" and "1" before "_")
  for (const [a, b] of [["a", "B"], ["a_b", "a1"], ["é", "f"]]) {
    assert.equal(sign(compareNames(a, b)), sign(a.localeCompare(b)), `${a} ${b}`);
  }
});
