/**
 * The per-packet pipeline shared by replay and live capture: frame → decode → flow table → detectors, without the
 * TCP reassembly stage and app layer of its own: those come from a {@link StreamStageFactory}
 * (`pipeline/stream_stage.ts`), so a pipeline without them (`ids replay --no-detect`) loads none of `stream/`, `app/`
 * and `detectors/app_hooks.ts`. `pipeline/pipeline.ts` is this pipeline with the stream stage built in.
 *
 * @module
 */
import type { Frame } from "../core/frame.ts";
import { Decoder } from "../decode/decoder.ts";
import { IpProto, ipToString, Packet, protoName } from "../decode/packet.ts";
import type { AppLayer, AppLayerOptions } from "../app/app_layer.ts";
import { Defragmenter, type DefragOptions, type FragmentOverlap } from "../defrag/defrag.ts";
import type { StreamTable, StreamTableOptions } from "../stream/stream_table.ts";
import type { Detection } from "../detectors/detection.ts";
import { type Detector, type Emit, PacketKind } from "../detectors/detector.ts";
import { type FlowEndReason, FlowTable, type FlowTimeouts } from "../flow/flow_table.ts";

/** The TCP reassembly stage and the app layer it feeds, with the detectors' app hooks (see {@link StreamStageFactory}). */
export interface StreamStage {
  readonly stream: StreamTable;
  readonly app: AppLayer;
  /** Replaces the detectors whose app hooks are called. */
  setDetectors(detectors: readonly Detector[]): void;
}

/** What a {@link StreamStageFactory} is given. */
export interface StreamStageSetup {
  /** The pipeline's flow table (the stream table takes its capacity). */
  flows: FlowTable;
  /** The detectors whose app hooks the app layer calls. */
  detectors: readonly Detector[];
  /** The pipeline's emit callback (read at each call: it may be replaced). */
  emit: () => Emit;
  stream: Omit<StreamTableOptions, "capacity" | "onOverlap">;
  app: AppLayerOptions | undefined;
}

/** Builds a pipeline's stream stage (`buildStreamStage` of `pipeline/stream_stage.ts`). */
export type StreamStageFactory = (setup: StreamStageSetup) => StreamStage;

/** Options of {@link Pipeline}. */
export interface PipelineOptions {
  /** Flow table cap (default 262144). */
  maxFlows?: number;
  /** Flow timeouts in seconds. */
  timeouts?: Partial<FlowTimeouts>;
  /** Detectors to run on every IP packet (none: decode and flows only). */
  detectors?: Detector[];
  /** Receives raw detections (before throttling). */
  emit?: Emit;
  /** Fragment reassembly options; `false` passes fragments on one by one (default: reassemble). */
  defrag?: Omit<DefragOptions, "onOverlap"> | false;
  /** TCP reassembly options; `false`: no stream stage and no app layer. */
  stream?: Omit<StreamTableOptions, "capacity" | "onOverlap"> | false;
  /** Builds the stream stage unless `stream` is false (`buildStreamStage`; `Pipeline` of pipeline.ts sets it). */
  streamStage?: StreamStageFactory;
  /** App-layer options (HTTP hint ports, request size). */
  app?: AppLayerOptions;
  /** Runs before the detectors on every IP packet (see {@link PacketObserver}). */
  observer?: PacketObserver;
}

/** The evasion detection for fragments that overlap with different data. */
export function fragmentOverlapDetection(o: FragmentOverlap): Detection {
  const kept = o.keptLater ? "later" : "earlier";
  return {
    type: "evasion",
    tsUs: o.tsUs,
    src: o.src,
    dst: o.dst,
    srcPort: 0,
    dstPort: 0,
    proto: o.proto,
    severity: 1,
    tags: ["ip_fragment_overlap"],
    reason: `IPv${o.version} fragments overlap with different data: ${protoName(o.proto)} datagram id ${o.id} ` +
      `from ${ipToString(o.src)}, payload bytes ${o.start}-${
        o.end - 1
      } differ (policy ${o.policy} kept the ${kept} copy)`,
    flow: -1,
  };
}

/**
 * Sees every IP packet after the flow table updated it and before the detectors run (the model's
 * feature extraction), and every flow leaving the table.
 */
export interface PacketObserver {
  onPacket(pkt: Packet, flows: FlowTable): void;
  onFlowEnd?(flows: FlowTable, slot: number, reason: FlowEndReason): void;
}

/** Counters of one pipeline. */
export interface PipelineCounters {
  packets: number;
  bytes: number;
  ipPackets: number;
  /** ARP frames (decoded, but not IP). */
  arpPackets: number;
  firstUs: number;
  lastUs: number;
}

/**
 * One function that calls `onPacket` of each detector in order, generated so that every detector has
 * a call site of its own. A loop `ds[i].onPacket(…)` sees eight classes at one site: V8 then does a
 * megamorphic property load per detector per packet (~10 % of replay time, measured), and bound
 * methods cost a generic call each. Here each site stays monomorphic and can be inlined. The packet's
 * kind is worked out once: a detector that declares {@link Detector.packets} sees only those packets
 * (and for the others only its `onDue`, when it has one), so e.g. a TCP segment never enters the UDP
 * and ICMP flood detectors.
 */
export function dispatcher(detectors: readonly Detector[]): Detector["onPacket"] {
  const n = detectors.length;
  // none (--no-detect): nothing to call, and no packet-kind test whose first ICMP packet would meet optimized code
  // without type feedback (a deoptimization of the reader's loop, which inlines this)
  if (n === 0) return () => {};
  let quiet = false;
  const body = detectors.map((d, i) => {
    const call = `d${i}.onPacket(pkt, flows, emit);`;
    const want = d.packets;
    const bit = d.quietBit ?? 0;
    // a flow the detector went quiet on: its packets are skipped (see Detector.quietBit)
    const unless = (d.quietUnlessTcpFlags ?? 0) & 0xff;
    const loud = bit > 0 && bit < 256 && (bit & (bit - 1)) === 0
      ? unless === 0
        ? `(q & ${bit}) === 0`
        : `((q & ${bit}) === 0 || (kind === ${PacketKind.TCP} && (pkt.tcpFlags & ${unless}) !== 0))`
      : "";
    if (loud !== "") quiet = true;
    // (a gated onDue is called only when something may be due: see Detector.dueGate)
    const gate = d.onDue !== undefined && d.dueGate !== undefined
      ? `if (g${i}.dueTs <= pkt.tsUs - g${i}.graceUs) `
      : "";
    const other = d.onDue !== undefined ? `${gate}d${i}.onDue(flows, pkt.tsUs, emit);` : "";
    const orElse = other === "" ? "" : ` else ${other}`;
    if (want === undefined) return loud === "" ? call : `if (${loud}) ${call}${orElse}`;
    const kinds = want.kinds & (PacketKind.TCP | PacketKind.UDP | PacketKind.ICMP | PacketKind.OTHER);
    const flags = want.tcpFlags & 0xff;
    const conds: string[] = [];
    if ((kinds & ~PacketKind.TCP) !== 0) conds.push(`(kind & ${kinds & ~PacketKind.TCP}) !== 0`);
    if ((kinds & PacketKind.TCP) !== 0) {
      conds.push(
        flags === 0 ? `kind === ${PacketKind.TCP}` : `(kind === ${PacketKind.TCP} && (pkt.tcpFlags & ${flags}) !== 0)`,
      );
    }
    if (conds.length === 0) return other;
    const cond = conds.join(" || ");
    return `if (${loud === "" ? cond : `${loud} && (${cond})`}) ${call}${orElse}`;
  }).join("\n");
  const make = new Function(
    ...Array.from({ length: n }, (_, i) => `d${i}`),
    ...Array.from({ length: n }, (_, i) => `g${i}`),
    `return function dispatch(pkt, flows, emit) {\n` +
      `const p = pkt.proto;\n` +
      `const kind = p === ${IpProto.TCP} ? ${PacketKind.TCP} : p === ${IpProto.UDP} ? ${PacketKind.UDP} : ` +
      `p === ${IpProto.ICMP} || p === ${IpProto.ICMPV6} ? ${PacketKind.ICMP} : ${PacketKind.OTHER};\n` +
      (quiet ? `const q = pkt.flow >= 0 ? flows.quietBits(pkt.flow) : 0;\n` : "") +
      `${body}\n};`,
  );
  return make(...detectors, ...detectors.map((d) => d.dueGate)) as Detector["onPacket"];
}

/** Runs frames through the decoders, the flow table and the detectors. */
export class PacketPipeline {
  /** Decoder with its event counters. */
  readonly decoder: Decoder = new Decoder();
  /** The flow table. */
  readonly flows: FlowTable;
  /** Counters. */
  readonly counters: PipelineCounters = {
    packets: 0,
    bytes: 0,
    ipPackets: 0,
    arpPackets: 0,
    firstUs: 0,
    lastUs: 0,
  };
  /** The fragment reassembler, null when fragments pass on one by one. */
  readonly defrag: Defragmenter | null;
  /** The TCP reassembly stage, null when off. */
  readonly stream: StreamTable | null;
  /** The app layer (fed by the stream stage), null when the stream stage is off. */
  readonly app: AppLayer | null;
  #pkt = new Packet();
  #detectors: Detector[];
  /** Calls every detector's `onPacket` (see {@link dispatcher}). */
  #dispatch: Detector["onPacket"] = () => {};
  #emit: Emit;
  #endHooks: Detector[];
  /** The stream stage, whose app layer calls the detectors' app hooks (null without it). */
  #streamStage: StreamStage | null = null;
  #observer: PacketObserver | undefined;

  constructor(options: PipelineOptions = {}) {
    this.#detectors = options.detectors ?? [];
    this.#endHooks = this.#detectors.filter((d) => d.onFlowEnd !== undefined);
    this.#emit = options.emit ?? (() => {});
    const withStream = options.stream !== false;
    this.#observer = options.observer;
    this.flows = new FlowTable({
      maxFlows: options.maxFlows,
      timeouts: options.timeouts,
      // always installed: a configuration reload may add a detector that watches flows end
      onEnd: this.#onFlowEnd,
    });
    this.#dispatch = dispatcher(this.#detectors);
    if (withStream) {
      if (options.streamStage === undefined) {
        throw new Error("Cannot build the pipeline: a stream stage needs options.streamStage (or stream: false)");
      }
      const stage = options.streamStage({
        flows: this.flows,
        detectors: this.#detectors,
        emit: () => this.#emit,
        stream: options.stream || {},
        app: options.app,
      });
      this.#streamStage = stage;
      this.app = stage.app;
      this.stream = stage.stream;
    } else {
      this.app = null;
      this.stream = null;
    }
    this.defrag = options.defrag === false
      ? null
      : new Defragmenter({ ...options.defrag, onOverlap: (o) => this.#emit(fragmentOverlapDetection(o)) });
  }

  /**
   * The packet record being handled (reused for every frame): valid while a detector runs inside
   * {@link handle}, e.g. for the emit callback to read the triggering packet.
   */
  get packet(): Packet {
    return this.#pkt;
  }

  /** Replaces the detector set (a configuration reload enabled a detector); flows and counters stay. */
  setDetectors(detectors: Detector[]): void {
    this.#detectors = detectors;
    this.#streamStage?.setDetectors(detectors);
    this.#endHooks = detectors.filter((d) => d.onFlowEnd !== undefined);
    this.#dispatch = dispatcher(detectors);
  }

  /** The detectors in use. */
  get detectors(): readonly Detector[] {
    return this.#detectors;
  }

  /** Handles one frame; bound, so it can be passed as a {@link FrameHandler}. */
  readonly handle = (frame: Frame): void => {
    const c = this.counters;
    c.packets++;
    c.bytes += frame.caplen;
    const pkt = this.#pkt;
    this.decoder.decode(frame, pkt); // clamps a bad frame time into pkt.tsUs
    const ts = pkt.tsUs;
    if (c.firstUs === 0 || ts < c.firstUs) c.firstUs = ts;
    if (ts > c.lastUs) c.lastUs = ts;
    // counted on every frame, without a branch: a first ARP frame then meets no optimized code lacking type
    // feedback (it threw away this function's optimized code, and the file reader's that inlines it)
    c.arpPackets += pkt.isArp ? 1 : 0;
    if (pkt.ipVersion === 0) return;
    c.ipPackets++;
    if (pkt.isFragment && this.defrag !== null && (pkt.fragOffset !== 0 || pkt.fragMore)) {
      // fragments wait in the reassembler; the rebuilt datagram goes on in their place
      const datagram = this.defrag.add(pkt, this.decoder.events);
      if (datagram === null) return;
      this.decoder.decodeDatagram(datagram, pkt);
      if (pkt.ipVersion === 0) return;
    }
    this.flows.update(pkt);
    // features first: the stream stage may already report on this packet's flow
    if (this.#observer !== undefined) this.#observer.onPacket(pkt, this.flows);
    if (this.stream !== null && pkt.proto === 6) this.stream.onPacket(pkt);
    this.#dispatch(pkt, this.flows, this.#emit);
  };

  /**
   * Moves packet time to `nowUs` without a packet (live capture on an idle link): flows time out and
   * detectors decide what is due. Never moves time backwards.
   */
  tick(nowUs: number): void {
    this.flows.advance(nowUs);
    this.defrag?.expire(nowUs, this.decoder.events);
    const ds = this.#detectors;
    for (let i = 0; i < ds.length; i++) ds[i].onTick?.(this.flows, this.#emit);
  }

  /** Ends all flows (end of input), letting detectors see them close. */
  finish(): void {
    this.flows.flush();
  }

  #onFlowEnd = (flows: FlowTable, slot: number, reason: FlowEndReason): void => {
    this.stream?.onFlowEndOf(flows, slot);
    this.#observer?.onFlowEnd?.(flows, slot, reason);
    const hs = this.#endHooks;
    for (let i = 0; i < hs.length; i++) hs[i].onFlowEnd!(flows, slot, reason, this.#emit);
  };
}
