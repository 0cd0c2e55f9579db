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
  /**
   * Silence this detector for sources on the trusted lists (opt-in; default false). When false, trusted sources are
   * still detected and their alerts tagged `trusted`; the trusted lists always keep the IPS from blocking them.
   */
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
  /** New TCP connections per destination within `window_s` (connection and application-layer floods). */
  readonly conn_threshold: number;
  /** HTTP requests per destination within `window_s` (application-layer floods on kept-alive connections). */
  readonly request_threshold: number;
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

/** UDP floods: unanswered datagrams, and requests whatever the answers. */
export interface UdpFloodConfig extends FloodConfig {
  /** Datagrams from one source to one destination within `window_s`, answered or not (query floods). */
  readonly request_threshold: number;
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
  /** Attempts per source and service within `slow_window_s` (slow brute force). */
  readonly slow_threshold: number;
  /** Slow brute-force window length in seconds. */
  readonly slow_window_s: number;
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

/** Evasion reports (overlaps with different data, from the defrag and stream stages). */
export type EvasionConfig = DetectorConfig;

/** Overlap policies of the defrag and stream stages (see defrag/overlap.ts). */
export const OVERLAP_POLICY_NAMES = ["first", "last", "bsd", "linux", "windows"] as const;

/** An overlap policy name. */
export type OverlapPolicyName = typeof OVERLAP_POLICY_NAMES[number];

/** IP fragment reassembly. */
export interface DefragConfig {
  /** Reassemble fragments (off: fragments go to the detectors one by one, as captured). */
  readonly enabled: boolean;
  /** Which copy of overlapping bytes is kept. */
  readonly policy: OverlapPolicyName;
  /** Seconds of packet time a datagram may take to complete. */
  readonly timeout_s: number;
  /** Datagrams in reassembly at once. */
  readonly max_datagrams: number;
  /** Fragment bytes held in total, MiB. */
  readonly max_mb: number;
  /** Fragment bytes held per source address, MiB. */
  readonly max_mb_per_source: number;
}

/** TCP stream reassembly. */
export interface StreamConfig {
  /** Which copy of overlapping bytes waiting for a hole is kept. */
  readonly policy: OverlapPolicyName;
  /** `yes`: ignore segments with a bad checksum; `no`: trust all; `auto`: yes unless checksums look offloaded. */
  readonly checksum_validation: "auto" | "yes" | "no";
  /** Bytes reassembled per direction, KiB. */
  readonly depth_kb: number;
  /** Connections reassembled at once. */
  readonly max_streams: number;
  /** Bytes held in total, MiB. */
  readonly max_mb: number;
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

/** Telegram notifications (see notify/). Nothing is sent without a token and at least one chat. */
export interface TelegramConfig {
  /** Send notifications when a token and chats are configured (here or in the environment). */
  readonly enabled: boolean;
  /** Bot token from @BotFather; `IDS_TELEGRAM_TOKEN` overrides it. Empty: not configured. */
  readonly token: string;
  /** Chat ids (numbers, or `@channelname`); `IDS_TELEGRAM_CHATS` (comma-separated) overrides them. */
  readonly chats: readonly (string | number)[];
  /** Attack types sent; empty: every type. */
  readonly types: readonly string[];
  /** Least severe level sent: 1 high only, 2 high and medium, 3 every alert. */
  readonly min_severity: number;
  /** Bot API base URL (a local stub in tests). */
  readonly base_url: string;
  /** Seconds between two messages to one chat. */
  readonly pace_s: number;
  /** Single-alert messages per chat per minute; past this, alerts are summed into a digest. */
  readonly max_per_minute: number;
  /** Seconds a digest collects alerts before it is sent. */
  readonly digest_interval_s: number;
  /** Messages waiting per chat; past this the oldest is dropped (and counted in the next message). */
  readonly queue_size: number;
  /** Seconds to wait for the Bot API to answer one request. */
  readonly timeout_s: number;
  /** Add the source's AbuseIPDB reputation to messages when it is known in time. */
  readonly include_reputation: boolean;
}

/** AbuseIPDB reputation look-ups and reports (see enrich/). */
export interface AbuseIpdbConfig {
  /** Look up alert sources. Without a key the results are simulated (the seed's mock), and marked so. */
  readonly enabled: boolean;
  /** API key; `IDS_ABUSEIPDB_KEY` overrides it. Empty: simulated results only, nothing is sent. */
  readonly key: string;
  /** API v2 base URL (a local stub in tests). */
  readonly base_url: string;
  /** Reports older than this many days are ignored by the check. */
  readonly max_age_days: number;
  /** Hours a result stays in the store's cache before it is looked up again. */
  readonly cache_hours: number;
  /** Seconds to wait for the API to answer one request. */
  readonly timeout_s: number;
  /** Show simulated results (score 15, "COLOMBIA (Simulado)", marked simulated) when no key is set. */
  readonly simulate_without_key: boolean;
  /** Report sources the IPS blocked (at most once per address per 15 minutes). */
  readonly report: boolean;
}

/** IPS block duration per attack type, in seconds; 0 uses `block_seconds`. */
export interface IpsDurationsConfig {
  readonly sql_injection: number;
  readonly port_scan: number;
  readonly ddos: number;
  readonly syn_flood: number;
  readonly udp_flood: number;
  readonly exploit_probe: number;
  readonly icmp_flood: number;
  readonly brute_force: number;
}

/** The IPS: blocking attackers in the host firewall (see ips/). */
export interface IpsConfig {
  /** Block (same as `--ips`; `--no-ips` overrides). */
  readonly enabled: boolean;
  /** Seconds per attack type (0: `block_seconds`). */
  readonly durations_s: IpsDurationsConfig;
  /** Repeat offenders get longer blocks. */
  readonly escalation: boolean;
  /** Each earlier block of the address within `escalation_memory_s` multiplies the duration by this. */
  readonly escalation_factor: number;
  /** Longest escalated block, in seconds. */
  readonly escalation_max_s: number;
  /** How far back earlier blocks count, in seconds. */
  readonly escalation_memory_s: number;
  /** Most new blocks in any 60 s; more raise an alert instead. */
  readonly max_new_per_minute: number;
  /** Most blocks in force at once; more raise an alert instead. */
  readonly max_active: number;
}

/** The flow model (`ml/`, `models/ids-flow.onnx`). */
export interface MlConfig {
  /** Load the model and classify detections with it (heuristics only when false or when it is missing). */
  readonly enabled: boolean;
  /** Flows the model calls an attack at `alert_confidence` or more, with no detector firing, become alerts. */
  readonly alerts: boolean;
  /** Confidence at or above which a model-only alert is raised. */
  readonly alert_confidence: number;
  /** Let the IPS block on model-only alerts (never by default). */
  readonly block_alerts: boolean;
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
  readonly udp_flood: UdpFloodConfig;
  readonly icmp_flood: FloodConfig;
  readonly exploit_probe: ExploitProbeConfig;
  readonly brute_force: BruteForceConfig;
  readonly sql_injection: SqlInjectionConfig;
  readonly evasion: EvasionConfig;
  readonly defrag: DefragConfig;
  readonly stream: StreamConfig;
  readonly limits: LimitsConfig;
  readonly flow_timeouts_s: FlowTimeoutsConfig;
  readonly capture: CaptureConfig;
  readonly telegram: TelegramConfig;
  readonly abuseipdb: AbuseIpdbConfig;
  readonly ips: IpsConfig;
  readonly store: StoreConfig;
  readonly outputs: OutputsConfig;
  readonly ml: MlConfig;
}

/** The SQLite store in the data directory (`--data DIR`). */
export interface StoreConfig {
  /** Alerts older than this many days are deleted in the background; 0 keeps them. */
  readonly retention_days: number;
  /** At most this many alerts are kept (the oldest go first); 0: no cap. */
  readonly max_alerts: number;
  /** Longest wait of a row before its transaction (ms). */
  readonly flush_ms: number;
}

/** EVE file output (`--eve PATH`). */
export interface EveOutputConfig {
  /** Rotate the file when it reaches this many MB (0: never; logrotate + SIGHUP works either way). */
  readonly rotate_mb: number;
  /** Rotated files kept (PATH.1 … PATH.N). */
  readonly rotate_keep: number;
  /** Write an `event_type: "stats"` record every this many seconds (0: never). */
  readonly stats_interval_s: number;
}

/** Syslog output (RFC 5424). */
export interface SyslogOutputConfig {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  readonly protocol: string;
  /** Syslog facility number (16 = local0). */
  readonly facility: number;
  /** Messages held while the collector is unreachable (then dropped and counted). */
  readonly max_buffer: number;
}

/** Redis output, as Suricata's eve-log filetype redis. */
export interface RedisOutputConfig {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  /** `lpush` or `rpush` onto a list, or `publish` on a channel. */
  readonly mode: string;
  readonly key: string;
  /** Records held while Redis is unreachable (then dropped and counted). */
  readonly max_buffer: number;
}

/** The feedback corpus for retraining (the seed's guardar_dataset.py). */
export interface FeedbackCsvConfig {
  readonly enabled: boolean;
  /** CSV file; "" = feedback.csv in the data directory. */
  readonly path: string;
  readonly rotate_mb: number;
  readonly rotate_keep: number;
}

/** Outputs besides the store. */
export interface OutputsConfig {
  readonly eve: EveOutputConfig;
  readonly syslog: SyslogOutputConfig;
  readonly redis: RedisOutputConfig;
  readonly feedback_csv: FeedbackCsvConfig;
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
  ddos: {
    enabled: true,
    use_trusted: false,
    threshold: 500,
    window_s: 1,
    min_sources: 3,
    conn_threshold: 500,
    request_threshold: 2000,
  },
  port_scan: {
    enabled: true,
    use_trusted: false,
    threshold: 10,
    window_s: 60,
    slow_threshold: 15,
    slow_window_s: 600,
    sweep_hosts: 10,
  },
  udp_flood: {
    enabled: true,
    use_trusted: false,
    threshold: 500,
    window_s: 1,
    source_threshold: 500,
    request_threshold: 2000,
  },
  icmp_flood: { enabled: true, use_trusted: false, threshold: 200, window_s: 1, source_threshold: 200 },
  exploit_probe: {
    enabled: true,
    use_trusted: false,
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
    // one guess every 20 s never makes 5 in 60 s: 8 in 10 minutes (fail2ban's findtime)
    slow_threshold: 8,
    slow_window_s: 600,
  },
  sql_injection: {
    enabled: true,
    use_trusted: false,
    ports: [80, 8080, 8000, 8008, 8888],
    max_request_bytes: 16384,
    benign_params: ["order=desc", "order=asc", "limit=", "search="],
  },
  evasion: { enabled: true, use_trusted: false },
  defrag: { enabled: true, policy: "bsd", timeout_s: 30, max_datagrams: 65536, max_mb: 32, max_mb_per_source: 4 },
  stream: { policy: "bsd", checksum_validation: "auto", depth_kb: 1024, max_streams: 65536, max_mb: 256 },
  limits: { max_flows: 262144, max_tracked_ips: 65536, max_http_streams: 4096 },
  flow_timeouts_s: { tcp_new: 30, tcp_established: 600, tcp_closed: 10, udp: 60, icmp: 30, other: 60 },
  capture: { snaplen: 2048, buffer_mb: 32, promisc: true },
  telegram: {
    enabled: true,
    token: "",
    chats: [],
    types: [],
    min_severity: 3,
    base_url: "https://api.telegram.org",
    pace_s: 1,
    max_per_minute: 20,
    digest_interval_s: 60,
    queue_size: 100,
    timeout_s: 10,
    include_reputation: true,
  },
  abuseipdb: {
    enabled: true,
    key: "",
    base_url: "https://api.abuseipdb.com/api/v2",
    max_age_days: 90,
    cache_hours: 24,
    timeout_s: 10,
    simulate_without_key: true,
    report: false,
  },
  ips: {
    enabled: false,
    durations_s: {
      sql_injection: 0,
      port_scan: 0,
      ddos: 0,
      syn_flood: 0,
      udp_flood: 0,
      exploit_probe: 0,
      icmp_flood: 0,
      brute_force: 0,
    },
    escalation: false,
    escalation_factor: 2,
    escalation_max_s: 86_400,
    escalation_memory_s: 86_400,
    max_new_per_minute: 30,
    max_active: 1_000,
  },
  store: { retention_days: 30, max_alerts: 1_000_000, flush_ms: 100 },
  outputs: {
    eve: { rotate_mb: 0, rotate_keep: 5, stats_interval_s: 0 },
    syslog: { enabled: false, host: "127.0.0.1", port: 514, protocol: "udp", facility: 16, max_buffer: 10_000 },
    redis: { enabled: false, host: "127.0.0.1", port: 6379, mode: "rpush", key: "suricata", max_buffer: 10_000 },
    feedback_csv: { enabled: false, path: "", rotate_mb: 10, rotate_keep: 5 },
  },
  ml: { enabled: true, alerts: false, alert_confidence: 0.95, block_alerts: false },
});
