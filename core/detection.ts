/**
 * What detectors report, and the self-contained detection event the capture Worker posts to the
 * main thread (bottom layer: every folder may import it).
 *
 * Two shapes, on purpose:
 * - {@link Detection} lives inside the packet path: addresses are {@link IpKey}s (no allocation for
 *   IPv4) and `flow` is a flow-table slot, valid only until that flow ends and the slot is reused.
 * - {@link DetectionEvent} is what crosses the Worker boundary: string addresses, the flow's stable
 *   id and a {@link FlowSnapshot} copied at detection time, so the decision stage, the model and
 *   every output can use it later without touching the flow table.
 *
 * @module
 */
import type { AttackType } from "./attack_type.ts";
import type { IpKey } from "./ip.ts";

/** Suricata severities: 1 high, 2 medium, 3 low. */
export type Severity = 1 | 2 | 3;

/** Each severity's name, by its number (`SEVERITY_NAMES[2]` is `medium`; index 0 is empty). */
export const SEVERITY_NAMES: readonly string[] = ["", "high", "medium", "low"];

/** The HTTP request behind a detection (EVE `http`: hostname, url, method, user agent). Attacker bytes, unescaped. */
export interface HttpInfo {
  /** Host header, when sent. */
  hostname?: string;
  /** Request target as sent (cut at 2048 characters). */
  url: string;
  /** Method token. */
  method: string;
  /** User-Agent header, when sent. */
  userAgent?: string;
  /** Protocol version (`HTTP/1.1`), when sent. */
  protocol?: string;
}

/** One detector verdict, inside the packet path. */
export interface Detection {
  type: AttackType;
  /** Packet time of the packet that crossed the threshold (µs). */
  tsUs: number;
  /** The attacker: the address a block would target. */
  src: IpKey;
  /** The victim. */
  dst: IpKey;
  srcPort: number;
  dstPort: number;
  /** IP protocol number. */
  proto: number;
  severity: Severity;
  /** True when the sources are spoofed (src is then one observed source). */
  spoofed?: boolean;
  /** Extra EVE tags after type and decision (e.g. `sweep`, `slow`). */
  tags?: string[];
  /** One line of evidence, e.g. `42 SYN without handshake in 0.5 s`. Attacker bytes must be escaped by who shows it. */
  reason: string;
  /** Flow slot of the triggering packet, -1 when none. */
  flow: number;
  /** The HTTP request, for detections made on one (SQL injection). */
  http?: HttpInfo;
}

/**
 * The counters of one flow, copied when a detection fired (the model's features come from here).
 * Direction 0 is the initiator (who sent the first packet), 1 the responder.
 */
export interface FlowSnapshot {
  /** Stable flow id (EVE `flow_id`), unique for the life of the capture. */
  flowId: number;
  /** IP protocol number. */
  proto: number;
  /** Initiator address (text) and port. */
  initiatorIp: string;
  initiatorPort: number;
  /** Responder address (text) and port. */
  responderIp: string;
  responderPort: number;
  /** Packet time of the first and the latest packet (µs). */
  firstUs: number;
  lastUs: number;
  /** Packets sent by the initiator / the responder. */
  packetsFwd: number;
  packetsRev: number;
  /** Wire bytes sent by the initiator / the responder. */
  bytesFwd: number;
  bytesRev: number;
  /** Flow state bits (flow/flow_table.ts `FlowState`: SYN 1, SYN_ACK 2, ESTABLISHED 4, FIN 8, RST 16, REPLIED 32, MIDSTREAM 64). */
  state: number;
  /**
   * The model's feature row for this flow and its hosts' context at detection time (`ml/features.ts`,
   * order `FEATURE_NAMES`), present when the sensor runs with a model.
   */
  features?: number[];
  /** Version of the feature code that computed `features`. */
  featureVersion?: number;
}

/**
 * A detection as the capture Worker posts it: self-contained, structured-clone safe, with string
 * addresses. The decision stage (`sensor/decision.ts`) turns it into an {@link Alert}.
 */
export interface DetectionEvent {
  type: AttackType;
  /** Packet time of the packet that crossed the threshold (µs since the epoch). */
  tsUs: number;
  /** The attacker (text): the address a block would target. */
  src: string;
  /** The victim (text). */
  dst: string;
  srcPort: number;
  dstPort: number;
  /** IP protocol number. */
  proto: number;
  severity: Severity;
  /** True when the sources are spoofed (`src` is then one observed source). */
  spoofed?: boolean;
  /** Extra tags after type and decision (`sweep`, `slow`, `trusted`…). */
  tags?: string[];
  /** One line of evidence. May hold attacker bytes already escaped by the detector; escape again wherever shown as markup. */
  reason: string;
  /** EVE flow id of the triggering flow; 0 when the detection has no flow. */
  flowId: number;
  /** The HTTP request, for detections made on one (SQL injection). */
  http?: HttpInfo;
  /** TCP flags of the triggering packet (bits as in the header), when the detection fired on a TCP packet. */
  tcpFlags?: number;
  /** Capture interface name, when known. */
  iface?: string;
  /** The triggering flow's counters at detection time, when the detection has a flow. */
  flow?: FlowSnapshot;
}

/**
 * A flow offered to the model although no detector fired (model-only alerts, `ml.alerts`): its
 * counters and feature row at the moment it was picked (`ml/scout.ts`).
 */
export interface FlowCandidate {
  /** Packet time when the flow was picked (µs). */
  tsUs: number;
  /** Capture interface name, when known. */
  iface?: string;
  /** The flow, with `features` set. */
  flow: FlowSnapshot;
}
