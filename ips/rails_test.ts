import assert from "node:assert/strict";
import { HOSTILE_INPUTS } from "./_conformance.ts";
import { SafetyRails } from "./rails.ts";

const host = {
  addresses: ["10.76.0.2", "2001:db8:1::2", "127.0.0.1"],
  broadcasts: ["10.76.0.3"],
  gateways: ["10.76.0.1", "fe80::1", "2001:db8:1::1"],
  dns: ["192.0.2.53", "2001:db8:53::53"],
};

Deno.test("SafetyRails refuses every special-purpose address", () => {
  const rails = new SafetyRails();
  const cases: [string, string][] = [
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["169.254.10.1", "link_local"],
    ["fe80::1234", "link_local"],
    ["febf::1", "link_local"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
  ];
  for (const [ip, rail] of cases) assert.equal(rails.check(ip)?.rail, rail, ip);
  for (const ok of ["198.51.100.7", "10.76.0.1", "fec0::1", "2001:db8::1", "223.255.255.255", "169.253.0.1"]) {
    assert.equal(rails.check(ok), null, ok);
  }
});

Deno.test("SafetyRails refuses hostile strings as invalid", () => {
  const rails = new SafetyRails();
  for (const bad of HOSTILE_INPUTS) assert.equal(rails.check(bad)?.rail, "invalid", JSON.stringify(bad));
});

Deno.test("SafetyRails refuses trusted addresses and blocks, including IPv4-mapped forms", () => {
  const rails = new SafetyRails({ trusted: { ips: ["198.51.100.50"], cidrs: ["104.16.0.0/12", "2001:db8:aa::/48"] } });
  assert.equal(rails.check("198.51.100.50")?.rail, "trusted");
  assert.equal(rails.check("104.22.1.235")?.rail, "trusted");
  assert.equal(rails.check("::ffff:104.16.0.1")?.rail, "trusted");
  assert.equal(rails.check(0x68100001)?.rail, "trusted"); // 104.16.0.1 as the decoder's key
  assert.equal(rails.check("2001:db8:aa:1::9")?.rail, "trusted");
  assert.equal(rails.check("198.51.100.51"), null);
  assert.equal(rails.check("104.32.0.1"), null);
  rails.setTrusted({ ips: [], cidrs: [] });
  assert.equal(rails.check("104.22.1.235"), null, "reloaded lists apply");
});

Deno.test("SafetyRails refuses the sensor's own addresses, gateways, DNS servers and subnet broadcasts", () => {
  const rails = new SafetyRails({ host });
  assert.equal(rails.check("10.76.0.2")?.rail, "self");
  assert.equal(rails.check("2001:DB8:1:0::2")?.rail, "self");
  assert.equal(rails.check("10.76.0.1")?.rail, "gateway");
  assert.equal(rails.check("2001:db8:1::1")?.rail, "gateway");
  assert.equal(rails.check("192.0.2.53")?.rail, "dns");
  assert.equal(rails.check("2001:db8:53::53")?.rail, "dns");
  assert.equal(rails.check("10.76.0.3")?.rail, "broadcast");
  assert.match(rails.check("10.76.0.1")!.reason, /default gateway/);
  assert.equal(rails.check("10.76.0.5"), null);
});

Deno.test("SafetyRails protects connected dashboard clients while they are connected", () => {
  const rails = new SafetyRails();
  const a = rails.protectClient("198.51.100.20");
  const b = rails.protectClient("198.51.100.20");
  assert.equal(rails.check("198.51.100.20")?.rail, "dashboard_client");
  a();
  a();
  assert.equal(rails.check("198.51.100.20")?.rail, "dashboard_client", "the second tab still protects it");
  b();
  assert.equal(rails.check("198.51.100.20"), null);
  rails.protectClient("not an ip")();
});
