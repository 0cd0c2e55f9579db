/**
 * Paced replay for `ids demo` and `ids replay --serve`: capture files replayed at their recorded
 * pace (or faster), optionally in a loop, through the detection engine and the decision stage, with
 * the same hub events a live capture gives — alerts, block events, counters every second and
 * sampled traffic lines — so the dashboard shows a replay exactly as it shows a live link.
 *
 * Each pass is shifted onto the wall clock (packet time = now at the start of the pass), so alerts
 * carry current times and every window, timeout and throttle still runs on packet time.
 *
 * @module
 */
import { FileSource } from "../capture/file_source.ts";
import type { Config } from "../config/defaults.ts";
import { type Frame, frameBytes } from "../core/frame.ts";
import type { EventBus, ModelCounters, TrafficLine } from "../core/hub_event.ts";
import { ipToString, protoName, tcpFlagsString } from "../core/ip.ts";
import { Decoder } from "../decode/decoder.ts";
import { Packet } from "../decode/packet.ts";
import { DetectionEngine } from "../pipeline/engine.ts";
import { DETECTION_PARTS } from "../pipeline/detection_parts.ts";
import { DecisionStage, type Ips, type MlClassifier } from "./decision.ts";

/** Options of {@link PacedReplay}. */
export interface PacedReplayOptions {
  files: readonly (string | URL)[];
  hub: EventBus & { stats?(): import("../core/hub_event.ts").SubscriberStats[] };
  config: Config;
  /** Speed factor: 1 = recorded pace, 2 = twice as fast; `max` = as fast as possible. Default 1. */
  speed?: number | "max";
  /** Start again after the last packet (until aborted). Default false. */
  loop?: boolean;
  ips?: Ips;
  ml?: MlClassifier;
  /** Traffic lines published per second at most (default 50). */
  trafficPerSecond?: number;
  /** Bytes of packets held in memory for looping (default 64 MiB). */
  maxBytes?: number;
  /** Name shown as the capture interface (default: the first file's name). */
  name?: string;
  signal?: AbortSignal;
}

interface HeldFrame {
  buf: Uint8Array;
  len: number;
  tsUs: number;
  linkType: number;
  iface: number;
}

/** Summary of a paced replay. */
export interface PacedReplaySummary {
  passes: number;
  packets: number;
  /** Errors reading the files (one line each). */
  errors: string[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Replays files at their pace through engine → decision stage → hub. */
export class PacedReplay {
  /** The decision stage (throttle, model, IPS). */
  readonly decision: DecisionStage;
  #o: PacedReplayOptions;
  #config: Config;
  #engine: DetectionEngine | undefined;
  #decoder = new Decoder();
  #pkt = new Packet();
  #packets = 0;
  #bytes = 0;
  #lastPackets = 0;
  #startMs = Date.now();
  #lastTsUs = 0;
  #traffic: TrafficLine[] = [];
  #trafficThisSecond = 0;

  constructor(options: PacedReplayOptions) {
    this.#o = options;
    this.#config = options.config;
    this.decision = new DecisionStage({ hub: options.hub, config: options.config, ml: options.ml, ips: options.ips });
  }

  /** Applies a changed configuration to the running engine and decision stage. */
  configure(config: Config): void {
    this.#config = config;
    this.#engine?.configure(config);
    this.decision.configure(config);
  }

  /** Packets replayed so far. */
  get packets(): number {
    return this.#packets;
  }

  async #load(): Promise<{ frames: HeldFrame[]; errors: string[] }> {
    const frames: HeldFrame[] = [];
    const errors: string[] = [];
    const max = this.#o.maxBytes ?? 64 << 20;
    let held = 0;
    for (const f of this.#o.files) {
      const name = typeof f === "string" ? f : decodeURIComponent(f.pathname);
      try {
        const summary = await new FileSource(f).run((fr: Frame) => {
          held += fr.caplen;
          if (held > max) {
            throw new Error(
              `Cannot replay ${name} paced: more than ${max >> 20} MiB of packets (replay it without --serve)`,
            );
          }
          frames.push({
            buf: frameBytes(fr).slice(),
            len: fr.len,
            tsUs: fr.tsUs,
            linkType: fr.linkType,
            iface: fr.iface,
          });
        }, this.#o.signal);
        if (summary.error) errors.push(`${name}: ${summary.error.message}`);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    frames.sort((a, b) => a.tsUs - b.tsUs);
    return { frames, errors };
  }

  /** Runs until the last packet (or, looping, until aborted). */
  async run(): Promise<PacedReplaySummary> {
    const { frames, errors } = await this.#load();
    const signal = this.#o.signal;
    const speed = this.#o.speed ?? 1;
    let passes = 0;
    const counterTimer = setInterval(() => this.#publishCounters(), 1000);
    try {
      if (frames.length === 0) return { passes, packets: 0, errors };
      const first = frames[0].tsUs;
      const span = frames[frames.length - 1].tsUs - first;
      let baseUs = Date.now() * 1000;
      const frame: Frame = { buf: frames[0].buf, caplen: 0, len: 0, tsUs: 0, linkType: 0, iface: 0 };
      do {
        passes++;
        // a fresh engine per pass: every pass shows the same attacks
        const engine = new DetectionEngine(this.#config, {
          onDetection: (e) => this.decision.submit(e),
          iface: this.#o.name,
          // with a model: each detection carries its flow's feature row for the model to judge
          features: this.#o.ml !== undefined,
          parts: DETECTION_PARTS,
        });
        this.#engine = engine;
        const wallStart = performance.now();
        for (let i = 0; i < frames.length && !signal?.aborted; i++) {
          const h = frames[i];
          if (speed !== "max") {
            const due = wallStart + (h.tsUs - first) / 1000 / speed;
            const wait = due - performance.now();
            if (wait > 2) {
              this.#flushTraffic();
              engine.pipeline.tick(baseUs + (h.tsUs - first) - wait * 1000 * speed);
              await sleep(wait, signal);
            }
          } else if ((i & 4095) === 4095) {
            this.#flushTraffic();
            await sleep(0);
          }
          frame.buf = h.buf;
          frame.caplen = h.buf.length;
          frame.len = h.len;
          frame.tsUs = baseUs + (h.tsUs - first);
          frame.linkType = h.linkType;
          frame.iface = h.iface;
          this.#packets++;
          this.#bytes += h.len;
          this.#lastTsUs = frame.tsUs;
          engine.pipeline.handle(frame);
          this.#sample(frame);
        }
        this.#flushTraffic();
        if (!this.#o.loop) engine.pipeline.finish();
        // the next pass starts a second after this one ended (packet time keeps increasing)
        baseUs += span + 1_000_000;
        if (this.#o.loop && speed !== "max" && !signal?.aborted) await sleep(1000 / speed, signal);
        if (speed !== "max") baseUs = Math.max(baseUs, Date.now() * 1000);
      } while (this.#o.loop && !signal?.aborted);
      await this.decision.drain();
      this.#publishCounters();
      return { passes, packets: this.#packets, errors };
    } finally {
      clearInterval(counterTimer);
    }
  }

  #sample(frame: Frame): void {
    if (this.#trafficThisSecond >= (this.#o.trafficPerSecond ?? 50)) return;
    const p = this.#pkt;
    this.#decoder.decode(frame, p);
    if (p.ipVersion === 0) return;
    this.#trafficThisSecond++;
    const src = ipToString(p.src);
    const dst = ipToString(p.dst);
    const ports = p.proto === 6 || p.proto === 17;
    const flags = p.proto === 6 ? ` ${tcpFlagsString(p.tcpFlags)}` : "";
    this.#traffic.push({
      tsUs: frame.tsUs,
      src,
      dst,
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      proto: p.proto,
      len: frame.len,
      tcpFlags: p.tcpFlags,
      summary: `${src}${ports ? `:${p.srcPort}` : ""} > ${dst}${ports ? `:${p.dstPort}` : ""} ${
        protoName(p.proto)
      }${flags} len ${frame.len}`,
    });
  }

  #flushTraffic(): void {
    if (this.#traffic.length === 0) return;
    this.#o.hub.publish({ kind: "traffic", lines: this.#traffic });
    this.#traffic = [];
  }

  /** The flow model's counters for the dashboard, when a model is loaded. */
  #modelCounters(): { model?: ModelCounters } {
    const model = this.decision.ml?.counters?.();
    return model ? { model } : {};
  }

  #publishCounters(): void {
    this.#flushTraffic();
    this.#trafficThisSecond = 0;
    const rate = this.#packets - this.#lastPackets;
    this.#lastPackets = this.#packets;
    const engine = this.#engine;
    this.#o.hub.publish({
      kind: "counters",
      counters: {
        atMs: Date.now(),
        capture: {
          iface: this.#o.name ?? "replay",
          linkType: 1,
          packets: this.#packets,
          bytes: this.#bytes,
          received: 0,
          droppedKernel: 0,
          droppedIface: 0,
          decodeEvents: 0,
          flows: engine?.pipeline.flows.size ?? 0,
          alerts: this.decision.alertsByType(),
          rate,
          uptime: (Date.now() - this.#startMs) / 1000,
          packetTimeUs: this.#lastTsUs,
        },
        decision: this.decision.counters(),
        ...this.#modelCounters(),
        subscribers: this.#o.hub.stats?.() ?? [],
      },
    });
  }
}
