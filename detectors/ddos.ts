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
 * HTTP requests (from the app layer, on any port) are counted the same way, so a flood of requests
 * on kept-alive connections is seen too: `request_threshold` requests within `window_s` to one
 * destination from at least `min_sources` heavy sources, none at 90 % or more.
 *
 * @module
 */
import type { Config, DdosConfig } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { FlowState, type FlowTable } from "../flow/flow_table.ts";
import { BoundedMap } from "./_bounded_map.ts";
import { DistinctWindow } from "./_distinct.ts";
import { FlowMarks } from "./_flow_marks.ts";
import { TimeRing } from "./_time_ring.ts";
import { isGroupAddress, isIcmpRequest, num, toUs, trustedFilter } from "./_util.ts";
import type { Detector, Emit } from "./detector.ts";
import type { AppContext } from "../app/app_layer.ts";
import type { HttpRequest } from "../app/http_request.ts";

/** Share of the counted packets at or above which one source makes it a single-source flood. */
export const DOMINANT_SHARE = 0.9;
/** Distinct sources tracked per destination. */
const SOURCES_CAP = 64;
/** Distinct heavy sources tracked per destination (at least `min_sources`). */
const HEAVY_CAP = 64;

/** Rate channels counted apart from unsolicited packets: new TCP connections and HTTP requests. */
const CONNS = 0, REQUESTS = 1;
const CHANNEL_TEXT = ["new connections", "HTTP requests"];

interface SrcState {
  /** The source this state is held for (NaN once pushed out of the table): validates {@link DstState.topRef}. */
  key: IpKey;
  ring: TimeRing;
  /** Per channel: new connections opened, HTTP requests sent (null until the source opens one or sends one). */
  rates: [TimeRing, TimeRing] | null;
  lastEmitUs: number;
}

interface DstState {
  ring: TimeRing;
  /** Unsolicited packets other detectors do not report by destination (TCP without SYN, other protocols). */
  other: TimeRing;
  sources: DistinctWindow<IpKey>;
  heavy: DistinctWindow<IpKey>;
  top: IpKey;
  /** The state of `top` when last looked up (checked against its key before use; saves a table look-up). */
  topRef: SrcState | null;
  lastSpoofedUs: number;
  /** Per channel: new connections / HTTP requests received, their heavy sources and busiest source. */
  rates: [TimeRing, TimeRing];
  rateHeavy: [DistinctWindow<IpKey>, DistinctWindow<IpKey>];
  rateTop: [IpKey, IpKey];
  rateTopRef: [SrcState | null, SrcState | null];
}

/** Detects distributed floods against one destination (see module docs). */
export class DdosDetector implements Detector {
  /** The attack type reported. */
  readonly type = "ddos" as const;
  #cfg!: DdosConfig;
  #windowUs = 0;
  #trusted: TrustedMatcher | null = null;
  #src: BoundedMap<IpKey, SrcState>;
  #dst: BoundedMap<IpKey, DstState>;
  #marks = new FlowMarks();
  #initSrc = (old: SrcState | undefined): SrcState => {
    if (old === undefined) return { key: NaN, ring: new TimeRing(this.#windowUs), rates: null, lastEmitUs: -Infinity };
    old.ring.clear();
    if (old.rates !== null) {
      old.rates[0].clear();
      old.rates[1].clear();
    }
    old.lastEmitUs = -Infinity;
    return old;
  };
  #initDst = (old: DstState | undefined): DstState => {
    if (old === undefined) {
      return {
        ring: new TimeRing(this.#windowUs),
        other: new TimeRing(this.#windowUs),
        sources: new DistinctWindow<IpKey>(),
        heavy: new DistinctWindow<IpKey>(),
        top: 0,
        topRef: null,
        lastSpoofedUs: -Infinity,
        rates: [new TimeRing(this.#windowUs), new TimeRing(this.#windowUs)],
        rateHeavy: [new DistinctWindow<IpKey>(), new DistinctWindow<IpKey>()],
        rateTop: [0, 0],
        rateTopRef: [null, null],
      };
    }
    old.ring.clear();
    old.other.clear();
    old.sources.clear();
    old.heavy.clear();
    old.topRef = null;
    old.rateTopRef[0] = old.rateTopRef[1] = null;
    old.lastSpoofedUs = -Infinity;
    for (let i = 0; i < 2; i++) {
      old.rates[i].clear();
      old.rateHeavy[i].clear();
    }
    return old;
  };

  /** Creates the detector with `config.ddos` and `config.limits`. */
  constructor(config: Config) {
    this.#src = new BoundedMap(config.limits.max_tracked_ips, { onEvict: (_k, s) => void (s.key = NaN) });
    this.#dst = new BoundedMap(config.limits.max_tracked_ips);
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
    }
    this.#cfg = c;
    this.#windowUs = windowUs;
    this.#trusted = trustedFilter(config, c.use_trusted);
    this.#src.setCapacity(config.limits.max_tracked_ips);
    this.#dst.setCapacity(config.limits.max_tracked_ips);
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
          this.#refund(flows, slot);
          return;
        }
      }
    } else if (proto !== IpProto.ICMP && proto !== IpProto.ICMPV6 && (flows.state(slot) & FlowState.REPLIED) !== 0) {
      this.#refund(flows, slot);
      return;
    }
    this.#count(pkt, flows, emit);
  }

  /** Counts a packet that may be unsolicited (a new connection, an unanswered flow, an ICMP message). */
  #count(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const cfg = this.#cfg;
    const slot = pkt.flow;
    const proto = pkt.proto;
    // a new connection counts on the same source and destination entries as an unsolicited packet: one look-up each
    let s: SrcState | undefined, d: DstState | undefined;
    if (
      proto === IpProto.TCP && pkt.flowNew && (pkt.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN &&
      !isGroupAddress(pkt.dst) && (this.#trusted === null || !this.#trusted(pkt.src))
    ) {
      s = this.#srcState(pkt.src);
      d = this.#dst.acquire(pkt.dst, this.#initDst);
      this.#rate(CONNS, s, d, pkt.src, pkt.dst, pkt.srcPort, pkt.dstPort, pkt.tsUs, pkt.flow, emit);
    }
    const st = flows.state(slot);
    const icmp = proto === IpProto.ICMP || proto === IpProto.ICMPV6;
    let unsolicited: boolean;
    if (proto === IpProto.TCP) {
      unsolicited = (st & FlowState.ESTABLISHED) === 0 &&
        ((st & FlowState.MIDSTREAM) === 0 || flows.packets(slot, 1) <= 1);
    } else if (icmp) {
      unsolicited = pkt.hasL4 && isIcmpRequest(proto, pkt.icmpType);
    } else {
      unsolicited = (st & FlowState.REPLIED) === 0;
    }
    if (!unsolicited) {
      if (!icmp) this.#refund(flows, slot);
      return;
    }
    // ICMP requests count by their own source whoever opened the ICMP "flow"; the rest by initiator
    if (!icmp && pkt.dir !== 0) return;
    if (isGroupAddress(pkt.dst)) return;
    if (this.#trusted !== null && this.#trusted(pkt.src)) return;

    const ts = pkt.tsUs, w = this.#windowUs;
    s ??= this.#srcState(pkt.src);
    const sc = s.ring.add(ts);
    d ??= this.#dst.acquire(pkt.dst, this.#initDst);
    if (d.ring.sum === 0) {
      d.top = pkt.src;
      d.topRef = s;
    }
    const dc = d.ring.add(ts);
    const syn = proto === IpProto.TCP && (pkt.tcpFlags & TcpFlag.SYN) !== 0;
    const other = proto !== IpProto.UDP && !icmp && !syn ? d.other.add(ts) : d.other.count(ts);
    const k = d.sources.add(pkt.src, ts, w, SOURCES_CAP);
    const heavyMin = Math.max(2, Math.ceil(cfg.threshold / (10 * Math.max(1, cfg.min_sources))));
    const heavy = sc >= heavyMin;
    const hk = heavy ? d.heavy.add(pkt.src, ts, w, Math.max(cfg.min_sources, HEAVY_CAP)) : d.heavy.expire(ts, w);
    if (!icmp) this.#marks.set(flows, slot, this.#marks.get(flows, slot) + 1);

    let topCount = sc;
    if (d.top !== pkt.src) {
      const t = this.#topState(d.topRef, d.top);
      d.topRef = t ?? null;
      const tc = t === undefined ? 0 : t.ring.count(ts);
      if (sc > tc) {
        d.top = pkt.src;
        d.topRef = s;
      } else topCount = tc;
    }
    if (dc < cfg.threshold) return;
    const share = Math.min(topCount, dc) / dc;

    if (heavy && hk >= cfg.min_sources && share < DOMINANT_SHARE) {
      if (ts - s.lastEmitUs < w) return;
      s.lastEmitUs = ts;
      const sources = hk >= HEAVY_CAP ? `${HEAVY_CAP}+` : String(hk);
      emit({
        type: "ddos",
        tsUs: ts,
        src: pkt.src,
        dst: pkt.dst,
        srcPort: pkt.srcPort,
        dstPort: pkt.dstPort,
        proto,
        severity: 1,
        tags: [`sources:${sources}`],
        reason: `${dc} unanswered packets from ${sources} sources to one host in ${num(cfg.window_s)} s`,
        flow: slot,
      });
      return;
    }
    if (other >= cfg.threshold && k >= SOURCES_CAP && share < 0.1 && ts - d.lastSpoofedUs >= w) {
      d.lastSpoofedUs = ts;
      emit({
        type: "ddos",
        tsUs: ts,
        src: pkt.src,
        dst: pkt.dst,
        srcPort: pkt.srcPort,
        dstPort: pkt.dstPort,
        proto,
        severity: 1,
        spoofed: true,
        tags: [`sources:${SOURCES_CAP}+`],
        reason: `${other} unanswered ${proto === IpProto.TCP ? "TCP non-SYN " : ""}packets from ${SOURCES_CAP}+ ` +
          `sources to one host in ${num(cfg.window_s)} s`,
        flow: slot,
      });
    }
  }

  /** An HTTP request (from the app layer) counts against its client and server (see module docs). */
  onHttpRequest(_req: HttpRequest, ctx: AppContext, emit: Emit): void {
    if (!this.#cfg.enabled || isGroupAddress(ctx.server)) return;
    if (this.#trusted !== null && this.#trusted(ctx.client)) return;
    const s = this.#srcState(ctx.client), d = this.#dst.acquire(ctx.server, this.#initDst);
    this.#rate(REQUESTS, s, d, ctx.client, ctx.server, ctx.clientPort, ctx.serverPort, ctx.tsUs, ctx.slot, emit);
  }

  /** Counts one new connection or request against its source and destination (see module docs). */
  #rate(
    ch: number,
    s: SrcState,
    d: DstState,
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
    const sc = (s.rates ??= [new TimeRing(w), new TimeRing(w)])[ch].add(ts);
    if (d.rates[ch].sum === 0) {
      d.rateTop[ch] = src;
      d.rateTopRef[ch] = s;
    }
    const dc = d.rates[ch].add(ts);
    const heavyMin = Math.max(2, Math.ceil(threshold / (10 * Math.max(1, cfg.min_sources))));
    const heavy = sc >= heavyMin;
    const hk = heavy
      ? d.rateHeavy[ch].add(src, ts, w, Math.max(cfg.min_sources, HEAVY_CAP))
      : d.rateHeavy[ch].expire(ts, w);
    let topCount = sc;
    const top = d.rateTop[ch];
    if (top !== src) {
      const t = this.#topState(d.rateTopRef[ch], top);
      d.rateTopRef[ch] = t ?? null;
      const tc = t === undefined || t.rates === null ? 0 : t.rates[ch].count(ts);
      if (sc > tc) {
        d.rateTop[ch] = src;
        d.rateTopRef[ch] = s;
      } else topCount = tc;
    }
    if (dc < threshold || !heavy || hk < cfg.min_sources) return;
    if (Math.min(topCount, dc) / dc >= DOMINANT_SHARE || ts - s.lastEmitUs < w) return;
    s.lastEmitUs = ts;
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
      reason: `${dc} ${CHANNEL_TEXT[ch]} from ${sources} sources to one host in ${num(cfg.window_s)} s`,
      flow,
    });
  }

  /** The source's entry (created when missing), marked most recently used. */
  #srcState(src: IpKey): SrcState {
    const s = this.#src.acquire(src, this.#initSrc);
    s.key = src;
    return s;
  }

  /** The state held for `key` (what `#src.peek(key)` gives), from `ref` when it is still that key's. */
  #topState(ref: SrcState | null, key: IpKey): SrcState | undefined {
    return ref !== null && ref.key === key ? ref : this.#src.peek(key);
  }

  /** Takes back the packets counted for a flow that got answered. */
  #refund(flows: FlowTable, slot: number): void {
    const n = this.#marks.get(flows, slot);
    if (n > 0) this.#takeBack(flows, slot, n);
  }

  #takeBack(flows: FlowTable, slot: number, n: number): void {
    this.#marks.set(flows, slot, 0);
    const t0 = flows.firstUs(slot);
    const d = this.#dst.peek(flows.responderIp(slot));
    if (d !== undefined) {
      d.ring.sub(t0, n);
      // packets of mid-stream TCP flows and of protocols other than TCP/UDP were also counted as "other"
      const proto = flows.proto(slot);
      if (proto !== IpProto.UDP && (proto !== IpProto.TCP || (flows.state(slot) & FlowState.MIDSTREAM) !== 0)) {
        d.other.sub(t0, n);
      }
    }
    this.#src.peek(flows.initiatorIp(slot))?.ring.sub(t0, n);
  }
}
