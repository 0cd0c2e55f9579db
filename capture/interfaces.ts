/**
 * Capture interfaces as libpcap sees them, the default choice, and the `ids interfaces` table.
 *
 * @module
 */

import { loadPcap, type PcapAddress, type PcapDevice, PcapIfFlag } from "../ffi/npcap.ts";

/** Connection state of an interface (`PCAP_IF_CONNECTION_STATUS`). */
export type ConnectionStatus = "unknown" | "connected" | "disconnected" | "not applicable";

/** One capture interface. */
export interface NetInterface {
  /** Name to pass to `--iface`. */
  name: string;
  /** Description (Windows: the adapter's friendly name), `""` if none. */
  description: string;
  /** IPv4/IPv6 addresses. */
  addresses: PcapAddress[];
  /** Loopback device. */
  loopback: boolean;
  /** Administratively up. */
  up: boolean;
  /** Operationally running. */
  running: boolean;
  /** Wireless device. */
  wireless: boolean;
  /** Link state as libpcap reports it. */
  connection: ConnectionStatus;
  /** The interface `ids run` captures on when none is given. */
  isDefault: boolean;
}

/** Options of {@link listInterfaces}. */
export interface ListInterfacesOptions {
  /** Load this libpcap instead of searching. */
  libraryPath?: string;
}

function connectionStatus(flags: number): ConnectionStatus {
  switch (flags & PcapIfFlag.CONNECTION_STATUS) {
    case PcapIfFlag.CONNECTION_STATUS_CONNECTED:
      return "connected";
    case PcapIfFlag.CONNECTION_STATUS_DISCONNECTED:
      return "disconnected";
    case PcapIfFlag.CONNECTION_STATUS_NOT_APPLICABLE:
      return "not applicable";
    default:
      return "unknown";
  }
}

/** Converts `pcap_findalldevs` entries, marking the {@link defaultInterface}. */
export function toInterfaces(devices: readonly PcapDevice[]): NetInterface[] {
  const list = devices.map((d): NetInterface => ({
    name: d.name,
    description: d.description,
    addresses: d.addresses.map((a) => ({ ...a })),
    loopback: (d.flags & PcapIfFlag.LOOPBACK) !== 0,
    up: (d.flags & PcapIfFlag.UP) !== 0,
    running: (d.flags & PcapIfFlag.RUNNING) !== 0,
    wireless: (d.flags & PcapIfFlag.WIRELESS) !== 0,
    connection: connectionStatus(d.flags),
    isDefault: false,
  }));
  const dflt = defaultInterface(list);
  if (dflt) dflt.isDefault = true;
  return list;
}

/** Every capture interface (`pcap_findalldevs`), the default one marked. */
export function listInterfaces(options: ListInterfacesOptions = {}): NetInterface[] {
  return toInterfaces(loadPcap({ libraryPath: options.libraryPath }).findAllDevs());
}

/** The first interface that is up, running, not loopback, and has an address; `undefined` if none. */
export function defaultInterface<T extends Omit<NetInterface, "isDefault">>(list: readonly T[]): T | undefined {
  return list.find((i) => i.up && i.running && !i.loopback && i.addresses.length > 0);
}

/** Prefix length of a netmask text (`255.255.255.0` → 24, `ffff:ffff::` → 32); `undefined` if not contiguous. */
export function prefixLength(netmask: string): number | undefined {
  let bits: string;
  if (netmask.includes(":")) {
    const [head, tail = ""] = netmask.split("::");
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = netmask.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
    if (groups.length !== 8) return undefined;
    bits = groups.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
  } else {
    const parts = netmask.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return undefined;
    bits = parts.map((p) => p.toString(2).padStart(8, "0")).join("");
  }
  const ones = bits.indexOf("0") < 0 ? bits.length : bits.indexOf("0");
  return bits.slice(ones).includes("1") ? undefined : ones;
}

function addressText(a: PcapAddress): string {
  const len = a.netmask === undefined ? undefined : prefixLength(a.netmask);
  return len === undefined ? a.address : `${a.address}/${len}`;
}

function flagText(i: NetInterface): string {
  const f: string[] = [];
  if (i.up) f.push("up");
  if (i.running) f.push("running");
  if (i.loopback) f.push("loopback");
  if (i.wireless) f.push("wireless");
  if (i.connection === "disconnected") f.push("disconnected");
  return f.join(",") || "down";
}

/**
 * The `ids interfaces` table: one row per interface, the default marked with `*`, then a legend line.
 * Ends with a newline.
 */
export function formatInterfaces(list: readonly NetInterface[]): string {
  const header = ["", "NAME", "FLAGS", "ADDRESSES", "DESCRIPTION"];
  const rows = list.map((i) => [
    i.isDefault ? "*" : "",
    i.name,
    flagText(i),
    i.addresses.map(addressText).join(" ") || "-",
    i.description,
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const lines = all.map((r) =>
    r.map((cell, c) => c === r.length - 1 ? cell : cell.padEnd(widths[c])).join("  ").trimEnd()
  );
  const dflt = list.find((i) => i.isDefault);
  lines.push(
    dflt
      ? `* default: ${dflt.name} (used by \`ids run\` without --iface)`
      : "no default: no interface is up with an address — pass --iface NAME",
  );
  return lines.join("\n") + "\n";
}
