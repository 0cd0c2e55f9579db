/**
 * Data shapes shared by the dashboard server and the browser islands (plain JSON, string IPs).
 *
 * @module
 */

/** Suricata severities: 1 high, 2 medium, 3 low. */
export type SeverityDto = 1 | 2 | 3;

/** One alert as the dashboard shows it. */
export interface AlertDto {
  /** Dashboard id: increasing for alerts of this run; the row id for rows loaded from the store. */
  id: number;
  /**
   * Identity shared by the live feed and the store: `RUN:SEQ` (the store's run id and the decision
   * stage's sequence number), `row:ID` for a stored row without one, `live:ID` without a store.
   */
  key: string;
  /** Row id in the store, for rows loaded from it (triage then goes to the row). */
  rowId?: number;
  /** Packet time, milliseconds since the epoch (fractional: µs kept). */
  ts: number;
  /** Attack type machine name (`syn_flood`, …). */
  type: string;
  /** Label as the sensor wrote it (English): `SYN Flood (Heuristic)`. */
  label: string;
  decidedBy: "heuristic" | "ml";
  /** ML confidence 0–1 when decided by the model. */
  ml?: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** `TCP`, `UDP`, `ICMP`, … */
  proto: string;
  /** TCP flags of the triggering packet when known (`S`, `SA`, …). */
  flags?: string;
  severity: SeverityDto;
  action: "allowed" | "blocked";
  /** One line of evidence; may hold attacker bytes (escaped by the sensor, shown as text). */
  reason: string;
  tags: string[];
  /** Repeats suppressed by the throttle since the previous alert of this source and type. */
  suppressed: number;
  /** Triage: acknowledged (hidden from the inbox view). */
  ack: boolean;
  /** Triage: escalated / starred. */
  star: boolean;
}

/** Status of one block. */
export type BlockStatus = "active" | "simulated" | "expired" | "unblocked" | "failed";

/** One IPS block (a row of the IPS table). */
export interface BlockDto {
  /** Identifies the block across its changes (set by the IPS). */
  id: string;
  /** When the block was applied, ms since the epoch (wall clock). */
  ts: number;
  ip: string;
  /** Attack type machine name, or `manual`. */
  type: string;
  label: string;
  /** ML confidence when the alert that caused the block was decided by the model. */
  ml?: number;
  /** Severity of the attack that caused it; null when not known (a block by hand). */
  severity: SeverityDto | null;
  /** What was applied: `nftables`, `windows-firewall`, `simulated`, … */
  action: string;
  status: BlockStatus;
  /** When the block ends, ms since the epoch (wall clock); 0 for no expiry. */
  expiresAt: number;
  /** When it ended (expired, unblocked, failed), ms since the epoch; absent while in force. */
  endedAt?: number;
  /** Why a block failed, when it did. */
  error?: string;
}

/** One line of the live traffic panel. */
export interface TrafficDto {
  ts: number;
  proto: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  len: number;
  /** Flags or ICMP type, e.g. `S`, `PA`, `echo`. */
  info: string;
}

/** Sensor counters, about once a second. */
export interface CountersDto {
  /** Wall clock of the sample, ms. */
  ts: number;
  packets: number;
  bytes: number;
  /** Packets per second over the last sample. */
  pps: number;
  /** Kernel drops (live capture), null when not applicable (replay). */
  drops: number | null;
  alerts: number;
  blocksActive: number;
  /** Packets by protocol since start. */
  protocols: { tcp: number; udp: number; icmp: number; other: number };
  /**
   * The flow model's classifier, when one is loaded: verdicts given, and rows left without one (the heuristic label
   * stood) — `without` = `queueFull` + `failed` + `unanswered`.
   */
  model?: { verdicts: number; without: number; queueFull: number; failed: number; unanswered: number };
}

/** What the sensor is and which parts are present. */
export interface StatusDto {
  version: string;
  /** `live`, `replay` or `demo`. */
  mode: "live" | "replay" | "demo";
  /** Interface, or the capture file name. */
  source: string;
  startedAt: number;
  /**
   * The flow model: its name while it classifies, `NAME (loading)` / `NAME (starts at the first detection)` before,
   * `heuristics only (<reason>)` once a loaded model no longer classifies (its Worker failed), null when none is loaded
   * or it could not be (heuristics only).
   */
  model: string | null;
  /** IPS mode: `real` firewall, `simulated`, `off` (detection only), or `absent` from this build. */
  ips: "real" | "simulated" | "off" | "absent";
  /** IP reputation provider: `abuseipdb`, `simulated`, or null when not available. */
  reputation: "abuseipdb" | "simulated" | null;
  /** Telegram notifications available (a test message can be sent). */
  telegram: boolean;
  /** Settings can be changed (a configuration file is in use). */
  configFile: string | null;
  /** The SQLite store (older alerts and blocks, triage marks kept), or null when the sensor runs without one. */
  store: string | null;
}

/** One server push: everything new since the previous one. */
export interface SseBatch {
  /** Sequence number of the last item included (also the SSE id). */
  seq: number;
  /** Server wall clock when sent (ms): countdowns use the server's clock. */
  now: number;
  alerts: AlertDto[];
  blocks: BlockDto[];
  traffic: TrafficDto[];
  counters?: CountersDto;
  /** Triage changes: alert id → state. */
  triage: { id: number; ack: boolean; star: boolean }[];
  /** Items that happened but are not in this push (flood): the count per kind. */
  skipped: { alerts: number; traffic: number };
  /** Chart data, with each counters sample (about once a second). */
  charts?: Omit<ChartsDto, "pps">;
  /** True when the client asked to resume from an id the server no longer holds: reload the snapshot. */
  reset?: boolean;
}

/** The initial state a page loads before it follows the stream. */
export interface SnapshotDto {
  seq: number;
  /** Server wall clock (ms). */
  now: number;
  status: StatusDto;
  alerts: AlertDto[];
  blocks: BlockDto[];
  traffic: TrafficDto[];
  counters: CountersDto | null;
  charts: ChartsDto;
}

/** One page of older alerts from the store. */
export interface AlertPageDto {
  /** The database file. */
  store: string;
  /** Newest first. */
  alerts: AlertDto[];
  /** Cursor of the next page (`TSUS:ROWID`), null after the last. */
  next: string | null;
}

/** One page of older blocks from the store. */
export interface BlockPageDto {
  store: string;
  /** Newest first. */
  blocks: BlockDto[];
  /** Cursor of the next page (`STARTMS:ROWID`), null after the last. */
  next: string | null;
}

/** An address over time: its alerts per bucket and type, and its blocks (for the IP page's chart). */
export interface IpHistoryDto {
  /** Where the figures come from: `store` (every run kept) or `memory` (this run only). */
  from: "store" | "memory";
  /** Alerts in total. */
  total: number;
  /** Alerts in the buckets: the newest ones when the address has more than the chart reads. */
  charted: number;
  /** Bucket width (ms). */
  bucketMs: number;
  buckets: { t: number; type: string; count: number }[];
  /** Newest first. */
  blocks: BlockDto[];
}

/** Data behind the overview charts. */
export interface ChartsDto {
  /** Per-second packet rate: [wall-clock seconds, pps] (last 10 min). */
  pps: [number, number][];
  /** Alerts per minute by type: minute start (s) → type → count (last 60 min). */
  perMinute: { t: number; counts: Record<string, number> }[];
  /** Top sources by alert count. */
  topSources: { ip: string; count: number }[];
}

/** Limits of the in-page buffers (the seed's MAX_EVENTOS_TABLA, MAX_EVENTOS_MEMORIA, MAX_TRAFICO_LINEAS). */
export const LIMITS = {
  tableRows: 1000,
  alertsInMemory: 10_000,
  trafficLines: 500,
  blocksInMemory: 2000,
} as const;
