/**
 * Alerts as Suricata EVE JSON records (see shared/PRODUCT.md), valid against
 * shared/eve/suricata-eve-schema.json.
 *
 * @module
 */
import { IpProto, ipToString, protoName } from "../core/ip.ts";
import { ATTACKS } from "../core/attack_type.ts";
import { MAX_PACKET_TIME_US } from "../core/frame.ts";
import type { Alert } from "../core/alert.ts";

/** `alert.metadata` of an EVE record: Suricata's string-array convention. */
export interface EveAlertMetadata {
  /** Attack type, then `heuristic` or `ml`, then extras, then `spoofed` when spoofed. */
  tag: string[];
  /** The detector's one line of evidence. */
  reason?: string[];
  /** Alerts of this source and type suppressed by the throttle since the previous one. */
  suppressed?: string[];
  /** ML confidence (0–1, as text) when the model decided. */
  ml_confidence?: string[];
}

/** The `alert` object of an EVE record. */
export interface EveAlert {
  action: "allowed" | "blocked";
  gid: 1;
  signature_id: number;
  rev: 1;
  signature: string;
  category: string;
  severity: number;
  metadata: EveAlertMetadata;
}

/** EVE's `http` object, as much of it as `ids` fills (Suricata's field names). */
export interface EveHttp {
  hostname?: string;
  url?: string;
  http_method?: string;
  http_user_agent?: string;
  protocol?: string;
}

/** A random salt drawn once per process: flowless alerts get other flow ids in another run. */
const RUN_SALT = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);

/** One EVE alert record. */
export interface EveAlertRecord {
  timestamp: string;
  flow_id: number;
  in_iface?: string;
  event_type: "alert";
  src_ip: string;
  src_port?: number;
  dest_ip: string;
  dest_port?: number;
  proto: string;
  /** The sensor's host name (Suricata's `host`, the sensor-name). */
  host: string;
  /** The HTTP request an alert was raised on (SQL injection). */
  http?: EveHttp;
  alert: EveAlert;
}

/** Options for {@link toEve}. */
export interface ToEveOptions {
  /** Capture interface name; overrides the alert's own `iface`. */
  inIface?: string;
  /** The sensor's name written as `host`. Default: this machine's host name ({@link sensorHost}). */
  host?: string;
}

let cachedHost: string | undefined;

/** This machine's host name (`Deno.hostname()`), or `ids` when it cannot be read (no `--allow-sys`). */
export function sensorHost(): string {
  if (cachedHost === undefined) {
    try {
      cachedHost = Deno.hostname() || "ids";
    } catch {
      cachedHost = "ids";
    }
  }
  return cachedHost;
}

/**
 * Formats packet time as an EVE timestamp: UTC, microseconds, numeric offset without a colon,
 * e.g. `2026-11-21T14:50:23.531762+0000` (never `Z`, which the schema refuses).
 *
 * Times beyond what a Date can hold are clamped, never thrown.
 *
 * @throws {RangeError} when `tsUs` is not a number (NaN or infinite)
 */
export function eveTimestamp(tsUs: number): string {
  if (!Number.isFinite(tsUs)) throw new RangeError(`Cannot format EVE timestamp: not a time (got ${tsUs})`);
  // out of range: clamped (the decoder already clamps packet times into 0…MAX_PACKET_TIME_US; this is a last guard)
  const whole = Math.min(Math.max(Math.floor(tsUs), MIN_EVE_US), MAX_PACKET_TIME_US);
  const seconds = Math.floor(whole / 1e6);
  const micros = whole - seconds * 1e6;
  const date = new Date(seconds * 1000);
  return `${date.toISOString().slice(0, 19)}.${String(micros).padStart(6, "0")}+0000`;
}

/** 0001-01-01T00:00:00Z in µs: the earliest time with a four-digit year. */
const MIN_EVE_US = -62_135_596_800_000_000;

/** Protocols whose EVE records carry ports. */
function hasPorts(proto: number): boolean {
  return proto === IpProto.TCP || proto === IpProto.UDP || proto === 132; // SCTP
}

/**
 * A positive integer flow id for an alert without one: a 52-bit FNV-1a hash of its five-tuple and this run's
 * random salt. The same five-tuple gets the same id within a run, and another id in another run or sensor.
 */
export function fallbackFlowId(alert: Pick<Alert, "src" | "dst" | "srcPort" | "dstPort" | "proto">): number {
  const text = `${RUN_SALT}|${ipToString(alert.src)}|${
    ipToString(alert.dst)
  }|${alert.srcPort}|${alert.dstPort}|${alert.proto}`;
  let lo = 0x811c9dc5;
  let hi = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    lo = Math.imul(lo ^ c, 0x01000193);
    hi = Math.imul(hi ^ c ^ (lo >>> 13), 0x01000193);
  }
  const id = (hi >>> 12) * 4294967296 + (lo >>> 0); // 20 + 32 bits
  return id === 0 ? 1 : id;
}

/** The `http` object of an alert made on an HTTP request (Suricata's field names). */
function httpOf(alert: Alert): EveHttp | undefined {
  const h = alert.http;
  if (h === undefined) return undefined;
  const out: EveHttp = {};
  if (h.hostname !== undefined) out.hostname = h.hostname;
  out.url = h.url;
  out.http_method = h.method;
  if (h.userAgent !== undefined) out.http_user_agent = h.userAgent;
  if (h.protocol !== undefined) out.protocol = h.protocol;
  return out;
}

/** The tag list: type, decision, extras (deduplicated), `spoofed` last when spoofed. */
function tagsOf(alert: Alert): string[] {
  const tags: string[] = [alert.type, alert.decidedBy];
  for (const tag of alert.tags ?? []) {
    if (typeof tag === "string" && tag !== "" && tag !== "spoofed" && !tags.includes(tag)) tags.push(tag);
  }
  if (alert.spoofed || alert.tags?.includes("spoofed")) tags.push("spoofed");
  return tags;
}

/**
 * Builds the EVE record of an alert, exactly as shared/PRODUCT.md shows it. Ports are given for
 * TCP, UDP and SCTP only. The detector's evidence goes in `alert.metadata.reason`, the throttle's
 * suppressed count in `alert.metadata.suppressed` (when not 0), the model's confidence in
 * `alert.metadata.ml_confidence`: the schema closes `alert` but leaves `alert.metadata` open, and
 * Suricata's own metadata values are string lists too.
 */
export function toEve(alert: Alert, options: ToEveOptions = {}): EveAlertRecord {
  const info = ATTACKS[alert.type];
  if (info === undefined) throw new TypeError(`Cannot build EVE record: unknown attack type "${alert.type}"`);
  const metadata: EveAlertMetadata = { tag: tagsOf(alert) };
  if (alert.reason) metadata.reason = [alert.reason];
  if (alert.suppressed > 0) metadata.suppressed = [String(alert.suppressed)];
  if (alert.decidedBy === "ml" && alert.mlConfidence !== undefined) {
    metadata.ml_confidence = [alert.mlConfidence.toFixed(3)];
  }

  const iface = options.inIface ?? alert.iface;
  const ports = hasPorts(alert.proto);
  // Key order as documented: timestamp, flow_id, in_iface, event_type, src, dest, proto, host, alert.
  const record: EveAlertRecord = {
    timestamp: eveTimestamp(alert.tsUs),
    flow_id: Number.isSafeInteger(alert.flowId) && alert.flowId > 0 ? alert.flowId : fallbackFlowId(alert),
    ...(iface === undefined || iface === "" ? {} : { in_iface: iface }),
    event_type: "alert",
    src_ip: ipToString(alert.src),
    ...(ports ? { src_port: alert.srcPort } : {}),
    dest_ip: ipToString(alert.dst),
    ...(ports ? { dest_port: alert.dstPort } : {}),
    proto: protoName(alert.proto),
    host: options.host ?? sensorHost(),
    ...(alert.http === undefined ? {} : { http: httpOf(alert) }),
    alert: {
      action: alert.action,
      gid: 1,
      signature_id: info.signatureId,
      rev: 1,
      signature: alert.label,
      category: info.category,
      severity: alert.severity,
      metadata,
    },
  };
  return record;
}

const eveJsonCache = new WeakMap<Alert, string>();

/**
 * The EVE record of an alert as JSON text, built once per alert object and shared by every output
 * (EVE file, store, syslog, Redis): alerts are not changed after the decision stage published them.
 */
export function eveJson(alert: Alert): string {
  let json = eveJsonCache.get(alert);
  if (json === undefined) {
    json = JSON.stringify(toEve(alert));
    eveJsonCache.set(alert, json);
  }
  return json;
}
