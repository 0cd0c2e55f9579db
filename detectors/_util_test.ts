import assert from "node:assert/strict";
import { isGroupAddress, pairKey, unboxed } from "./_util.ts";

Deno.test("pairKey is ip * 2^20 + n for every IPv4 address and n < 2^20, text for IPv6", () => {
  let s = 7;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const edges = [0, 1, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xe0000000, 0xffffffff];
  for (const ip of edges) {
    for (const n of [0, 1, 69, 65535, 65536 * 2 + 443, 1048575]) assert.equal(pairKey(ip, n), ip * 1048576 + n);
  }
  for (let i = 0; i < 100_000; i++) {
    const ip = r(), n = r() % 1048576;
    assert.equal(pairKey(ip, n), ip * 1048576 + n);
  }
  assert.equal(pairKey("2001:db8::1", 443), "2001:db8::1|443");
});

Deno.test("isGroupAddress: IPv4 multicast, broadcast and 0.0.0.0, IPv6 multicast and ::", () => {
  for (const ip of [0, 0xe0000000, 0xe0000001, 0xefffffff, 0xffffffff, "ff02::1", "::"]) assert.ok(isGroupAddress(ip));
  for (const ip of [1, 0x0a000001, 0x7fffffff, 0x80000000, 0xdfffffff, "2001:db8::1", "::1"]) {
    assert.ok(!isGroupAddress(ip), String(ip));
  }
});

Deno.test("unboxed returns the same number", () => {
  for (const x of [0, -1, 1.5, 2 ** 31, 2 ** 52 + 2, -0, Infinity]) assert.ok(Object.is(unboxed(x), x));
  assert.ok(Number.isNaN(unboxed(NaN)));
});
