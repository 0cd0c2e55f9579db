/**
 * Extracts labelled feature rows from labelled captures for training: every capture runs through
 * the sensor's own decoder, flow table and {@link FeatureExtractor}; a flow yields a row when its
 * packet count reaches 1, 2, 4, 8, … (then every 32nd packet) and when it ends, and whenever one
 * of the default detectors fires on it (the moment the sensor asks the model). Labels come from the manifest: a flow started by a listed attacker
 * (for spoofed floods: by an address outside the victim's /24 toward the victim) inside the
 * scenario's time window (±1 s) gets the scenario's type; flows in benign captures and flows of
 * other hosts are `normal`. SQL injection scenarios give no attack rows (payload detector only).
 * A DDoS is several sources at once: in a `ddos` scenario with two or more listed attackers, an attacker's row
 * is `ddos` only while at least two of them are sending (from the second attacker's first packet to the
 * second-to-last one's last packet toward the victim); before and after, one bot alone is a single-source
 * load that the scenario does not label, and its rows are left out (neither `ddos` nor `normal`).
 *
 * @module
 */
import { FileSource } from "../capture/file_source.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { type IpKey, ipToString } from "../decode/packet.ts";
import { createDetectors } from "../detectors/mod.ts";
import type { FlowTable } from "../flow/flow_table.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import { FEATURE_COUNT, FeatureExtractor } from "./features.ts";
import type { FeedbackFlow } from "./feedback.ts";
import { mulberry32 } from "../core/prng.ts";

/** One scenario of a manifest (tests/corpus/manifest.json format). */
export interface Scenario {
  name: string;
  file: string;
  /** `feedback`: labels only the host pairs of `flows` (from an operator's feedback CSV, see `ml/feedback.ts`). */
  kind: "attack" | "benign" | "feedback";
  type?: string;
  attacker?: string | null;
  attackers?: string[];
  victim?: string;
  spoofed?: boolean;
  start: string;
  end: string;
  /** Labelled host pairs of a `feedback` scenario. */
  flows?: FeedbackFlow[];
}

/** Rows of one capture. */
export interface CaptureRows {
  /** Capture file name (the split unit). */
  file: string;
  /** Label per row. */
  labels: string[];
  /** Where each row was taken: `sample` (a flow's packet-count milestone or end) or `detection` (a detector fired). */
  origins: ("sample" | "detection")[];
  /** Row-major features, `labels.length × FEATURE_COUNT`. */
  rows: Float32Array;
  /** Packets read. */
  packets: number;
}

/** Options of {@link extractCapture}. */
export interface ExtractOptions {
  /** Most rows kept per label and capture (reservoir sample, seeded by the file name). Default 3000. */
  maxRowsPerLabel?: number;
  /** Flow table cap (default 65536). */
  maxFlows?: number;
}

/** The label used for benign rows. */
export const NORMAL = "normal";

function prefix24(ip: string): string {
  return ip.split(".").slice(0, 3).join(".");
}

function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** First and last packet time (µs) of each sender, for the DDoS overlap rule (see {@link ddosWindow}). */
export type SenderSpans = Map<string, { firstUs: number; lastUs: number }>;

/**
 * The span in which at least two of a DDoS scenario's attackers were sending: from the second attacker's
 * first packet to the second-to-last one's last packet (µs). `undefined` when fewer than two sent.
 */
export function ddosWindow(attackers: readonly string[], spans: SenderSpans): [number, number] | undefined {
  const firsts: number[] = [], lasts: number[] = [];
  for (const a of attackers) {
    const s = spans.get(a);
    if (s === undefined) continue;
    firsts.push(s.firstUs);
    lasts.push(s.lastUs);
  }
  if (firsts.length < 2) return undefined;
  firsts.sort((a, b) => a - b);
  lasts.sort((a, b) => b - a);
  return [firsts[1], lasts[1]];
}

/** Decides the label of a flow row in a scenario; `undefined` drops the row. */
export function labeller(
  sc: Scenario,
  spans?: SenderSpans,
): (initiator: IpKey, responder: IpKey, tsUs: number, proto?: number) => string | undefined {
  if (sc.kind === "benign") return () => NORMAL;
  if (sc.kind === "feedback") {
    // per host pair: the alert windows; a row takes the label of the nearest alert of its protocol
    type Window = { startUs: number; endUs: number; firstUs: number; lastUs: number; label: string; proto?: number };
    const pairs = new Map<string, Window[]>();
    for (const f of sc.flows ?? []) {
      const us = (iso: string) => Date.parse(iso) * 1000;
      const startUs = us(f.start), endUs = us(f.end);
      const [firstUs, lastUs] = f.alerts ? [us(f.alerts[0]), us(f.alerts[1])] : [startUs, endUs];
      const w: Window = { startUs, endUs, firstUs, lastUs, label: f.label, proto: f.proto };
      for (const key of [`${f.src}|${f.dst}`, `${f.dst}|${f.src}`]) {
        const list = pairs.get(key);
        if (list === undefined) pairs.set(key, [w]);
        else list.push(w);
      }
    }
    // a pair, protocol and time no feedback row covers is unknown: no row (never assumed benign)
    return (initiator, responder, tsUs, proto) => {
      const list = pairs.get(`${ipToString(initiator)}|${ipToString(responder)}`);
      if (list === undefined) return undefined;
      let best: string | undefined, bestDist = Infinity;
      for (const w of list) {
        if (tsUs < w.startUs || tsUs > w.endUs) continue;
        if (w.proto !== undefined && proto !== undefined && w.proto !== proto) continue;
        // distance to the span of the alerts (0 inside it)
        const dist = tsUs < w.firstUs ? w.firstUs - tsUs : tsUs > w.lastUs ? tsUs - w.lastUs : 0;
        if (dist < bestDist) {
          bestDist = dist;
          best = w.label;
        }
      }
      return best === "sql_injection" ? undefined : best;
    };
  }
  const attackers = new Set(sc.attackers ?? (sc.attacker ? [sc.attacker] : []));
  const startUs = Date.parse(sc.start) * 1000 - 1e6, endUs = Date.parse(sc.end) * 1000 + 1e6;
  const victim = sc.victim ?? "";
  const local = prefix24(victim);
  const keep = sc.type !== "sql_injection";
  // a DDoS only while two or more of its listed sources send at once
  const together = sc.type === "ddos" && !sc.spoofed && attackers.size >= 2 && spans !== undefined
    ? ddosWindow([...attackers], spans) ?? [Infinity, -Infinity]
    : undefined;
  return (initiator, responder, tsUs) => {
    const i = ipToString(initiator), r = ipToString(responder);
    const isAttack = sc.spoofed ? r === victim && prefix24(i) !== local : attackers.has(i);
    if (!isAttack) return NORMAL;
    if (!keep || tsUs < startUs || tsUs > endUs) return undefined;
    if (together !== undefined && (tsUs < together[0] || tsUs > together[1])) return undefined;
    return sc.type;
  };
}

/** Reads one capture and returns its labelled rows. */
export async function extractCapture(path: string, sc: Scenario, options: ExtractOptions = {}): Promise<CaptureRows> {
  const cap = options.maxRowsPerLabel ?? 3000;
  const maxFlows = options.maxFlows ?? 65536;
  const label = labeller(sc, sc.type === "ddos" ? await senderSpans(path, sc.victim ?? "") : undefined);
  const random = mulberry32(seedOf(sc.file));
  const fx = new FeatureExtractor({ maxFlows });
  const reservoirs = new Map<string, { rows: Float32Array[]; seen: number }>();
  const row = new Float32Array(FEATURE_COUNT);
  const emit = (flows: FlowTable, slot: number, origin: "sample" | "detection") => {
    const l = label(flows.initiatorIp(slot), flows.responderIp(slot), flows.lastUs(slot), flows.proto(slot));
    if (l === undefined) return;
    fx.write(flows, slot, row);
    const key = `${origin}:${l}`;
    let r = reservoirs.get(key);
    if (r === undefined) reservoirs.set(key, r = { rows: [], seen: 0 });
    r.seen++;
    if (r.rows.length < cap) r.rows.push(row.slice());
    else {
      const j = Math.floor(random() * r.seen);
      if (j < cap) r.rows[j] = row.slice();
    }
  };
  const pipeline: Pipeline = new Pipeline({
    maxFlows,
    detectors: createDetectors(DEFAULT_CONFIG),
    emit: (d) => {
      if (d.flow >= 0) emit(pipeline.flows, d.flow, "detection");
    },
    observer: {
      onPacket(pkt, flows) {
        fx.onPacket(pkt, flows);
        const slot = pkt.flow;
        if (slot >= 0 && isSamplePoint(flows.packets(slot, 0) + flows.packets(slot, 1))) emit(flows, slot, "sample");
      },
      onFlowEnd(flows, slot) {
        if (!isSamplePoint(flows.packets(slot, 0) + flows.packets(slot, 1))) emit(flows, slot, "sample");
      },
    },
  });
  const summary = await new FileSource(path).run(pipeline.handle);
  pipeline.finish();
  const labels: string[] = [];
  const origins: ("sample" | "detection")[] = [];
  const parts: Float32Array[] = [];
  for (const key of [...reservoirs.keys()].sort()) {
    const [origin, l] = key.split(":") as ["sample" | "detection", string];
    for (const r of reservoirs.get(key)!.rows) {
      labels.push(l);
      origins.push(origin);
      parts.push(r);
    }
  }
  const rows = new Float32Array(labels.length * FEATURE_COUNT);
  parts.forEach((r, i) => rows.set(r, i * FEATURE_COUNT));
  return { file: sc.file, labels, origins, rows, packets: summary.packets };
}

/** First and last packet time of every sender toward `victim` in a capture (a pass with no detectors). */
export async function senderSpans(path: string, victim: string): Promise<SenderSpans> {
  const spans: SenderSpans = new Map();
  const pipeline = new Pipeline({
    observer: {
      onPacket(pkt) {
        if (ipToString(pkt.dst) !== victim) return;
        const src = ipToString(pkt.src);
        const s = spans.get(src);
        if (s === undefined) spans.set(src, { firstUs: pkt.tsUs, lastUs: pkt.tsUs });
        else {
          if (pkt.tsUs < s.firstUs) s.firstUs = pkt.tsUs;
          if (pkt.tsUs > s.lastUs) s.lastUs = pkt.tsUs;
        }
      },
      onFlowEnd() {},
    },
  });
  await new FileSource(path).run(pipeline.handle);
  pipeline.finish();
  return spans;
}

/** True at flow packet counts 1, 2, 4, …, 32 and every 32nd packet after. */
export function isSamplePoint(n: number): boolean {
  return n <= 32 ? (n & (n - 1)) === 0 : n % 32 === 0;
}
