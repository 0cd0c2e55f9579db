import assert from "node:assert/strict";
import { formatIPv6, parseCidr, parseIp, parseIPv4, parseIPv6, parseIPv6Into } from "./ip.ts";

Deno.test("parseIPv4() accepts strict dotted quads", () => {
  assert.equal(parseIPv4("0.0.0.0"), 0);
  assert.equal(parseIPv4("255.255.255.255"), 0xffffffff);
  assert.equal(parseIPv4("10.77.0.66"), (10 << 24 | 77 << 16 | 66) >>> 0);
  assert.equal(parseIPv4("192.168.1.1"), 0xc0a80101);
  assert.equal(parseIPv4("1.2.3.4"), 0x01020304);
});

Deno.test("parseIPv4() refuses anything else", () => {
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.0.0.1",
      "1.2.3.256",
      "01.2.3.4",
      "1.2.3.04",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1..3.4",
      "1.2.3.",
      ".1.2.3",
      "a.b.c.d",
      "1.2.3.4/32",
      "1234.1.1.1",
      "0x1.2.3.4",
      "::1",
      "-1.2.3.4",
      "1.2.3.+4",
    ]
  ) {
    assert.equal(parseIPv4(bad), null, bad);
  }
  assert.equal(parseIPv4(42 as unknown as string), null);
});

Deno.test("parseIPv6() gives canonical RFC 5952 text", () => {
  const cases: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longest run wins
    ["fe80::", "fe80::"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1::", "1::"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["::FFFF:c000:0201", "::ffff:192.0.2.1"],
    ["::192.0.2.1", "::c000:201"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ];
  for (const [input, canonical] of cases) assert.equal(parseIPv6(input), canonical, input);
});

Deno.test("parseIPv6() refuses malformed text", () => {
  for (
    const bad of [
      "",
      ":",
      ":::",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      ":1::",
      "1::2:",
      "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8",
      "g::1",
      "fe80::1%eth0",
      "[::1]",
      "::1/128",
      "::ffff:1.2.3",
      "::ffff:1.2.3.4:5",
      "1:2:3:4:5:6:7:1.2.3.4",
      "1.2.3.4",
      " ::1",
    ]
  ) {
    assert.equal(parseIPv6(bad), null, bad);
  }
});

Deno.test("parseIPv6Into() and formatIPv6() round trip", () => {
  const words = new Uint16Array(8);
  assert.ok(parseIPv6Into("2001:db8:85a3::8a2e:370:7334", words));
  assert.deepEqual([...words], [0x2001, 0xdb8, 0x85a3, 0, 0, 0x8a2e, 0x370, 0x7334]);
  assert.equal(formatIPv6(words), "2001:db8:85a3::8a2e:370:7334");
});

Deno.test("parseIp() returns an IpKey", () => {
  assert.equal(parseIp("104.22.1.235"), 0x681601eb);
  assert.equal(parseIp("2606:4700:0::1"), "2606:4700::1");
  assert.equal(parseIp("nonsense"), null);
  assert.equal(parseIp("10.0.0.0/8"), null);
});

Deno.test("parseCidr() parses IPv4 and IPv6 blocks", () => {
  assert.deepEqual(parseCidr("104.16.0.0/12"), { version: 4, network: 0x68100000, prefix: 12 });
  assert.deepEqual(parseCidr("0.0.0.0/0"), { version: 4, network: 0, prefix: 0 });
  assert.deepEqual(parseCidr("255.255.255.255/32"), { version: 4, network: 0xffffffff, prefix: 32 });
  assert.deepEqual(parseCidr("2001:DB8::/32"), { version: 6, network: "2001:db8::", prefix: 32 });
  assert.deepEqual(parseCidr("::/0"), { version: 6, network: "::", prefix: 0 });
  assert.deepEqual(parseCidr("::1/128"), { version: 6, network: "::1", prefix: 128 });
});

Deno.test("parseCidr() refuses host bits unless not strict", () => {
  assert.equal(parseCidr("10.0.0.1/8"), null);
  assert.deepEqual(parseCidr("10.0.0.1/8", { strict: false }), { version: 4, network: 0x0a000000, prefix: 8 });
  assert.equal(parseCidr("2001:db8::1/32"), null);
  assert.deepEqual(parseCidr("2001:db8::1/32", { strict: false }), { version: 6, network: "2001:db8::", prefix: 32 });
  assert.equal(parseCidr("0.0.0.1/0"), null);
  assert.deepEqual(parseCidr("255.255.255.255/0", { strict: false }), { version: 4, network: 0, prefix: 0 });
});

Deno.test("parseCidr() refuses bad input", () => {
  for (
    const bad of [
      "10.0.0.0",
      "10.0.0.0/",
      "10.0.0.0/33",
      "10.0.0.0/-1",
      "10.0.0.0/08",
      "10.0.0.0/8/8",
      "10.0.0/8",
      "/8",
      "::/129",
      "::/ 1",
      "10.0.0.0/8 ",
      "x/8",
    ]
  ) {
    assert.equal(parseCidr(bad), null, bad);
  }
});
