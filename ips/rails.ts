/**
 * Safety rails: addresses the IPS never blocks, whatever a detector says. An IPS that an attacker can
 * trick into cutting off the gateway, the DNS server, the operator's browser or the sensor itself is
 * worse than none.
 *
 * Refused: anything that does not parse as one host address; trusted addresses and blocks (config
 * `trusted_ips` / `trusted_cidrs`); unspecified (`0.0.0.0/8`, `::`); loopback (`127.0.0.0/8`, `::1`);
 * link-local (`169.254.0.0/16`, `fe80::/10`); multicast (`224.0.0.0/4`, `ff00::/8`); broadcast
 * (`255.255.255.255` and the directed broadcasts of the sensor's subnets); reserved `240.0.0.0/4`;
 * the sensor's own addresses; its default gateways; its DNS servers; addresses of connected dashboard
 * clients.
 *
 * @module
 */
import type { IpKey } from "../decode/packet.ts";
import { buildTrustedMatcher, type TrustedLists, type TrustedMatcher } from "../config/trusted.ts";
import { type BlockTarget, parseBlockTarget } from "./address.ts";
import { type HostInfo, NO_HOST_INFO } from "./host_info.ts";

/** Why an address is never blocked. */
export type RailName =
  | "invalid"
  | "trusted"
  | "unspecified"
  | "loopback"
  | "link_local"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "self"
  | "gateway"
  | "dns"
  | "dashboard_client";

/** A refusal: which rail and one line for people. */
export interface RailRefusal {
  readonly rail: RailName;
  readonly reason: string;
}

/** Options of {@link SafetyRails}. */
export interface SafetyRailsOptions {
  /** Trusted lists (or a compiled matcher). */
  trusted?: TrustedLists | TrustedMatcher;
  /** The sensor's addresses, gateways and DNS servers. */
  host?: HostInfo;
}

const V4 = (a: number, b: number, c: number, d: number) => (((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
const inV4 = (ip: number, net: number, prefix: number) => prefix === 0 || ((ip ^ net) >>> (32 - prefix)) === 0;
const inV6 = (ip: bigint, net: bigint, prefix: number) =>
  (ip >> BigInt(128 - prefix)) === (net >> BigInt(128 - prefix));

/** The rail of a special-purpose address, or null for an ordinary unicast address. */
export function specialRail(t: BlockTarget): RailName | null {
  if (t.version === 4) {
    const ip = Number(t.value);
    if (inV4(ip, 0, 8)) return "unspecified";
    if (inV4(ip, V4(127, 0, 0, 0), 8)) return "loopback";
    if (inV4(ip, V4(169, 254, 0, 0), 16)) return "link_local";
    if (inV4(ip, V4(224, 0, 0, 0), 4)) return "multicast";
    if (ip === 0xffffffff) return "broadcast";
    if (inV4(ip, V4(240, 0, 0, 0), 4)) return "reserved";
    return null;
  }
  const ip = t.value;
  if (ip === 0n) return "unspecified";
  if (ip === 1n) return "loopback";
  if (inV6(ip, 0xfe80n << 112n, 10)) return "link_local";
  if (inV6(ip, 0xff00n << 112n, 8)) return "multicast";
  return null;
}

const SPECIAL_TEXT: Record<string, string> = {
  unspecified: "an unspecified address",
  loopback: "a loopback address",
  link_local: "a link-local address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
  reserved: "a reserved address (240.0.0.0/4)",
};

/** The never-block policy. */
export class SafetyRails {
  #trusted: TrustedMatcher;
  #host = new Map<string, RailRefusal>();
  #clients = new Map<string, number>();

  constructor(options: SafetyRailsOptions = {}) {
    this.#trusted = typeof options.trusted === "function"
      ? options.trusted
      : buildTrustedMatcher(options.trusted ?? {});
    this.setHost(options.host ?? NO_HOST_INFO);
  }

  /** Replaces the trusted lists (configuration reloaded). */
  setTrusted(trusted: TrustedLists | TrustedMatcher): void {
    this.#trusted = typeof trusted === "function" ? trusted : buildTrustedMatcher(trusted);
  }

  /** Replaces the sensor's own addresses, gateways and DNS servers (rediscovered). */
  setHost(host: HostInfo): void {
    const map = new Map<string, RailRefusal>();
    const add = (list: readonly string[], rail: RailName, what: string) => {
      for (const text of list) {
        const t = parseBlockTarget(text);
        if (t !== null && !map.has(t.ip)) map.set(t.ip, { rail, reason: `${t.ip} is ${what}` });
      }
    };
    add(host.addresses, "self", "one of the sensor's own addresses");
    add(host.gateways, "gateway", "a default gateway of the sensor");
    add(host.dns, "dns", "a DNS server of the sensor");
    add(host.broadcasts, "broadcast", "the broadcast address of one of the sensor's subnets");
    this.#host = map;
  }

  /**
   * Protects a connected dashboard client's address until the returned function is called (counted:
   * two tabs from one address stay protected until both close).
   */
  protectClient(ip: string): () => void {
    const t = parseBlockTarget(ip.replace(/%.*$/, ""));
    if (t === null) return () => {};
    this.#clients.set(t.ip, (this.#clients.get(t.ip) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#clients.get(t.ip) ?? 1) - 1;
      if (n <= 0) this.#clients.delete(t.ip);
      else this.#clients.set(t.ip, n);
    };
  }

  /** Why `ip` must never be blocked, or null when it may be. */
  check(ip: string | IpKey): RailRefusal | null {
    const t = parseBlockTarget(ip);
    if (t === null) {
      return { rail: "invalid", reason: `${JSON.stringify(String(ip)).slice(0, 60)} is not a single IP address` };
    }
    const special = specialRail(t);
    if (special !== null) return { rail: special, reason: `${t.ip} is ${SPECIAL_TEXT[special]}` };
    const key: IpKey = t.version === 4 ? Number(t.value) : t.ip;
    if (this.#trusted(key)) return { rail: "trusted", reason: `${t.ip} is on the trusted lists` };
    const host = this.#host.get(t.ip);
    if (host !== undefined) return host;
    if (this.#clients.has(t.ip)) return { rail: "dashboard_client", reason: `${t.ip} is a connected dashboard client` };
    return null;
  }
}
