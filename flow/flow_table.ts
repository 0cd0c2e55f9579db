/**
 * Bidirectional flow table on packet time, with a hard cap and allocation-free updates for IPv4.
 *
 * Flows live in slots. A slot's fields sit together in two packed records (eight doubles: addresses,
 * counters, times — one cache line; eight 32-bit words: hash, ports, links, protocol, state, list), so
 * a look-up, an update and an expiry touch two cache lines per flow rather than one per field. A flow
 * is keyed by its 5-tuple in canonical order (the lower address/port first) so both directions hit the
 * same slot. The hash index is open addressing (linear probing, at most half full) of one 32-bit word
 * per bucket: slot + 1 in the low bits, then the bucket's distance from the flow's home bucket, then the
 * hash's high bits (a tag): a packet of a new flow finds its key absent from the tags in one or two
 * adjacent cache lines of the index, without reading other flows' records (with hash chains every flow
 * ahead in the chain was a record read, a cache miss each under a flood of new flows); a removal shifts
 * the entries after it back (no tombstones), finding their homes from their distances. One word
 * per bucket, as the chains had: an index of two words per bucket (slot, full hash) no longer stayed in
 * the core's cache on traffic with fewer live flows (`--no-detect` on the attack-heavy capture ~10 %
 * slower). Each slot sits in one of six LRU
 * lists, one per timeout (TCP new / established / closed, UDP, ICMP, other); list tails are the
 * oldest and every flow in a list has the same timeout, so expiry is exact and O(1) per packet.
 * When the table is full the least recently active flow is evicted and counted.
 *
 * @module
 */
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { fmix32, hashText, PROCESS_HASH_SEED, seedWord } from "../core/hash_seed.ts";

/** TCP/flow state bits (see {@link FlowTable.state}). */
export const FlowState = {
  /** A SYN without ACK was seen from the initiator. */
  SYN: 1,
  /** A SYN-ACK was seen from the responder. */
  SYN_ACK: 2,
  /** The three-way handshake completed (ACK after SYN-ACK). */
  ESTABLISHED: 4,
  /** A FIN was seen in either direction. */
  FIN: 8,
  /** A RST was seen in either direction. */
  RST: 16,
  /** The responder has sent at least one packet. */
  REPLIED: 32,
  /** The flow's first packet was not a SYN (mid-stream pickup or unsolicited). */
  MIDSTREAM: 64,
  /** The initiator sent payload (TCP: in a segment without SYN, i.e. after a handshake it took part in). */
  INIT_DATA: 128,
  /** The responder sent payload (TCP: in a segment without SYN). */
  RESP_DATA: 256,
} as const;

// Plain numbers rather than property loads in the packet path: optimized code that reaches a branch for the
// first time (the first UDP packet, the first FIN) then needs no type feedback and does not deoptimize.
const P_ICMP = IpProto.ICMP;
const P_ICMPV6 = IpProto.ICMPV6;
const P_TCP = IpProto.TCP;
const P_UDP = IpProto.UDP;
const ST_ESTABLISHED = FlowState.ESTABLISHED;
const ST_FIN = FlowState.FIN;
const ST_INIT_DATA = FlowState.INIT_DATA;
const ST_MIDSTREAM = FlowState.MIDSTREAM;
const ST_REPLIED = FlowState.REPLIED;
const ST_RESP_DATA = FlowState.RESP_DATA;
const ST_RST = FlowState.RST;
const ST_SYN = FlowState.SYN;
const ST_SYN_ACK = FlowState.SYN_ACK;
const TCP_ACK = TcpFlag.ACK;
const TCP_FIN = TcpFlag.FIN;
const TCP_RST = TcpFlag.RST;
const TCP_SYN = TcpFlag.SYN;
// shifts taking the FIN flag (1) to FlowState.FIN (8) and RST (4) to FlowState.RST (16) (the model check in
// flow_table_test.ts compares every state with a reference)
const FIN_TO_STATE = 3;
const RST_TO_STATE = 2;

/** Why a flow ended. */
export type FlowEndReason = "timeout" | "evicted" | "closed" | "flush";

/** Timeouts in seconds. */
export interface FlowTimeouts {
  tcp_new: number;
  tcp_established: number;
  tcp_closed: number;
  udp: number;
  icmp: number;
  other: number;
}

/** Options of {@link FlowTable}. */
export interface FlowTableOptions {
  /** Hard cap on live flows (default 262144). */
  maxFlows?: number;
  /** Timeouts on packet time (seconds). */
  timeouts?: Partial<FlowTimeouts>;
  /** Called when a flow leaves the table (before its slot is reused). */
  onEnd?: (table: FlowTable, slot: number, reason: FlowEndReason) => void;
  /** Seed of the hash index's keyed hash (default {@link PROCESS_HASH_SEED}; tests pass a fixed one). */
  hashSeed?: number;
}

/** Default timeouts (seconds). */
export const DEFAULT_FLOW_TIMEOUTS: Readonly<FlowTimeouts> = {
  tcp_new: 30,
  tcp_established: 600,
  tcp_closed: 10,
  udp: 60,
  icmp: 30,
  other: 60,
};

const NIL = -1;
// timeout classes = indexes into #timeoutUs; one LRU list each
const CLASS_TCP_NEW = 0;
const CLASS_TCP_ESTABLISHED = 1;
const CLASS_TCP_CLOSED = 2;
const CLASS_UDP = 3;
const CLASS_ICMP = 4;
const CLASS_OTHER = 5;
const CLASSES = 6;

/** Reads one address key component: IPv6 texts hash to 32 bits (keyed by `seed`). */
function hashKey(k: IpKey, seed: number): number {
  return typeof k === "number" ? k | 0 : hashText(k, seed);
}

function lessKey(a: IpKey, b: IpKey): boolean {
  if (typeof a === "number" && typeof b === "number") return a < b;
  if (typeof a === typeof b) return (a as string) < (b as string);
  return typeof a === "number"; // IPv4 sorts before IPv6
}

// per-slot record of doubles (F = 8 per slot): one 64-byte cache line
const F = 8;
const F_A = 0; // canonical lower address (IPv4 number; NaN for IPv6: the text is in #strA)
const F_B = 1;
const F_PKTS = 2; // + dir
const F_BYTES = 4; // + dir
const F_LAST = 6;
const F_FIRST = 7;
// per-slot record of 32-bit words (I = 8 per slot; word 7 unused: records stay 32-byte aligned)
const I = 8;
const I_HASH = 0;
const I_PORTS = 1; // portA << 16 | portB, as int32
const I_PREV = 2; // LRU list links
const I_NEXT = 3;
const I_PROTO = 4; // proto | initiator-is-b << 8 | detectors' quiet bits << 16
const I_STATE = 5;
const I_CLS = 6; // the LRU list, -1 when unlinked
/** Hash buckets of a new table (doubled as flows are added). */
const MIN_BUCKETS = 4096;
/** Fewest flow slots a table has, whatever `maxFlows` asks for (per-flow columns elsewhere size to match). */
export const MIN_FLOW_SLOTS = 16;

/** The flow table. */
export class FlowTable {
  readonly capacity: number;
  #timeoutUs: Float64Array = new Float64Array(6);
  #onEnd: FlowTableOptions["onEnd"];
  // seed words of the keyed hash (see #hash)
  #seedA: number;
  #seedB: number;
  #seedProto: number;
  #seedText: number;

  // Records are written in full when a slot is taken, so the arrays need no initial fill (their pages
  // stay untouched until used: a new table costs next to nothing to build).
  #f: Float64Array;
  #i: Int32Array;
  // IPv6 text beside the numbers, grown with the slots in use (from the first IPv6 flow on): arrays sized for the
  // cap (2 MB each) took milliseconds to build, and every full GC then marks them (IPv6 is on nearly every link)
  #strA: (string | undefined)[] = [];
  #strB: (string | undefined)[] = [];
  #id: Float64Array;
  // hash index: a bucket holds slot + 1 in its low #slotBits bits and the high bits of the flow's hash above them (0 =
  // empty: a zeroed array is an empty table); grown with the live flows (at least two buckets per flow, up to two per
  // slot of the cap): a look-up reads one random bucket, and an index sized for the cap (2 MB by default) misses the
  // cache on nearly every packet
  #buckets: Int32Array;
  /** Buckets − 1. */
  #mask: number;
  /** The bits of a bucket that hold slot + 1 (low) and those that hold the hash's tag (high). */
  #slotMask: number;
  #tagMask: number;
  /** Where a bucket's distance from its home starts, and the distance that says "this or more: see the record". */
  #distShift: number;
  #distMax: number;
  #maxBuckets: number;
  // LRU lists per class (head = newest)
  #head = new Int32Array(CLASSES).fill(NIL);
  #tail = new Int32Array(CLASSES).fill(NIL);
  // freed slots (reused last-in first-out), then slots never used yet from #unused up
  #free: Int32Array;
  #freeTop = 0;
  #unused = 0;
  /**
   * No flow can time out before this packet time (µs): the least of (tail's last packet + timeout)
   * over the lists, lowered when a list gets its first flow, recomputed after each expiry pass.
   */
  #expireCheckUs = -Infinity;
  #nextId = 1;
  /** Called with the slot of each new flow (see {@link onCreate}). */
  #created: ((slot: number) => void)[] = [];

  /** Live flows. */
  size = 0;
  /** Flows created since start. */
  created = 0;
  /** Flows removed because the table was full. */
  evictions = 0;
  /** Flows removed by timeout. */
  expired = 0;
  /** Latest packet time seen (µs). */
  nowUs = 0;

  constructor(options: FlowTableOptions = {}) {
    const seed = options.hashSeed ?? PROCESS_HASH_SEED;
    this.#seedA = seedWord(seed, 0);
    this.#seedB = seedWord(seed, 1);
    this.#seedProto = seedWord(seed, 2) | 1;
    this.#seedText = seedWord(seed, 3);
    const cap = Math.max(MIN_FLOW_SLOTS, Math.floor(options.maxFlows ?? 262144));
    this.capacity = cap;
    this.#onEnd = options.onEnd;
    this.setTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, ...options.timeouts });
    this.#f = new Float64Array(cap * F);
    this.#i = new Int32Array(cap * I);
    this.#id = new Float64Array(cap);
    let nb = 1;
    while (nb < cap * 2) nb <<= 1;
    this.#maxBuckets = nb;
    nb = Math.min(nb, MIN_BUCKETS);
    this.#buckets = new Int32Array(nb);
    this.#mask = nb - 1;
    let bits = 1;
    while (bits < 28 && 2 ** bits <= cap) bits++; // slot + 1 ≤ cap < 2^bits
    const distBits = Math.min(4, (32 - bits) >> 1); // 4 at the default cap: 0-14, 15 for farther ones
    this.#slotMask = (1 << bits) - 1;
    this.#distShift = bits;
    this.#distMax = (1 << distBits) - 1;
    this.#tagMask = ~((1 << (bits + distBits)) - 1);
    this.#free = new Int32Array(cap);
  }

  /** Changes timeouts (seconds); applies to the next packet. */
  setTimeouts(t: FlowTimeouts): void {
    const u = this.#timeoutUs;
    u[0] = t.tcp_new * 1e6;
    u[1] = t.tcp_established * 1e6;
    u[2] = t.tcp_closed * 1e6;
    u[3] = t.udp * 1e6;
    u[4] = t.icmp * 1e6;
    u[5] = t.other * 1e6;
    this.#expireCheckUs = -Infinity;
  }

  /**
   * Finds or creates the flow of a decoded IP packet and updates it. Sets `pkt.flow`, `pkt.dir`
   * and `pkt.flowNew`. Packets without an IP header are ignored (returns -1).
   */
  update(pkt: Packet): number {
    if (pkt.ipVersion === 0) return NIL;
    const now = pkt.tsUs;
    if (now > this.nowUs) this.nowUs = now;
    if (this.nowUs >= this.#expireCheckUs) this.#expire(this.nowUs);

    const proto = pkt.proto;
    let sp = 0, dp = 0;
    if (pkt.hasL4 && (proto === P_TCP || proto === P_UDP)) {
      sp = pkt.srcPort;
      dp = pkt.dstPort;
    }
    // ICMP and other protocols: one flow between two hosts (ports 0)
    const src = pkt.src, dst = pkt.dst;
    const fr = this.#f, ir = this.#i;
    // canonical order: the lower endpoint is "a"
    let swapped: boolean, h: number, slot: number, ports: number;
    if (typeof src === "number" && typeof dst === "number") {
      // IPv4: numbers only (IPv6 slots hold NaN in the number fields, so they never match)
      swapped = src === dst ? sp > dp : src > dst;
      const a = swapped ? dst : src, b = swapped ? src : dst;
      ports = (swapped ? dp : sp) << 16 | (swapped ? sp : dp);
      h = fmix32(a ^ this.#seedA) ^ fmix32(b ^ this.#seedB) ^ fmix32(ports ^ Math.imul(proto, this.#seedProto));
      const bk = this.#buckets, mask = this.#mask, tagMask = this.#tagMask;
      // (a tag equal to another flow's is rare: the records are read only then)
      for (let i = (h ^ (h >>> 15)) & mask;; i = (i + 1) & mask) {
        const e = bk[i];
        if (e === 0) {
          slot = NIL;
          break;
        }
        if (((e ^ h) & tagMask) === 0) {
          const s = (e & this.#slotMask) - 1, o = s * I;
          if (
            ir[o + I_HASH] === h && ir[o + I_PORTS] === ports && (ir[o + I_PROTO] & 0xff) === proto &&
            fr[s * F + F_A] === a && fr[s * F + F_B] === b
          ) {
            slot = s;
            break;
          }
        }
      }
    } else {
      swapped = src === dst ? sp > dp : !lessKey(src, dst);
      const a = swapped ? dst : src, b = swapped ? src : dst;
      ports = (swapped ? dp : sp) << 16 | (swapped ? sp : dp);
      h = this.#hash(a, b, ports, proto);
      slot = this.#findText(a, b, h, ports, proto);
    }
    const isNew = slot === NIL;
    if (isNew) slot = this.#create(pkt, swapped, h, ports);
    const o = slot * I, of = slot * F;
    const dir = (swapped ? 1 : 0) ^ ((ir[o + I_PROTO] >>> 8) & 1);
    fr[of + F_PKTS + dir]++;
    fr[of + F_BYTES + dir] += pkt.wireLen;
    fr[of + F_LAST] = this.nowUs; // never backwards: keeps the LRU lists ordered when packets arrive out of order

    let st = ir[o + I_STATE];
    if (dir === 1) st |= ST_REPLIED;
    // payload from the IP length (a short snaplen still shows that data was sent)
    if (
      pkt.hasL4 &&
      (proto === P_TCP
        ? (pkt.tcpFlags & TCP_SYN) === 0 && pkt.ipLen - pkt.ipHdrLen - pkt.tcpHdrLen > 0
        : pkt.payloadLen > 0 || (proto === P_UDP && pkt.ipLen - pkt.ipHdrLen > 8))
    ) {
      st |= dir === 0 ? ST_INIT_DATA : ST_RESP_DATA;
    }
    if (proto === P_TCP && pkt.hasL4) {
      const f = pkt.tcpFlags;
      if (f & TCP_SYN) {
        if (f & TCP_ACK) {
          if (dir === 1) st |= ST_SYN_ACK;
        } else if (dir === 0) st |= ST_SYN;
      } else if ((f & TCP_ACK) && dir === 0 && (st & ST_SYN_ACK)) {
        st |= ST_ESTABLISHED;
      }
      // without branches: a first FIN or RST then meets no optimized code lacking type feedback (a deoptimization)
      st |= ((f & TCP_FIN) << FIN_TO_STATE) | ((f & TCP_RST) << RST_TO_STATE);
    }
    ir[o + I_STATE] = st;

    // timeout class + move to the head of its LRU list
    const cls = classOf(proto, st);
    if (isNew) this.#linkHead(slot, cls);
    else if (this.#head[cls] !== slot) {
      this.#unlink(slot);
      this.#linkHead(slot, cls);
    }

    pkt.flow = slot;
    pkt.dir = dir;
    pkt.flowNew = isNew;
    return slot;
  }

  /**
   * The slot of an IPv6 flow (or NIL), from its canonical key. A method of its own: IPv6 packets are few on most
   * links, so the optimizing compiler does not inline this into {@link update}, and the first time a look-up walks
   * past another flow in its hash chain (code that had never run) does not throw the optimized update away.
   */
  #findText(a: IpKey, b: IpKey, h: number, ports: number, proto: number): number {
    const fr = this.#f, ir = this.#i, bk = this.#buckets, mask = this.#mask;
    for (let i = (h ^ (h >>> 15)) & mask;; i = (i + 1) & mask) {
      const e = bk[i];
      if (e === 0) return NIL;
      if (((e ^ h) & this.#tagMask) !== 0) continue;
      const slot = (e & this.#slotMask) - 1, o = slot * I;
      if (
        ir[o + I_HASH] === h && ir[o + I_PORTS] === ports && (ir[o + I_PROTO] & 0xff) === proto &&
        (typeof a === "number" ? fr[slot * F + F_A] === a : this.#strA[slot] === a) &&
        (typeof b === "number" ? fr[slot * F + F_B] === b : this.#strB[slot] === b)
      ) return slot;
    }
  }

  /** A new flow for `pkt` (its canonical key from {@link update}); returns the slot. */
  #create(pkt: Packet, swapped: boolean, h: number, ports: number): number {
    const slot = this.#alloc();
    const a = swapped ? pkt.dst : pkt.src, b = swapped ? pkt.src : pkt.dst;
    const proto = pkt.proto;
    const fr = this.#f, ir = this.#i;
    const of = slot * F, o = slot * I;
    if (typeof a === "number") fr[of + F_A] = a;
    else {
      setText(this.#strA, slot, a);
      fr[of + F_A] = NaN;
    }
    if (typeof b === "number") fr[of + F_B] = b;
    else {
      setText(this.#strB, slot, b);
      fr[of + F_B] = NaN;
    }
    fr[of + F_PKTS] = 0;
    fr[of + F_PKTS + 1] = 0;
    fr[of + F_BYTES] = 0;
    fr[of + F_BYTES + 1] = 0;
    fr[of + F_LAST] = this.nowUs;
    fr[of + F_FIRST] = pkt.tsUs;
    ir[o + I_HASH] = h;
    ir[o + I_PORTS] = ports;
    ir[o + I_PROTO] = proto | (swapped ? 256 : 0); // (no quiet bits: see quietBits)
    ir[o + I_STATE] = proto === P_TCP && pkt.hasL4 && (pkt.tcpFlags & (TCP_SYN | TCP_ACK)) !== TCP_SYN
      ? ST_MIDSTREAM
      : 0;
    ir[o + I_PREV] = NIL;
    ir[o + I_NEXT] = NIL;
    ir[o + I_CLS] = -1;
    this.#id[slot] = this.#nextId++;
    const created = this.#created;
    for (let k = 0; k < created.length; k++) created[k](slot);
    if (this.size * 2 >= this.#buckets.length && this.#buckets.length < this.#maxBuckets) this.#growBuckets();
    this.#place(slot, h);
    this.size++;
    this.created++;
    return slot;
  }

  /** Doubles the hash index and places every live flow in it again (its hash from its record). */
  #growBuckets(): void {
    const old = this.#buckets, ir = this.#i, slotMask = this.#slotMask;
    const nb = old.length * 2;
    this.#buckets = new Int32Array(nb);
    this.#mask = nb - 1;
    for (let i = 0; i < old.length; i++) {
      const e = old[i];
      if (e !== 0) this.#place((e & slotMask) - 1, ir[((e & slotMask) - 1) * I + I_HASH]);
    }
  }

  /**
   * The keyed hash of a flow's canonical key: each part mixed with its own seed word (murmur3's fmix32), then
   * combined. {@link update}'s IPv4 path computes the same inline.
   */
  #hash(a: IpKey, b: IpKey, ports: number, proto: number): number {
    return fmix32(hashKey(a, this.#seedText) ^ this.#seedA) ^ fmix32(hashKey(b, this.#seedText) ^ this.#seedB) ^
      fmix32(ports ^ Math.imul(proto, this.#seedProto));
  }

  /**
   * The longest distance of a flow's bucket from its hash's home (a look-up walks at most one bucket more): for tests
   * and diagnostics of hash flooding.
   */
  maxProbeDistance(): number {
    const bk = this.#buckets, mask = this.#mask, ir = this.#i, slotMask = this.#slotMask;
    let max = 0;
    for (let i = 0; i <= mask; i++) {
      if (bk[i] === 0) continue;
      const h = ir[((bk[i] & slotMask) - 1) * I + I_HASH], d = (i - ((h ^ (h >>> 15)) & mask)) & mask;
      if (d > max) max = d;
    }
    return max;
  }

  /** Puts `slot` (hash `h`) in the first empty bucket from its home, with its distance from there and its tag. */
  #place(slot: number, h: number): void {
    const bk = this.#buckets, mask = this.#mask, max = this.#distMax;
    let i = (h ^ (h >>> 15)) & mask, d = 0;
    while (bk[i] !== 0) {
      i = (i + 1) & mask;
      d++;
    }
    bk[i] = (h & this.#tagMask) | (d < max ? d : max) << this.#distShift | (slot + 1);
  }

  /** State bits of a flow ({@link FlowState}). */
  state(slot: number): number {
    return this.#i[slot * I + I_STATE];
  }
  /** Packets sent by the initiator (dir 0) or the responder (dir 1). */
  packets(slot: number, dir: number): number {
    return this.#f[slot * F + F_PKTS + dir];
  }
  /** Wire bytes sent by the initiator (dir 0) or the responder (dir 1). */
  bytes(slot: number, dir: number): number {
    return this.#f[slot * F + F_BYTES + dir];
  }
  /** First packet time (µs). */
  firstUs(slot: number): number {
    return this.#f[slot * F + F_FIRST];
  }
  /** Last packet time (µs). */
  lastUs(slot: number): number {
    return this.#f[slot * F + F_LAST];
  }
  /** A number unique to this flow for the lifetime of the table (EVE `flow_id`). */
  flowId(slot: number): number {
    return this.#id[slot];
  }
  /**
   * Calls `listener` with the slot of every flow created from now on, as it is created (before its
   * first packet reaches anyone): per-slot state kept beside the table can start the new flow at zero.
   */
  onCreate(listener: (slot: number) => void): void {
    this.#created.push(listener);
  }
  /** IP protocol of the flow. */
  proto(slot: number): number {
    return this.#i[slot * I + I_PROTO] & 0xff;
  }

  /**
   * Bits that detectors set when they need no more packets of the flow in `slot` (see
   * `Detector.quietBit`); a new flow taking the slot starts with none. Kept in the flow's record
   * beside its protocol, which the packet's update just read: checking them costs no memory access.
   */
  quietBits(slot: number): number {
    return (this.#i[slot * I + I_PROTO] >>> 16) & 0xff;
  }

  /** Sets quiet `bit` (below 256) for the flow in `slot` (see {@link quietBits}). */
  setQuiet(slot: number, bit: number): void {
    this.#i[slot * I + I_PROTO] |= (bit & 0xff) << 16;
  }
  /** The initiator's address and port. */
  initiator(slot: number): { ip: IpKey; port: number } {
    return { ip: this.initiatorIp(slot), port: this.initiatorPort(slot) };
  }
  /** The responder's address and port. */
  responder(slot: number): { ip: IpKey; port: number } {
    return { ip: this.responderIp(slot), port: this.responderPort(slot) };
  }
  /** Initiator address without allocating. */
  initiatorIp(slot: number): IpKey {
    return this.#initIsB(slot) ? this.#addrB(slot) : this.#addrA(slot);
  }
  /** Initiator port without allocating. */
  initiatorPort(slot: number): number {
    const ports = this.#i[slot * I + I_PORTS];
    return this.#initIsB(slot) ? ports & 0xffff : ports >>> 16;
  }
  /** Responder address without allocating. */
  responderIp(slot: number): IpKey {
    return this.#initIsB(slot) ? this.#addrA(slot) : this.#addrB(slot);
  }
  /** Responder port without allocating. */
  responderPort(slot: number): number {
    const ports = this.#i[slot * I + I_PORTS];
    return this.#initIsB(slot) ? ports >>> 16 : ports & 0xffff;
  }

  /** Expires flows idle past their timeout at packet time `nowUs` (called by update; callable on idle links). */
  advance(nowUs: number): void {
    if (nowUs > this.nowUs) this.nowUs = nowUs;
    if (this.nowUs >= this.#expireCheckUs) this.#expire(this.nowUs);
  }

  /** Ends every flow (end of a replay), calling onEnd with `flush`. */
  flush(): void {
    for (let c = 0; c < CLASSES; c++) {
      while (this.#tail[c] !== NIL) this.#remove(this.#tail[c], "flush");
    }
  }

  /** True when the canonical higher endpoint ("b") initiated the flow. */
  #initIsB(slot: number): boolean {
    return (this.#i[slot * I + I_PROTO] & 256) !== 0;
  }

  /** The canonical lower endpoint's address. */
  #addrA(slot: number): IpKey {
    const n = this.#f[slot * F + F_A];
    return n === n ? n : this.#strA[slot]!; // NaN: an IPv6 slot
  }

  /** The canonical higher endpoint's address. */
  #addrB(slot: number): IpKey {
    const n = this.#f[slot * F + F_B];
    return n === n ? n : this.#strB[slot]!; // NaN: an IPv6 slot
  }

  #expire(now: number): void {
    const fr = this.#f, ir = this.#i;
    let next = Infinity;
    for (let c = 0; c < CLASSES; c++) {
      // every flow in list c has the same timeout and the tail is the oldest: stop at the first live one
      const timeout = this.#timeoutUs[c];
      let s = this.#tail[c];
      while (s !== NIL && now - fr[s * F + F_LAST] > timeout) {
        this.#remove(s, (ir[s * I + I_STATE] & (ST_FIN | ST_RST)) ? "closed" : "timeout");
        this.expired++;
        s = this.#tail[c];
      }
      // an onEnd hook may not add flows, so the tails left are what the next check needs
      if (s !== NIL) next = Math.min(next, fr[s * F + F_LAST] + timeout);
    }
    // the tails only grow older-to-newer between passes; one µs of slack for rounding. At least once per second of
    // packet time even when nothing is due (a pass that finds nothing due changes nothing): the call in update() then
    // runs early in a capture with type feedback, so the first real expiry does not deoptimize update()
    this.#expireCheckUs = Math.min(next - 1, now + 1e6);
  }

  #alloc(): number {
    if (this.#freeTop > 0) return this.#free[--this.#freeTop];
    if (this.#unused < this.capacity) return this.#unused++;
    // full: evict the least recently active flow across the lists
    let victim = NIL, oldest = Infinity;
    for (let c = 0; c < CLASSES; c++) {
      const t = this.#tail[c];
      if (t !== NIL && this.#f[t * F + F_LAST] < oldest) {
        oldest = this.#f[t * F + F_LAST];
        victim = t;
      }
    }
    this.evictions++;
    this.#remove(victim, "evicted");
    return this.#free[--this.#freeTop];
  }

  #remove(slot: number, reason: FlowEndReason): void {
    this.#onEnd?.(this, slot, reason);
    this.#unlink(slot);
    // out of the hash index: find its bucket from its hash's home, then shift the entries after it back over the hole,
    // each as far as its own home allows (linear probing's deletion)
    const bk = this.#buckets, mask = this.#mask, slotMask = this.#slotMask, ir = this.#i;
    const shift = this.#distShift, max = this.#distMax;
    const h = ir[slot * I + I_HASH];
    let i = (h ^ (h >>> 15)) & mask;
    while ((bk[i] & slotMask) !== slot + 1) {
      // a live flow is in the index: an empty bucket first would be a broken invariant, not a state to loop on
      if (bk[i] === 0) throw new Error(`Cannot remove flow slot ${slot}: it is not in the hash index`);
      i = (i + 1) & mask;
    }
    for (let j = (i + 1) & mask;; j = (j + 1) & mask) {
      const e = bk[j];
      if (e === 0) break;
      // the entry's distance from its home: in the bucket, or (at the most the bucket holds) from its record's hash
      let d = (e >>> shift) & max;
      if (d === max) {
        const eh = ir[((e & slotMask) - 1) * I + I_HASH];
        d = (j - ((eh ^ (eh >>> 15)) & mask)) & mask;
      }
      // the entry at j may fill the hole at i unless its home (j - d) lies cyclically in (i, j]: unless d < j - i
      const gap = (j - i) & mask;
      if (d >= gap) {
        d -= gap;
        bk[i] = (e & ~(max << shift)) | (d < max ? d : max) << shift;
        i = j;
      }
    }
    bk[i] = 0;
    if (slot < this.#strA.length) this.#strA[slot] = undefined;
    if (slot < this.#strB.length) this.#strB[slot] = undefined;
    this.#free[this.#freeTop++] = slot;
    this.size--;
  }

  #unlink(slot: number): void {
    const ir = this.#i;
    const o = slot * I;
    const c = ir[o + I_CLS];
    if (c < 0) return;
    const p = ir[o + I_PREV], n = ir[o + I_NEXT];
    if (p !== NIL) ir[p * I + I_NEXT] = n;
    else this.#head[c] = n;
    if (n !== NIL) ir[n * I + I_PREV] = p;
    else this.#tail[c] = p;
    ir[o + I_PREV] = NIL;
    ir[o + I_NEXT] = NIL;
    ir[o + I_CLS] = -1;
  }

  #linkHead(slot: number, c: number): void {
    const ir = this.#i;
    const o = slot * I;
    const h = this.#head[c];
    ir[o + I_PREV] = NIL;
    ir[o + I_NEXT] = h;
    if (h !== NIL) ir[h * I + I_PREV] = slot;
    else {
      this.#tail[c] = slot;
      const due = this.#f[slot * F + F_LAST] + this.#timeoutUs[c] - 1;
      if (due < this.#expireCheckUs) this.#expireCheckUs = due;
    }
    this.#head[c] = slot;
    ir[o + I_CLS] = c;
  }
}

/** Puts `text` at `slot` of `texts`, grown first to cover it without holes. */
function setText(texts: (string | undefined)[], slot: number, text: string): void {
  while (texts.length <= slot) texts.push(undefined);
  texts[slot] = text;
}

/** The timeout class (LRU list) of a flow. */
function classOf(proto: number, st: number): number {
  if (proto === P_TCP) {
    if (st & (ST_RST | ST_FIN)) return CLASS_TCP_CLOSED;
    if (st & (ST_ESTABLISHED | ST_MIDSTREAM)) return CLASS_TCP_ESTABLISHED;
    return CLASS_TCP_NEW;
  }
  if (proto === P_UDP) return CLASS_UDP;
  if (proto === P_ICMP || proto === P_ICMPV6) return CLASS_ICMP;
  return CLASS_OTHER;
}
