/**
 * The events the sensor hub carries, and the subscriber contract (bottom layer, so outputs, the
 * store, the IPS, notifiers and the web server can subscribe without importing `sensor/`).
 *
 * - `alert`: one {@link Alert} after the decision stage (throttle, model, IPS, label);
 * - `block`: one {@link BlockEvent} (block started, simulated, failed, expired, unblocked);
 * - `counters`: {@link SensorCounters} about every second of wall time;
 * - `traffic`: a batch of sampled {@link TrafficLine}s (the live traffic panel; the capture Worker
 *   rate-limits them to about 50 lines per second);
 * - `notice`: one human line about the sensor (an output down, the store refused, a reload).
 *
 * @module
 */
import type { Alert } from "./alert.ts";
import type { BlockEvent } from "./block.ts";

/** Counters of the capture (live or replay). */
export interface CaptureCounters {
  /** Interface name, or the file being replayed. */
  iface: string;
  linkType: number;
  /** Frames handed to the pipeline. */
  packets: number;
  bytes: number;
  /** Live: pcap_stats received / dropped by the kernel / dropped by the interface (0 in a replay). */
  received: number;
  droppedKernel: number;
  droppedIface: number;
  decodeEvents: number;
  /** Live flows now. */
  flows: number;
  /** Alerts by attack type (after the throttle). */
  alerts: Record<string, number>;
  /** Packets per second over the last interval. */
  rate: number;
  /** Seconds since the capture started. */
  uptime: number;
  /** CPU seconds used by the whole process (user + system), where the OS reports it. */
  cpuSeconds?: number;
  /** Replay only: bytes of the current file read so far and its size (progress). */
  fileBytesRead?: number;
  fileBytesTotal?: number;
  /** Latest packet time (µs). */
  packetTimeUs?: number;
}

/** Counters of the decision stage. */
export interface DecisionCounters {
  /** Detection events received. */
  detections: number;
  /** Dropped by the throttle. */
  suppressed: number;
  /** Alerts published. */
  alerts: number;
  /** Events decided without the model because it did not answer before the deadline. */
  mlTimeouts: number;
  /** Model calls that threw. */
  mlErrors: number;
  /** Events decided without the model because too many were already waiting for it. */
  mlSkipped: number;
  /** Alerts whose label the model decided (`SYN Flood (ML: 97.3%)`, tag `ml`). */
  mlLabels: number;
  /** Alerts whose source the IPS really blocked. */
  blocked: number;
  /** IPS calls that threw or missed their deadline. */
  ipsErrors: number;
  /** Alerts not shown to the IPS because too many were already waiting for it. */
  ipsSkipped: number;
  /** Events waiting for the model or the IPS now. */
  pending: number;
}

/** Decision-stage counters, all zero: a stage's start, and a base for tests and fakes. */
export function emptyDecisionCounters(): DecisionCounters {
  return {
    detections: 0,
    suppressed: 0,
    alerts: 0,
    mlTimeouts: 0,
    mlErrors: 0,
    mlSkipped: 0,
    mlLabels: 0,
    blocked: 0,
    ipsErrors: 0,
    ipsSkipped: 0,
    pending: 0,
  };
}

/**
 * Counters of the flow model's classifier (`ml/classifier.ts`): once no row waits, `requested` =
 * `classified` + `dropped` + `failed` + `unanswered`.
 */
export interface ModelCounters {
  /** Rows asked for. */
  requested: number;
  /** Rows answered with a verdict. */
  classified: number;
  /** Rows refused because the model's bounded queue was full (the heuristic label stood). */
  dropped: number;
  /** Rows that failed in the model Worker. */
  failed: number;
  /** Rows without an answer: asked for while no model was loaded, or in hand when its Worker closed or was lost. */
  unanswered: number;
}

/** Delivery counters of one hub subscriber. */
export interface SubscriberStats {
  name: string;
  /** Events handed to the subscriber. */
  delivered: number;
  /** Events dropped because its queue was full. */
  dropped: number;
  /** Deliveries that threw or rejected. */
  failed: number;
  /** Events waiting in its queue now. */
  queued: number;
  /** Capacity of its queue. */
  capacity: number;
}

/** What the hub publishes about every second. */
export interface SensorCounters {
  /** Wall-clock time (ms since the epoch). */
  atMs: number;
  capture: CaptureCounters;
  decision: DecisionCounters;
  /** The flow model's classifier, when a model is loaded (absent: heuristics only, or not started yet). */
  model?: ModelCounters;
  /** One entry per subscriber. */
  subscribers: SubscriberStats[];
}

/** One sampled packet for the live traffic panel. Addresses as text; no payload bytes. */
export interface TrafficLine {
  /** Packet time (µs). */
  tsUs: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** IP protocol number (0 for non-IP frames). */
  proto: number;
  /** Wire length. */
  len: number;
  /** TCP flags (bits), 0 otherwise. */
  tcpFlags: number;
  /** One line, e.g. `10.0.0.1:41234 > 10.0.0.2:80 TCP S len 60`. */
  summary: string;
}

/** One event on the hub. Structured-clone and JSON safe. */
export type HubEvent =
  | { kind: "alert"; alert: Alert }
  | { kind: "block"; block: BlockEvent }
  | { kind: "counters"; counters: SensorCounters }
  | { kind: "traffic"; lines: TrafficLine[] }
  | { kind: "notice"; level: "info" | "warning" | "error"; source: string; message: string };

/** The kind of a {@link HubEvent}. */
export type HubEventKind = HubEvent["kind"];

/**
 * Something that receives hub events: an output, the store, the web server's live stream.
 *
 * Give `handle` (one event at a time) or `handleBatch` (everything queued, in order, at once: the
 * store writes a batch per transaction). Either may return a promise: the hub then waits for it
 * before delivering more to this subscriber — and to this subscriber only. A throw or rejection
 * is counted and the next event is delivered.
 */
export interface Subscriber {
  /** Name in counters and summaries, e.g. `eve`, `store`, `redis`. */
  readonly name: string;
  /** Kinds it wants; default every kind. Events of other kinds never enter its queue. */
  readonly kinds?: readonly HubEventKind[];
  /** Receives one event. */
  handle?(event: HubEvent): void | Promise<void>;
  /** Receives a batch of events (in publication order). */
  handleBatch?(events: HubEvent[]): void | Promise<void>;
  /** Called once by `Hub.close()` after its queue drained: flush and release. */
  close?(): void | Promise<void>;
}

/** Options of a subscription. */
export interface SubscribeOptions {
  /** Queue capacity (events). Default 10 000. When full, new events for this subscriber are dropped and counted. */
  queue?: number;
  /** Most events per `handleBatch` call. Default 1000. */
  batch?: number;
  /** When the queue is full, drop the oldest queued event instead of the new one (live views). Default false. */
  dropOldest?: boolean;
}

/** A subscription: its counters, and a way to leave. */
export interface Subscription {
  readonly name: string;
  /** Delivery counters. */
  stats(): SubscriberStats;
  /** Stops delivery; what is queued is dropped (not counted). */
  unsubscribe(): void;
}

/** What publishers and subscribers need of the hub (implemented by `sensor/hub.ts`). */
export interface EventBus {
  /** Offers an event to every subscriber's queue. Never blocks, never throws. */
  publish(event: HubEvent): void;
  /** Registers a subscriber. */
  subscribe(subscriber: Subscriber, options?: SubscribeOptions): Subscription;
}
