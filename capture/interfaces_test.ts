import assert from "node:assert/strict";
import { defaultInterface, formatInterfaces, listInterfaces, prefixLength, toInterfaces } from "./interfaces.ts";
import { loadPcap, type PcapDevice, PcapIfFlag } from "../ffi/npcap.ts";
import { ignoreUnless, prereq } from "../testing/prereq.ts";

const F = PcapIfFlag;
const devices: PcapDevice[] = [
  { name: "any", description: "Pseudo-device that captures on all interfaces", addresses: [], flags: 0x36 },
  {
    name: "lo",
    description: "",
    addresses: [{ family: "ipv4", address: "127.0.0.1", netmask: "255.0.0.0" }],
    flags: F.LOOPBACK | F.UP | F.RUNNING,
  },
  { name: "eth1", description: "", addresses: [{ family: "ipv4", address: "10.0.0.2" }], flags: F.UP },
  { name: "wlan0", description: "", addresses: [], flags: F.UP | F.RUNNING | F.WIRELESS },
  {
    name: "eth0",
    description: "Ethernet",
    addresses: [
      { family: "ipv4", address: "192.0.2.2", netmask: "255.255.255.0" },
      { family: "ipv6", address: "fd00::2", netmask: "ffff:ffff:ffff:ffff::" },
    ],
    flags: F.UP | F.RUNNING | F.CONNECTION_STATUS_CONNECTED,
  },
  {
    name: "eth2",
    description: "",
    addresses: [{ family: "ipv4", address: "10.9.0.1" }],
    flags: F.UP | F.RUNNING | F.CONNECTION_STATUS_DISCONNECTED,
  },
];

Deno.test("toInterfaces: decodes PCAP_IF_* flags", () => {
  const list = toInterfaces(devices);
  const lo = list.find((i) => i.name === "lo")!;
  assert.deepEqual(
    [lo.loopback, lo.up, lo.running, lo.wireless, lo.connection],
    [true, true, true, false, "unknown"],
  );
  const wlan = list.find((i) => i.name === "wlan0")!;
  assert.equal(wlan.wireless, true);
  assert.equal(list.find((i) => i.name === "any")!.connection, "not applicable");
  assert.equal(list.find((i) => i.name === "eth0")!.connection, "connected");
  assert.equal(list.find((i) => i.name === "eth2")!.connection, "disconnected");
});

Deno.test("defaultInterface: first up, running, non-loopback device with an address", () => {
  const list = toInterfaces(devices);
  assert.equal(defaultInterface(list)?.name, "eth0", "skips any (no address), lo, eth1 (not running), wlan0");
  assert.deepEqual(list.filter((i) => i.isDefault).map((i) => i.name), ["eth0"]);
  assert.equal(defaultInterface(toInterfaces(devices.slice(0, 2))), undefined);
});

Deno.test("prefixLength: IPv4 and IPv6 netmasks", () => {
  assert.equal(prefixLength("255.255.255.0"), 24);
  assert.equal(prefixLength("255.0.0.0"), 8);
  assert.equal(prefixLength("255.255.255.255"), 32);
  assert.equal(prefixLength("0.0.0.0"), 0);
  assert.equal(prefixLength("255.0.255.0"), undefined);
  assert.equal(prefixLength("ffff:ffff:ffff:ffff::"), 64);
  assert.equal(prefixLength("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 128);
  assert.equal(prefixLength("ffff:ff00::"), 24);
});

Deno.test("formatInterfaces: a table with the default marked by *", () => {
  const text = formatInterfaces(toInterfaces(devices));
  const lines = text.trimEnd().split("\n");
  assert.match(lines[0], /^\s+NAME\s+FLAGS\s+ADDRESSES\s+DESCRIPTION$/);
  assert.equal(lines.length, devices.length + 2);
  const eth0 = lines.find((l) => l.includes("eth0"))!;
  assert.match(eth0, /^\*\s+eth0\s+up,running\s+192\.0\.2\.2\/24 fd00::2\/64\s+Ethernet$/);
  assert.match(lines.find((l) => / lo /.test(l))!, /^\s+lo\s+up,running,loopback\s+127\.0\.0\.1\/8$/);
  assert.match(lines.find((l) => l.includes("eth1"))!, /^\s+eth1\s+up\s+10\.0\.0\.2$/);
  assert.match(lines.find((l) => l.includes("eth2"))!, /up,running,disconnected/);
  assert.equal(lines.filter((l) => l.startsWith("*")).length, 2, "the row and the legend");
  assert.equal(lines.at(-1), "* default: eth0 (used by `ids run` without --iface)");
  assert.ok(text.endsWith("\n"));
});

Deno.test("formatInterfaces: says so when there is no default", () => {
  const text = formatInterfaces(toInterfaces(devices.slice(0, 2)));
  assert.match(text, /no default: no interface is up with an address — pass --iface NAME\n$/);
  assert.ok(!text.split("\n").some((l) => l.startsWith("*")));
});

let libpcapOk = false;
try {
  loadPcap();
  libpcapOk = true;
} catch {
  libpcapOk = false;
}
const NEEDS_LIB = "libpcap is not installed (sudo apt-get install libpcap0.8)";

Deno.test({
  name: "listInterfaces: the real list has lo, marked loopback, and at most one default",
  ignore: ignoreUnless("listInterfaces", libpcapOk, NEEDS_LIB),
  fn() {
    prereq("listInterfaces", libpcapOk, NEEDS_LIB);
    const list = listInterfaces();
    const lo = list.find((i) => i.name === "lo");
    assert.ok(lo, "lo is listed");
    assert.ok(lo.loopback && lo.up && !lo.isDefault);
    assert.ok(list.filter((i) => i.isDefault).length <= 1);
    const text = formatInterfaces(list);
    assert.match(text, /\blo\b/);
  },
});
