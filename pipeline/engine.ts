/**
 * The detection engine: the pipeline with every enabled detector. It turns each detector verdict
 * into a self-contained {@link DetectionEvent} (string addresses, flow id, a snapshot of the flow's
 * counters, the triggering packet's TCP flags) while the flow slot is still valid. Throttling,
 * the model, the IPS and labels happen after it, in the decision stage (`sensor/decision.ts`).
 * Replay and live capture both run it, so they raise the same detections.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { Detection, DetectionEvent, FlowCandidate, FlowSnapshot } from "../core/detection.ts";
import { IpProto, ipToString } from "../core/ip.ts";
import { compareNames } from "../core/compare_names.ts";
import type { createDetectors } from "../detectors/mod.ts";
import type { FlowTable } from "../flow/flow_table.ts";
import { FlowIdSpace } from "./flow_ids.ts";
import type { FeatureExtractor } from "../ml/features.ts";
import type { FlowScout } from "../ml/scout.ts";
import { PacketPipeline, type StreamStageFactory } from "./packet_pipeline.ts";
import { buildTrustedMatcher, type TrustedMatcher } from "../config/trusted.ts";
import type { DefragOptions } from "../defrag/defrag.ts";
import type { AppLayerOptions } from "../app/app_layer.ts";
import type { StreamTableOptions } from "../stream/stream_table.ts";

/** Defrag settings from the configuration (`false` when reassembly is off). */
export function defragOptions(config: Config): Omit<DefragOptions, "onOverlap"> | false {
  const d = config.defrag;
  if (!d.enabled) return false;
  return {
    policy: d.policy,
    timeoutS: d.timeout_s,
    maxTrackers: d.max_datagrams,
    maxBytes: d.max_mb * 1048576,
    maxBytesPerSource: d.max_mb_per_source * 1048576,
  };
}

/** Stream-stage settings from the configuration. */
export function streamOptions(config: Config): Omit<StreamTableOptions, "capacity" | "onOverlap"> {
  const s = config.stream;
  return {
    policy: s.policy,
    checksumValidation: s.checksum_validation,
    depth: s.depth_kb * 1024,
    maxStreams: s.max_streams,
    maxBytes: s.max_mb * 1048576,
  };
}

/** App-layer settings from the configuration: HTTP hint ports and the request size bound. */
export function appOptions(config: Config): AppLayerOptions {
  return {
    httpPorts: config.sql_injection.ports,
    maxRequestBytes: config.sql_injection.max_request_bytes,
    maxHttpStreams: config.limits.max_http_streams,
  };
}

/**
 * What an engine needs to detect, beyond decoding, defragmentation and the flow table: the detectors and the
 * model's feature extraction ({@link DETECTION_PARTS} in `pipeline/detection_parts.ts`). This module does not import
 * them, so an engine that only decodes and tracks flows (`ids replay --no-detect` in the capture Worker) starts
 * without loading them (about half of the capture Worker's modules).
 */
export interface DetectionParts {
  createDetectors: typeof createDetectors;
  FeatureExtractor: typeof FeatureExtractor;
  FlowScout: typeof FlowScout;
  /** Values in a feature row. */
  featureCount: number;
  /** The feature code version rows are tagged with. */
  featureVersion: number;
  /** The stream stage and app layer (`buildStreamStage`), which only a detecting engine has. */
  streamStage: StreamStageFactory;
}

/** Options of {@link DetectionEngine}. */
export interface EngineOptions {
  /** Receives every detection event (before throttling). */
  onDetection?: (event: DetectionEvent) => void;
  /** Capture interface name, set on every event. */
  iface?: string;
  /** Run no detectors (decode, defragmentation and flows only: no stream stage or app layer). */
  noDetect?: boolean;
  /** The detectors and the model's features: needed unless `noDetect` is set without `features`. */
  parts?: DetectionParts;
  /** EVE flow ids of this run (default: a new random {@link FlowIdSpace}). */
  flowIds?: FlowIdSpace;
  /**
   * Compute the model's behaviour features on every packet and attach each detection's feature row
   * to its flow snapshot (set when a model is loaded; costs per packet, so off otherwise).
   */
  features?: boolean;
  /**
   * With `features` and config `ml.alerts`: receives flows offered to the model although no
   * detector fired (see `ml/scout.ts`), for model-only alerts.
   */
  onCandidate?: (candidate: FlowCandidate) => void;
}

/** Copies the counters of a live flow slot. */
export function snapshotFlow(flows: FlowTable, slot: number, ids?: FlowIdSpace): FlowSnapshot {
  const initiator = flows.initiator(slot);
  const responder = flows.responder(slot);
  return {
    flowId: ids ? ids.id(flows.flowId(slot)) : flows.flowId(slot),
    proto: flows.proto(slot),
    initiatorIp: ipToString(initiator.ip),
    initiatorPort: initiator.port,
    responderIp: ipToString(responder.ip),
    responderPort: responder.port,
    firstUs: flows.firstUs(slot),
    lastUs: flows.lastUs(slot),
    packetsFwd: flows.packets(slot, 0),
    packetsRev: flows.packets(slot, 1),
    bytesFwd: flows.bytes(slot, 0),
    bytesRev: flows.bytes(slot, 1),
    state: flows.state(slot),
  };
}

/** Pipeline + detectors, emitting detection events. */
export class DetectionEngine {
  /** The underlying pipeline (its `handle` is the frame handler). */
  readonly pipeline: PacketPipeline;
  /** Detection events emitted, by attack type. */
  readonly detectionCounts: Map<string, number> = new Map();
  /** Detection events emitted. */
  detections = 0;
  /** Maps flow-table numbers to this run's EVE flow ids (unique per sensor and run). */
  readonly flowIds: FlowIdSpace;
  #config: Config;
  #noDetect: boolean;
  #onDetection: (event: DetectionEvent) => void;
  #iface: string | undefined;
  #trusted: TrustedMatcher;
  /** The model's feature extractor, when features are on. */
  readonly features: FeatureExtractor | undefined;
  /** Picks flows for model-only alerts (with `features`, `onCandidate` and config `ml.alerts`). */
  readonly scout: FlowScout | undefined;
  #parts: DetectionParts | undefined;
  #row: Float32Array;

  constructor(config: Config, options: EngineOptions = {}) {
    const parts = options.parts;
    if (parts === undefined && (options.noDetect !== true || options.features === true)) {
      throw new Error("Cannot build the detection engine: no detectors given (options.parts: DETECTION_PARTS)");
    }
    this.#parts = parts;
    this.#row = new Float32Array(parts?.featureCount ?? 0);
    this.#config = config;
    this.#onDetection = options.onDetection ?? (() => {});
    this.#iface = options.iface;
    this.flowIds = options.flowIds ?? new FlowIdSpace();
    this.#trusted = buildTrustedMatcher({ ips: config.trusted_ips, cidrs: config.trusted_cidrs });
    this.#noDetect = options.noDetect ?? false;
    this.features = options.features
      ? new parts!.FeatureExtractor({ maxFlows: config.limits.max_flows, maxHosts: config.limits.max_tracked_ips })
      : undefined;
    const onCandidate = options.onCandidate;
    this.scout = this.features !== undefined && onCandidate !== undefined && config.ml.alerts
      ? new parts!.FlowScout(this.features, (flows, slot) => {
        const flow = this.#snapshotWithFeatures(flows, slot);
        const candidate: FlowCandidate = { tsUs: flows.nowUs, flow };
        if (this.#iface !== undefined) candidate.iface = this.#iface;
        onCandidate(candidate);
      })
      : undefined;
    this.pipeline = new PacketPipeline({
      maxFlows: config.limits.max_flows,
      timeouts: config.flow_timeouts_s,
      detectors: options.noDetect ? [] : parts!.createDetectors(config),
      emit: this.#emit,
      defrag: defragOptions(config),
      // --no-detect is decode + flow table: nothing would consume reassembled streams or app records
      stream: options.noDetect ? false : streamOptions(config),
      streamStage: parts?.streamStage,
      app: appOptions(config),
      observer: this.scout ?? this.features,
    });
  }

  /** The configuration in force. */
  get config(): Config {
    return this.#config;
  }

  /** Interface name set on events (settable once the capture opened). */
  set iface(name: string | undefined) {
    this.#iface = name;
  }

  /**
   * Applies a changed configuration without losing detector state. A detector enabled now but
   * disabled at start is created and joins the pipeline; a detector disabled now stays in place
   * and goes quiet (its own `enabled` check), so enabling it again keeps its state.
   */
  configure(config: Config): void {
    this.#config = config;
    this.#trusted = buildTrustedMatcher({ ips: config.trusted_ips, cidrs: config.trusted_cidrs });
    const current = this.pipeline.detectors;
    for (const d of current) d.configure(config);
    this.pipeline.flows.setTimeouts(config.flow_timeouts_s);
    const d = defragOptions(config);
    if (d !== false) this.pipeline.defrag?.configure(d);
    this.pipeline.stream?.configure(streamOptions(config));
    this.pipeline.app?.configure(appOptions(config));
    if (this.#noDetect) return;
    const have = new Set(current.map((d) => d.type));
    const added = this.#parts!.createDetectors(config).filter((d) => !have.has(d.type));
    if (added.length > 0) this.pipeline.setDetectors([...current, ...added]);
  }

  /** Detection counts as a plain object, sorted by type. */
  detectionSummary(): Record<string, number> {
    return Object.fromEntries([...this.detectionCounts].sort(([a], [b]) => compareNames(a, b)));
  }

  #snapshotWithFeatures(flows: FlowTable, slot: number): FlowSnapshot {
    const snap = snapshotFlow(flows, slot, this.flowIds);
    if (this.features !== undefined) {
      this.features.write(flows, slot, this.#row);
      // copied by index: Array.from walks a typed array through its iterator (a result object per value until the
      // code is optimized, and detections are too rare for that)
      const row = this.#row, features: number[] = [];
      for (let i = 0; i < row.length; i++) features.push(row[i]);
      snap.features = features;
      snap.featureVersion = this.#parts!.featureVersion;
    }
    return snap;
  }

  #emit = (d: Detection): void => {
    if (d.type === "evasion") {
      const e = this.#config.evasion;
      if (!e.enabled || (e.use_trusted && this.#trusted(d.src))) return;
    }
    this.detections++;
    this.detectionCounts.set(d.type, (this.detectionCounts.get(d.type) ?? 0) + 1);
    const flows = this.pipeline.flows;
    const event: DetectionEvent = {
      type: d.type,
      tsUs: d.tsUs,
      src: ipToString(d.src),
      dst: ipToString(d.dst),
      srcPort: d.srcPort,
      dstPort: d.dstPort,
      proto: d.proto,
      severity: d.severity,
      reason: d.reason,
      flowId: d.flow >= 0 ? this.flowIds.id(flows.flowId(d.flow)) : 0,
    };
    if (d.spoofed) event.spoofed = true;
    if (d.tags !== undefined && d.tags.length > 0) event.tags = [...d.tags];
    // a trusted source is still reported (detectors silence it only with use_trusted), tagged so an operator sees it
    if (!d.spoofed && this.#trusted(d.src) && !event.tags?.includes("trusted")) (event.tags ??= []).push("trusted");
    if (this.#iface !== undefined) event.iface = this.#iface;
    if (d.flow >= 0) event.flow = this.#snapshotWithFeatures(flows, d.flow);
    if (d.http !== undefined) event.http = { ...d.http };
    // fired on the packet being handled (not on a flow end or an idle tick): keep its TCP flags
    const pkt = this.pipeline.packet;
    if (pkt.flow === d.flow && d.flow >= 0 && pkt.tsUs === d.tsUs && pkt.proto === IpProto.TCP) {
      event.tcpFlags = pkt.tcpFlags;
    }
    this.#onDetection(event);
  };
}
