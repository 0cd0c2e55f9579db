import assert from "node:assert/strict";
import { isPublicIp, nonPublicReason } from "./special_ip.ts";

Deno.test("private, loopback and reserved addresses are never public", () => {
  const never = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.5",
    "10.255.255.255",
    "100.64.0.1",
    "100.127.255.254",
    "127.0.0.1",
    "127.255.255.255",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.251",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "64:ff9b::a00:1",
    "100::1",
    "2001:db8::1",
    "2001::1",
    "2002:c000:204::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "::1.2.3.4",
    "4000::1",
  ];
  for (const ip of never) assert.ok(!isPublicIp(ip), `${ip} is not public`);
  assert.equal(nonPublicReason("10.0.0.5"), "a private address (RFC 1918)");
  assert.equal(nonPublicReason("127.0.0.1"), "a loopback address");
  assert.equal(nonPublicReason("::1"), "the loopback address (::1)");
  assert.equal(nonPublicReason("::ffff:192.168.0.1"), "a private address (RFC 1918)");
  assert.equal(nonPublicReason("localhost"), "not an IP address");
  assert.equal(nonPublicReason("10.0.0.1/8"), "not an IP address");
});

Deno.test("public unicast addresses are public, right at the edges of the special blocks", () => {
  const pub = [
    "1.1.1.1",
    "8.8.8.8",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.255",
    "192.0.3.0",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "203.0.112.255",
    "223.255.255.255",
    "118.25.6.39",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
  ];
  for (const ip of pub) assert.ok(isPublicIp(ip), `${ip} is public (${nonPublicReason(ip)})`);
});
