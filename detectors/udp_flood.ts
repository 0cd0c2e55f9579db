/**
 * UDP flood: unanswered datagrams per source and per destination, and requests per source and
 * destination pair whatever the answers — never a steady one-way stream.
 *
 * Only datagrams from a flow's initiator (whoever spoke first) to a unicast address count.
 *
 * - Streams are not floods. A flow whose datagrams come from one socket with a constant protocol
 *   header (the same first payload byte) and varied content (length or the first and last bytes
 *   change from one datagram to the next) for `STREAM_MIN_RUN` datagrams in a row is a stream —
 *   syslog, NetFlow/IPFIX export, SNMP traps, RTP, tunnels — and its datagrams count in no rule
 *   (the ones counted before it qualified are taken back). Floods differ: many source ports (each
 *   flow carries one or a few datagrams), identical payloads (hping3, the same query repeated) or
 *   random ones (the first byte changes).
 * - Unanswered: a datagram counts while its flow has not been answered; when the first answer
 *   arrives the ones counted for it are taken back — a client's burst of DNS queries counts (almost)
 *   nothing, a flood that gets no answers or only ICMP port-unreachables (another flow) keeps
 *   counting. Fires for a source sending `source_threshold` within `window_s` (src = that source),
 *   or a destination receiving `threshold` (src = its busiest source; `spoofed` when they come from
 *   64+ sources with none above 10 %).
 * - Requests: a service that answers is still flooded. Every datagram counts against its
 *   (source, destination) pair whatever the answers; `request_threshold` within `window_s` (2,000 in
 *   1 s) fires with src = that source. A client's burst of a few hundred DNS queries stays below; a
 *   busy resolver's load is spread over many clients (as destination) and many servers (as source).
 *
 * @module
 */
import type { Config, UdpFloodConfig } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { type IpKey, IpProto, type Packet } from "../decode/packet.ts";
import { FlowState, type FlowTable } from "../flow/flow_table.ts";
import { FloodCounter, floodOrigin } from "./_flood.ts";
import { FlowMarks } from "./_flow_marks.ts";
import { SlotMap } from "./_slot_map.ts";
import { SlotRecords } from "./_slot_records.ts";
import { DEFAULT_BUCKETS } from "./_time_ring.ts";
import { TimeRings } from "./_time_rings.ts";
import { isGroupAddress, num, toUs, trustedFilter } from "./_util.ts";
import type { Detection } from "./detection.ts";
import { type Detector, type Emit, type PacketInterest, PacketKind } from "./detector.ts";

/** Datagrams in a row with a constant header and varied content that make a flow a stream. */
export const STREAM_MIN_RUN = 8;

/** A numeric key for a (source, destination) pair: exact for IPv4 sources, text for IPv6. */
function pairOf(src: IpKey, dst: IpKey): number | string {
  if (typeof src === "number" && typeof dst === "number") {
    // 32 bits of source and a 21-bit mix of the destination: a collision only merges two
    // destinations of one source, and only makes the pair count higher
    return src * 2097152 + ((dst ^ (dst >>> 11) ^ (dst >>> 22)) & 0x1fffff);
  }
  return `${src}>${dst}`;
}

/** Detects UDP floods (see module docs). */
export class UdpFloodDetector implements Detector {
  /** The attack type reported. */
  readonly type = "udp_flood" as const;
  /** UDP datagrams only. */
  readonly packets: PacketInterest = { kinds: PacketKind.UDP, tcpFlags: 0 };
  #cfg!: UdpFloodConfig;
  #windowUs = 0;
  #trusted: TrustedMatcher | null = null;
  #counter: FloodCounter;
  /** Per (source, destination) pair: requests and the last report, one record per table slot. */
  #pairs: SlotMap<number | string>;
  #pairRec = new SlotRecords();
  #pairRing = new TimeRings(1, DEFAULT_BUCKETS, this.#pairRec);
  #pairLastEmit = this.#pairRec.fields(1);
  /** Per flow: unanswered datagrams counted (taken back on the first answer or when it turns out a stream). */
  #marks = new FlowMarks();
  /** Per flow: stream evidence — run length × 2^32 + first byte × 2^16 + content fingerprint (16 bits), + 1. */
  #shape = new FlowMarks();
  /** Creates the detector with `config.udp_flood` and `config.limits`. */
  constructor(config: Config) {
    this.#counter = new FloodCounter(config.limits.max_tracked_ips);
    this.#pairs = new SlotMap(config.limits.max_tracked_ips);
    this.configure(config);
  }

  /** Applies a new configuration; a changed window clears the counts. */
  configure(config: Config): void {
    const c = config.udp_flood;
    const windowUs = toUs(c.window_s);
    if (windowUs !== this.#windowUs) {
      this.#pairs.clear();
      this.#pairRec.clear();
      this.#pairRing.setWindow(windowUs);
    }
    this.#cfg = c;
    this.#windowUs = windowUs;
    this.#counter.configure(windowUs, config.limits.max_tracked_ips);
    this.#pairs.setCapacity(config.limits.max_tracked_ips);
    this.#pairRec.limit = config.limits.max_tracked_ips;
    this.#trusted = trustedFilter(config, c.use_trusted);
  }

  /** Entries in the per-source, per-destination and per-pair tables. */
  size(): number {
    return this.#counter.size + this.#pairs.size;
  }

  /** Counts datagrams (see module docs). */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const cfg = this.#cfg;
    if (!cfg.enabled || pkt.proto !== IpProto.UDP) return;
    const slot = pkt.flow;
    if (slot < 0) return;
    const answered = (flows.state(slot) & FlowState.REPLIED) !== 0;
    if (answered) this.#refund(flows, slot);
    if (pkt.dir !== 0 || isGroupAddress(pkt.dst)) return;
    if (this.#trusted !== null && this.#trusted(pkt.src)) return;
    if (this.#stream(pkt, flows, slot)) {
      this.#refund(flows, slot);
      return;
    }
    const ts = pkt.tsUs;
    // requests, answered or not, per (source, destination)
    const p = this.#pairs.acquire(pairOf(pkt.src, pkt.dst));
    if (this.#pairs.created) {
      this.#pairRing.reset(p);
      this.#pairRec.data[p * this.#pairRec.stride + this.#pairLastEmit] = -Infinity;
    }
    const rc = this.#pairRing.add(p, ts);
    const pLast = p * this.#pairRec.stride + this.#pairLastEmit;
    if (rc >= cfg.request_threshold && ts - this.#pairRec.data[pLast] >= this.#windowUs) {
      this.#pairRec.data[pLast] = ts;
      emit({
        type: "udp_flood",
        tsUs: ts,
        src: pkt.src,
        dst: pkt.dst,
        srcPort: pkt.srcPort,
        dstPort: pkt.dstPort,
        proto: IpProto.UDP,
        severity: 1,
        reason: `${rc} UDP requests from one source to one host in ${num(cfg.window_s)} s` +
          (answered ? " (answered)" : ""),
        flow: slot,
      });
      return;
    }
    if (answered) return;
    this.#marks.add(flows, slot, 1);
    const v = this.#counter.add(pkt.src, pkt.dst, ts, cfg);
    if (v.kind === 0) return;
    const own = v.attacker === pkt.src;
    const from = floodOrigin(v);
    const det: Detection = {
      type: "udp_flood",
      tsUs: ts,
      src: v.attacker,
      dst: pkt.dst,
      srcPort: own ? pkt.srcPort : 0,
      dstPort: pkt.dstPort,
      proto: IpProto.UDP,
      severity: 1,
      reason: `${v.count} unanswered UDP packets ${from} in ${num(cfg.window_s)} s`,
      flow: own ? slot : -1,
    };
    if (v.spoofed) det.spoofed = true;
    emit(det);
  }

  /** Takes back the unanswered datagrams counted for a flow. */
  #refund(flows: FlowTable, slot: number): void {
    const n = this.#marks.get(flows, slot);
    if (n <= 0) return;
    this.#marks.set(flows, slot, 0);
    this.#counter.refund(flows.initiatorIp(slot), flows.responderIp(slot), flows.firstUs(slot), n);
  }

  /** Updates the flow's stream evidence with this datagram; true when the flow is (now) a stream. */
  #stream(pkt: Packet, flows: FlowTable, slot: number): boolean {
    const len = pkt.payloadLen;
    let head = -1, print = len & 0xffff;
    if (len > 0) {
      const b = pkt.buf, o = pkt.payloadOff, e = o + len;
      head = b[o];
      // fingerprint: length, up to 8 bytes after the first and the last 8 bytes
      let h = (len * 0x9e3779b1) | 0;
      const m = Math.min(e, o + 9);
      for (let i = o + 1; i < m; i++) h = Math.imul(h ^ b[i], 0x01000193);
      for (let i = Math.max(m, e - 8); i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
      print = (h ^ (h >>> 16)) & 0xffff;
    }
    const prev = this.#shape.get(flows, slot) - 1; // -1: first datagram
    let run = 0;
    if (prev >= 0 && head >= 0) {
      const prevRun = Math.floor(prev / 4294967296);
      const prevHead = Math.floor(prev / 65536) % 65536;
      const prevPrint = prev % 65536;
      if (prevHead === head && prevPrint !== print) run = Math.min(prevRun + 1, 1023);
    }
    this.#shape.set(flows, slot, run * 4294967296 + (head & 0xffff) * 65536 + print + 1);
    return run >= STREAM_MIN_RUN;
  }
}
