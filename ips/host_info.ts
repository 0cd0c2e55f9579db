/**
 * What the sensor must never block about itself: its own addresses (and the directed broadcast
 * addresses of its subnets), its default gateways and its DNS servers. Linux reads the kernel's tables
 * (`/proc/net/route`, `/proc/net/ipv6_route`) and `/etc/resolv.conf`; Windows asks PowerShell with a
 * fixed script (`Get-NetRoute`, `Get-DnsClientServerAddress`). Addresses are parsed, never copied.
 *
 * @module
 */
import { formatIPv4, parseBlockTarget } from "./address.ts";
import { type CommandRunner, denoRunner } from "./command.ts";
import { POWERSHELL } from "./windows_firewall.ts";

/** The sensor's own addresses and neighbours that must never be blocked. */
export interface HostInfo {
  /** Addresses of the sensor's interfaces (canonical). */
  readonly addresses: readonly string[];
  /** Directed broadcast addresses of the sensor's IPv4 subnets. */
  readonly broadcasts: readonly string[];
  /** Default gateways (IPv4 and IPv6). */
  readonly gateways: readonly string[];
  /** DNS servers the sensor uses. */
  readonly dns: readonly string[];
}

/** An empty {@link HostInfo}. */
export const NO_HOST_INFO: HostInfo = Object.freeze({ addresses: [], broadcasts: [], gateways: [], dns: [] });

/** Fixed PowerShell script printing `{"gateways":[…],"dns":[…]}`. */
export const WINDOWS_NEIGHBOURS_SCRIPT = "@{ gateways = @(Get-NetRoute -DestinationPrefix '0.0.0.0/0','::/0' " +
  "-ErrorAction SilentlyContinue | ForEach-Object { $_.NextHop }); dns = @(Get-DnsClientServerAddress " +
  "-ErrorAction SilentlyContinue | ForEach-Object { $_.ServerAddresses }) } | ConvertTo-Json -Compress";

/** Canonical addresses of the parseable entries of `texts` (zone ids dropped), without duplicates. */
function canonical(texts: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const raw of texts) {
    const text = String(raw).trim().replace(/%.*$/, "");
    const t = parseBlockTarget(text);
    if (t !== null && t.value !== 0n) out.add(t.ip);
  }
  return [...out];
}

/** Default gateways in `/proc/net/route` text (gateway column, little-endian hex). */
export function parseProcRoute(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== "00000000" || !/^[0-9A-Fa-f]{8}$/.test(f[2])) continue;
    const le = parseInt(f[2], 16);
    const value = (((le & 255) << 24) | (((le >>> 8) & 255) << 16) | (((le >>> 16) & 255) << 8) | (le >>> 24)) >>> 0;
    if (value !== 0) out.push(formatIPv4(value));
  }
  return canonical(out);
}

/** Default gateways in `/proc/net/ipv6_route` text (prefix ::/0 with a next hop). */
export function parseProcIpv6Route(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^0{32}$/.test(f[0]) || f[1] !== "00" || !/^[0-9a-f]{32}$/i.test(f[4])) continue;
    if (/^0{32}$/.test(f[4])) continue;
    out.push(f[4].match(/.{4}/g)!.join(":"));
  }
  return canonical(out);
}

/** `nameserver` addresses in resolv.conf text. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push(m[1]);
  }
  return canonical(out);
}

/** The Windows neighbours script's output. */
export function parseWindowsNeighbours(stdout: string): { gateways: string[]; dns: string[] } {
  const text = stdout.trim();
  if (text === "") return { gateways: [], dns: [] };
  const doc = JSON.parse(text) as { gateways?: unknown; dns?: unknown };
  const strings = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map(String);
  return { gateways: canonical(strings(doc.gateways)), dns: canonical(strings(doc.dns)) };
}

/** Own addresses and the directed broadcasts of IPv4 subnets, from `Deno.networkInterfaces()`-shaped data. */
export function interfaceAddresses(
  interfaces: readonly Pick<Deno.NetworkInterfaceInfo, "family" | "address" | "netmask">[],
): { addresses: string[]; broadcasts: string[] } {
  const addresses: string[] = [];
  const broadcasts: string[] = [];
  for (const i of interfaces) {
    addresses.push(i.address);
    if (i.family !== "IPv4") continue;
    const a = parseBlockTarget(i.address), m = parseBlockTarget(i.netmask);
    if (a === null || m === null || a.version !== 4 || m.version !== 4) continue;
    const mask = Number(m.value);
    if (mask === 0xffffffff || mask === 0xfffffffe) continue;
    broadcasts.push(formatIPv4((Number(a.value) | (~mask >>> 0)) >>> 0));
  }
  return { addresses: canonical(addresses), broadcasts: canonical(broadcasts) };
}

/** Options of {@link discoverHost}. */
export interface DiscoverHostOptions {
  /** Operating system (default `Deno.build.os`). */
  os?: string;
  /** Runs PowerShell on Windows (default: the real runner). */
  runner?: CommandRunner;
  /** Reads a text file; resolves undefined when missing (default: Deno.readTextFile). */
  readFile?: (path: string) => Promise<string | undefined>;
  /** Interfaces (default `Deno.networkInterfaces()`). */
  interfaces?: () => Deno.NetworkInterfaceInfo[];
}

const readOrUndefined = async (path: string) => {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
};

/**
 * Finds the sensor's addresses, gateways and DNS servers. Never throws: what cannot be read is left
 * out (and the other rails still hold).
 */
export async function discoverHost(options: DiscoverHostOptions = {}): Promise<HostInfo> {
  const os = options.os ?? Deno.build.os;
  const read = options.readFile ?? readOrUndefined;
  let ifaces: Deno.NetworkInterfaceInfo[] = [];
  try {
    ifaces = (options.interfaces ?? Deno.networkInterfaces)();
  } catch { /* no --allow-sys: no own addresses beyond loopback, which is refused anyway */ }
  const { addresses, broadcasts } = interfaceAddresses(ifaces);
  if (os === "windows") {
    const r = await (options.runner ?? denoRunner)([...POWERSHELL, WINDOWS_NEIGHBOURS_SCRIPT]);
    let n = { gateways: [] as string[], dns: [] as string[] };
    try {
      if (r.code === 0) n = parseWindowsNeighbours(r.stdout);
    } catch { /* unreadable: left out */ }
    return { addresses, broadcasts, ...n };
  }
  const gateways = [
    ...parseProcRoute((await read("/proc/net/route")) ?? ""),
    ...parseProcIpv6Route((await read("/proc/net/ipv6_route")) ?? ""),
  ];
  let dns = parseResolvConf((await read("/etc/resolv.conf")) ?? "");
  // systemd-resolved's stub: the real upstream servers are in its own file
  if (dns.some((d) => d.startsWith("127."))) {
    dns = canonical([...dns, ...parseResolvConf((await read("/run/systemd/resolve/resolv.conf")) ?? "")]);
  }
  return { addresses, broadcasts, gateways: canonical(gateways), dns };
}
