/**
 * SYN flood: SYNs whose handshake never completes.
 *
 * Every connection attempt — a SYN (without ACK) from a flow's initiator; a repeated SYN of the
 * same flow only when it comes sooner than a TCP stack retransmits (200 ms: a retransmission is the
 * same attempt) — is queued and judged a short grace period later on packet time (the window,
 * clamped to 0.2–1 s):
 * - a conversation (handshake completed, or data seen) was a normal connection and is dropped;
 * - answered (a SYN-ACK the client did not complete within the grace period, or a reset) is a
 *   half-open SYN, counted at its own time;
 * - not answered yet: looked at again each grace period until `SYN_HOLD_US` (4 s) after the SYN,
 *   then counted. A load test overflowing a listen backlog (SYNs dropped, retried after 1 and 3 s,
 *   every handshake completing within ~3 s) therefore counts nothing, while a flood against a host
 *   that answers (SYN-ACKs never completed, or resets) counts at once and one against a host that
 *   drops the SYNs counts 4 s late.
 * So a client opening ten connections at once that all complete is never counted.
 *
 * Two verdicts:
 * - per source: `threshold` half-open SYNs within `window_s` aimed at few ports on few hosts (fewer
 *   distinct destination ports, and fewer distinct destination hosts, than half the threshold): SYNs
 *   to many ports are a port scan, SYNs to one port on many hosts a sweep (nmap `-p 22 NET`, the
 *   SYN to 443 of `nmap -sn`), both left to the port-scan detector — unless `threshold` more of them
 *   went to one host and port than anywhere else (a majority vote, `_majority.ts`): a flood with a few
 *   decoy SYNs to other hosts or ports is still a flood;
 * - per destination: `dest_threshold` half-open SYNs within `window_s` from many sources (at least
 *   10, and at least a quarter of the SYNs): a spoofed or distributed flood; reported with
 *   `spoofed: true`, `src` one observed source and `dst` the victim.
 *
 * @module
 */
import type { Config, SynFloodConfig } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { type FlowEndReason, FlowState, type FlowTable } from "../flow/flow_table.ts";
import type { DelayItem } from "./_delay_queue.ts";
import { PendingVerdicts } from "./_pending.ts";
import { DistinctWindows } from "./_distinct_windows.ts";
import { MajorityTarget } from "./_majority.ts";
import { SlotMap } from "./_slot_map.ts";
import { TimeRings } from "./_time_rings.ts";
import { SlotRecords } from "./_slot_records.ts";
import { DEFAULT_BUCKETS } from "./_time_ring.ts";
import { num, toUs, trustedFilter } from "./_util.ts";
import { type Detector, type Emit, type PacketInterest, PacketKind } from "./detector.ts";
import { tcpConversation } from "./_conversation.ts";
import { FlowMarks } from "./_flow_marks.ts";

/** SYNs waiting for their verdict at most (older ones are judged early when full). */
export const SYN_QUEUE_CAPACITY = 131072;
/** How long an unanswered SYN may wait for its handshake before it counts (µs). */
export const SYN_HOLD_US = 4_000_000;
/** A repeated SYN of one flow at least this long after the previous one is a retransmission (µs). */
export const SYN_RETRANSMIT_MIN_US = 200_000;

/** Distinct sources that make a per-destination flood "many sources". */
export const SPOOF_MIN_SOURCES = 10;
/** Distinct sources tracked per destination. */
const SPOOF_CAP = 64;

/** Detects SYN floods per source and spoofed SYN floods per destination (see module docs). */
export class SynFloodDetector implements Detector {
  /** The attack type reported. */
  readonly type = "syn_flood" as const;
  /** Only SYNs are queued; other packets only let queued SYNs come due. */
  readonly packets: PacketInterest = { kinds: PacketKind.TCP, tcpFlags: TcpFlag.SYN };
  #cfg!: SynFloodConfig;
  #windowUs = 0;
  #trusted: TrustedMatcher | null = null;
  // per source and per destination: half-open SYNs, the distinct ports / sources they went to and
  // the last report, in one record per table slot (no object per address: a spoofed flood brings thousands)
  #src: SlotMap<IpKey>;
  #srcRec = new SlotRecords();
  #srcRing = new TimeRings(1, DEFAULT_BUCKETS, this.#srcRec);
  #srcPorts = new DistinctWindows<number>(this.#srcRec);
  #srcHosts = new DistinctWindows<IpKey>(this.#srcRec);
  /** The (host, port) most of the source's half-open SYNs went to: a flood with a few decoy SYNs elsewhere. */
  #srcTarget = new MajorityTarget<IpKey>(this.#srcRec);
  #srcLastEmit = this.#srcRec.fields(1);
  #dst: SlotMap<IpKey>;
  #dstRec = new SlotRecords();
  #dstRing = new TimeRings(1, DEFAULT_BUCKETS, this.#dstRec);
  #dstSources = new DistinctWindows<IpKey>(this.#dstRec);
  #dstLastEmit = this.#dstRec.fields(1);
  #pending = new PendingVerdicts(SYN_QUEUE_CAPACITY, {
    graceUs: 0,
    judge: (item, flows, emit, final) => this.#judge(item, flows, emit, final),
  });
  /** @internal The pipeline calls {@link onDue} only when a queued verdict may be due (`Detector.dueGate`). */
  readonly dueGate: PendingVerdicts = this.#pending;
  /** Per flow: packet time of its last SYN + 1 (0: none yet). */
  #lastSyn = new FlowMarks();
  /** Creates the detector with `config.syn_flood` and `config.limits`. */
  constructor(config: Config) {
    this.#src = new SlotMap(config.limits.max_tracked_ips);
    this.#dst = new SlotMap(config.limits.max_tracked_ips);
    this.configure(config);
  }

  /** Applies a new configuration; a changed window clears the counts. */
  configure(config: Config): void {
    const c = config.syn_flood;
    const windowUs = toUs(c.window_s);
    if (windowUs !== this.#windowUs) {
      this.#src.clear();
      this.#dst.clear();
      this.#srcRing.setWindow(windowUs);
      this.#dstRing.setWindow(windowUs);
      this.#srcPorts.clear(); // and the records
      this.#srcHosts.clear();
      this.#srcTarget.clear();
      this.#dstSources.clear();
    }
    this.#cfg = c;
    this.#windowUs = windowUs;
    this.#pending.graceUs = Math.min(Math.max(windowUs, 200_000), 1_000_000);
    this.#trusted = trustedFilter(config, c.use_trusted);
    this.#src.setCapacity(config.limits.max_tracked_ips);
    this.#dst.setCapacity(config.limits.max_tracked_ips);
    this.#srcRec.limit = this.#dstRec.limit = config.limits.max_tracked_ips;
  }

  /** Entries in the per-source and per-destination tables. */
  size(): number {
    return this.#src.size + this.#dst.size;
  }

  /** Queues SYNs and judges the ones whose grace period is over. */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void {
    if (!this.#cfg.enabled) return;
    const now = pkt.tsUs;
    this.#pending.due(flows, now, emit);
    if (pkt.proto !== IpProto.TCP || !pkt.hasL4 || pkt.dir !== 0) return;
    if ((pkt.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) return;
    if (this.#trusted !== null && this.#trusted(pkt.src)) return;
    const prev = pkt.flowNew ? 0 : this.#lastSyn.get(flows, pkt.flow);
    this.#lastSyn.set(flows, pkt.flow, now + 1);
    if (prev > 0 && now + 1 - prev >= SYN_RETRANSMIT_MIN_US) return; // a retransmission: the same attempt
    this.#pending.push(pkt, flows, emit);
  }

  /** Judges the queued SYNs whose grace period is over at `nowUs`. */
  onDue(flows: FlowTable, nowUs: number, emit: Emit): void {
    if (this.#cfg.enabled) this.#pending.due(flows, nowUs, emit);
  }

  /** Judges pending SYNs; at the end of input (`flush`) all of them. */
  onFlowEnd(flows: FlowTable, _slot: number, reason: FlowEndReason, emit: Emit): void {
    if (!this.#cfg.enabled) return;
    this.#pending.flowEnded(flows, reason, emit);
  }

  /** Decides pending items that are due at `flows.nowUs` (idle link). */
  onTick(flows: FlowTable, emit: Emit): void {
    this.#pending.tick(flows, emit);
  }

  #judge(item: DelayItem, flows: FlowTable, emit: Emit, final: boolean): void {
    const now = this.#pending.nowUs, slot = item.slot;
    const live = slot >= 0 && flows.flowId(slot) === item.flowId;
    if (live) {
      const st = flows.state(slot);
      if (tcpConversation(st)) return;
      // answered by the server (SYN-ACK or reset), yet no connection a grace period after the SYN: half-open
      const answered = (st & (FlowState.SYN_ACK | FlowState.RST)) !== 0;
      if (!final && !answered && now - item.firstUs < SYN_HOLD_US && this.#pending.again(item)) return;
    }
    const cfg = this.#cfg, w = this.#windowUs, ts = item.firstUs; // counted at its own time (held ones too)

    const si = this.#src.acquire(item.src);
    if (this.#src.created) {
      this.#srcRing.reset(si);
      this.#srcPorts.reset(si);
      this.#srcHosts.reset(si);
      this.#srcTarget.reset(si);
      this.#srcRec.data[si * this.#srcRec.stride + this.#srcLastEmit] = -Infinity;
    }
    const c = this.#srcRing.add(si, ts);
    const half = Math.max(2, Math.ceil(cfg.threshold / 2));
    const ports = this.#srcPorts.add(si, item.dstPort, ts, w, half);
    const hosts = this.#srcHosts.add(si, item.dst, ts, w, half);
    const aimed = this.#srcTarget.add(si, item.dst, item.dstPort, ts, w, 2 * cfg.threshold) >= cfg.threshold;
    let fired = false;
    const sr = this.#srcRec.data, sLast = si * this.#srcRec.stride + this.#srcLastEmit;
    if (c >= cfg.threshold && ((ports < half && hosts < half) || aimed) && now - sr[sLast] >= w) {
      sr[sLast] = now;
      fired = true;
      emit({
        type: "syn_flood",
        tsUs: now,
        src: item.src,
        dst: item.dst,
        srcPort: item.srcPort,
        dstPort: item.dstPort,
        proto: IpProto.TCP,
        severity: 1,
        reason: `${c} SYN without handshake in ${num(cfg.window_s)} s`,
        flow: live ? slot : -1,
      });
    }

    const di = this.#dst.acquire(item.dst);
    if (this.#dst.created) {
      this.#dstRing.reset(di);
      this.#dstSources.reset(di);
      this.#dstRec.data[di * this.#dstRec.stride + this.#dstLastEmit] = -Infinity;
    }
    const n = this.#dstRing.add(di, ts);
    const sources = this.#dstSources.add(di, item.src, ts, w, SPOOF_CAP);
    const needed = Math.min(SPOOF_CAP, Math.max(SPOOF_MIN_SOURCES, Math.ceil(n / 4)));
    const dr = this.#dstRec.data, dLast = di * this.#dstRec.stride + this.#dstLastEmit;
    if (n >= cfg.dest_threshold && sources >= needed && now - dr[dLast] >= w) {
      dr[dLast] = now;
      if (fired) return;
      emit({
        type: "syn_flood",
        tsUs: now,
        src: item.src,
        dst: item.dst,
        srcPort: item.srcPort,
        dstPort: item.dstPort,
        proto: IpProto.TCP,
        severity: 1,
        spoofed: true,
        reason: `${n} SYN without handshake from ${sources >= SPOOF_CAP ? `${SPOOF_CAP}+` : sources} sources ` +
          `to one host in ${num(cfg.window_s)} s`,
        flow: live ? slot : -1,
      });
    }
  }
}
