import assert from "node:assert/strict";
import { decodeDeep, decodeHtmlEntities, escapeExcerpt, latin1, percentDecode, splitPairs } from "./url_decode.ts";

Deno.test("percentDecode decodes %XX and keeps malformed escapes", () => {
  assert.equal(percentDecode("a%27b%20c"), "a'b c");
  assert.equal(percentDecode("%41%4a%4A"), "AJJ");
  assert.equal(percentDecode("100%"), "100%");
  assert.equal(percentDecode("%zz%2"), "%zz%2");
  assert.equal(percentDecode("plain"), "plain");
  assert.equal(percentDecode("%E9t%E9"), "\xe9t\xe9", "latin1: one character per byte");
});

Deno.test("percentDecode turns + into a space only for form data", () => {
  assert.equal(percentDecode("a+b%2Bc", true), "a b+c");
  assert.equal(percentDecode("a+b", false), "a+b");
});

Deno.test("percentDecode decodes IIS %uXXXX escapes", () => {
  assert.equal(percentDecode("%u0027%u0020or"), "' or");
  assert.equal(percentDecode("%u00"), "%u00");
});

Deno.test("decodeDeep decodes double encoding", () => {
  assert.deepEqual(decodeDeep("1%2527%2520OR%25201%253D1--", true), { value: "1' OR 1=1--", doubleEncoded: true });
  assert.deepEqual(decodeDeep("1%27+OR+1%3D1", true), { value: "1' OR 1=1", doubleEncoded: false });
  assert.deepEqual(decodeDeep("100%25", true), { value: "100%", doubleEncoded: false });
});

Deno.test("decodeDeep resolves HTML character references", () => {
  assert.equal(decodeDeep("1&#39; or &#x27;a&#x27;=&apos;a", false).value, "1' or 'a'='a");
  assert.equal(decodeDeep("%26%2339%3B", true).value, "'");
});

Deno.test("decodeHtmlEntities keeps unknown names and invalid code points", () => {
  assert.equal(decodeHtmlEntities("&foo; &#0; &quot;x&quot; Tom &amp; Jerry"), '&foo; &#0; "x" Tom & Jerry');
});

Deno.test("splitPairs splits without decoding", () => {
  assert.deepEqual(splitPairs("a=1&b=%27&&c&d="), [["a", "1"], ["b", "%27"], ["", "c"], ["d", ""]]);
  assert.deepEqual(splitPairs("sid=abc; theme=dark", ";"), [["sid", "abc"], [" theme", "dark"]]);
  assert.deepEqual(splitPairs("x=1=2"), [["x", "1=2"]]);
  assert.equal(splitPairs("a&".repeat(1000), "&", 10).length, 10);
});

Deno.test("latin1 maps every byte to one character", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  const s = latin1(all);
  assert.equal(s.length, 256);
  for (let i = 0; i < 256; i++) assert.equal(s.charCodeAt(i), i);
  assert.equal(latin1(new Uint8Array(20000).fill(65)).length, 20000);
  assert.equal(latin1(Uint8Array.of(71, 69, 84, 32), 1, 3), "ET");
});

Deno.test("escapeExcerpt escapes control and non-ASCII characters and caps the length", () => {
  assert.equal(escapeExcerpt("a\r\nb\x00\xe9\\"), "a\\x0d\\x0ab\\x00\\xe9\\\\");
  assert.equal(escapeExcerpt("\u2028"), "\\u2028");
  const long = escapeExcerpt("x".repeat(200), 80);
  assert.equal(long, "x".repeat(80) + "…");
});
