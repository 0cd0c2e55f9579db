import assert from "node:assert/strict";
import { compareNames } from "./compare_names.ts";
import { ATTACK_TYPES } from "./attack_type.ts";
import { mulberry32 } from "./prng.ts";

const sign = (x: number) => Math.sign(x);

Deno.test("compareNames: attack types in a fixed order, the English collation's (not the process locale's)", () => {
  for (const a of ATTACK_TYPES) {
    for (const b of ATTACK_TYPES) assert.equal(sign(compareNames(a, b)), sign(a.localeCompare(b, "en")), `${a} ${b}`);
  }
  assert.deepEqual(["syn_flood", "sql_injection", "port_scan", "ddos"].sort(compareNames), [
    "ddos",
    "port_scan",
    "sql_injection",
    "syn_flood",
  ]);
});

Deno.test("compareNames: random names of letters and underscores as English collation; others by code unit", () => {
  const rand = mulberry32(7);
  const alphabet = "ab_z";
  const name = () => Array.from({ length: Math.floor(rand() * 5) }, () => alphabet[Math.floor(rand() * 4)]).join("");
  for (let i = 0; i < 5000; i++) {
    const a = name(), b = name();
    assert.equal(sign(compareNames(a, b)), sign(a.localeCompare(b, "en")), `${a} ${b}`);
  }
  // outside that alphabet: code units, whatever a collation says ("B" before "a", "1" before "_")
  assert.deepEqual(["a", "B", "a_b", "a1", "é", "f"].sort(compareNames), ["B", "a", "a1", "a_b", "f", "é"]);
});
