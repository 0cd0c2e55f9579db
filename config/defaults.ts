/**
 * The configuration type and its defaults: every threshold, window, port list and trusted list in
 * one JSON document. Defaults come from the seed (see shared/PRODUCT.md); `config/schema.ts`
 * describes each key's allowed range.
 *
 * @module
 */

/** Settings shared by every detector. */
export interface DetectorConfig {
  /** Run this detector. */
  readonly enabled: boolean;
  /** Skip sources on the trusted lists. */
  readonly use_trusted: boolean;
}

/** SYN flood: SYNs without a completed handshake. */
export interface SynFloodConfig extends DetectorConfig {
  /** SYNs per source within `window_s`. */
  readonly threshold: number;
  /** Window length in seconds. */
  readonly window_s: number;
  /** SYNs per destination within `window_s` from any sources (spoofed floods). */
  readonly dest_threshold: number;
}

/** Distributed denial of service against one destination. */
export interface DdosConfig extends DetectorConfig {
  /** Packets per destination within `window_s`. */
  readonly threshold: number;
  /** Window length in seconds. */
  readonly window_s: number;
  /** Distinct sources needed (one bulk transfer is not a DDoS). */
  readonly min_sources: number;
}

/** Port scans: fast, slow and host sweeps. */
export interface PortScanConfig extends DetectorConfig {
  /** Distinct destination ports per source within `window_s`. */
  readonly threshold: number;
  /** Window length in seconds. */
  readonly window_s: number;
  /** Distinct destination ports per source within `slow_window_s`. */
  readonly slow_threshold: number;
  /** Slow-scan window length in seconds. */
  readonly slow_window_s: number;
  /** Distinct hosts probed on one port within `window_s` (horizontal sweep). */
  readonly sweep_hosts: number;
}

/** Packet floods (UDP, ICMP) against one destination or from one source. */
export interface FloodConfig extends DetectorConfig {
  /** Packets per destination within `window_s`. */
  readonly threshold: number;
  /** Window length in seconds. */
  readonly window_s: number;
  /** Packets per source within `window_s`. */
  readonly source_threshold: number;
}

/** Connection attempts to commonly exploited service ports. */
export interface ExploitProbeConfig extends DetectorConfig {
  /** Watched destination ports. */
  readonly ports: readonly number[];
  /** Distinct watched ports per source within `window_s` that make a sweep. */
  readonly sweep_ports: number;
  /** Window length in seconds. */
  readonly window_s: number;
}

/** Repeated short login sessions to one service. */
export interface BruteForceConfig extends DetectorConfig {
  /** Short sessions per source and service within `window_s`. */
  readonly threshold: number;
  /** Window length in seconds. */
  readonly window_s: number;
  /** Watched service ports. */
  readonly ports: readonly number[];
  /** Sessions up to this long (seconds) count as attempts. */
  readonly max_session_s: number;
}

/** SQL injection in HTTP requests. */
export interface SqlInjectionConfig extends DetectorConfig {
  /** HTTP ports inspected. */
  readonly ports: readonly number[];
  /** Request bytes buffered per stream before inspection stops. */
  readonly max_request_bytes: number;
  /** Parameters known to be benign (seed exclusion list). */
  readonly benign_params: readonly string[];
}

/** Memory bounds of the tracking tables. */
export interface LimitsConfig {
  /** Flow table slots. */
  readonly max_flows: number;
  /** Addresses tracked per detector table. */
  readonly max_tracked_ips: number;
  /** HTTP request streams reassembled at once. */
  readonly max_http_streams: number;
}

/** Idle timeouts of flows, in seconds of packet time. */
export interface FlowTimeoutsConfig {
  /** TCP flow that has not completed its handshake. */
  readonly tcp_new: number;
  /** Established TCP flow. */
  readonly tcp_established: number;
  /** TCP flow after FIN or RST. */
  readonly tcp_closed: number;
  /** UDP flow. */
  readonly udp: number;
  /** ICMP flow. */
  readonly icmp: number;
  /** Any other protocol. */
  readonly other: number;
}

/** Live-capture settings. */
export interface CaptureConfig {
  /** Bytes captured per packet. */
  readonly snaplen: number;
  /** Kernel capture buffer in MiB. */
  readonly buffer_mb: number;
  /** Promiscuous mode. */
  readonly promisc: boolean;
}

/** The whole configuration, as the JSON file spells it. */
export interface Config {
  /** Minimum seconds between two alerts for one source and attack type. */
  readonly alert_interval_s: number;
  /** ML confidence (0–1) at or above which the model's label is used. */
  readonly ml_confidence: number;
  /** Seconds an IPS block lasts. */
  readonly block_seconds: number;
  /** Trusted exact addresses. */
  readonly trusted_ips: readonly string[];
  /** Trusted CIDR blocks. */
  readonly trusted_cidrs: readonly string[];
  readonly syn_flood: SynFloodConfig;
  readonly ddos: DdosConfig;
  readonly port_scan: PortScanConfig;
  readonly udp_flood: FloodConfig;
  readonly icmp_flood: FloodConfig;
  readonly exploit_probe: ExploitProbeConfig;
  readonly brute_force: BruteForceConfig;
  readonly sql_injection: SqlInjectionConfig;
  readonly limits: LimitsConfig;
  readonly flow_timeouts_s: FlowTimeoutsConfig;
  readonly capture: CaptureConfig;
}

/** Freezes an object and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** The defaults (deeply frozen). `ids config defaults` prints them. */
export const DEFAULT_CONFIG: Config = deepFreeze<Config>({
  alert_interval_s: 2,
  ml_confidence: 0.7,
  block_seconds: 60,
  trusted_ips: ["104.22.1.235", "2.22.20.72"],
  trusted_cidrs: ["104.16.0.0/12", "140.82.0.0/16", "34.192.0.0/12"],
  syn_flood: { enabled: true, use_trusted: false, threshold: 10, window_s: 0.5, dest_threshold: 100 },
  ddos: { enabled: true, use_trusted: false, threshold: 500, window_s: 1, min_sources: 3 },
  port_scan: {
    enabled: true,
    use_trusted: false,
    threshold: 10,
    window_s: 60,
    slow_threshold: 15,
    slow_window_s: 600,
    sweep_hosts: 10,
  },
  udp_flood: { enabled: true, use_trusted: false, threshold: 500, window_s: 1, source_threshold: 500 },
  icmp_flood: { enabled: true, use_trusted: false, threshold: 200, window_s: 1, source_threshold: 200 },
  exploit_probe: {
    enabled: true,
    use_trusted: true,
    ports: [135, 139, 445, 3389, 5900, 21, 22, 23, 69],
    sweep_ports: 3,
    window_s: 60,
  },
  brute_force: {
    enabled: true,
    use_trusted: false,
    // failed logins (short sessions) per source and port; fail2ban's classic maxretry
    threshold: 5,
    window_s: 60,
    ports: [22, 3389, 21, 23, 5900],
    max_session_s: 30,
  },
  sql_injection: {
    enabled: true,
    use_trusted: true,
    ports: [80, 8080, 8000, 8008, 8888],
    max_request_bytes: 16384,
    benign_params: ["order=desc", "order=asc", "limit=", "search="],
  },
  limits: { max_flows: 262144, max_tracked_ips: 65536, max_http_streams: 4096 },
  flow_timeouts_s: { tcp_new: 30, tcp_established: 600, tcp_closed: 10, udp: 60, icmp: 30, other: 60 },
  capture: { snaplen: 2048, buffer_mb: 32, promisc: true },
});
