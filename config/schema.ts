/**
 * A declarative description of every configuration key (type, range, list element kind, meaning)
 * and {@link validateConfig}, which merges a partial user file over the defaults and reports every
 * problem at once.
 *
 * Merging: a file may give only some keys; missing keys keep their defaults, sections merge key by
 * key, and a list given in the file replaces the default list whole.
 *
 * @module
 */
import { ConfigError } from "./config_error.ts";
import {
  type AbuseIpdbConfig,
  type BruteForceConfig,
  type CaptureConfig,
  type Config,
  type DdosConfig,
  deepFreeze,
  DEFAULT_CONFIG,
  type DefragConfig,
  type EvasionConfig,
  type EveOutputConfig,
  type ExploitProbeConfig,
  type FeedbackCsvConfig,
  type FloodConfig,
  type FlowTimeoutsConfig,
  type IpsConfig,
  type IpsDurationsConfig,
  type LimitsConfig,
  type MlConfig,
  type OutputsConfig,
  OVERLAP_POLICY_NAMES,
  type PortScanConfig,
  type RedisOutputConfig,
  type SqlInjectionConfig,
  type StoreConfig,
  type StreamConfig,
  type SynFloodConfig,
  type SyslogOutputConfig,
  type TelegramConfig,
  type UdpFloodConfig,
} from "./defaults.ts";
import { parseCidr, parseIp } from "./ip.ts";
import { ATTACK_TYPES } from "../core/attack_type.ts";

/** A number, optionally an integer, within an inclusive range. */
export interface NumberSpec {
  readonly kind: "number";
  /** Only whole numbers are allowed. */
  readonly integer: boolean;
  /** Smallest allowed value. */
  readonly min: number;
  /** Largest allowed value. */
  readonly max: number;
  /** Unit shown to people (`s`, `bytes`, …), if any. */
  readonly unit?: string;
  /** What the key means. */
  readonly description: string;
}

/** `true` or `false`. */
export interface BooleanSpec {
  readonly kind: "boolean";
  /** What the key means. */
  readonly description: string;
}

/**
 * What the entries of a list are: `port` (integer 1–65535), `ip` (IPv4 or IPv6 address), `cidr`
 * (IPv4 or IPv6 block with host bits zero), `text` (1–256 printable characters), `chat` (a Telegram
 * chat id: an integer, as a number or text, or `@channelname`) or `attack_type` (an attack type's
 * machine name).
 */
export type ElementKind = "port" | "ip" | "cidr" | "text" | "chat" | "attack_type";

/** A list of entries of one kind. */
export interface ListSpec {
  readonly kind: "list";
  /** Kind of every entry. */
  readonly element: ElementKind;
  /** Most entries allowed. */
  readonly maxItems: number;
  /** What the key means. */
  readonly description: string;
}

/**
 * What a text value is: `url` (an absolute http: or https: URL without user or password),
 * `telegram_token` (a Bot API token, `123456:ABC…`, or empty) or `api_key` (letters and digits, or
 * empty). Tokens and keys are secrets: messages never repeat them.
 */
export type StringFormat = "url" | "telegram_token" | "api_key" | "host" | "key" | "path";

/** A text value of one format. */
export interface StringSpec {
  readonly kind: "string";
  /** What the text must look like. */
  readonly format: StringFormat;
  /** What the key means. */
  readonly description: string;
}

/** One of a fixed set of texts (an overlap policy, a mode). */
export interface ChoiceSpec {
  readonly kind: "choice";
  /** The allowed values. */
  readonly values: readonly string[];
  /** What the key means. */
  readonly description: string;
}

/** A JSON object with fixed keys. */
export interface SectionSpec {
  readonly kind: "section";
  /** What the section is for. */
  readonly description: string;
  /** The keys of the section. */
  readonly fields: Readonly<Record<string, KeySpec>>;
}

/** The description of one key. */
export type KeySpec = NumberSpec | BooleanSpec | ListSpec | StringSpec | ChoiceSpec | SectionSpec;

/** A relation between keys that single-key ranges cannot express. */
export interface ConfigRule {
  /** The key reported when the rule fails. */
  readonly path: string;
  /** What the rule requires. */
  readonly description: string;
  /** Returns the problem text (without the path), or null when the rule holds. */
  readonly check: (config: Config) => string | null;
}

type SpecFor<T> = T extends boolean ? BooleanSpec
  : T extends number ? NumberSpec
  : T extends string ? StringSpec | ChoiceSpec
  : T extends readonly unknown[] ? ListSpec
  : TypedSection<T>;
type FieldsOf<T> = { readonly [K in keyof T]-?: SpecFor<T[K]> };
interface TypedSection<T> extends SectionSpec {
  readonly fields: FieldsOf<T>;
}

/** Describes each entry kind, as messages say it. */
export const ELEMENT_DESCRIPTIONS: Readonly<Record<ElementKind, string>> = Object.freeze({
  port: "a port, an integer from 1 to 65535",
  ip: "an IPv4 or IPv6 address",
  cidr: "a CIDR block such as 10.0.0.0/8 or 2001:db8::/32",
  text: "a text of 1 to 256 printable characters",
  chat: "a Telegram chat id: an integer such as -1001234567890, or @channelname",
  attack_type: `an attack type (${ATTACK_TYPES.join(", ")})`,
});

/** Describes each text format, as messages say it. */
export const STRING_DESCRIPTIONS: Readonly<Record<StringFormat, string>> = Object.freeze({
  url: "an http:// or https:// URL without user or password",
  telegram_token: 'a Telegram bot token such as "123456789:AA…" from @BotFather, or ""',
  api_key: 'an API key of 16 to 200 letters and digits, or ""',
  host: "a host name or an IP address",
  key: "a key of 1 to 128 letters, digits and _ . : -",
  path: 'a file path (no line breaks), or ""',
});

const int = (min: number, max: number, description: string, unit?: string): NumberSpec => ({
  kind: "number",
  integer: true,
  min,
  max,
  unit,
  description,
});
const num = (min: number, max: number, description: string, unit?: string): NumberSpec => ({
  kind: "number",
  integer: false,
  min,
  max,
  unit,
  description,
});
const bool = (description: string): BooleanSpec => ({ kind: "boolean", description });
const choice = (values: readonly string[], description: string): ChoiceSpec => ({
  kind: "choice",
  values,
  description,
});
const list = (element: ElementKind, maxItems: number, description: string): ListSpec => ({
  kind: "list",
  element,
  maxItems,
  description,
});

const MAX_COUNT = 1_000_000;
const MAX_PACKETS = 100_000_000;
const MIN_WINDOW = 0.001;
const MAX_WINDOW = 86_400;

const enabled = bool("run this detector");
const useTrusted = bool(
  "silence this detector for sources on trusted_ips / trusted_cidrs (opt-in; otherwise their alerts are tagged trusted)",
);
const window = (what: string) => num(MIN_WINDOW, MAX_WINDOW, `${what} window length in seconds of packet time`, "s");

const SYN_FLOOD: FieldsOf<SynFloodConfig> = {
  enabled,
  use_trusted: useTrusted,
  threshold: int(1, MAX_COUNT, "SYNs without a completed handshake from one source within window_s"),
  window_s: window("SYN counting"),
  dest_threshold: int(1, MAX_COUNT, "SYNs to one destination from any sources within window_s (spoofed floods)"),
};

const DDOS: FieldsOf<DdosConfig> = {
  enabled,
  use_trusted: useTrusted,
  threshold: int(1, MAX_PACKETS, "packets to one destination within window_s"),
  window_s: window("packet counting"),
  min_sources: int(1, MAX_COUNT, "distinct sources needed, so one bulk transfer is not a DDoS"),
  conn_threshold: int(1, MAX_PACKETS, "new TCP connections to one destination within window_s (connection floods)"),
  request_threshold: int(1, MAX_PACKETS, "HTTP requests to one destination within window_s (request floods)"),
};

const PORT_SCAN: FieldsOf<PortScanConfig> = {
  enabled,
  use_trusted: useTrusted,
  threshold: int(2, 65_535, "distinct destination ports from one source within window_s"),
  window_s: window("fast-scan"),
  slow_threshold: int(2, 65_535, "distinct destination ports from one source within slow_window_s"),
  slow_window_s: num(1, MAX_WINDOW, "slow-scan window length in seconds of packet time", "s"),
  sweep_hosts: int(2, MAX_COUNT, "distinct hosts probed on one port from one source within window_s"),
};

const floodFields = (what: string): FieldsOf<FloodConfig> => ({
  enabled,
  use_trusted: useTrusted,
  threshold: int(1, MAX_PACKETS, `${what} packets to one destination within window_s`),
  window_s: window("packet counting"),
  source_threshold: int(1, MAX_PACKETS, `${what} packets from one source within window_s`),
});

const UDP_FLOOD: FieldsOf<UdpFloodConfig> = {
  ...floodFields("UDP"),
  request_threshold: int(
    1,
    MAX_PACKETS,
    "UDP datagrams from one source to one destination within window_s, answered or not (query floods)",
  ),
};

const EXPLOIT_PROBE: FieldsOf<ExploitProbeConfig> = {
  enabled,
  use_trusted: useTrusted,
  ports: list("port", 65_535, "service ports whose connection attempts (SYN only) are probes"),
  sweep_ports: int(1, 65_535, "distinct watched ports from one source within window_s that make a sweep"),
  window_s: window("sweep"),
};

const BRUTE_FORCE: FieldsOf<BruteForceConfig> = {
  enabled,
  use_trusted: useTrusted,
  threshold: int(1, MAX_COUNT, "short sessions from one source to one service within window_s"),
  window_s: window("attempt counting"),
  ports: list("port", 65_535, "login service ports watched"),
  max_session_s: num(MIN_WINDOW, MAX_WINDOW, "sessions up to this long count as login attempts", "s"),
  slow_threshold: int(1, MAX_COUNT, "short sessions from one source to one service within slow_window_s"),
  slow_window_s: num(1, MAX_WINDOW, "slow brute-force window length in seconds of packet time", "s"),
};

const SQL_INJECTION: FieldsOf<SqlInjectionConfig> = {
  enabled,
  use_trusted: useTrusted,
  ports: list(
    "port",
    65_535,
    "HTTP server ports: hints for connections picked up mid-stream (HTTP is recognised by content on any port)",
  ),
  max_request_bytes: int(256, 16_777_216, "request bytes buffered per stream for inspection", "bytes"),
  benign_params: list("text", 1_000, "request parameters known to be benign (the seed's exclusion list)"),
};

const EVASION: FieldsOf<EvasionConfig> = { enabled, use_trusted: useTrusted };

const DEFRAG: FieldsOf<DefragConfig> = {
  enabled: bool("reassemble IPv4 and IPv6 fragments before the flow table and detectors see them"),
  policy: choice(
    OVERLAP_POLICY_NAMES,
    "which copy of overlapping fragment bytes is kept (the protected hosts' policy)",
  ),
  timeout_s: num(1, 600, "seconds of packet time a fragmented datagram may take to complete", "s"),
  max_datagrams: int(16, 4_194_304, "datagrams in reassembly at once (the oldest is evicted)"),
  max_mb: int(1, 16_384, "fragment bytes held in total (the oldest datagram is evicted)", "MiB"),
  max_mb_per_source: int(1, 16_384, "fragment bytes held per source address (further fragments dropped)", "MiB"),
};

const STREAM: FieldsOf<StreamConfig> = {
  policy: choice(OVERLAP_POLICY_NAMES, "which copy of overlapping TCP segment bytes waiting for a hole is kept"),
  checksum_validation: choice(
    ["auto", "yes", "no"],
    "ignore TCP segments with a bad checksum (auto: unless the capture shows offloaded checksums)",
  ),
  depth_kb: int(1, 1_048_576, "bytes reassembled per direction of a connection", "KiB"),
  max_streams: int(16, 4_194_304, "connections reassembled at once (the least recently active is evicted)"),
  max_mb: int(1, 16_384, "bytes held by reassembly in total (out-of-order queues, overlap windows)", "MiB"),
};

const LIMITS: FieldsOf<LimitsConfig> = {
  max_flows: int(1_024, 16_777_216, "flow table slots"),
  max_tracked_ips: int(1_024, 16_777_216, "addresses tracked by each detector table"),
  max_http_streams: int(1, 1_048_576, "HTTP connections parsed at once (the least recently active is ended)"),
};

const timeout = (what: string) => num(1, MAX_WINDOW, `idle seconds before ${what} flow is forgotten`, "s");
const FLOW_TIMEOUTS: FieldsOf<FlowTimeoutsConfig> = {
  tcp_new: timeout("a TCP flow without a completed handshake"),
  tcp_established: timeout("an established TCP"),
  tcp_closed: timeout("a TCP flow after FIN or RST, the"),
  udp: timeout("a UDP"),
  icmp: timeout("an ICMP"),
  other: timeout("another protocol's"),
};

const CAPTURE: FieldsOf<CaptureConfig> = {
  snaplen: int(64, 262_144, "bytes captured per packet", "bytes"),
  buffer_mb: int(1, 4_096, "kernel capture buffer", "MiB"),
  promisc: bool("capture in promiscuous mode"),
};

const str = (format: StringFormat, description: string): StringSpec => ({ kind: "string", format, description });
const seconds = (min: number, max: number, description: string) => num(min, max, description, "s");

const TELEGRAM: FieldsOf<TelegramConfig> = {
  enabled: bool("send alerts to Telegram when a token and chats are configured"),
  token: str("telegram_token", "bot token (IDS_TELEGRAM_TOKEN overrides it)"),
  chats: list("chat", 100, "chat ids that receive alerts (IDS_TELEGRAM_CHATS, comma-separated, overrides them)"),
  types: list("attack_type", 64, "attack types sent (empty: every type)"),
  min_severity: int(1, 3, "least severe level sent: 1 high only, 2 high and medium, 3 every alert"),
  base_url: str("url", "Bot API base URL"),
  pace_s: seconds(0.05, 60, "seconds between two messages to one chat"),
  max_per_minute: int(1, 60, "single-alert messages per chat per minute before alerts go into a digest"),
  digest_interval_s: seconds(1, 3_600, "seconds a digest collects alerts before it is sent"),
  queue_size: int(1, 10_000, "messages waiting per chat; past this the oldest is dropped and counted"),
  timeout_s: seconds(0.1, 120, "seconds to wait for one Bot API request"),
  include_reputation: bool("add the source's AbuseIPDB reputation to messages when known in time"),
};

const ABUSEIPDB: FieldsOf<AbuseIpdbConfig> = {
  enabled: bool("look up the reputation of alert sources"),
  key: str("api_key", "API key (IDS_ABUSEIPDB_KEY overrides it); empty: simulated results, nothing sent"),
  base_url: str("url", "API v2 base URL"),
  max_age_days: int(1, 365, "reports older than this many days are ignored by the check"),
  cache_hours: num(0, 8_760, "hours a result is kept in the store's cache (0: never cached)", "h"),
  timeout_s: seconds(0.1, 120, "seconds to wait for one API request"),
  simulate_without_key: bool("without a key show the seed's simulated result, marked simulated"),
  report: bool("report sources the IPS blocked (once per address per 15 minutes)"),
};

const duration = (what: string) => int(0, 2_592_000, `seconds a ${what} block lasts (0: block_seconds)`, "s");
const IPS_DURATIONS: FieldsOf<IpsDurationsConfig> = {
  sql_injection: duration("SQL injection"),
  port_scan: duration("port scan"),
  ddos: duration("DDoS"),
  syn_flood: duration("SYN flood"),
  udp_flood: duration("UDP flood"),
  exploit_probe: duration("exploit probe"),
  icmp_flood: duration("ICMP flood"),
  brute_force: duration("brute force"),
};

const ML: FieldsOf<MlConfig> = {
  enabled: bool("classify detections with the flow model (models/ids-flow.onnx)"),
  alerts: bool("raise model-only alerts (severity 3, tag ml) for flows no detector flagged"),
  alert_confidence: num(0.5, 1, "model confidence at or above which a model-only alert is raised"),
  block_alerts: bool("let the IPS block on model-only alerts"),
};

const section = <T>(description: string, fields: FieldsOf<T>): TypedSection<T> => ({
  kind: "section",
  description,
  fields,
});

const ROOT_FIELDS: FieldsOf<Config> = {
  alert_interval_s: num(
    0,
    3_600,
    "minimum seconds between two alerts for one source and attack type (0: no limit)",
    "s",
  ),
  ml_confidence: num(0, 1, "ML confidence at or above which the model's label is used"),
  block_seconds: int(1, 604_800, "seconds an IPS block lasts", "s"),
  trusted_ips: list(
    "ip",
    100_000,
    "trusted exact addresses: never blocked, alerts tagged trusted (use_trusted silences)",
  ),
  trusted_cidrs: list(
    "cidr",
    100_000,
    "trusted CIDR blocks: never blocked, alerts tagged trusted (use_trusted silences)",
  ),
  syn_flood: section("SYN flood detector", SYN_FLOOD),
  ddos: section("DDoS detector (many sources, one destination)", DDOS),
  port_scan: section("port scan detector (fast, slow and sweeps)", PORT_SCAN),
  udp_flood: section("UDP flood detector", UDP_FLOOD),
  icmp_flood: section("ICMP flood detector", floodFields("ICMP")),
  exploit_probe: section("exploit probe detector", EXPLOIT_PROBE),
  brute_force: section("brute-force login detector", BRUTE_FORCE),
  sql_injection: section("SQL injection detector", SQL_INJECTION),
  evasion: section("evasion reports: overlapping IP fragments or TCP segments with different data", EVASION),
  defrag: section("IP fragment reassembly", DEFRAG),
  stream: section("TCP stream reassembly", STREAM),
  limits: section("memory bounds", LIMITS),
  flow_timeouts_s: section("flow idle timeouts", FLOW_TIMEOUTS),
  capture: section("live capture", CAPTURE),
  telegram: section("Telegram notifications", TELEGRAM),
  abuseipdb: section("AbuseIPDB reputation look-ups and reports", ABUSEIPDB),
  store: section<StoreConfig>("the SQLite store in the data directory (--data DIR)", {
    retention_days: int(0, 36_500, "alerts older than this are deleted in the background (0 keeps them)", "days"),
    max_alerts: int(0, 1_000_000_000, "most alerts kept, the oldest deleted first (0: no cap)"),
    flush_ms: int(10, 10_000, "longest wait of a row before its transaction", "ms"),
  }),
  outputs: section<OutputsConfig>("outputs besides the store", {
    eve: section<EveOutputConfig>("EVE file output (--eve PATH)", {
      rotate_mb: int(0, 1_000_000, "rotate the file at this size (0: never; SIGHUP reopens it either way)", "MB"),
      rotate_keep: int(1, 1000, "rotated files kept: PATH.1 … PATH.N"),
      stats_interval_s: int(0, 86_400, 'an event_type "stats" record this often (0: never)', "s"),
    }),
    syslog: section<SyslogOutputConfig>("RFC 5424 syslog carrying the EVE record", {
      enabled: bool("send alerts to a syslog collector"),
      host: str("host", "collector host"),
      port: int(1, 65_535, "collector port"),
      protocol: choice(["udp", "tcp"], "udp, or tcp (octet-counted framing, RFC 6587)"),
      facility: int(0, 23, "syslog facility (16 = local0)"),
      max_buffer: int(1, 10_000_000, "messages held while the collector is down (more are dropped and counted)"),
    }),
    redis: section<RedisOutputConfig>("Redis, as Suricata's eve-log filetype redis", {
      enabled: bool("send EVE records to Redis"),
      host: str("host", "Redis host"),
      port: int(1, 65_535, "Redis port"),
      mode: choice(["rpush", "lpush", "publish"], "rpush / lpush onto a list, or publish on a channel"),
      key: str("key", "list or channel name"),
      max_buffer: int(1, 10_000_000, "records held while Redis is down (more are dropped and counted)"),
    }),
    feedback_csv: section<FeedbackCsvConfig>("feedback corpus for retraining: one CSV row per alert", {
      enabled: bool("write the feedback CSV"),
      path: str("path", 'CSV file ("" = feedback.csv in the data directory)'),
      rotate_mb: int(1, 1_000_000, "rotate the file at this size", "MB"),
      rotate_keep: int(1, 1000, "rotated files kept"),
    }),
  }),
  ips: section<IpsConfig>("IPS: block attackers in the host firewall", {
    enabled: bool("block the sources of critical attacks (--ips / --no-ips override)"),
    durations_s: section("block duration per attack type", IPS_DURATIONS),
    escalation: bool("repeat offenders get longer blocks"),
    escalation_factor: num(1, 100, "each earlier block within escalation_memory_s multiplies the duration by this"),
    escalation_max_s: int(1, 2_592_000, "longest escalated block", "s"),
    escalation_memory_s: int(1, 31_536_000, "how far back earlier blocks of an address count", "s"),
    max_new_per_minute: int(1, 100_000, "most new blocks in any 60 s (more raise an alert instead)"),
    max_active: int(1, 1_000_000, "most blocks in force at once (more raise an alert instead)"),
  }),
  ml: section("flow model", ML),
};

/** The description of the whole configuration file (deeply frozen). */
export const CONFIG_SCHEMA: SectionSpec = deepFreeze(section<Config>("the ids configuration file", ROOT_FIELDS));

/** Relations between keys, checked after every key is in range. */
export const CONFIG_RULES: readonly ConfigRule[] = Object.freeze([
  {
    path: "port_scan.slow_window_s",
    description: "the slow-scan window is at least as long as the fast one",
    check: (c: Config) =>
      c.port_scan.slow_window_s >= c.port_scan.window_s
        ? null
        : `must be at least port_scan.window_s (${c.port_scan.window_s}) (got ${c.port_scan.slow_window_s})`,
  },
]);

/** Options for {@link validateConfig}. */
export interface ValidateConfigOptions {
  /** Where the JSON came from (a file path), for the error message. */
  source?: string;
}

const MAX_ELEMENT_PROBLEMS = 20;

/** Short JSON-ish text of a value for messages. */
function got(value: unknown): string {
  let text: string;
  if (typeof value === "number" && !Number.isFinite(value)) text = String(value);
  else if (value === undefined) text = "nothing";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The known key closest to `key`, when it is close enough to be a typo. */
function suggest(key: string, known: readonly string[]): string | undefined {
  const squash = (text: string) => text.toLowerCase().replace(/[-_ ]/g, "");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = squash(candidate) === squash(key) ? 0 : editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(key.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

function isPrintableText(value: unknown): value is string {
  if (typeof value !== "string" || value.length < 1 || value.length > 256) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** Checks one list entry; returns the problem suffix or null. */
function checkElement(kind: ElementKind, value: unknown): string | null {
  const expected = `must be ${ELEMENT_DESCRIPTIONS[kind]} (got ${got(value)})`;
  switch (kind) {
    case "port":
      return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65_535 ? null : expected;
    case "ip":
      if (typeof value === "string" && parseIp(value) !== null) return null;
      if (typeof value === "string" && parseCidr(value, { strict: false }) !== null) {
        return `${expected}; CIDR blocks belong in trusted_cidrs`;
      }
      return expected;
    case "cidr": {
      if (typeof value !== "string") return expected;
      if (parseCidr(value) !== null) return null;
      const loose = parseCidr(value, { strict: false });
      if (loose !== null) {
        const network = typeof loose.network === "number"
          ? `${loose.network >>> 24}.${(loose.network >>> 16) & 255}.${(loose.network >>> 8) & 255}.${
            loose.network & 255
          }`
          : loose.network;
        return `${expected}; host bits are set, did you mean "${network}/${loose.prefix}"?`;
      }
      if (parseIp(value) !== null) return `${expected}; single addresses belong in trusted_ips`;
      return expected;
    }
    case "text":
      return isPrintableText(value) ? null : expected;
    case "chat":
      return isChatId(value) ? null : expected;
    case "attack_type":
      return typeof value === "string" && (ATTACK_TYPES as readonly string[]).includes(value) ? null : expected;
  }
}

/** A Telegram chat id: an integer (number or text) or `@channelname`. */
export function isChatId(value: unknown): boolean {
  if (typeof value === "number") return Number.isSafeInteger(value) && value !== 0;
  if (typeof value !== "string") return false;
  return /^-?[1-9][0-9]{0,15}$/.test(value) || /^@[A-Za-z][A-Za-z0-9_]{3,31}$/.test(value);
}

/** Does `value` have the text format `format`? */
export function isStringOf(format: StringFormat, value: unknown): boolean {
  if (typeof value !== "string") return false;
  switch (format) {
    case "url": {
      if (value.length > 2_048 || !/^https?:\/\//i.test(value)) return false;
      try {
        const url = new URL(value);
        return url.username === "" && url.password === "" && url.hostname !== "";
      } catch {
        return false;
      }
    }
    case "telegram_token":
      return value === "" || /^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$/.test(value);
    case "api_key":
      return value === "" || /^[A-Za-z0-9]{16,200}$/.test(value);
    case "host":
      return value.length <= 253 && (parseIp(value) !== null || /^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.?)*$/.test(value)) &&
        value !== "";
    case "key":
      return /^[A-Za-z0-9_.:-]{1,128}$/.test(value);
    case "path":
      return value.length <= 4096 && !/[\0\r\n]/.test(value);
  }
}

function checkString(spec: StringSpec, value: unknown): string | null {
  if (isStringOf(spec.format, value)) return null;
  // tokens and keys are secrets: say what was wrong without repeating them
  const secret = spec.format === "telegram_token" || spec.format === "api_key";
  const shown = !secret || typeof value !== "string" ? got(value) : `a text of ${value.length} characters`;
  return `must be ${STRING_DESCRIPTIONS[spec.format]} (got ${shown})`;
}

function checkNumber(spec: NumberSpec, value: unknown): string | null {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= spec.min && value <= spec.max &&
    (!spec.integer || Number.isInteger(value));
  if (ok) return null;
  return `must be ${spec.integer ? "an integer" : "a number"} from ${spec.min} to ${spec.max} (got ${got(value)})`;
}

function validateList(spec: ListSpec, value: unknown, path: string, problems: string[]): unknown[] | undefined {
  if (!Array.isArray(value)) {
    problems.push(`${path}: must be a list of entries, each ${ELEMENT_DESCRIPTIONS[spec.element]} (got ${got(value)})`);
    return undefined;
  }
  let bad = 0;
  if (value.length > spec.maxItems) {
    problems.push(`${path}: must have at most ${spec.maxItems} entries (got ${value.length})`);
    bad++;
  }
  let elementProblems = 0;
  for (let i = 0; i < value.length; i++) {
    const problem = checkElement(spec.element, value[i]);
    if (problem === null) continue;
    bad++;
    if (++elementProblems <= MAX_ELEMENT_PROBLEMS) problems.push(`${path}[${i}]: ${problem}`);
  }
  if (elementProblems > MAX_ELEMENT_PROBLEMS) {
    problems.push(`${path}: ${elementProblems - MAX_ELEMENT_PROBLEMS} more bad entries not listed`);
  }
  return bad === 0 ? [...value] : undefined;
}

function validateSection(
  spec: SectionSpec,
  value: unknown,
  context: { base: Record<string, unknown>; path: string; problems: string[] },
): Record<string, unknown> {
  const { base, path, problems } = context;
  const result: Record<string, unknown> = {};
  const prefix = path === "" ? "" : `${path}.`;
  if (!isPlainObject(value)) {
    problems.push(
      path === ""
        ? `config: must be a JSON object (got ${got(value)})`
        : `${path}: must be an object (got ${got(value)})`,
    );
    return { ...base };
  }
  const known = Object.keys(spec.fields);
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(spec.fields, key)) continue;
    const near = suggest(key, known);
    problems.push(
      `unknown key "${prefix}${key}"${near === undefined ? "" : ` (did you mean "${prefix}${near}"?)`}`,
    );
  }
  for (const [key, field] of Object.entries(spec.fields)) {
    const fallback = base[key];
    if (!Object.hasOwn(value, key)) {
      result[key] = fallback; // defaults are deeply frozen: shared, never copied
      continue;
    }
    const given = value[key];
    const keyPath = `${prefix}${key}`;
    switch (field.kind) {
      case "section":
        result[key] = validateSection(field, given, {
          base: fallback as Record<string, unknown>,
          path: keyPath,
          problems,
        });
        break;
      case "list":
        result[key] = validateList(field, given, keyPath, problems) ?? fallback;
        break;
      case "number": {
        const problem = checkNumber(field, given);
        if (problem !== null) problems.push(`${keyPath}: ${problem}`);
        result[key] = problem === null ? given : fallback;
        break;
      }
      case "string": {
        const problem = checkString(field, given);
        if (problem !== null) problems.push(`${keyPath}: ${problem}`);
        result[key] = problem === null ? given : fallback;
        break;
      }
      case "choice":
        if (typeof given === "string" && field.values.includes(given)) {
          result[key] = given;
        } else {
          problems.push(
            `${keyPath}: must be one of ${field.values.map((v) => `"${v}"`).join(", ")} (got ${got(given)})`,
          );
          result[key] = fallback;
        }
        break;
      case "boolean":
        if (typeof given === "boolean") {
          result[key] = given;
        } else {
          problems.push(`${keyPath}: must be true or false (got ${got(given)})`);
          result[key] = fallback;
        }
        break;
    }
  }
  return result;
}

/**
 * Validates a parsed configuration file and merges it over {@link DEFAULT_CONFIG}.
 *
 * @param json the parsed JSON (an object that may give only some keys)
 * @returns the complete configuration, deeply frozen
 * @throws {ConfigError} listing every problem: values out of range, wrong types, bad list
 * entries, unknown keys (with a suggestion for likely typos) and broken relations between keys.
 */
export function validateConfig(json: unknown, options: ValidateConfigOptions = {}): Config {
  const problems: string[] = [];
  const merged = validateSection(CONFIG_SCHEMA, json, {
    base: DEFAULT_CONFIG as unknown as Record<string, unknown>,
    path: "",
    problems,
  }) as unknown as Config;
  if (problems.length === 0) {
    for (const rule of CONFIG_RULES) {
      const problem = rule.check(merged);
      if (problem !== null) problems.push(`${rule.path}: ${problem}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, { source: options.source });
  return deepFreeze(merged);
}
