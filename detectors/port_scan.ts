/**
 * Port scans: vertical (many ports), low-and-slow, and horizontal sweeps (one port, many hosts).
 *
 * Only probes count, never answers: a probe is the packet that created a flow, sent by its
 * initiator (whoever spoke first in the flow, whatever the port numbers) — a TCP segment of any
 * flags but RST or SYN-ACK (SYN, the ACK and Maimon FIN/ACK scans, the FIN/NULL/Xmas stealth
 * scans), the first UDP datagram of a flow (also from a low source port: `nmap -sU -g 53`), or (for
 * sweeps) an ICMP echo request. A victim's RSTs, SYN-ACKs and ICMP unreachables therefore never
 * make it a scanner. Not probes: datagrams to multicast/broadcast groups, a unicast datagram that
 * answers a group query the destination sent from that port to the source's port within the window
 * (LLMNR/mDNS/SSDP answers), traceroute's UDP ports 33434–33534, and — only in the first second
 * after the sensor saw its first packet, when a flow's first packet may answer a request sent before
 * the capture began — a datagram from a port < 1024 to a port ≥ 1024.
 *
 * Every probe is judged two seconds later (at most the window) on packet time and counts only if it
 * never became a conversation (see `_conversation.ts`): its TCP handshake did not complete and no
 * payload flowed (a one-sided capture still shows the client's data), a mid-stream flow was answered
 * only by a reset or not at all, a UDP/ICMP flow got no answer. A client that connects to many
 * services (FTP passive data ports, a browser opening many web servers, P2P) completes its
 * handshakes and is not counted; a SYN scan never completes one (closed ports answer RST, open ones
 * SYN-ACK that the scanner resets), an ACK or Maimon scan gets RSTs or nothing, nor does a UDP scan
 * get answers from closed ports (their ICMP unreachables belong to another flow).
 *
 * - vertical: `threshold` distinct destination ports (TCP and UDP ports counted apart) per source
 *   within `window_s`; severity 2;
 * - slow: `slow_threshold` distinct ports within `slow_window_s` when the fast rule did not fire
 *   in that window; tag `slow`, severity 3;
 * - sweep: `sweep_hosts` distinct hosts probed on one protocol/port (or ICMP echo) within
 *   `window_s`; tag `sweep`, severity 2.
 *
 * A rule reports when it is crossed, then again (at most every `min(window, 10 s)`, for slow scans
 * every `min(slow window, 60 s)`) only on a probe that adds a new port or host — a scan still in
 * progress, not traffic inside an old window; the fast rule re-alerts only after another
 * `threshold` new ports, so one more port (say, a flood to udp/53 after a TCP scan) is not a new scan.
 *
 * @module
 */
import type { Config, PortScanConfig } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { type FlowEndReason, FlowState, type FlowTable } from "../flow/flow_table.ts";
import { BoundedMap } from "./_bounded_map.ts";
import type { DelayItem } from "./_delay_queue.ts";
import { PendingVerdicts } from "./_pending.ts";
import { DistinctWindows } from "./_distinct_windows.ts";
import { SlotMap } from "./_slot_map.ts";
import { SlotRecords } from "./_slot_records.ts";
import { isGroupAddress, num, pairKey, protoText, reemitUs, toUs, trustedFilter } from "./_util.ts";
import { tcpConversation } from "./_conversation.ts";
import { type Detector, type Emit, QuietBit } from "./detector.ts";

/** Probes waiting for their verdict at most (older ones are judged early when full). */
export const PROBE_QUEUE_CAPACITY = 65536;
/** Least time between two reports of one slow scan (µs, at most the slow window). */
export const SLOW_REEMIT_US = 60_000_000;
/** After the first packet, how long a datagram from a service port may be an answer to an unseen request (µs). */
export const MIDSTREAM_START_US = 1_000_000;
/** How long after a probe its flow is checked for an answer (µs, at most the window). */
export const PROBE_GRACE_US = 2_000_000;

/** Detects port scans and host sweeps (see module docs). */
export class PortScanDetector implements Detector {
  /** The attack type reported. */
  readonly type = "port_scan" as const;
  /** Only a flow's first packet can be a probe: the flow's later packets only judge what is due (quiet). */
  readonly quietBit: number = QuietBit.PORT_SCAN;
  #cfg!: PortScanConfig;
  #windowUs = 0;
  #slowUs = 0;
  #trusted: TrustedMatcher | null = null;
  // per source: the distinct ports probed (fast and slow windows), the last reports and the new ports
  // probed after the re-alert spacing since the last fast alert (a re-alert needs `threshold` of them);
  // per (source, protocol/port): the distinct hosts probed. One record per table slot: no object per key
  #src: SlotMap<IpKey>;
  #srcRec = new SlotRecords();
  #fast = new DistinctWindows<number>(this.#srcRec);
  #slow = new DistinctWindows<number>(this.#srcRec);
  #lastFastUs = this.#srcRec.fields(1);
  #lastSlowUs = this.#srcRec.fields(1);
  #newSinceFast = this.#srcRec.fields(1);
  #sweep: SlotMap<number | string>;
  #sweepRec = new SlotRecords();
  #sweepHosts = new DistinctWindows<IpKey>(this.#sweepRec);
  #sweepLastUs = this.#sweepRec.fields(1);
  /** Group queries by (sender, source port): destination port and time, to recognise their unicast answers. */
  #groupQueries: BoundedMap<number | string, { port: number; tsUs: number }>;
  #initQuery = (old: { port: number; tsUs: number } | undefined) => old ?? { port: 0, tsUs: 0 };
  /**
   * Packet time of the first packet seen (-Infinity: none yet; a double from the start: a small
   * integer here turned into a double at the first packet, which replaced the detector's map).
   */
  #startUs = -Infinity;
  #pending = new PendingVerdicts(PROBE_QUEUE_CAPACITY, {
    graceUs: 0,
    judge: (item, flows, emit) => this.#judge(item, flows, emit),
  });
  /** @internal The pipeline calls {@link onDue} only when a queued verdict may be due (`Detector.dueGate`). */
  readonly dueGate: PendingVerdicts = this.#pending;
  /** Creates the detector with `config.port_scan` and `config.limits`. */
  constructor(config: Config) {
    this.#src = new SlotMap(config.limits.max_tracked_ips);
    this.#sweep = new SlotMap(config.limits.max_tracked_ips);
    this.#groupQueries = new BoundedMap(config.limits.max_tracked_ips);
    this.configure(config);
  }

  /** Applies a new configuration (windows and thresholds apply to the next probe). */
  configure(config: Config): void {
    const c = config.port_scan;
    this.#cfg = c;
    this.#windowUs = toUs(c.window_s);
    this.#slowUs = Math.max(this.#windowUs, toUs(c.slow_window_s));
    this.#pending.graceUs = Math.min(PROBE_GRACE_US, this.#windowUs);
    this.#trusted = trustedFilter(config, c.use_trusted);
    this.#src.setCapacity(config.limits.max_tracked_ips);
    this.#sweep.setCapacity(config.limits.max_tracked_ips);
    this.#srcRec.limit = this.#sweepRec.limit = config.limits.max_tracked_ips;
    this.#groupQueries.setCapacity(config.limits.max_tracked_ips);
  }

  /** Entries in the per-source, per-(source, port) and group-query tables. */
  size(): number {
    return this.#src.size + this.#sweep.size + this.#groupQueries.size;
  }

  /** Queues probes; judges the queued ones whose grace period is over. */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const cfg = this.#cfg;
    if (!cfg.enabled) return;
    const now = pkt.tsUs;
    if (this.#startUs < 0) this.#startUs = now;
    this.#pending.due(flows, now, emit);
    if (!pkt.flowNew) return;
    // no later packet of this flow is a flow's first: they only need onDue
    if (pkt.flow >= 0) flows.setQuiet(pkt.flow, QuietBit.PORT_SCAN);
    if (pkt.dir !== 0 || !pkt.hasL4) return;
    this.#probe(pkt, flows, emit);
  }

  /** What {@link onPacket} does for a packet that cannot be a probe: judge the queued probes now due. */
  onDue(flows: FlowTable, nowUs: number, emit: Emit): void {
    if (!this.#cfg.enabled) return;
    if (this.#startUs < 0) this.#startUs = nowUs;
    this.#pending.due(flows, nowUs, emit);
  }

  /** The first packet of a flow, from its initiator: queued when it is a probe. */
  #probe(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const now = pkt.tsUs;
    const proto = pkt.proto;
    if (proto === IpProto.TCP) {
      const f = pkt.tcpFlags;
      if ((f & TcpFlag.RST) !== 0 || (f & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK)) return;
    } else if (proto === IpProto.UDP) {
      if (isGroupAddress(pkt.dst)) {
        const q = this.#groupQueries.acquire(pairKey(pkt.src, pkt.srcPort), this.#initQuery);
        q.port = pkt.dstPort;
        q.tsUs = now;
        return;
      }
      if (pkt.srcPort < 1024 && pkt.dstPort >= 1024 && now - this.#startUs < MIDSTREAM_START_US) return;
      if (this.#groupQueries.size > 0) {
        const q = this.#groupQueries.peek(pairKey(pkt.dst, pkt.dstPort));
        if (q !== undefined && q.port === pkt.srcPort && now - q.tsUs <= this.#windowUs) return;
      }
    } else if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) {
      if (pkt.icmpType !== (proto === IpProto.ICMP ? 8 : 128)) return;
    } else {
      return;
    }
    if (isGroupAddress(pkt.dst)) return;
    if (this.#trusted !== null && this.#trusted(pkt.src)) return;
    this.#pending.push(pkt, flows, emit);
  }

  /** Judges pending probes; at the end of input (`flush`) all of them. */
  onFlowEnd(flows: FlowTable, _slot: number, reason: FlowEndReason, emit: Emit): void {
    if (!this.#cfg.enabled) return;
    this.#pending.flowEnded(flows, reason, emit);
  }

  /** Decides pending items that are due at `flows.nowUs` (idle link). */
  onTick(flows: FlowTable, emit: Emit): void {
    this.#pending.tick(flows, emit);
  }

  /** A probe whose grace period is over: counts toward the scan rules when it failed. */
  #judge(item: DelayItem, flows: FlowTable, emit: Emit): void {
    const now = this.#pending.nowUs, slot = item.slot;
    const live = slot >= 0 && flows.flowId(slot) === item.flowId;
    if (live) {
      const st = flows.state(slot);
      if (item.proto === IpProto.TCP ? tcpConversation(st) : (st & FlowState.REPLIED) !== 0) return;
    }
    const flow = live ? slot : -1;
    const proto = item.proto;
    if (proto === IpProto.TCP || (proto === IpProto.UDP && (item.dstPort < 33434 || item.dstPort > 33534))) {
      this.#vertical(item, flow, emit);
    }
    const cfg = this.#cfg;
    const key = pairKey(item.src, (proto === IpProto.TCP ? 0 : proto === IpProto.UDP ? 1 : 2) * 65536 + item.dstPort);
    const sw = this.#sweep.acquire(key);
    if (this.#sweep.created) {
      this.#sweepHosts.reset(sw);
      this.#sweepRec.data[sw * this.#sweepRec.stride + this.#sweepLastUs] = -Infinity;
    }
    const hosts = this.#sweepHosts.add(sw, item.dst, item.tsUs, this.#windowUs, Math.max(1, cfg.sweep_hosts));
    const swr = this.#sweepRec.data, swLast = sw * this.#sweepRec.stride + this.#sweepLastUs;
    if (hosts < cfg.sweep_hosts || !this.#sweepHosts.added || now - swr[swLast] < reemitUs(this.#windowUs)) return;
    swr[swLast] = now;
    const icmp = proto !== IpProto.TCP && proto !== IpProto.UDP;
    emit({
      type: "port_scan",
      tsUs: now,
      src: item.src,
      dst: item.dst,
      srcPort: item.srcPort,
      dstPort: item.dstPort,
      proto,
      severity: 2,
      tags: ["sweep"],
      reason: `${hosts} hosts probed on ${protoText(proto)}${icmp ? " echo" : `/${item.dstPort}`} ` +
        `without answer in ${num(cfg.window_s)} s`,
      flow,
    });
  }

  /** Counts a failed TCP/UDP probe toward the fast and slow distinct-port rules. */
  #vertical(item: DelayItem, flow: number, emit: Emit): void {
    const cfg = this.#cfg, ts = item.tsUs, now = this.#pending.nowUs;
    const member = (item.proto === IpProto.UDP ? 65536 : 0) + item.dstPort;
    const s = this.#src.acquire(item.src);
    if (this.#src.created) {
      this.#fast.reset(s);
      this.#slow.reset(s);
      const r = this.#srcRec.data, i = s * this.#srcRec.stride;
      r[i + this.#lastFastUs] = r[i + this.#lastSlowUs] = -Infinity;
      r[i + this.#newSinceFast] = 0;
    }
    const fast = this.#fast.add(s, member, ts, this.#windowUs, Math.max(1, cfg.threshold));
    const fastAdded = this.#fast.added;
    const slow = this.#slow.add(s, member, ts, this.#slowUs, Math.max(1, cfg.slow_threshold));
    const r = this.#srcRec.data, i = s * this.#srcRec.stride;
    const lastFast = i + this.#lastFastUs, lastSlow = i + this.#lastSlowUs, newSince = i + this.#newSinceFast;
    if (fast >= cfg.threshold) {
      if (!fastAdded) return;
      // first alert at once; again only when, after the spacing, the scan adds another `threshold` new ports
      if (r[lastFast] !== -Infinity) {
        if (now - r[lastFast] < reemitUs(this.#windowUs)) return;
        if (++r[newSince] < cfg.threshold) return;
      }
      r[lastFast] = now;
      r[newSince] = 0;
      emit({
        type: "port_scan",
        tsUs: now,
        src: item.src,
        dst: item.dst,
        srcPort: item.srcPort,
        dstPort: item.dstPort,
        proto: item.proto,
        severity: 2,
        reason: `${fast} distinct ports probed without answer in ${num(cfg.window_s)} s`,
        flow,
      });
    } else if (slow >= cfg.slow_threshold) {
      if (
        !this.#slow.added || now - r[lastFast] <= this.#slowUs ||
        now - r[lastSlow] < Math.min(this.#slowUs, SLOW_REEMIT_US)
      ) return;
      r[lastSlow] = now;
      emit({
        type: "port_scan",
        tsUs: now,
        src: item.src,
        dst: item.dst,
        srcPort: item.srcPort,
        dstPort: item.dstPort,
        proto: item.proto,
        severity: 3,
        tags: ["slow"],
        reason: `${slow} distinct ports probed without answer in ${num(cfg.slow_window_s)} s`,
        flow,
      });
    }
  }
}
