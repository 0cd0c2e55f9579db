import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "./defaults.ts";
import { buildTrustedMatcher, parseIp, parseIPv4 } from "./trusted.ts";

const v4 = (text: string) => parseIPv4(text)!;

Deno.test("buildTrustedMatcher() matches the seed's lists", () => {
  const isTrusted = buildTrustedMatcher({ ips: DEFAULT_CONFIG.trusted_ips, cidrs: DEFAULT_CONFIG.trusted_cidrs });
  assert.equal(isTrusted.name, "isTrusted");
  assert.ok(isTrusted(v4("104.22.1.235")));
  assert.ok(isTrusted(v4("2.22.20.72")));
  assert.ok(!isTrusted(v4("2.22.20.73")));
  assert.ok(isTrusted(v4("104.16.0.0")));
  assert.ok(isTrusted(v4("104.31.255.255")));
  assert.ok(!isTrusted(v4("104.32.0.0")));
  assert.ok(!isTrusted(v4("104.15.255.255")));
  assert.ok(isTrusted(v4("140.82.112.3")));
  assert.ok(!isTrusted(v4("140.83.0.0")));
  assert.ok(isTrusted(v4("34.192.0.1")));
  assert.ok(isTrusted(v4("34.207.255.255")));
  assert.ok(!isTrusted(v4("34.208.0.0")));
  assert.ok(!isTrusted(v4("10.77.0.66")));
  assert.ok(!isTrusted("2001:db8::1"));
});

Deno.test("buildTrustedMatcher() handles /0 and /32 and the extremes", () => {
  const all = buildTrustedMatcher({ cidrs: ["0.0.0.0/0"] });
  assert.ok(all(0));
  assert.ok(all(0xffffffff));
  assert.ok(all(v4("192.0.2.1")));
  assert.ok(!all("2001:db8::1"), "an IPv4 /0 does not cover IPv6");
  assert.ok(all("::ffff:192.0.2.1"), "but it covers IPv4-mapped IPv6");

  const one = buildTrustedMatcher({ cidrs: ["255.255.255.255/32"], ips: ["0.0.0.0"] });
  assert.ok(one(0xffffffff));
  assert.ok(one(0));
  assert.ok(!one(1));
  assert.ok(!one(0xfffffffe));

  const none = buildTrustedMatcher({});
  assert.ok(!none(0));
  assert.ok(!none("::1"));
});

Deno.test("buildTrustedMatcher() accepts signed int32 addresses", () => {
  const isTrusted = buildTrustedMatcher({ ips: ["255.255.255.254"] });
  assert.ok(isTrusted(0xfffffffe | 0));
});

Deno.test("buildTrustedMatcher() merges overlapping and adjacent blocks", () => {
  const isTrusted = buildTrustedMatcher({
    cidrs: ["10.0.0.0/9", "10.128.0.0/9", "10.0.0.0/16", "192.168.1.0/24"],
    ips: ["10.1.2.3", "192.168.2.0"],
  });
  assert.ok(isTrusted(v4("10.0.0.0")));
  assert.ok(isTrusted(v4("10.200.0.0")));
  assert.ok(isTrusted(v4("10.255.255.255")));
  assert.ok(!isTrusted(v4("11.0.0.0")));
  assert.ok(!isTrusted(v4("9.255.255.255")));
  assert.ok(isTrusted(v4("192.168.1.255")));
  assert.ok(isTrusted(v4("192.168.2.0")));
  assert.ok(!isTrusted(v4("192.168.2.1")));
  assert.ok(!isTrusted(v4("192.168.0.255")));
});

Deno.test("buildTrustedMatcher() matches IPv6 addresses and blocks", () => {
  const isTrusted = buildTrustedMatcher({
    ips: ["2001:db8::1", "::ffff:198.51.100.7"],
    cidrs: ["2606:4700::/32", "fe80::/10", "::1/128"],
  });
  assert.ok(isTrusted("2001:db8::1"));
  assert.ok(isTrusted("2001:0DB8:0:0::1"), "any spelling of the address matches");
  assert.ok(!isTrusted("2001:db8::2"));
  assert.ok(isTrusted("2606:4700::"));
  assert.ok(isTrusted("2606:4700:ffff:ffff:ffff:ffff:ffff:ffff"));
  assert.ok(!isTrusted("2606:4701::"));
  assert.ok(!isTrusted("2606:46ff:ffff:ffff:ffff:ffff:ffff:ffff"));
  assert.ok(isTrusted("fe80::1"));
  assert.ok(isTrusted("febf:ffff::"));
  assert.ok(!isTrusted("fec0::"));
  assert.ok(isTrusted("::1"));
  assert.ok(!isTrusted("::2"));
  assert.ok(!isTrusted("::"));
  assert.ok(isTrusted(v4("198.51.100.7")), "an IPv4-mapped entry matches the IPv4 address");
  assert.ok(!isTrusted(v4("198.51.100.8")));
  assert.ok(!isTrusted("not an address"));
});

Deno.test("buildTrustedMatcher() covers everything with ::/0", () => {
  const isTrusted = buildTrustedMatcher({ cidrs: ["::/0"] });
  assert.ok(isTrusted("::"));
  assert.ok(isTrusted("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  assert.ok(isTrusted(v4("1.2.3.4")), "::/0 includes the IPv4-mapped block");
});

Deno.test("buildTrustedMatcher() agrees with a brute-force check", () => {
  const cidrs = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "203.0.113.0/24"];
  const ips = ["8.8.8.8", "1.1.1.1", "203.0.114.0"];
  const isTrusted = buildTrustedMatcher({ ips, cidrs });
  const blocks = cidrs.map((c) => {
    const [a, p] = c.split("/");
    const mask = Number(p) === 0 ? 0 : (0xffffffff << (32 - Number(p))) >>> 0;
    return [v4(a), mask] as const;
  });
  const exact = new Set(ips.map(v4));
  let seed = 12345;
  for (let i = 0; i < 20000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const ip = i % 3 === 0 ? (v4("10.0.0.0") + (seed & 0xffff)) >>> 0 : seed;
    const expected = exact.has(ip) || blocks.some(([net, mask]) => ((ip & mask) >>> 0) === net);
    assert.equal(isTrusted(ip), expected, String(ip));
  }
});

Deno.test("buildTrustedMatcher() refuses bad entries", () => {
  assert.throws(() => buildTrustedMatcher({ ips: ["1.2.3"] }), /Cannot build trusted matcher: "1.2.3" in ips/);
  assert.throws(() => buildTrustedMatcher({ cidrs: ["10.0.0.1/8"] }), /in cidrs is not a CIDR block/);
  assert.throws(() => buildTrustedMatcher({ cidrs: ["10.0.0.0"] }), TypeError);
});

Deno.test("trusted.ts re-exports the parsers", () => {
  assert.equal(parseIp("::1"), "::1");
});
