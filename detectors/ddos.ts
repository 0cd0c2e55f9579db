/**
 * DDoS: many sources flooding one destination with traffic it never asked for.
 *
 * Only unsolicited packets are counted against their destination:
 * - TCP packets of flows that never completed a handshake (SYN floods, and mid-stream floods such
 *   as ACK/RST floods that the victim answers with at most one packet);
 * - UDP and other packets of flows the destination never answered;
 * - ICMP requests (echo and other non-reply, non-error types), answered or not.
 * When a TCP flow completes its handshake or a UDP flow gets its first answer, the packets already
 * counted for it are taken back, so busy servers (hundreds of answered DNS queries or new HTTP
 * connections per second) and any bulk transfer on established flows count nothing. Packets to
 * multicast/broadcast groups are not counted.
 *
 * A destination receiving `threshold` such packets within `window_s` is under a DDoS when either
 * - distributed: at least `min_sources` heavy sources (each sending `threshold / (10 ×
 *   min_sources)` or more unsolicited packets in the window, 17 by default) hit it and no single
 *   source sends 90 % or more of its packets (that is a single-source flood, reported by the flood
 *   detectors). Every heavy source is reported as an attacker (once per window each), so each of
 *   them can be blocked; tags hold the heavy-source count (`sources:N`); or
 * - spoofed: `threshold` of the packets are of a kind no other detector reports by destination
 *   (TCP without SYN, other protocols) and come from 64+ sources, none above 10 % — reported with
 *   `spoofed: true` and one observed source. (Spoofed SYN, UDP and ICMP floods are reported by the
 *   SYN, UDP and ICMP flood detectors with `spoofed: true`.)
 *
 * Connection floods (application-layer floods: thousands of complete connections per second from
 * several bots, each fetching a page) are answered, so they count nothing above. They are counted
 * apart: every new TCP connection (a flow opened by a SYN) counts against its source and its
 * destination, completed or not; a destination receiving `conn_threshold` new connections within
 * `window_s` from at least `min_sources` heavy sources (each opening `conn_threshold / (10 ×
 * min_sources)` or more) with no single source at 90 % or more is under a DDoS, and every heavy
 * source is reported. A busy web server's keep-alive clients (20 connections carrying 1,400
 * requests per second) open few connections and stay quiet; so does one load-testing client.
 *
 * A source whose new connections (SYNs) went to {@link SCAN_PORTS} or more ports of any hosts within
 * `window_s` is scanning, not flooding: it is no heavy source of either verdict, so a decoy scan
 * (`nmap -D`: three addresses probing 200 ports in under a second) is left to `port_scan` — unless
 * {@link SCAN_PORTS} more of them went to one host and port than anywhere else (a majority vote,
 * `_majority.ts`): a bot adding a few decoy connections to other ports still floods its target.
 *
 * HTTP requests (from the app layer, on any port) are counted the same way, so a flood of requests
 * on kept-alive connections is seen too: `request_threshold` requests within `window_s` to one
 * destination from at least `min_sources` heavy sources, none at 90 % or more.
 *
 * A single-source TCP flood without SYN (ACK, RST, FIN floods: `hping3 -A`) is no other detector's:
 * a destination receiving `threshold` TCP packets within `window_s` that each open a new flow
 * without SYN (a new source port per packet, none answered by more than a reset), on fewer than
 * {@link SINGLE_MAX_PORTS} destination ports, from one source sending 90 % or more of what the
 * destination receives unsolicited, is flooded by that source: tags `single_source` and
 * `unverified_source` (that source never completed a handshake, so its address may be forged, and
 * the IPS never blocks it: a full flow table or a one-sided capture can make a busy client look
 * the same). A connection
 * picked up mid-stream is one flow, however many packets it carries (a one-sided capture of an
 * upload counts once), and one that gets answered is taken back; an ACK scan spreads over ports. A
 * destination that sent that source anything but resets and SYN-ACKs within the window is talking with it: connections
 * a full flow table keeps evicting come back as new flows without SYN from both ends.
 *
 * @module
 */
import type { Config, DdosConfig } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { FlowState, type FlowTable } from "../flow/flow_table.ts";
import { KeyColumn, SlotRecords } from "./_slot_records.ts";
import { DEFAULT_BUCKETS } from "./_time_ring.ts";
import { DistinctWindows } from "./_distinct_windows.ts";
import { MajorityTarget } from "./_majority.ts";
import { FlowMarks } from "./_flow_marks.ts";
import { SlotMap } from "./_slot_map.ts";
import { TimeRings } from "./_time_rings.ts";
import { isGroupAddress, isIcmpRequest, num, toUs, trustedFilter, unboxed } from "./_util.ts";
import { type Detector, type Emit, QuietBit } from "./detector.ts";
import type { AppContext } from "../app/app_layer.ts";
import type { HttpRequest } from "../app/http_request.ts";

/** Share of the counted packets at or above which one source makes it a single-source flood. */
export const DOMINANT_SHARE = 0.9;
/** Distinct sources tracked per destination. */
const SOURCES_CAP = 64;
/** Distinct heavy sources tracked per destination (at least `min_sources`). */
const HEAVY_CAP = 64;

/** Distinct ports a source's SYNs reach within the window that make it a scanner, not a flood source. */
export const SCAN_PORTS = 10;

/** Destination ports a single-source TCP flood without SYN stays below (more: a scan, as for `port_scan`). */
export const SINGLE_MAX_PORTS = SCAN_PORTS;

/** Rate channels counted apart from unsolicited packets: new TCP connections and HTTP requests. */
const CONNS = 0, REQUESTS = 1;
const CHANNEL_TEXT = ["new connections", "HTTP requests"];

/** Detects distributed floods against one destination (see module docs). */
export class DdosDetector implements Detector {
  /** The attack type reported. */
  readonly type = "ddos" as const;
  /** A flow answered (and its counted packets taken back) is done with: nothing of it counts again. */
  readonly quietBit: number = QuietBit.DDOS;
  #cfg!: DdosConfig;
  #windowUs = 0;
  #trusted: TrustedMatcher | null = null;
  // Per source and per destination, one record per table slot (no object per address: a spoofed
  // flood brings thousands). A source: unsolicited packets sent, its last report, and per channel new
  // connections opened / HTTP requests sent.
  #src: SlotMap<IpKey>;
  #srcRec = new SlotRecords();
  #srcRing = new TimeRings(1, DEFAULT_BUCKETS, this.#srcRec);
  #srcLastEmit = this.#srcRec.fields(1);
  #srcSynPorts = new DistinctWindows<number>(this.#srcRec);
  /** The (host, port) most of the source's new connections went to: a flood with decoy connections is no scan. */
  #srcSynTarget = new MajorityTarget<IpKey>(this.#srcRec);
  /** Whether the packet being counted comes from a source scanning ports (set by `#count`). */
  #scanning = false;
  #srcRates: [TimeRings, TimeRings] = [
    new TimeRings(1, DEFAULT_BUCKETS, this.#srcRec),
    new TimeRings(1, DEFAULT_BUCKETS, this.#srcRec),
  ];
  // A destination: unsolicited packets received; those other detectors do not report by destination
  // (TCP without SYN, other protocols); their distinct and heavy sources; the busiest source, with
  // its slot when last looked up (checked against its key before use: saves a table look-up); the
  // last spoofed report; per channel the same for new connections / HTTP requests.
  #dst: SlotMap<IpKey>;
  #dstRec = new SlotRecords();
  #dstRing = new TimeRings(1, DEFAULT_BUCKETS, this.#dstRec);
  #dstOther = new TimeRings(1, DEFAULT_BUCKETS, this.#dstRec);
  #dstSources = new DistinctWindows<IpKey>(this.#dstRec);
  #dstHeavy = new DistinctWindows<IpKey>(this.#dstRec);
  #dstTop = new KeyColumn<IpKey>(this.#dstRec);
  #dstTopSlot = this.#dstRec.fields(1);
  #dstLastSpoofed = this.#dstRec.fields(1);
  // TCP packets opening a flow without SYN, the ports they went to, the last single-source report
  #dstNewOther = new TimeRings(1, DEFAULT_BUCKETS, this.#dstRec);
  #dstNewOtherPorts = new DistinctWindows<number>(this.#dstRec);
  #dstLastSingle = this.#dstRec.fields(1);
  // when the destination last sent its top source a TCP packet other than a reset (a conversation)
  #dstAnsweredTop = this.#dstRec.fields(1);
  #dstRates: [TimeRings, TimeRings] = [
    new TimeRings(1, DEFAULT_BUCKETS, this.#dstRec),
    new TimeRings(1, DEFAULT_BUCKETS, this.#dstRec),
  ];
  #dstRateHeavy: [DistinctWindows<IpKey>, DistinctWindows<IpKey>] = [
    new DistinctWindows(this.#dstRec),
    new DistinctWindows(this.#dstRec),
  ];
  #dstRateTop: [KeyColumn<IpKey>, KeyColumn<IpKey>] = [new KeyColumn(this.#dstRec), new KeyColumn(this.#dstRec)];
  #dstRateTopSlot: [number, number] = [this.#dstRec.fields(1), this.#dstRec.fields(1)];
  #marks = new FlowMarks();
  /** Unsolicited packets in the window that make a source heavy (from `threshold` and `min_sources`). */
  #heavyMin = 2;
  /** The same per channel, from `conn_threshold` and `request_threshold`. */
  #rateHeavyMin: [number, number] = [2, 2];

  /** Creates the detector with `config.ddos` and `config.limits`. */
  constructor(config: Config) {
    this.#src = new SlotMap(config.limits.max_tracked_ips);
    this.#dst = new SlotMap(config.limits.max_tracked_ips);
    this.configure(config);
  }

  /** Applies a new configuration; a changed window clears the counts. */
  configure(config: Config): void {
    const c = config.ddos;
    const windowUs = toUs(c.window_s);
    if (windowUs !== this.#windowUs) {
      this.#src.clear();
      this.#dst.clear();
      this.#marks.clear();
      for (
        const rings of [
          this.#srcRing,
          ...this.#srcRates,
          this.#dstRing,
          this.#dstOther,
          this.#dstNewOther,
          ...this.#dstRates,
        ]
      ) {
        rings.setWindow(windowUs);
      }
      this.#srcRec.clear();
      this.#srcSynPorts.clear();
      this.#srcSynTarget.clear();
      this.#dstSources.clear(); // and the records
      this.#dstHeavy.clear();
      this.#dstNewOtherPorts.clear();
      this.#dstRateHeavy[0].clear();
      this.#dstRateHeavy[1].clear();
      this.#dstTop.clear();
      this.#dstRateTop[0].clear();
      this.#dstRateTop[1].clear();
    }
    this.#cfg = c;
    this.#windowUs = windowUs;
    const heavyMin = (threshold: number) => Math.max(2, Math.ceil(threshold / (10 * Math.max(1, c.min_sources))));
    this.#heavyMin = heavyMin(c.threshold);
    this.#rateHeavyMin = [heavyMin(c.conn_threshold), heavyMin(c.request_threshold)];
    this.#trusted = trustedFilter(config, c.use_trusted);
    this.#src.setCapacity(config.limits.max_tracked_ips);
    this.#dst.setCapacity(config.limits.max_tracked_ips);
    this.#srcRec.limit = this.#dstRec.limit = config.limits.max_tracked_ips;
  }

  /** Entries in the per-source and per-destination tables. */
  size(): number {
    return this.#src.size + this.#dst.size;
  }

  /** Counts unsolicited packets per destination and takes back flows that turned out answered. */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void {
    if (!this.#cfg.enabled) return;
    const slot = pkt.flow;
    if (slot < 0) return;
    // most packets belong to answered flows: they only take back what their flow had counted
    const proto = pkt.proto;
    if (proto === IpProto.TCP) {
      if (!pkt.flowNew || (pkt.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) {
        const st = flows.state(slot);
        if ((st & FlowState.ESTABLISHED) !== 0 || ((st & FlowState.MIDSTREAM) !== 0 && flows.packets(slot, 1) > 1)) {
          this.#answered(flows, slot);
          return;
        }
      }
    } else if (proto !== IpProto.ICMP && proto !== IpProto.ICMPV6 && (flows.state(slot) & FlowState.REPLIED) !== 0) {
      this.#answered(flows, slot);
      return;
    }
    this.#count(pkt, flows, emit);
  }

  /**
   * Counts a packet that may be unsolicited (a new connection, an unanswered flow, an ICMP message). The steps are
   * methods of their own: one large method (~2,000 bytes of bytecode, most of it the reports) ran a whole tiny-packet
   * replay in Maglev's code, as V8 tiers a function up to TurboFan after ~3,000 times its own size in bytecode run.
   */
  #count(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const proto = pkt.proto;
    // a new connection counts on the same source and destination entries as an unsolicited packet: one look-up each
    let s = -1, d = -1;
    this.#scanning = false;
    if (
      proto === IpProto.TCP && pkt.flowNew && (pkt.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN &&
      !isGroupAddress(pkt.dst) && (this.#trusted === null || !this.#trusted(pkt.src))
    ) {
      s = this.#srcSlot(pkt.src);
      d = this.#dstSlot(pkt.dst);
      const ports = this.#srcSynPorts.add(s, pkt.dstPort, pkt.tsUs, this.#windowUs, SCAN_PORTS);
      const aimed = this.#srcSynTarget.add(s, pkt.dst, pkt.dstPort, pkt.tsUs, this.#windowUs, 2 * SCAN_PORTS);
      this.#scanning = ports >= SCAN_PORTS && aimed < SCAN_PORTS;
      this.#rate(CONNS, s, d, pkt.src, pkt.dst, pkt.srcPort, pkt.dstPort, pkt.tsUs, pkt.flow, emit);
    }
    const icmp = proto === IpProto.ICMP || proto === IpProto.ICMPV6;
    if (!this.#isUnsolicited(pkt, flows, icmp)) {
      if (!icmp) this.#refund(flows, pkt.flow);
      return;
    }
    // ICMP requests count by their own source whoever opened the ICMP "flow"; the rest by initiator
    if (!icmp && pkt.dir !== 0) {
      if (proto === IpProto.TCP) this.#conversing(pkt);
      return;
    }
    if (isGroupAddress(pkt.dst)) return;
    if (this.#trusted !== null && this.#trusted(pkt.src)) return;
    this.#unsolicited(pkt, flows, emit, s, d, icmp);
  }

  /** Whether the packet is of a kind counted against its destination (see module docs). */
  #isUnsolicited(pkt: Packet, flows: FlowTable, icmp: boolean): boolean {
    const proto = pkt.proto, slot = pkt.flow;
    const st = flows.state(slot);
    if (proto === IpProto.TCP) {
      return (st & FlowState.ESTABLISHED) === 0 && ((st & FlowState.MIDSTREAM) === 0 || flows.packets(slot, 1) <= 1);
    }
    if (icmp) return pkt.hasL4 && isIcmpRequest(proto, pkt.icmpType);
    return (st & FlowState.REPLIED) === 0;
  }

  /** Counts an unsolicited packet on its source's (`s`) and destination's (`d`) entries (-1: not looked up yet). */
  #unsolicited(pkt: Packet, flows: FlowTable, emit: Emit, s: number, d: number, icmp: boolean): void {
    const cfg = this.#cfg;
    const slot = pkt.flow;
    const proto = pkt.proto;
    const ts = pkt.tsUs, w = this.#windowUs;
    if (s < 0) s = this.#srcSlot(pkt.src);
    const sc = this.#srcRing.add(s, ts);
    if (d < 0) d = this.#dstSlot(pkt.dst);
    const dr = this.#dstRec.data, di = d * this.#dstRec.stride;
    if (this.#dstRing.sum(d) === 0) {
      this.#dstTop.set(d, pkt.src);
      dr[di + this.#dstTopSlot] = s;
    }
    const dc = this.#dstRing.add(d, ts);
    const syn = proto === IpProto.TCP && (pkt.tcpFlags & TcpFlag.SYN) !== 0;
    // (a count read from a float column, returned boxed: {@link unboxed})
    const other = unboxed(
      proto !== IpProto.UDP && !icmp && !syn ? this.#dstOther.add(d, ts) : this.#dstOther.count(d, ts),
    );
    // a TCP packet opening a flow without SYN (ACK/RST/FIN floods change the source port per packet)
    const opens = proto === IpProto.TCP && !syn && pkt.flowNew;
    if (opens) this.#conversing(pkt);
    const opened = opens ? unboxed(this.#dstNewOther.add(d, ts)) : 0;
    const openPorts = opens ? this.#dstNewOtherPorts.add(d, pkt.dstPort, ts, w, SINGLE_MAX_PORTS) : 0;
    const k = this.#dstSources.add(d, pkt.src, ts, w, SOURCES_CAP);
    const heavy = sc >= this.#heavyMin && !this.#scanning;
    const hk = heavy
      ? this.#dstHeavy.add(d, pkt.src, ts, w, Math.max(cfg.min_sources, HEAVY_CAP))
      : this.#dstHeavy.expire(d, ts, w);
    if (!icmp) this.#marks.add(flows, slot, 1);

    let topCount = sc;
    const top = this.#dstTop.get(d);
    if (top !== pkt.src) {
      const t = this.#topSlot(dr[di + this.#dstTopSlot], top);
      dr[di + this.#dstTopSlot] = t;
      const tc = t < 0 ? 0 : this.#srcRing.count(t, ts);
      if (sc > tc) {
        this.#dstTop.set(d, pkt.src);
        dr[di + this.#dstTopSlot] = s;
      } else topCount = tc;
    }
    if (dc < cfg.threshold) return;
    const share = Math.min(topCount, dc) / dc;

    if (heavy && hk >= cfg.min_sources && share < DOMINANT_SHARE) {
      const sLast = s * this.#srcRec.stride + this.#srcLastEmit;
      if (ts - this.#srcRec.data[sLast] < w) return;
      this.#srcRec.data[sLast] = ts;
      this.#reportDistributed(pkt, dc, hk, emit);
      return;
    }
    if (other >= cfg.threshold && k >= SOURCES_CAP && share < 0.1 && ts - dr[di + this.#dstLastSpoofed] >= w) {
      dr[di + this.#dstLastSpoofed] = ts;
      this.#reportSpoofed(pkt, other, emit);
      return;
    }
    if (
      opened >= cfg.threshold && openPorts < SINGLE_MAX_PORTS && share >= DOMINANT_SHARE &&
      this.#dstTop.get(d) === pkt.src && ts - dr[di + this.#dstLastSingle] >= w &&
      ts - dr[di + this.#dstAnsweredTop] >= w
    ) {
      dr[di + this.#dstLastSingle] = ts;
      this.#reportSingle(pkt, opened, emit);
    }
  }

  /**
   * Notes a TCP packet other than a reset or a SYN-ACK (which only answers a new connection: one SYN now and then
   * from the flooder must not buy it a pass) that a flow's first packets may not show as an answer: when its
   * source is a destination whose top unsolicited source is the packet's destination, the two are talking.
   * A connection the flow table evicted mid-stream (a full table: a flood elsewhere) comes back as new
   * flows without SYN from both ends; the victim of an ACK or RST flood sends resets only, or nothing.
   */
  #conversing(pkt: Packet): void {
    if ((pkt.tcpFlags & (TcpFlag.RST | TcpFlag.SYN)) !== 0) return;
    const v = this.#dst.find(pkt.src);
    if (v < 0 || this.#dstTop.get(v) !== pkt.dst) return;
    this.#dstRec.data[v * this.#dstRec.stride + this.#dstAnsweredTop] = pkt.tsUs;
  }

  /** Reports the packet's source as the one source of a TCP flood without SYN (`opened` flows in the window). */
  #reportSingle(pkt: Packet, opened: number, emit: Emit): void {
    const window = num(this.#cfg.window_s);
    const reason = `${opened} TCP packets without SYN or handshake from one source to one host in ${window} s`;
    this.#report(pkt, { tags: ["single_source", "unverified_source"], reason, spoofed: false }, emit);
  }

  /** Reports the packet's source as one of `hk` heavy sources of a distributed flood of `dc` packets. */
  #reportDistributed(pkt: Packet, dc: number, hk: number, emit: Emit): void {
    const sources = hk >= HEAVY_CAP ? `${HEAVY_CAP}+` : String(hk);
    const reason = `${dc} unanswered packets from ${sources} sources to one host in ${num(this.#cfg.window_s)} s`;
    this.#report(pkt, { tags: [`sources:${sources}`], reason, spoofed: false }, emit);
  }

  /** Reports a spoofed flood of `other` packets that no other detector reports by destination. */
  #reportSpoofed(pkt: Packet, other: number, emit: Emit): void {
    const what = pkt.proto === IpProto.TCP ? "TCP non-SYN " : "";
    const reason = `${other} unanswered ${what}packets from ${SOURCES_CAP}+ sources to one host in ${
      num(this.#cfg.window_s)
    } s`;
    this.#report(pkt, { tags: [`sources:${SOURCES_CAP}+`], reason, spoofed: true }, emit);
  }

  /** Emits one severity-1 DDoS detection on the packet's flow. */
  #report(pkt: Packet, what: { tags: string[]; reason: string; spoofed: boolean }, emit: Emit): void {
    emit({
      type: "ddos",
      tsUs: pkt.tsUs,
      src: pkt.src,
      dst: pkt.dst,
      srcPort: pkt.srcPort,
      dstPort: pkt.dstPort,
      proto: pkt.proto,
      severity: 1,
      ...(what.spoofed ? { spoofed: true } : {}),
      tags: what.tags,
      reason: what.reason,
      flow: pkt.flow,
    });
  }

  /** An HTTP request (from the app layer) counts against its client and server (see module docs). */
  onHttpRequest(_req: HttpRequest, ctx: AppContext, emit: Emit): void {
    if (!this.#cfg.enabled || isGroupAddress(ctx.server)) return;
    if (this.#trusted !== null && this.#trusted(ctx.client)) return;
    const s = this.#srcSlot(ctx.client), d = this.#dstSlot(ctx.server);
    this.#rate(REQUESTS, s, d, ctx.client, ctx.server, ctx.clientPort, ctx.serverPort, ctx.tsUs, ctx.slot, emit);
  }

  /** Counts one new connection or request against its source and destination slots (see module docs). */
  #rate(
    ch: number,
    s: number,
    d: number,
    src: IpKey,
    dst: IpKey,
    srcPort: number,
    dstPort: number,
    ts: number,
    flow: number,
    emit: Emit,
  ): void {
    const cfg = this.#cfg, w = this.#windowUs;
    const threshold = ch === CONNS ? cfg.conn_threshold : cfg.request_threshold;
    const srcRates = this.#srcRates[ch], dstRates = this.#dstRates[ch];
    const rateTop = this.#dstRateTop[ch];
    const sc = srcRates.add(s, ts);
    const dr = this.#dstRec.data, topSlot = d * this.#dstRec.stride + this.#dstRateTopSlot[ch];
    if (dstRates.sum(d) === 0) {
      rateTop.set(d, src);
      dr[topSlot] = s;
    }
    const dc = dstRates.add(d, ts);
    const heavy = sc >= this.#rateHeavyMin[ch] && !(ch === CONNS && this.#scanning);
    const hk = heavy
      ? this.#dstRateHeavy[ch].add(d, src, ts, w, Math.max(cfg.min_sources, HEAVY_CAP))
      : this.#dstRateHeavy[ch].expire(d, ts, w);
    let topCount = sc;
    const top = rateTop.get(d);
    if (top !== src) {
      const t = this.#topSlot(dr[topSlot], top);
      dr[topSlot] = t;
      const tc = t < 0 ? 0 : srcRates.count(t, ts);
      if (sc > tc) {
        rateTop.set(d, src);
        dr[topSlot] = s;
      } else topCount = tc;
    }
    if (dc < threshold || !heavy || hk < cfg.min_sources) return;
    const sLast = s * this.#srcRec.stride + this.#srcLastEmit;
    if (Math.min(topCount, dc) / dc >= DOMINANT_SHARE || ts - this.#srcRec.data[sLast] < w) return;
    this.#srcRec.data[sLast] = ts;
    this.#reportRate(ch, src, dst, srcPort, dstPort, ts, flow, dc, hk, emit);
  }

  /** Reports `src` as one of `hk` heavy sources of `dc` new connections or requests (channel `ch`) to `dst`. */
  #reportRate(
    ch: number,
    src: IpKey,
    dst: IpKey,
    srcPort: number,
    dstPort: number,
    ts: number,
    flow: number,
    dc: number,
    hk: number,
    emit: Emit,
  ): void {
    const sources = hk >= HEAVY_CAP ? `${HEAVY_CAP}+` : String(hk);
    emit({
      type: "ddos",
      tsUs: ts,
      src,
      dst,
      srcPort,
      dstPort,
      proto: IpProto.TCP,
      severity: 1,
      tags: [`sources:${sources}`],
      reason: `${dc} ${CHANNEL_TEXT[ch]} from ${sources} sources to one host in ${num(this.#cfg.window_s)} s`,
      flow,
    });
  }

  /** The source's slot (created when missing), marked most recently used. */
  #srcSlot(src: IpKey): number {
    const s = this.#src.acquire(src);
    if (this.#src.created) {
      this.#srcRing.reset(s);
      this.#srcRates[0].reset(s);
      this.#srcRates[1].reset(s);
      this.#srcSynPorts.reset(s);
      this.#srcSynTarget.reset(s);
      this.#srcRec.data[s * this.#srcRec.stride + this.#srcLastEmit] = -Infinity;
    }
    return s;
  }

  /** The destination's slot (created when missing), marked most recently used. */
  #dstSlot(dst: IpKey): number {
    const d = this.#dst.acquire(dst);
    if (this.#dst.created) {
      this.#dstRing.reset(d);
      this.#dstOther.reset(d);
      this.#dstNewOther.reset(d);
      this.#dstNewOtherPorts.reset(d);
      this.#dstSources.reset(d);
      this.#dstHeavy.reset(d);
      this.#dstTop.set(d, 0);
      const r = this.#dstRec.data, i = d * this.#dstRec.stride;
      r[i + this.#dstTopSlot] = -1;
      r[i + this.#dstLastSpoofed] = -Infinity;
      r[i + this.#dstLastSingle] = -Infinity;
      r[i + this.#dstAnsweredTop] = -Infinity;
      for (let ch = 0; ch < 2; ch++) {
        this.#dstRates[ch].reset(d);
        this.#dstRateHeavy[ch].reset(d);
        this.#dstRateTop[ch].set(d, 0);
        r[i + this.#dstRateTopSlot[ch]] = -1;
      }
    }
    return d;
  }

  /** The slot held for source `key` (what `#src.find(key)` gives), from `ref` when it still holds that key. */
  #topSlot(ref: number, key: IpKey): number {
    return ref >= 0 && this.#src.keyOf(ref) === key ? ref : this.#src.find(key);
  }

  /**
   * A TCP flow with a handshake (or a mid-stream one answered) or another flow answered: what was
   * counted for it is taken back, and as these states last, none of its later packets counts or
   * takes back anything: the pipeline stops handing them over (quiet).
   */
  #answered(flows: FlowTable, slot: number): void {
    this.#refund(flows, slot);
    flows.setQuiet(slot, QuietBit.DDOS);
  }

  /** Takes back the packets counted for a flow that got answered. */
  #refund(flows: FlowTable, slot: number): void {
    const n = this.#marks.get(flows, slot);
    if (n > 0) this.#takeBack(flows, slot, n);
  }

  #takeBack(flows: FlowTable, slot: number, n: number): void {
    this.#marks.set(flows, slot, 0);
    const t0 = flows.firstUs(slot);
    const d = this.#dst.find(flows.responderIp(slot));
    if (d >= 0) {
      this.#dstRing.sub(d, t0, n);
      // packets of mid-stream TCP flows and of protocols other than TCP/UDP were also counted as "other"
      const proto = flows.proto(slot);
      if (proto !== IpProto.UDP && (proto !== IpProto.TCP || (flows.state(slot) & FlowState.MIDSTREAM) !== 0)) {
        this.#dstOther.sub(d, t0, n);
        // (its first packet opened it without SYN)
        if (proto === IpProto.TCP) this.#dstNewOther.sub(d, t0, 1);
      }
    }
    const s = this.#src.find(flows.initiatorIp(slot));
    if (s >= 0) this.#srcRing.sub(s, t0, n);
  }
}
