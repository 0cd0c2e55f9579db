/**
 * Online behaviour features for the flow model: the flow's own statistics plus damped per-host
 * context of its initiator and responder, updated in O(1) per packet.
 *
 * The same code extracts training rows (`ml/extract.ts`) and the rows the sensor classifies, so the
 * two cannot disagree. No raw address and no wall-clock time is a feature. Every table is bounded:
 * per-flow statistics live in typed arrays indexed by the flow table's slot (reset when a slot is
 * reused), per-host context in a capped LRU table, "seen before" pairs in a fixed-size tag table.
 *
 * Every feature is documented in `models/README.md`; change {@link FEATURE_VERSION} whenever a
 * feature's meaning, order or scale changes (the model records the version it was trained on).
 *
 * @module
 */
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { FlowState, type FlowTable } from "../flow/flow_table.ts";
import { LruIndex } from "../detectors/_lru_index.ts";

/** Version of the feature code; a model trained on another version is refused. */
export const FEATURE_VERSION = 2;

/** Feature names in row order. */
export const FEATURE_NAMES: readonly string[] = Object.freeze([
  // ---- the flow itself ----
  "proto_tcp",
  "proto_udp",
  "proto_icmp",
  "resp_port_low",
  "resp_port_log",
  "resp_port_exploit",
  "duration_log",
  "fwd_pkts_log",
  "bwd_pkts_log",
  "fwd_bytes_log",
  "bwd_bytes_log",
  "fwd_len_mean",
  "fwd_len_std",
  "fwd_len_min",
  "fwd_len_max",
  "bwd_len_mean",
  "bwd_len_std",
  "bwd_len_min",
  "bwd_len_max",
  "fwd_payload_mean",
  "bwd_payload_mean",
  "iat_mean_log",
  "iat_std_log",
  "iat_max_log",
  "syn_frac",
  "fin_frac",
  "rst_frac",
  "psh_frac",
  "ack_frac",
  "init_win_fwd",
  "init_win_bwd",
  "replied",
  "handshake",
  "midstream",
  "down_up_ratio",
  "pkt_rate_log",
  "byte_rate_log",
  // ---- the initiator's recent behaviour ----
  "src_pkts_1s",
  "src_pkts_10s",
  "src_bytes_1s",
  "src_bytes_10s",
  "src_flows_1s",
  "src_flows_10s",
  "src_ports_1s",
  "src_ports_10s",
  "src_hosts_1s",
  "src_hosts_10s",
  "src_flows_60s",
  "src_ports_60s",
  "src_hosts_60s",
  "src_repeat_10s",
  "src_repeat_60s",
  "src_exploit_share_60s",
  "src_syn_ratio",
  "src_unanswered",
  "src_in_out_ratio",
  // ---- the responder's recent behaviour ----
  "dst_pkts_in_1s",
  "dst_pkts_in_10s",
  "dst_flows_in_1s",
  "dst_flows_in_10s",
  "dst_srcs_1s",
  "dst_srcs_10s",
  "dst_flows_in_60s",
  "dst_srcs_60s",
  "dst_syn_in_ratio",
  "dst_out_in_ratio",
]);

/** Number of features per row. */
export const FEATURE_COUNT: number = FEATURE_NAMES.length;
const SRC_FEATURES = FEATURE_NAMES.filter((n) => n.startsWith("src_")).length;
const DST_FEATURES = FEATURE_NAMES.filter((n) => n.startsWith("dst_")).length;

/** Options of {@link FeatureExtractor}. */
export interface FeatureOptions {
  /** Flow slots to hold statistics for: the flow table's capacity. */
  maxFlows: number;
  /** Hosts with context (default 65536); the least recently active is evicted. */
  maxHosts?: number;
  /** Slots of the "pair seen" table (power of two, default 2^18). */
  pairSlots?: number;
}

// ---- per-flow layout ----
// Float64 (sums and time)
const D_FSUM = 0, D_FSQ = 1, D_BSUM = 2, D_BSQ = 3, D_IATSUM = 4, D_IATSQ = 5, D_LAST = 6, D_FPAY = 7, D_BPAY = 8;
const DS = 9;
// Float32 (extremes, counts, windows)
const S_FMIN = 0, S_FMAX = 1, S_BMIN = 2, S_BMAX = 3, S_IATMAX = 4, S_SYN = 5, S_FIN = 6, S_RST = 7, S_PSH = 8;
const S_ACK = 9, S_WINF = 10, S_WINB = 11;
const SS = 12;

// ---- per-host layout: [last µs][counters at 1 s][counters at 10 s] ----
const H_SENT = 0, H_SENT_B = 1, H_RCVD = 2, H_SYN = 3, H_FLOWS_OUT = 4, H_ANSWERED = 5, H_PORTS = 6;
const H_HOSTS = 7, H_FLOWS_IN = 8, H_SRCS = 9, H_SYN_IN = 10, H_REPEAT = 11, H_EXPLOIT = 12;
const HC = 13; // counters per scale
const HS = 1 + 3 * HC;
const TAU_SHORT_US = 1e6, TAU_LONG_US = 1e7, TAU_SLOW_US = 6e7;
/** Services commonly probed for exploits (the seed's exploit ports): a fixed part of the feature code. */
const EXPLOIT_PORTS = new Set([21, 22, 23, 69, 135, 139, 445, 3389, 5900]);
/** Decay is applied when at least this much packet time passed (bounds the error to 0.1 % at 1 s). */
const DECAY_STEP_US = 1000;

const NIL = -1;

function keyHash(k: IpKey): number {
  if (typeof k === "number") return Math.imul(k | 0, 0x9e3779b1);
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0xc2b2ae35);
  h ^= h >>> 15;
  return Math.imul(h, 0x27d4eb2f) ^ (h >>> 13);
}

const log1p = Math.log1p;

/** Computes the features of flows online (see module docs). */
export class FeatureExtractor {
  #d: Float64Array;
  #s: Float32Array;
  #hosts: LruIndex<IpKey>;
  #maxHosts: number;
  #h: Float64Array;
  /** Per flow slot and direction: the sender's host slot last used (checked against the key before use). */
  #flowHost: Int32Array;
  /** 1 while a host slot holds a host (an evicted slot's key is stale). */
  #alive: Uint8Array;
  #pairTag: Int32Array;
  #pairUs: Float64Array;
  #pairMask: number;
  /** Hosts pushed out of the context table by its cap. */
  hostEvictions = 0;
  /** Packet time of the latest packet (µs). */
  nowUs = 0;

  constructor(options: FeatureOptions) {
    const flows = Math.max(1, Math.floor(options.maxFlows));
    this.#d = new Float64Array(flows * DS);
    this.#s = new Float32Array(flows * SS);
    this.#flowHost = new Int32Array(flows * 2).fill(NIL);
    this.#maxHosts = Math.max(2, Math.floor(options.maxHosts ?? 65536));
    this.#hosts = new LruIndex<IpKey>(this.#maxHosts, this.#maxHosts);
    this.#h = new Float64Array(this.#maxHosts * HS);
    this.#alive = new Uint8Array(this.#maxHosts);
    let p = 1;
    while (p < (options.pairSlots ?? 1 << 18)) p <<= 1;
    this.#pairTag = new Int32Array(p);
    this.#pairUs = new Float64Array(p).fill(-Infinity);
    this.#pairMask = p - 1;
  }

  /** Hosts with context held (bounded by `maxHosts`). */
  get hosts(): number {
    return this.#hosts.size;
  }

  /** Updates the statistics with one packet; call after `flows.update(pkt)`. */
  onPacket(pkt: Packet, flows: FlowTable): void {
    const slot = pkt.flow;
    if (slot < 0) return;
    const now = pkt.tsUs;
    if (now > this.nowUs) this.nowUs = now;
    const d = this.#d, s = this.#s;
    const db = slot * DS, sb = slot * SS;
    const len = pkt.ipLen > 0 ? pkt.ipLen : pkt.wireLen;
    const pay = pkt.payloadLen;
    const dir = pkt.dir;
    const tcp = pkt.proto === IpProto.TCP && pkt.hasL4;
    const f = tcp ? pkt.tcpFlags : 0;
    if (pkt.flowNew) {
      d.fill(0, db, db + DS);
      s.fill(0, sb, sb + SS);
      s[sb + S_FMIN] = s[sb + S_BMIN] = 0;
      d[db + D_LAST] = now;
    } else {
      let iat = (now - d[db + D_LAST]) / 1e6;
      if (iat < 0) iat = 0;
      d[db + D_IATSUM] += iat;
      d[db + D_IATSQ] += iat * iat;
      if (iat > s[sb + S_IATMAX]) s[sb + S_IATMAX] = iat;
      if (now > d[db + D_LAST]) d[db + D_LAST] = now;
    }
    const nDir = flows.packets(slot, dir); // already counts this packet
    if (dir === 0) {
      d[db + D_FSUM] += len;
      d[db + D_FSQ] += len * len;
      d[db + D_FPAY] += pay;
      if (nDir === 1 || len < s[sb + S_FMIN]) s[sb + S_FMIN] = len;
      if (len > s[sb + S_FMAX]) s[sb + S_FMAX] = len;
      if (nDir === 1 && tcp) s[sb + S_WINF] = pkt.tcpWindow;
    } else {
      d[db + D_BSUM] += len;
      d[db + D_BSQ] += len * len;
      d[db + D_BPAY] += pay;
      if (nDir === 1 || len < s[sb + S_BMIN]) s[sb + S_BMIN] = len;
      if (len > s[sb + S_BMAX]) s[sb + S_BMAX] = len;
      if (nDir === 1 && tcp) s[sb + S_WINB] = pkt.tcpWindow;
    }
    if (tcp) {
      if (f & TcpFlag.SYN) s[sb + S_SYN]++;
      if (f & TcpFlag.FIN) s[sb + S_FIN]++;
      if (f & TcpFlag.RST) s[sb + S_RST]++;
      if (f & TcpFlag.PSH) s[sb + S_PSH]++;
      if (f & TcpFlag.ACK) s[sb + S_ACK]++;
    }

    // ---- host context ----
    const h = this.#h;
    // the flow remembers both hosts' slots: a packet usually costs no hash lookup
    const fh = this.#flowHost, hosts = this.#hosts;
    if (pkt.flowNew) fh[slot * 2] = fh[slot * 2 + 1] = NIL;
    let sSlot = fh[slot * 2 + dir], rSlot = fh[slot * 2 + 1 - dir];
    const alive = this.#alive;
    if (sSlot === NIL || alive[sSlot] === 0 || hosts.keyOf(sSlot) !== pkt.src) {
      sSlot = fh[slot * 2 + dir] = this.#host(pkt.src, now);
    } else this.#touch(sSlot, now);
    if (rSlot === NIL || alive[rSlot] === 0 || hosts.keyOf(rSlot) !== pkt.dst) {
      rSlot = fh[slot * 2 + 1 - dir] = this.#host(pkt.dst, now);
    } else this.#touch(rSlot, now);
    const sender = sSlot * HS;
    const receiver = rSlot * HS;
    const synOnly = (f & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN ? 1 : 0;
    for (let k = 1; k <= 2 * HC + 1; k += HC) {
      h[sender + k + H_SENT]++;
      h[sender + k + H_SENT_B] += len;
      h[sender + k + H_SYN] += synOnly;
      h[receiver + k + H_RCVD]++;
      h[receiver + k + H_SYN_IN] += synOnly;
    }
    if (pkt.flowNew) {
      // the packet's sender is the initiator
      const sk = keyHash(pkt.src), dk = keyHash(pkt.dst);
      const newPort = this.#firstSeen(mix(sk, pkt.dstPort | (pkt.proto << 16)), now);
      const newHost = this.#firstSeen(mix(sk ^ 0x5bd1e995, dk), now);
      const newService = this.#firstSeen(mix(mix(sk ^ 0x68e31da4, dk), pkt.dstPort | (pkt.proto << 16)), now);
      const exploit = newPort && EXPLOIT_PORTS.has(pkt.dstPort) ? 1 : 0;
      for (let k = 1; k <= 2 * HC + 1; k += HC) {
        h[sender + k + H_FLOWS_OUT]++;
        h[receiver + k + H_FLOWS_IN]++;
        if (!newService) h[sender + k + H_REPEAT]++;
        h[sender + k + H_EXPLOIT] += exploit;
        if (newPort) h[sender + k + H_PORTS]++;
        if (newHost) {
          h[sender + k + H_HOSTS]++;
          h[receiver + k + H_SRCS]++;
        }
      }
    } else if (dir === 1 && nDir === 1) {
      // first reply: the initiator (this packet's receiver) got an answer
      for (let k = 1; k <= 2 * HC + 1; k += HC) h[receiver + k + H_ANSWERED]++;
    }
  }

  /**
   * Writes the feature row of flow `slot` into `out` at `offset` (FEATURE_COUNT values), as of the
   * latest packet time.
   */
  write(flows: FlowTable, slot: number, out: Float32Array, offset = 0): void {
    const d = this.#d, s = this.#s;
    const db = slot * DS, sb = slot * SS;
    const proto = flows.proto(slot);
    const st = flows.state(slot);
    const fp = flows.packets(slot, 0), bp = flows.packets(slot, 1);
    const n = fp + bp;
    const durS = Math.max(0, (flows.lastUs(slot) - flows.firstUs(slot)) / 1e6);
    const fb = d[db + D_FSUM], bb = d[db + D_BSUM];
    const port = flows.responderPort(slot);
    let o = offset;
    out[o++] = proto === IpProto.TCP ? 1 : 0;
    out[o++] = proto === IpProto.UDP ? 1 : 0;
    out[o++] = proto === IpProto.ICMP || proto === IpProto.ICMPV6 ? 1 : 0;
    out[o++] = port > 0 && port < 1024 ? 1 : 0;
    out[o++] = log1p(port);
    out[o++] = EXPLOIT_PORTS.has(port) && proto !== IpProto.ICMP && proto !== IpProto.ICMPV6 ? 1 : 0;
    out[o++] = log1p(durS * 1000);
    out[o++] = log1p(fp);
    out[o++] = log1p(bp);
    out[o++] = log1p(fb);
    out[o++] = log1p(bb);
    o = writeLenStats(out, o, fp, fb, d[db + D_FSQ], s[sb + S_FMIN], s[sb + S_FMAX]);
    o = writeLenStats(out, o, bp, bb, d[db + D_BSQ], s[sb + S_BMIN], s[sb + S_BMAX]);
    out[o++] = fp > 0 ? d[db + D_FPAY] / fp : 0;
    out[o++] = bp > 0 ? d[db + D_BPAY] / bp : 0;
    const gaps = n - 1;
    const iatMean = gaps > 0 ? d[db + D_IATSUM] / gaps : 0;
    const iatVar = gaps > 0 ? Math.max(0, d[db + D_IATSQ] / gaps - iatMean * iatMean) : 0;
    out[o++] = log1p(iatMean * 1000);
    out[o++] = log1p(Math.sqrt(iatVar) * 1000);
    out[o++] = log1p(s[sb + S_IATMAX] * 1000);
    const inv = n > 0 ? 1 / n : 0;
    out[o++] = s[sb + S_SYN] * inv;
    out[o++] = s[sb + S_FIN] * inv;
    out[o++] = s[sb + S_RST] * inv;
    out[o++] = s[sb + S_PSH] * inv;
    out[o++] = s[sb + S_ACK] * inv;
    out[o++] = log1p(s[sb + S_WINF]);
    out[o++] = log1p(s[sb + S_WINB]);
    out[o++] = st & FlowState.REPLIED ? 1 : 0;
    out[o++] = st & FlowState.ESTABLISHED ? 1 : 0;
    out[o++] = st & FlowState.MIDSTREAM ? 1 : 0;
    out[o++] = log1p(bb / (fb + 1));
    const span = Math.max(durS, 0.001);
    out[o++] = log1p(n / span);
    out[o++] = log1p((fb + bb) / span);

    // ---- context ----
    const now = this.nowUs;
    const h = this.#h;
    const si = this.#hosts.find(flows.initiatorIp(slot));
    const ri = this.#hosts.find(flows.responderIp(slot));
    if (si !== NIL) {
      this.#decay(si, now);
      const b = si * HS, S = b + 1, L = b + 1 + HC, W = b + 1 + 2 * HC;
      out[o++] = log1p(h[S + H_SENT]);
      out[o++] = log1p(h[L + H_SENT]);
      out[o++] = log1p(h[S + H_SENT_B]);
      out[o++] = log1p(h[L + H_SENT_B]);
      out[o++] = log1p(h[S + H_FLOWS_OUT]);
      out[o++] = log1p(h[L + H_FLOWS_OUT]);
      out[o++] = log1p(h[S + H_PORTS]);
      out[o++] = log1p(h[L + H_PORTS]);
      out[o++] = log1p(h[S + H_HOSTS]);
      out[o++] = log1p(h[L + H_HOSTS]);
      out[o++] = log1p(h[W + H_FLOWS_OUT]);
      out[o++] = log1p(h[W + H_PORTS]);
      out[o++] = log1p(h[W + H_HOSTS]);
      out[o++] = log1p(h[L + H_REPEAT]);
      out[o++] = log1p(h[W + H_REPEAT]);
      out[o++] = ratio(h[W + H_EXPLOIT], h[W + H_PORTS]);
      out[o++] = ratio(h[L + H_SYN], h[L + H_SENT]);
      out[o++] = h[L + H_FLOWS_OUT] > 0 ? 1 - Math.min(1, h[L + H_ANSWERED] / h[L + H_FLOWS_OUT]) : 0;
      out[o++] = log1p(h[L + H_RCVD] / (h[L + H_SENT] + 1));
    } else {
      out.fill(0, o, o + SRC_FEATURES);
      o += SRC_FEATURES;
    }
    if (ri !== NIL) {
      this.#decay(ri, now);
      const b = ri * HS, S = b + 1, L = b + 1 + HC, W = b + 1 + 2 * HC;
      out[o++] = log1p(h[S + H_RCVD]);
      out[o++] = log1p(h[L + H_RCVD]);
      out[o++] = log1p(h[S + H_FLOWS_IN]);
      out[o++] = log1p(h[L + H_FLOWS_IN]);
      out[o++] = log1p(h[S + H_SRCS]);
      out[o++] = log1p(h[L + H_SRCS]);
      out[o++] = log1p(h[W + H_FLOWS_IN]);
      out[o++] = log1p(h[W + H_SRCS]);
      out[o++] = ratio(h[L + H_SYN_IN], h[L + H_RCVD]);
      out[o++] = log1p(h[L + H_SENT] / (h[L + H_RCVD] + 1));
    } else {
      out.fill(0, o, o + DST_FEATURES);
      o += DST_FEATURES;
    }
  }

  /** The host's context slot, inserted (evicting the least recently active) when absent; decayed to `now`. */
  #host(ip: IpKey, now: number): number {
    const idx = this.#hosts;
    let slot = idx.find(ip);
    if (slot === NIL) {
      if (idx.size >= this.#maxHosts) {
        const old = idx.oldest;
        idx.remove(old);
        this.#alive[old] = 0;
        this.hostEvictions++;
      }
      slot = idx.insert(ip);
      this.#alive[slot] = 1;
      const b = slot * HS;
      this.#h.fill(0, b, b + HS);
      this.#h[b] = now;
      return slot;
    }
    idx.touch(slot);
    this.#decay(slot, now);
    return slot;
  }

  #touch(slot: number, now: number): void {
    this.#hosts.touch(slot);
    this.#decay(slot, now);
  }

  #decay(slot: number, now: number): void {
    const h = this.#h;
    const b = slot * HS;
    const dt = now - h[b];
    if (dt < DECAY_STEP_US) return;
    h[b] = now;
    const fs = Math.exp(-dt / TAU_SHORT_US), fl = Math.exp(-dt / TAU_LONG_US), fw = Math.exp(-dt / TAU_SLOW_US);
    const S = b + 1, L = b + 1 + HC, W = b + 1 + 2 * HC;
    for (let i = 0; i < HC; i++) {
      h[S + i] *= fs;
      h[L + i] *= fl;
      h[W + i] *= fw;
    }
  }

  /** True when the pair hash was not seen in the last 60 s of packet time; marks it seen. */
  #firstSeen(hash: number, now: number): boolean {
    const i = (hash ^ (hash >>> 16)) & this.#pairMask;
    const fresh = this.#pairTag[i] !== hash || now - this.#pairUs[i] > 60e6;
    this.#pairTag[i] = hash;
    this.#pairUs[i] = now;
    return fresh;
  }
}

function ratio(a: number, b: number): number {
  return b > 0 ? Math.min(1, a / b) : 0;
}

function writeLenStats(out: Float32Array, o: number, n: number, sum: number, sq: number, mn: number, mx: number) {
  const mean = n > 0 ? sum / n : 0;
  out[o++] = mean;
  out[o++] = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0;
  out[o++] = mn;
  out[o++] = mx;
  return o;
}
