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
import { FlowState, type FlowTable, MIN_FLOW_SLOTS } from "../flow/flow_table.ts";
import { fmix32, hashText, PROCESS_HASH_SEED, seedWord } from "../core/hash_seed.ts";

/** Version of the feature code; a model trained on another version is refused. */
export const FEATURE_VERSION = 9;

/** Feature names in row order. */
export const FEATURE_NAMES: readonly string[] = Object.freeze([
  // ---- the flow itself ----
  "proto_tcp",
  "proto_udp",
  "proto_icmp",
  "resp_port_low",
  "resp_port_exploit",
  "duration_log",
  "fwd_pkts_log",
  "bwd_pkts_log",
  "iat_mean_log",
  "iat_std_log",
  "iat_max_log",
  "syn_frac",
  "fin_frac",
  "rst_frac",
  "psh_frac",
  "ack_frac",
  "replied",
  "handshake",
  "midstream",
  "down_up_ratio",
  "pkt_rate_log",
  // ---- the initiator's recent behaviour ----
  "src_pkts_1s",
  "src_pkts_10s",
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
  "src_short_10s",
  "src_short_60s",
  "src_short_share_60s",
  "src_pending_1s",
  "src_overlap_share_10s",
  "src_post_share_60s",
  "src_onset_10s",
  "src_half_open_60s",
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
  "dst_onset_10s",
  // ---- the flow's requests and first SYN ----
  "http_posts",
  "syn_bare",
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
  /**
   * Seed of the host index's bucket choice (default {@link PROCESS_HASH_SEED}; tests pass a fixed one): crafted
   * sources cannot share a chain. The hosts' stored hashes, and so the features, do not depend on it.
   */
  hashSeed?: number;
}

// ---- per-flow state: one 80-byte row per flow slot in one buffer, read as Float64, Float32 and Int32 ----
// (only what a feature reads: a packet touches nothing else of its flow)
const FLOW_BYTES = 80;
const FD = FLOW_BYTES / 8, FW = FLOW_BYTES / 4;
// Float64 (sums and time), indexes in the row's Float64 view
const D_FSUM = 0, D_BSUM = 1, D_IATSUM = 2, D_IATSQ = 3, D_LAST = 4;
// Float32 (extremes and counts), indexes in the row's Float32 view (after the 5 Float64s)
const S_IATMAX = 10, S_SYN = 11, S_FIN = 12, S_RST = 13, S_PSH = 14, S_ACK = 15;
// Int32: the host slot of the packet's sender per direction (I_HOST + 0: initiator, + 1: responder); 0 = none
const I_HOST = 16;
// Float32: HTTP requests of the initiator that start with "POST "
const S_POST = 18;
// Float32: 1 when the initiator's SYN carried no TCP option at all (a raw-socket tool's: hping3, nping, masscan; OS
// stacks send at least an MSS, 4–24 bytes). v5 flagged SYNs under 8 bytes, which also took MSS-only stacks for tools
const S_BARE = 19;

// ---- per-host state: one 256-byte Float64 row per host slot (all 32 used) ----
// [last decay µs][key][damped counters by time scale]. Only the (counter, scale) pairs a feature reads
// are kept; each decays on its own, so dropping the others changes no value.
const H_LAST = 0, H_KEY = 1;
// 1 s (decayed by TAU_SHORT_US). S_PEND: the host's flows still waiting for their first answer, each weighted
// e^(-age / 1 s) (added at the flow's first packet, its remaining weight taken off at the first reply)
const S_SENT = 2, S_RCVD = 3, S_FLOWS_OUT = 4, S_PORTS = 5, S_HOSTS = 6, S_FLOWS_IN = 7, S_SRCS = 8, S_PEND = 9;
// 10 s (TAU_LONG_US). L_OVERLAP: flows it started while another of its flows was waiting for an answer
const L_SENT = 10, L_RCVD = 11, L_SYN = 12, L_SYN_IN = 13, L_FLOWS_OUT = 14, L_ANSWERED = 15;
const L_PORTS = 16, L_HOSTS = 17, L_FLOWS_IN = 18, L_SRCS = 19, L_REPEAT = 20, L_SHORT = 21, L_OVERLAP = 22;
// 60 s (TAU_SLOW_US)
const W_FLOWS_OUT = 23, W_PORTS = 24, W_HOSTS = 25, W_REPEAT = 26, W_EXPLOIT = 27, W_FLOWS_IN = 28, W_SRCS = 29;
const W_SHORT = 30, W_POST = 31;
const S_FIRST = 2, L_FIRST = 10, W_FIRST = 23, W_END = 32;
const HS = 32;
/** The key column of an IPv6 host (its text is kept beside the table); no IPv4 key equals it. */
const V6_KEY = -2;
const TAU_SHORT_US = 1e6, TAU_LONG_US = 1e7, TAU_SLOW_US = 6e7;
/** Services commonly probed for exploits (the seed's exploit ports): a fixed part of the feature code. */
const EXPLOIT_PORTS = [21, 22, 23, 69, 135, 139, 445, 3389, 5900];
const EXPLOIT = new Uint8Array(65536);
for (const p of EXPLOIT_PORTS) EXPLOIT[p] = 1;
/** A TCP session closing (its first FIN or RST) within this many packets and µs of its start is "short". */
const SHORT_PKTS = 40, SHORT_US = 10e6;
/** Decay is applied when at least this much packet time passed (bounds the error to 0.1 % at 1 s). */
const DECAY_STEP_US = 1000;
/** A flow waiting for its first answer counts as "in flight" for another flow from this weight on (e^(-0.69): ~0.7 s). */
const PENDING_MIN = 0.5;
/** A pair is "seen before" for this long (µs of packet time). */
const PAIR_US = 60e6;
/** Time constant of the initiator's latest half-open connection (`src_half_open_60s`), µs. */
const HALF_OPEN_US = 60e6;
/** Offset of a stored pair tag (see `#pairs`). */
const TAG = 4294967296;

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

/**
 * Computes the features of flows online (see module docs).
 *
 * Per packet it touches the flow's 80-byte row and the 256-byte rows of its two hosts, whose slots
 * the flow remembers (checked against the packet's addresses), so a packet of a known flow hashes
 * nothing and allocates nothing. Hosts live in a fixed table of `maxHosts` rows with a chained hash
 * index and an intrusive LRU list (slot 0 is "none", so no array needs filling); when it is full
 * the least recently active host is evicted and counted. Every array is allocated once; pages no
 * flow or host reached are never touched.
 */
export class FeatureExtractor {
  #flowBuf: ArrayBuffer;
  #d: Float64Array;
  #s: Float32Array;
  #fi: Int32Array;
  #maxHosts: number;
  #h: Float64Array;
  /**
   * Packet time (µs) of each host slot's latest half-open connection (`src_half_open_60s`), −∞ when none: a column of
   * the host table, so it is reset when the slot takes a new host and read as e^(−age / 60 s).
   */
  #halfOpen: Float64Array;
  /** IPv6 host keys by slot (created at the first IPv6 host, then kept longer than the highest slot in use). */
  #v6: (string | undefined)[] | undefined;
  #hash: Int32Array;
  #chain: Int32Array;
  #buckets: Int32Array;
  #mask: number;
  /** Seed word of the host buckets (see {@link #bucketOf}). */
  #bucketSeed: number;
  /** LRU list, oldest → newest through `#next`. */
  #prev: Int32Array;
  #next: Int32Array;
  #oldest = 0;
  #newest = 0;
  #size = 0;
  /**
   * "Pair seen" slots: [tag, µs] side by side, so a probe reads one cache line. A tag is stored as
   * hash + 2^32, never 0: an untouched slot never matches (no fill, its page stays out of RSS).
   */
  #pairs: Float64Array;
  #pairMask: number;
  /** Hosts pushed out of the context table by its cap. */
  hostEvictions = 0;
  /** A host was evicted: from then on a flow's remembered host slot is checked against the packet's address. */
  #evicted = false;
  /** Packet time of the latest packet (µs). */
  nowUs = 0;
  /**
   * The packet time (µs) the private helpers work at: the packet's in {@link onPacket}, the latest in {@link write}. A
   * field, not an argument: a double passed to a call that is not inlined is boxed in a fresh heap number, several
   * per flow on the young generation.
   */
  #at = 0;

  constructor(options: FeatureOptions) {
    // as many slots as a flow table asked for `maxFlows` has (it never has fewer than MIN_FLOW_SLOTS)
    const flows = Math.max(MIN_FLOW_SLOTS, Math.floor(options.maxFlows));
    this.#flowBuf = new ArrayBuffer(flows * FLOW_BYTES);
    this.#d = new Float64Array(this.#flowBuf);
    this.#s = new Float32Array(this.#flowBuf);
    this.#fi = new Int32Array(this.#flowBuf);
    const hosts = this.#maxHosts = Math.max(2, Math.floor(options.maxHosts ?? 65536));
    this.#h = new Float64Array((hosts + 1) * HS);
    this.#halfOpen = new Float64Array(hosts + 1);
    this.#hash = new Int32Array(hosts + 1);
    this.#chain = new Int32Array(hosts + 1);
    this.#prev = new Int32Array(hosts + 1);
    this.#next = new Int32Array(hosts + 1);
    let nb = 2;
    while (nb < hosts * 2) nb <<= 1;
    this.#buckets = new Int32Array(nb);
    this.#mask = nb - 1;
    this.#bucketSeed = seedWord(options.hashSeed ?? PROCESS_HASH_SEED, 0);
    let p = 1;
    while (p < (options.pairSlots ?? 1 << 18)) p <<= 1;
    this.#pairs = new Float64Array(2 * p);
    this.#pairMask = p - 1;
  }

  /** Hosts with context held (bounded by `maxHosts`). */
  get hosts(): number {
    return this.#size;
  }

  /** Bytes of the tables (allocated once; RSS grows only with the flows and hosts actually seen). */
  get tableBytes(): number {
    return this.#flowBuf.byteLength + this.#h.byteLength + this.#halfOpen.byteLength + this.#buckets.byteLength +
      (this.#hash.byteLength + this.#chain.byteLength + this.#prev.byteLength + this.#next.byteLength) +
      this.#pairs.byteLength;
  }

  /**
   * Updates the statistics with one packet; call after `flows.update(pkt)`.
   *
   * The path every packet of a known flow takes is kept small (a smaller function is compiled sooner
   * and better): a flow's first packet, a host missing from the flow's remembered slots, a flow's
   * first reply and its first FIN or RST go to their own methods. Every value is computed by the same
   * operations in the same order as one straight function would.
   */
  onPacket(pkt: Packet, flows: FlowTable): void {
    const slot = pkt.flow;
    if (slot < 0) return;
    const now = pkt.tsUs;
    if (now > this.nowUs) this.nowUs = now;
    this.#at = now;
    const d = this.#d, s = this.#s, fi = this.#fi;
    const db = slot * FD, sb = slot * FW;
    const dir = pkt.dir;
    const tcp = pkt.proto === IpProto.TCP && pkt.hasL4;
    const f = tcp ? pkt.tcpFlags : 0;
    const isNew = pkt.flowNew;
    if (isNew) this.#resetFlow(db, sb);
    else {
      const last = d[db + D_LAST];
      // (Math.max, not `if (iat < 0) iat = 0`: Maglev boxes a variable that is a double on one path and the small
      // integer 0 on the other, one heap number per packet until TurboFan's code runs)
      const iat = Math.max(0, (now - last) / 1e6);
      d[db + D_IATSUM] += iat;
      d[db + D_IATSQ] += iat * iat;
      if (iat > s[sb + S_IATMAX]) s[sb + S_IATMAX] = iat;
      if (now > last) d[db + D_LAST] = now;
    }
    d[db + D_FSUM + dir] += pkt.ipLen > 0 ? pkt.ipLen : pkt.wireLen;
    // the flow's first FIN or RST (counted below for its initiator when the session was short)
    const closing = (f & (TcpFlag.FIN | TcpFlag.RST)) !== 0 && s[sb + S_FIN] + s[sb + S_RST] === 0;
    if (f !== 0) {
      if (f & TcpFlag.SYN) {
        s[sb + S_SYN]++;
        if (dir === 0 && (f & TcpFlag.ACK) === 0) s[sb + S_BARE] = pkt.tcpHdrLen <= 20 ? 1 : 0; // a bare 20-byte TCP header
      }
      if (f & TcpFlag.FIN) s[sb + S_FIN]++;
      if (f & TcpFlag.RST) s[sb + S_RST]++;
      if (f & TcpFlag.PSH) s[sb + S_PSH]++;
      if (f & TcpFlag.ACK) s[sb + S_ACK]++;
    }

    // an HTTP request by the initiator that starts with "POST " (a form or an API call; logins are POSTs)
    let post = 0;
    if (tcp && dir === 0 && pkt.payloadLen >= 5) {
      const buf = pkt.buf, po = pkt.payloadOff;
      if (
        buf[po] === 0x50 && buf[po + 1] === 0x4f && buf[po + 2] === 0x53 && buf[po + 3] === 0x54 && buf[po + 4] === 0x20
      ) {
        post = 1;
        s[sb + S_POST]++;
      }
    }

    // ---- host context: the flow remembers both hosts' slots, so a packet usually costs no lookup ----
    const src = pkt.src, dst = pkt.dst;
    const h = this.#h;
    // until the host table first evicts, no slot changes hands: a remembered slot still holds its host
    const kept = !this.#evicted;
    let sSlot = fi[sb + I_HOST + dir];
    if (sSlot !== 0 && (kept || (typeof src === "number" ? h[sSlot * HS + H_KEY] === src : this.#holds(sSlot, src)))) {
      if (sSlot !== this.#newest) this.#relink(sSlot);
      if (now - h[sSlot * HS + H_LAST] >= DECAY_STEP_US) this.#decay(sSlot);
    } else sSlot = fi[sb + I_HOST + dir] = this.#host(src);
    let rSlot = fi[sb + I_HOST + 1 - dir];
    if (rSlot !== 0 && (kept || (typeof dst === "number" ? h[rSlot * HS + H_KEY] === dst : this.#holds(rSlot, dst)))) {
      if (rSlot !== this.#newest) this.#relink(rSlot);
      if (now - h[rSlot * HS + H_LAST] >= DECAY_STEP_US) this.#decay(rSlot);
    } else rSlot = fi[sb + I_HOST + 1 - dir] = this.#host(dst);
    const snd = sSlot * HS, rcv = rSlot * HS;
    h[snd + S_SENT]++;
    h[snd + L_SENT]++;
    h[rcv + S_RCVD]++;
    h[rcv + L_RCVD]++;
    // (adding 0 leaves a counter as it is: only a SYN or a POST adds to these)
    if ((f & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      h[snd + L_SYN]++;
      h[rcv + L_SYN_IN]++;
    }
    if (post !== 0) h[snd + W_POST]++;
    if (isNew) this.#opened(pkt, sSlot, rSlot);
    else if (dir === 1 && flows.packets(slot, 1) === 1) this.#answered(flows, slot, rcv);
    if (closing) this.#closed(flows, slot, dir === 0 ? snd : rcv, dir === 0 && (f & TcpFlag.RST) !== 0);
  }

  /** Clears the row of a flow slot for the flow whose first packet is at `#at`. */
  #resetFlow(db: number, sb: number): void {
    const d = this.#d, s = this.#s, now = this.#at;
    d[db + D_FSUM] =
      d[db + D_BSUM] =
      d[db + D_IATSUM] =
      d[db + D_IATSQ] =
        0;
    s[sb + S_IATMAX] =
      s[sb + S_SYN] =
      s[sb + S_FIN] =
      s[sb + S_RST] =
      s[sb + S_PSH] =
      s[sb + S_ACK] =
      s[sb + S_POST] =
      s[sb + S_BARE] =
        0;
    this.#fi[sb + I_HOST] = this.#fi[sb + I_HOST + 1] = 0;
    d[db + D_LAST] = now;
  }

  /** A flow's first packet: its initiator (host slot `sSlot`) opened a flow to `rSlot`. */
  #opened(pkt: Packet, sSlot: number, rSlot: number): void {
    const h = this.#h, now = this.#at;
    const snd = sSlot * HS, rcv = rSlot * HS;
    const sk = this.#hash[sSlot], dk = this.#hash[rSlot];
    const svc = pkt.dstPort | (pkt.proto << 16);
    // three "seen before" probes, in this order; their slots are read before any is written so the
    // three cache misses overlap (a later probe of the same slot sees the earlier one's write)
    const pairs = this.#pairs;
    const h1 = mix(sk, svc), h2 = mix(sk ^ 0x5bd1e995, dk), h3 = mix(mix(sk ^ 0x68e31da4, dk), svc);
    const i1 = this.#pairAt(h1), i2 = this.#pairAt(h2), i3 = this.#pairAt(h3);
    const t1 = pairs[i1], u1 = pairs[i1 + 1], t2 = pairs[i2], u2 = pairs[i2 + 1];
    const t3 = pairs[i3], u3 = pairs[i3 + 1];
    const newPort = t1 !== h1 + TAG || now - u1 > PAIR_US;
    pairs[i1] = h1 + TAG;
    pairs[i1 + 1] = now;
    const newHost = i2 === i1 ? h1 !== h2 : t2 !== h2 + TAG || now - u2 > PAIR_US;
    pairs[i2] = h2 + TAG;
    pairs[i2 + 1] = now;
    const newService = i3 === i2 ? h2 !== h3 : i3 === i1 ? h1 !== h3 : t3 !== h3 + TAG || now - u3 > PAIR_US;
    pairs[i3] = h3 + TAG;
    pairs[i3 + 1] = now;
    // concurrency: another of its flows still waits for an answer (a pipelining client or a flood tool;
    // a sequential client waits for each answer first)
    if (h[snd + S_PEND] >= PENDING_MIN) h[snd + L_OVERLAP]++;
    h[snd + S_PEND]++;
    h[snd + S_FLOWS_OUT]++;
    h[snd + L_FLOWS_OUT]++;
    h[snd + W_FLOWS_OUT]++;
    h[rcv + S_FLOWS_IN]++;
    h[rcv + L_FLOWS_IN]++;
    h[rcv + W_FLOWS_IN]++;
    if (!newService) {
      h[snd + L_REPEAT]++;
      h[snd + W_REPEAT]++;
    }
    if (newPort) {
      h[snd + W_EXPLOIT] += EXPLOIT[pkt.dstPort];
      h[snd + S_PORTS]++;
      h[snd + L_PORTS]++;
      h[snd + W_PORTS]++;
    }
    if (newHost) {
      h[snd + S_HOSTS]++;
      h[snd + L_HOSTS]++;
      h[snd + W_HOSTS]++;
      h[rcv + S_SRCS]++;
      h[rcv + L_SRCS]++;
      h[rcv + W_SRCS]++;
    }
  }

  /** A flow's first reply: its initiator (the reply's receiver, host row `ini`) got an answer; the flow no longer waits. */
  #answered(flows: FlowTable, slot: number, ini: number): void {
    const h = this.#h, now = this.#at;
    h[ini + L_ANSWERED]++;
    // (a flow answered within the decay step still weighs 1: no exp on the common, fast path)
    const age = now - flows.firstUs(slot);
    const left = h[ini + S_PEND] - (age < DECAY_STEP_US ? 1 : Math.exp(-age / TAU_SHORT_US));
    h[ini + S_PEND] = left > 0 ? left : 0;
  }

  /** The index in `#pairs` of the entry for hash `t` (tag at the index, packet time after it). */
  #pairAt(t: number): number {
    return 2 * ((t ^ (t >>> 16)) & this.#pairMask);
  }

  /**
   * A TCP flow's first FIN or RST: when the session was short, its initiator (host row `ini`) counts it; when the
   * initiator reset it before completing the handshake, it remembers when.
   */
  #closed(flows: FlowTable, slot: number, ini: number, initiatorReset: boolean): void {
    const now = this.#at;
    if (now - flows.firstUs(slot) <= SHORT_US && flows.packets(slot, 0) + flows.packets(slot, 1) <= SHORT_PKTS) {
      // a short TCP session ended (a failed login, a probe, a one-request connection)
      this.#h[ini + L_SHORT]++;
      this.#h[ini + W_SHORT]++;
    }
    if (initiatorReset && (flows.state(slot) & (FlowState.SYN_ACK | FlowState.ESTABLISHED)) === FlowState.SYN_ACK) {
      // half-open: the initiator reset a connection its responder had accepted before completing the handshake (a
      // SYN scan, or a raw-socket tool's SYN whose SYN-ACK the kernel resets); an OS stack's connect completes it.
      // Its time goes into the initiator's host slot (evicted with the host)
      this.#halfOpen[ini / HS] = now;
    }
  }

  /**
   * Writes the feature row of flow `slot` into `out` at `offset` (FEATURE_COUNT values), as of the
   * latest packet time.
   */
  write(flows: FlowTable, slot: number, out: Float32Array, offset = 0): void {
    const d = this.#d, s = this.#s;
    const db = slot * FD, sb = slot * FW;
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
    out[o++] = EXPLOIT[port] === 1 && proto !== IpProto.ICMP && proto !== IpProto.ICMPV6 ? 1 : 0;
    out[o++] = log1p(durS * 1000);
    out[o++] = log1p(fp);
    out[o++] = log1p(bp);
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
    out[o++] = st & FlowState.REPLIED ? 1 : 0;
    out[o++] = st & FlowState.ESTABLISHED ? 1 : 0;
    out[o++] = st & FlowState.MIDSTREAM ? 1 : 0;
    out[o++] = log1p(bb / (fb + 1));
    const span = Math.max(durS, 0.001);
    out[o++] = log1p(n / span);

    // ---- context (the flow's remembered host slots when they still hold its hosts) ----
    const now = this.#at = this.nowUs;
    const h = this.#h;
    const fi = this.#fi;
    const ip = flows.initiatorIp(slot), rp = flows.responderIp(slot);
    let si = fi[sb + I_HOST];
    if (si === 0 || !this.#holds(si, ip)) si = this.#find(ip);
    let ri = fi[sb + I_HOST + 1];
    if (ri === 0 || !this.#holds(ri, rp)) ri = this.#find(rp);
    if (si !== 0) {
      this.#decay(si);
      const b = si * HS;
      out[o++] = log1p(h[b + S_SENT]);
      out[o++] = log1p(h[b + L_SENT]);
      out[o++] = log1p(h[b + S_FLOWS_OUT]);
      out[o++] = log1p(h[b + L_FLOWS_OUT]);
      out[o++] = log1p(h[b + S_PORTS]);
      out[o++] = log1p(h[b + L_PORTS]);
      out[o++] = log1p(h[b + S_HOSTS]);
      out[o++] = log1p(h[b + L_HOSTS]);
      out[o++] = log1p(h[b + W_FLOWS_OUT]);
      out[o++] = log1p(h[b + W_PORTS]);
      out[o++] = log1p(h[b + W_HOSTS]);
      out[o++] = log1p(h[b + L_REPEAT]);
      out[o++] = log1p(h[b + W_REPEAT]);
      out[o++] = ratio(h[b + W_EXPLOIT], h[b + W_PORTS]);
      out[o++] = ratio(h[b + L_SYN], h[b + L_SENT]);
      out[o++] = h[b + L_FLOWS_OUT] > 0 ? 1 - Math.min(1, h[b + L_ANSWERED] / h[b + L_FLOWS_OUT]) : 0;
      out[o++] = log1p(h[b + L_RCVD] / (h[b + L_SENT] + 1));
      out[o++] = log1p(h[b + L_SHORT]);
      out[o++] = log1p(h[b + W_SHORT]);
      out[o++] = ratio(h[b + W_SHORT], h[b + W_FLOWS_OUT]);
      out[o++] = log1p(h[b + S_PEND]);
      out[o++] = ratio(h[b + L_OVERLAP], h[b + L_FLOWS_OUT]);
      out[o++] = ratio(h[b + W_POST], h[b + W_FLOWS_OUT]);
      out[o++] = ratio(h[b + S_FLOWS_OUT], h[b + L_FLOWS_OUT]);
      // recency of its latest half-open connection (e^(-age / 60 s); 0 when none: its time is -Infinity)
      const ho = this.#halfOpen[si];
      out[o++] = now >= ho ? Math.exp(-(now - ho) / HALF_OPEN_US) : 0;
    } else {
      out.fill(0, o, o + SRC_FEATURES);
      o += SRC_FEATURES;
    }
    if (ri !== 0) {
      this.#decay(ri);
      const b = ri * HS;
      out[o++] = log1p(h[b + S_RCVD]);
      out[o++] = log1p(h[b + L_RCVD]);
      out[o++] = log1p(h[b + S_FLOWS_IN]);
      out[o++] = log1p(h[b + L_FLOWS_IN]);
      out[o++] = log1p(h[b + S_SRCS]);
      out[o++] = log1p(h[b + L_SRCS]);
      out[o++] = log1p(h[b + W_FLOWS_IN]);
      out[o++] = log1p(h[b + W_SRCS]);
      out[o++] = ratio(h[b + L_SYN_IN], h[b + L_RCVD]);
      out[o++] = log1p(h[b + L_SENT] / (h[b + L_RCVD] + 1));
      out[o++] = ratio(h[b + S_FLOWS_IN], h[b + L_FLOWS_IN]);
    } else {
      out.fill(0, o, o + DST_FEATURES);
      o += DST_FEATURES;
    }
    out[o++] = log1p(s[sb + S_POST]);
    out[o++] = s[sb + S_BARE];
  }

  /** True when host slot `slot` holds `ip`. */
  #holds(slot: number, ip: IpKey): boolean {
    return typeof ip === "number" ? this.#h[slot * HS + H_KEY] === ip : this.#v6 !== undefined && this.#v6[slot] === ip;
  }

  /**
   * The host bucket of `ip` (whose unkeyed hash is `hash`): keyed by the seed (core/hash_seed.ts), so nobody can pick
   * addresses that share a chain. An IPv4 address's hash is a bijection of it, so its bucket comes from the hash; an
   * IPv6 text's bucket comes from the keyed text hash, since texts whose unkeyed FNV-1a hashes collide fully (easy to
   * find) would otherwise share a chain under every seed. (The stored hash stays unkeyed: the "seen before" pair
   * table's positions, and so the features, come from it.)
   */
  #bucketOf(ip: IpKey, hash: number): number {
    if (typeof ip === "number") return fmix32(hash ^ this.#bucketSeed) & this.#mask;
    return hashText(ip, this.#bucketSeed) & this.#mask;
  }

  /** The longest chain of the host index (for tests and diagnostics of hash flooding). */
  maxHostChain(): number {
    let max = 0;
    for (let b = 0; b <= this.#mask; b++) {
      let n = 0;
      for (let s = this.#buckets[b]; s !== 0; s = this.#chain[s]) n++;
      if (n > max) max = n;
    }
    return max;
  }

  /** The host slot of `ip`, 0 when absent. */
  #find(ip: IpKey): number {
    if (this.#size === 0) return 0;
    const hash = keyHash(ip);
    let s = this.#buckets[this.#bucketOf(ip, hash)];
    if (typeof ip === "number") {
      const h = this.#h;
      while (s !== 0 && h[s * HS + H_KEY] !== ip) s = this.#chain[s];
    } else {
      const v6 = this.#v6;
      if (v6 === undefined) return 0; // no IPv6 host yet
      while (s !== 0 && (this.#hash[s] !== hash || v6[s] !== ip)) s = this.#chain[s];
    }
    return s;
  }

  /** The host's context slot, inserted (evicting the least recently active) when absent; decayed to `#at`. */
  #host(ip: IpKey): number {
    let slot = this.#find(ip);
    if (slot !== 0) {
      this.#touch(slot);
      return slot;
    }
    if (this.#size >= this.#maxHosts) {
      slot = this.#oldest;
      this.#unchain(slot);
      this.#unlink(slot);
      this.hostEvictions++;
      this.#evicted = true;
    } else slot = ++this.#size;
    const hash = keyHash(ip);
    this.#hash[slot] = hash;
    const bucket = this.#bucketOf(ip, hash);
    this.#chain[slot] = this.#buckets[bucket];
    this.#buckets[bucket] = slot;
    const h = this.#h, b = slot * HS;
    h.fill(0, b, b + HS);
    h[b + H_LAST] = this.#at;
    this.#halfOpen[slot] = -Infinity;
    let v6 = this.#v6;
    if (typeof ip !== "number") v6 ??= this.#v6 = [];
    // grown with the slots in use (slot <= #size), so every slot in use is in bounds
    if (v6 !== undefined) { while (v6.length <= this.#size) v6.push(undefined); }
    if (typeof ip === "number") {
      h[b + H_KEY] = ip;
      if (v6 !== undefined) v6[slot] = undefined;
    } else {
      h[b + H_KEY] = V6_KEY;
      v6![slot] = ip;
    }
    this.#linkNewest(slot);
    return slot;
  }

  #touch(slot: number): void {
    if (slot !== this.#newest) {
      this.#unlink(slot);
      this.#linkNewest(slot);
    }
    this.#decay(slot);
  }

  #relink(s: number): void {
    const prev = this.#prev, next = this.#next;
    const p = prev[s], n = next[s];
    if (p !== 0) next[p] = n;
    else this.#oldest = n;
    prev[n] = p; // n !== 0: s is not the newest
    const newest = this.#newest;
    prev[s] = newest;
    next[s] = 0;
    next[newest] = s;
    this.#newest = s;
  }

  #unchain(slot: number): void {
    const text = this.#v6 === undefined ? undefined : this.#v6[slot];
    const bucket = this.#bucketOf(text ?? this.#h[slot * HS + H_KEY], this.#hash[slot]);
    let s = this.#buckets[bucket];
    if (s === slot) {
      this.#buckets[bucket] = this.#chain[slot];
      return;
    }
    while (this.#chain[s] !== slot) s = this.#chain[s];
    this.#chain[s] = this.#chain[slot];
  }

  #unlink(s: number): void {
    const p = this.#prev[s], n = this.#next[s];
    if (p !== 0) this.#next[p] = n;
    else this.#oldest = n;
    if (n !== 0) this.#prev[n] = p;
    else this.#newest = p;
  }

  #linkNewest(s: number): void {
    this.#prev[s] = this.#newest;
    this.#next[s] = 0;
    if (this.#newest !== 0) this.#next[this.#newest] = s;
    else this.#oldest = s;
    this.#newest = s;
  }

  /** Decays the host's damped counters to `#at`. */
  #decay(slot: number): void {
    const h = this.#h, now = this.#at;
    const b = slot * HS;
    const dt = now - h[b + H_LAST];
    if (dt < DECAY_STEP_US) return;
    h[b + H_LAST] = now;
    const fs = Math.exp(-dt / TAU_SHORT_US), fl = Math.exp(-dt / TAU_LONG_US), fw = Math.exp(-dt / TAU_SLOW_US);
    for (let i = b + S_FIRST; i < b + L_FIRST; i++) h[i] *= fs;
    for (let i = b + L_FIRST; i < b + W_FIRST; i++) h[i] *= fl;
    for (let i = b + W_FIRST; i < b + W_END; i++) h[i] *= fw;
  }
}

function ratio(a: number, b: number): number {
  return b > 0 ? Math.min(1, a / b) : 0;
}
