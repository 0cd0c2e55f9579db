/**
 * The one interface every detector implements. The engine calls `onPacket` for every decoded IP
 * packet after the flow table updated it, and `onFlowEnd` when a flow leaves the table.
 *
 * Detectors keep only bounded state (caps + eviction), run on packet time (never the wall clock)
 * and do O(1) work per packet.
 *
 * @module
 */
import type { AppContext } from "../app/app_layer.ts";
import type { HttpRequest } from "../app/http_request.ts";
import type { HttpResponse } from "../app/http_response.ts";
import type { LoginEvent } from "../app/login.ts";
import type { Config } from "../config/defaults.ts";
import type { Packet } from "../decode/packet.ts";
import type { FlowEndReason, FlowTable } from "../flow/flow_table.ts";
import type { AttackType } from "./attack_type.ts";
import type { Detection } from "./detection.ts";

/** Receives detections. */
export type Emit = (d: Detection) => void;

/** Packet kinds by IP protocol, for {@link PacketInterest.kinds}. */
export const PacketKind = { TCP: 1, UDP: 2, ICMP: 4, OTHER: 8 } as const;

/** Each detector's own quiet bit (`FlowTable.setQuiet`, see {@link Detector.quietBit}). */
export const QuietBit = { DDOS: 1, PORT_SCAN: 2, EXPLOIT_PROBE: 4 } as const;

/**
 * The packets a detector's `onPacket` can use: the pipeline calls it only for these (and
 * {@link Detector.onDue} for the others), so a packet touches only the detectors that can use it.
 */
export interface PacketInterest {
  /** A mask of {@link PacketKind}s (ICMP is ICMP and ICMPv6). */
  readonly kinds: number;
  /** For TCP: at least one of these flags must be set (0: any TCP segment). */
  readonly tcpFlags: number;
}

/** A detector of one attack type. */
export interface Detector {
  /** The attack type it reports. */
  readonly type: AttackType;
  /** Inspects one decoded IP packet (pkt.flow is set). */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void;
  /**
   * Optional: the packets `onPacket` can use; for any other packet `onPacket` must do nothing but
   * what {@link onDue} does. Absent: every packet.
   */
  readonly packets?: PacketInterest;
  /**
   * Optional (with `packets`): what `onPacket` does first on every packet — judge the queued
   * verdicts due at packet time `nowUs`. The pipeline calls it for the packets `packets` leaves out.
   */
  onDue?(flows: FlowTable, nowUs: number, emit: Emit): void;
  /**
   * Optional (with `onDue`): `onDue` does nothing at packet time `t` unless `dueGate.dueTs <= t -
   * dueGate.graceUs` (a detector's `PendingVerdicts` is one): the pipeline then skips the call.
   */
  readonly dueGate?: { readonly dueTs: number; readonly graceUs: number };
  /**
   * Optional: one bit (a power of two below 256, its own among the detectors) that the detector sets
   * with `flows.setQuiet(slot, bit)` once no later packet of that flow can change anything it does (its
   * `onPacket` would return at once for each of them, whatever the configuration). The pipeline
   * then calls `onDue` (when present) instead of `onPacket` for the flow's packets, until a new
   * flow takes the slot. Work only on a flow's state transitions, not on every packet.
   */
  readonly quietBit?: number;
  /**
   * Optional (with `quietBit`): TCP flags of which any one brings a segment to `onPacket` even on a
   * flow the detector went quiet on (e.g. a SYN that may start an attempt again). Absent: none.
   */
  readonly quietUnlessTcpFlags?: number;
  /** Optional: a flow ended (timeout, eviction, close, flush). The slot is still readable. */
  onFlowEnd?(flows: FlowTable, slot: number, reason: FlowEndReason, emit: Emit): void;
  /**
   * Optional: packet time moved to `flows.nowUs` without a packet (an idle live link). Detectors that
   * hold packets for a later verdict decide the ones now due.
   */
  onTick?(flows: FlowTable, emit: Emit): void;
  /**
   * Optional app-layer hooks (see app/mod.ts): protocols are recognised by content on any port,
   * TCP is reassembled by the stream stage. `ctx` is one object per connection, updated in place.
   */
  /** A connection's protocol became known (SSH: once both banners were seen). */
  onAppProtocol?(ctx: AppContext, emit: Emit): void;
  /** An HTTP request, parsed from the reassembled client stream. */
  onHttpRequest?(req: HttpRequest, ctx: AppContext, emit: Emit): boolean | void;
  /** An HTTP response head from the server stream. */
  onHttpResponse?(res: HttpResponse, ctx: AppContext, emit: Emit): void;
  /** A login attempt / failure / success (FTP, SMTP AUTH, POP3, IMAP, Telnet; RDP connection requests). */
  onLogin?(ev: LoginEvent, ctx: AppContext, emit: Emit): void;
  /** A connection the app layer followed ended. */
  onAppEnd?(ctx: AppContext, emit: Emit): void;
  /** Applies a (changed) configuration without losing state where the change allows it. */
  configure(config: Config): void;
  /** Entries held in its per-IP / per-flow tables (for the boundedness tests and stats). */
  size(): number;
}
