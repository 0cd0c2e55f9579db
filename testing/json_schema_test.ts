import assert from "node:assert/strict";
import { JsonSchema } from "./json_schema.ts";

Deno.test("JsonSchema: types, required, closed objects, arrays, enum/const, ranges, patterns, $ref, oneOf", () => {
  const s = new JsonSchema({
    type: "object",
    additionalProperties: false,
    required: ["a"],
    properties: {
      a: { type: "integer", minimum: 1, maximum: 9 },
      b: { type: "array", minItems: 1, items: { $ref: "#/$defs/word" } },
      c: { enum: ["x", "y"] },
      d: { const: 1 },
      e: { oneOf: [{ type: "string" }, { type: "integer" }] },
      f: { type: "object", minProperties: 1, additionalProperties: { type: "boolean" } },
    },
    $defs: { word: { type: "string", pattern: "^[a-z]+$", maxLength: 3 } },
  });
  assert.deepEqual(s.validate({ a: 3, b: ["ab"], c: "x", d: 1, e: "s", f: { z: true } }), []);
  assert.deepEqual(s.validate({}), ["/: missing required property a"]);
  assert.deepEqual(s.validate({ a: 1.5 }), ["/a: must be integer (is number)"]);
  assert.deepEqual(s.validate({ a: 0 }), ["/a: must be >= 1"]);
  assert.deepEqual(s.validate({ a: 10 }), ["/a: must be <= 9"]);
  assert.deepEqual(s.validate({ a: 1, z: 1 }), ["/: must NOT have additional properties (z)"]);
  assert.deepEqual(s.validate({ a: 1, b: [] }), ["/b: fewer than 1 items"]);
  assert.deepEqual(s.validate({ a: 1, b: ["A1"] }), ["/b/0: must match ^[a-z]+$"]);
  assert.deepEqual(s.validate({ a: 1, b: ["abcd"] }), ["/b/0: longer than 3"]);
  assert.deepEqual(s.validate({ a: 1, c: "q" }), ['/c: must be one of ["x","y"]']);
  assert.deepEqual(s.validate({ a: 1, d: 2 }), ["/d: must equal 1"]);
  assert.deepEqual(s.validate({ a: 1, e: true }), ["/e: must match exactly one of oneOf (matches 0)"]);
  assert.deepEqual(s.validate({ a: 1, f: {} }), ["/f: fewer than 1 properties"]);
  assert.deepEqual(s.validate({ a: 1, f: { z: 1 } }), ["/f/z: must be boolean (is integer)"]);
});

Deno.test("JsonSchema: refuses keywords it does not implement, and non-local $ref", () => {
  assert.throws(
    () => new JsonSchema({ type: "object", patternProperties: {} }),
    /unsupported keyword "patternProperties"/,
  );
  assert.throws(
    () => new JsonSchema({ properties: { a: { if: {} } } }),
    /unsupported keyword "if" at #\/properties\/a/,
  );
  assert.throws(() => new JsonSchema({ $ref: "http://x/y.json" }), /only local \$ref/);
});
