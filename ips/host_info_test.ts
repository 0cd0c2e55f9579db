import assert from "node:assert/strict";
import { FakeWindows } from "./_fake_windows.ts";
import {
  discoverHost,
  interfaceAddresses,
  parseProcIpv6Route,
  parseProcRoute,
  parseResolvConf,
  parseWindowsNeighbours,
  WINDOWS_NEIGHBOURS_SCRIPT,
} from "./host_info.ts";
import { POWERSHELL } from "./windows_firewall.ts";

const PROC_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
wlan0\t00000000\t01004D0A\t0003\t0\t0\t600\t00000000\t0\t0\t0
`;
const PROC_IPV6_ROUTE =
  `00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0
20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

Deno.test("parseProcRoute() reads default gateways (little-endian hex)", () => {
  assert.deepEqual(parseProcRoute(PROC_ROUTE), ["192.168.1.1", "10.77.0.1"]);
  assert.deepEqual(parseProcRoute(""), []);
});

Deno.test("parseProcIpv6Route() reads the ::/0 next hop", () => {
  assert.deepEqual(parseProcIpv6Route(PROC_IPV6_ROUTE), ["fe80::1"]);
});

Deno.test("parseResolvConf() reads nameservers, drops zones and junk", () => {
  const text = "# generated\nsearch lan\nnameserver 192.168.1.1\nnameserver fe80::1%eth0\nnameserver evil;rm\n" +
    "  nameserver 2001:4860:4860::8888\noptions edns0\n";
  assert.deepEqual(parseResolvConf(text), ["192.168.1.1", "fe80::1", "2001:4860:4860::8888"]);
});

Deno.test("interfaceAddresses() gives own addresses and directed broadcasts", () => {
  const r = interfaceAddresses([
    { family: "IPv4", address: "127.0.0.1", netmask: "255.0.0.0" },
    { family: "IPv4", address: "10.76.0.2", netmask: "255.255.255.252" },
    { family: "IPv4", address: "10.9.9.9", netmask: "255.255.255.255" },
    { family: "IPv6", address: "fe80::abcd", netmask: "ffff:ffff:ffff:ffff::" },
  ]);
  assert.deepEqual(r.addresses, ["127.0.0.1", "10.76.0.2", "10.9.9.9", "fe80::abcd"]);
  assert.deepEqual(r.broadcasts, ["127.255.255.255", "10.76.0.3"]);
});

Deno.test("discoverHost() on Linux reads route, ipv6_route and resolv.conf (systemd stub followed)", async () => {
  const files: Record<string, string> = {
    "/proc/net/route": PROC_ROUTE,
    "/proc/net/ipv6_route": PROC_IPV6_ROUTE,
    "/etc/resolv.conf": "nameserver 127.0.0.53\n",
    "/run/systemd/resolve/resolv.conf": "nameserver 192.0.2.53\n",
  };
  const info = await discoverHost({
    os: "linux",
    readFile: (p) => Promise.resolve(files[p]),
    interfaces: () => [{
      family: "IPv4",
      name: "eth0",
      address: "192.168.1.20",
      netmask: "255.255.255.0",
      scopeid: null,
      cidr: "192.168.1.20/24",
      mac: "",
    }],
  });
  assert.deepEqual(info, {
    addresses: ["192.168.1.20"],
    broadcasts: ["192.168.1.255"],
    gateways: ["192.168.1.1", "10.77.0.1", "fe80::1"],
    dns: ["127.0.0.53", "192.0.2.53"],
  });
});

Deno.test("discoverHost() on this machine finds at least its loopback and never throws", async () => {
  const info = await discoverHost();
  assert.ok(Array.isArray(info.gateways) && Array.isArray(info.dns));
  if (Deno.build.os === "linux") assert.ok(info.addresses.includes("127.0.0.1"), info.addresses.join(","));
});

Deno.test("discoverHost() on Windows runs the fixed PowerShell script and parses its JSON", async () => {
  const machine = new FakeWindows();
  const calls: string[][] = [];
  const info = await discoverHost({
    os: "windows",
    interfaces: () => [],
    runner: (argv) => {
      calls.push([...argv]);
      if (argv.at(-1) === WINDOWS_NEIGHBOURS_SCRIPT) {
        return Promise.resolve({
          code: 0,
          stdout:
            '{"gateways":["192.168.0.1","0.0.0.0","fe80::1"],"dns":["192.168.0.1","8.8.8.8","fec0:0:0:ffff::1"]}\r\n',
          stderr: "",
        });
      }
      return machine.runner(argv);
    },
  });
  assert.deepEqual(calls, [[...POWERSHELL, WINDOWS_NEIGHBOURS_SCRIPT]]);
  assert.deepEqual(info.gateways, ["192.168.0.1", "fe80::1"]);
  assert.deepEqual(info.dns, ["192.168.0.1", "8.8.8.8", "fec0:0:0:ffff::1"]);
});

Deno.test("parseWindowsNeighbours() accepts single values and empty output", () => {
  assert.deepEqual(parseWindowsNeighbours(""), { gateways: [], dns: [] });
  assert.deepEqual(parseWindowsNeighbours('{"gateways":"10.0.0.1","dns":null}'), { gateways: ["10.0.0.1"], dns: [] });
});
