/**
 * Bidirectional flow table on packet time, with a hard cap and allocation-free updates for IPv4.
 *
 * Flows live in struct-of-arrays slots. A flow is keyed by its 5-tuple in canonical order (the lower
 * address/port first) so both directions hit the same slot. Each slot sits in one of six LRU
 * lists, one per timeout (TCP new / established / closed, UDP, ICMP, other); list tails are the
 * oldest and every flow in a list has the same timeout, so expiry is exact and O(1) per packet.
 * When the table is full the least recently active flow is evicted and counted.
 *
 * @module
 */
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";

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

/** Reads one IPv6 address key component: strings hash to 32 bits. */
function hashKey(k: IpKey): number {
  if (typeof k === "number") return k | 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

function lessKey(a: IpKey, b: IpKey): boolean {
  if (typeof a === "number" && typeof b === "number") return a < b;
  if (typeof a === typeof b) return (a as string) < (b as string);
  return typeof a === "number"; // IPv4 sorts before IPv6
}

/** The flow table. */
export class FlowTable {
  readonly capacity: number;
  #timeoutUs: Float64Array = new Float64Array(6);
  #onEnd: FlowTableOptions["onEnd"];

  // key (canonical order: "a" is the lower endpoint)
  // IPv4 addresses in typed arrays, IPv6 text beside them (undefined for IPv4): one array of both
  // kinds would box every IPv4 number once the first IPv6 address is stored (an allocation per flow)
  #numA: Float64Array;
  #numB: Float64Array;
  // allocated with the first IPv6 flow (an IPv4-only capture never pays for them)
  #strA: (string | undefined)[] | null = null;
  #strB: (string | undefined)[] | null = null;
  #ports: Uint32Array; // portA << 16 | portB
  #proto: Uint8Array;
  // which canonical endpoint initiated: 0 = a, 1 = b
  #initIsB: Uint8Array;
  #state: Uint16Array;
  #pkts: Float64Array; // [slot*2 + dir]
  #bytes: Float64Array;
  #firstUs: Float64Array;
  #lastUs: Float64Array;
  #id: Float64Array;
  #cls: Int8Array;
  // hash chains
  #buckets: Int32Array;
  #chain: Int32Array;
  #hash: Int32Array;
  #mask: number;
  // LRU lists per class (head = newest)
  #prev: Int32Array;
  #next: Int32Array;
  #head = new Int32Array(CLASSES).fill(NIL);
  #tail = new Int32Array(CLASSES).fill(NIL);
  #free: Int32Array;
  #freeTop = 0;
  /**
   * No flow can time out before this packet time (µs): the least of (tail's last packet + timeout)
   * over the lists, lowered when a list gets its first flow, recomputed after each expiry pass.
   */
  #expireCheckUs = -Infinity;
  #nextId = 1;

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
    const cap = Math.max(16, Math.floor(options.maxFlows ?? 262144));
    this.capacity = cap;
    this.#onEnd = options.onEnd;
    this.setTimeouts({ ...DEFAULT_FLOW_TIMEOUTS, ...options.timeouts });
    this.#numA = new Float64Array(cap);
    this.#numB = new Float64Array(cap);
    this.#ports = new Uint32Array(cap);
    this.#proto = new Uint8Array(cap);
    this.#initIsB = new Uint8Array(cap);
    this.#state = new Uint16Array(cap);
    this.#pkts = new Float64Array(cap * 2);
    this.#bytes = new Float64Array(cap * 2);
    this.#firstUs = new Float64Array(cap);
    this.#lastUs = new Float64Array(cap);
    this.#id = new Float64Array(cap);
    this.#cls = new Int8Array(cap).fill(-1);
    let nb = 1;
    while (nb < cap * 2) nb <<= 1;
    this.#buckets = new Int32Array(nb).fill(NIL);
    this.#mask = nb - 1;
    this.#chain = new Int32Array(cap).fill(NIL);
    this.#hash = new Int32Array(cap);
    this.#prev = new Int32Array(cap).fill(NIL);
    this.#next = new Int32Array(cap).fill(NIL);
    this.#free = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.#free[i] = cap - 1 - i;
    this.#freeTop = cap;
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
    if (pkt.hasL4 && (proto === IpProto.TCP || proto === IpProto.UDP)) {
      sp = pkt.srcPort;
      dp = pkt.dstPort;
    } else if (pkt.hasL4 && (proto === IpProto.ICMP || proto === IpProto.ICMPV6)) {
      // ICMP: one flow per (type-family) between two hosts; echo id would split pings, keep it simple
      sp = 0;
      dp = 0;
    }
    const src = pkt.src, dst = pkt.dst;
    // canonical order: the lower endpoint is "a"
    let swapped: boolean, h: number, slot: number, ports: number;
    if (typeof src === "number" && typeof dst === "number") {
      // IPv4: numbers only (IPv6 slots hold NaN in the number columns, so they never match)
      swapped = src === dst ? sp > dp : src > dst;
      const a = swapped ? dst : src, b = swapped ? src : dst;
      ports = ((swapped ? dp : sp) << 16 | (swapped ? sp : dp)) >>> 0;
      h = (Math.imul((a | 0) ^ Math.imul(b | 0, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(ports, 0xc2b2ae35) ^ proto) | 0;
      slot = this.#buckets[(h ^ (h >>> 15)) & this.#mask];
      while (
        slot !== NIL &&
        !(this.#hash[slot] === h && this.#ports[slot] === ports && this.#proto[slot] === proto &&
          this.#numA[slot] === a && this.#numB[slot] === b)
      ) slot = this.#chain[slot];
    } else {
      swapped = src === dst ? sp > dp : !lessKey(src, dst);
      const a = swapped ? dst : src, b = swapped ? src : dst;
      ports = ((swapped ? dp : sp) << 16 | (swapped ? sp : dp)) >>> 0;
      h = (Math.imul(hashKey(a) ^ Math.imul(hashKey(b), 0x9e3779b1), 0x85ebca6b) ^ Math.imul(ports, 0xc2b2ae35) ^
        proto) | 0;
      slot = this.#buckets[(h ^ (h >>> 15)) & this.#mask];
      while (slot !== NIL) {
        if (
          this.#hash[slot] === h && this.#ports[slot] === ports && this.#proto[slot] === proto &&
          (typeof a === "number" ? this.#numA[slot] === a : this.#strA !== null && this.#strA[slot] === a) &&
          (typeof b === "number" ? this.#numB[slot] === b : this.#strB !== null && this.#strB[slot] === b)
        ) break;
        slot = this.#chain[slot];
      }
    }
    const isNew = slot === NIL;
    if (isNew) slot = this.#create(pkt, swapped, h, ports);
    const dir = (swapped ? 1 : 0) ^ this.#initIsB[slot];
    const p = slot * 2 + dir;
    this.#pkts[p]++;
    this.#bytes[p] += pkt.wireLen;
    this.#lastUs[slot] = this.nowUs; // never backwards: keeps the LRU lists ordered when packets arrive out of order

    let st = this.#state[slot];
    if (dir === 1) st |= FlowState.REPLIED;
    // payload from the IP length (a short snaplen still shows that data was sent)
    if (
      pkt.hasL4 &&
      (proto === IpProto.TCP
        ? (pkt.tcpFlags & TcpFlag.SYN) === 0 && pkt.ipLen - pkt.ipHdrLen - pkt.tcpHdrLen > 0
        : pkt.payloadLen > 0 || (proto === IpProto.UDP && pkt.ipLen - pkt.ipHdrLen > 8))
    ) {
      st |= dir === 0 ? FlowState.INIT_DATA : FlowState.RESP_DATA;
    }
    if (proto === IpProto.TCP && pkt.hasL4) {
      const f = pkt.tcpFlags;
      if (f & TcpFlag.SYN) {
        if (f & TcpFlag.ACK) {
          if (dir === 1) st |= FlowState.SYN_ACK;
        } else if (dir === 0) st |= FlowState.SYN;
      } else if ((f & TcpFlag.ACK) && dir === 0 && (st & FlowState.SYN_ACK)) {
        st |= FlowState.ESTABLISHED;
      }
      if (f & TcpFlag.FIN) st |= FlowState.FIN;
      if (f & TcpFlag.RST) st |= FlowState.RST;
    }
    this.#state[slot] = st;

    // timeout class + move to the head of its LRU list
    const cls = this.#classOf(proto, st);
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

  /** A new flow for `pkt` (its canonical key from {@link update}); returns the slot. */
  #create(pkt: Packet, swapped: boolean, h: number, ports: number): number {
    const slot = this.#alloc();
    const a = swapped ? pkt.dst : pkt.src, b = swapped ? pkt.src : pkt.dst;
    const proto = pkt.proto;
    if (typeof a === "number") this.#numA[slot] = a;
    else {
      (this.#strA ??= new Array<string | undefined>(this.capacity).fill(undefined))[slot] = a;
      this.#numA[slot] = NaN;
    }
    if (typeof b === "number") this.#numB[slot] = b;
    else {
      (this.#strB ??= new Array<string | undefined>(this.capacity).fill(undefined))[slot] = b;
      this.#numB[slot] = NaN;
    }
    this.#ports[slot] = ports;
    this.#proto[slot] = proto;
    this.#hash[slot] = h;
    this.#initIsB[slot] = swapped ? 1 : 0;
    this.#state[slot] = 0;
    const p2 = slot * 2;
    this.#pkts[p2] = 0;
    this.#pkts[p2 + 1] = 0;
    this.#bytes[p2] = 0;
    this.#bytes[p2 + 1] = 0;
    this.#firstUs[slot] = pkt.tsUs;
    this.#id[slot] = this.#nextId++;
    const bucket = (h ^ (h >>> 15)) & this.#mask;
    this.#chain[slot] = this.#buckets[bucket];
    this.#buckets[bucket] = slot;
    this.size++;
    this.created++;
    if (proto === IpProto.TCP && pkt.hasL4 && (pkt.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) {
      this.#state[slot] = FlowState.MIDSTREAM;
    }
    return slot;
  }

  /** State bits of a flow ({@link FlowState}). */
  state(slot: number): number {
    return this.#state[slot];
  }
  /** Packets sent by the initiator (dir 0) or the responder (dir 1). */
  packets(slot: number, dir: number): number {
    return this.#pkts[slot * 2 + dir];
  }
  /** Wire bytes sent by the initiator (dir 0) or the responder (dir 1). */
  bytes(slot: number, dir: number): number {
    return this.#bytes[slot * 2 + dir];
  }
  /** First packet time (µs). */
  firstUs(slot: number): number {
    return this.#firstUs[slot];
  }
  /** Last packet time (µs). */
  lastUs(slot: number): number {
    return this.#lastUs[slot];
  }
  /** A number unique to this flow for the lifetime of the table (EVE `flow_id`). */
  flowId(slot: number): number {
    return this.#id[slot];
  }
  /** IP protocol of the flow. */
  proto(slot: number): number {
    return this.#proto[slot];
  }
  /** The initiator's address and port. */
  initiator(slot: number): { ip: IpKey; port: number } {
    const b = this.#initIsB[slot] === 1;
    const ports = this.#ports[slot];
    return b ? { ip: this.#addrB(slot), port: ports & 0xffff } : { ip: this.#addrA(slot), port: ports >>> 16 };
  }
  /** The responder's address and port. */
  responder(slot: number): { ip: IpKey; port: number } {
    const b = this.#initIsB[slot] === 1;
    const ports = this.#ports[slot];
    return b ? { ip: this.#addrA(slot), port: ports >>> 16 } : { ip: this.#addrB(slot), port: ports & 0xffff };
  }
  /** Initiator address without allocating. */
  initiatorIp(slot: number): IpKey {
    return this.#initIsB[slot] === 1 ? this.#addrB(slot) : this.#addrA(slot);
  }
  /** Initiator port without allocating. */
  initiatorPort(slot: number): number {
    const ports = this.#ports[slot];
    return this.#initIsB[slot] === 1 ? ports & 0xffff : ports >>> 16;
  }
  /** Responder address without allocating. */
  responderIp(slot: number): IpKey {
    return this.#initIsB[slot] === 1 ? this.#addrA(slot) : this.#addrB(slot);
  }
  /** Responder port without allocating. */
  responderPort(slot: number): number {
    const ports = this.#ports[slot];
    return this.#initIsB[slot] === 1 ? ports >>> 16 : ports & 0xffff;
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

  #classOf(proto: number, st: number): number {
    if (proto === IpProto.TCP) {
      if (st & (FlowState.RST | FlowState.FIN)) return CLASS_TCP_CLOSED;
      if (st & (FlowState.ESTABLISHED | FlowState.MIDSTREAM)) return CLASS_TCP_ESTABLISHED;
      return CLASS_TCP_NEW;
    }
    if (proto === IpProto.UDP) return CLASS_UDP;
    if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) return CLASS_ICMP;
    return CLASS_OTHER;
  }

  /** The canonical lower endpoint's address. */
  #addrA(slot: number): IpKey {
    const n = this.#numA[slot];
    return n === n ? n : this.#strA![slot]!; // NaN: an IPv6 slot
  }

  /** The canonical higher endpoint's address. */
  #addrB(slot: number): IpKey {
    const n = this.#numB[slot];
    return n === n ? n : this.#strB![slot]!; // NaN: an IPv6 slot
  }

  #expire(now: number): void {
    let next = Infinity;
    for (let c = 0; c < CLASSES; c++) {
      // every flow in list c has the same timeout and the tail is the oldest: stop at the first live one
      const timeout = this.#timeoutUs[c];
      let s = this.#tail[c];
      while (s !== NIL && now - this.#lastUs[s] > timeout) {
        this.#remove(s, (this.#state[s] & (FlowState.FIN | FlowState.RST)) ? "closed" : "timeout");
        this.expired++;
        s = this.#tail[c];
      }
      // an onEnd hook may not add flows, so the tails left are what the next check needs
      if (s !== NIL) next = Math.min(next, this.#lastUs[s] + timeout);
    }
    // the tails only grow older-to-newer between passes; one µs of slack for rounding
    this.#expireCheckUs = next - 1;
  }

  #alloc(): number {
    if (this.#freeTop === 0) {
      // evict the least recently active flow across the lists
      let victim = NIL, oldest = Infinity;
      for (let c = 0; c < CLASSES; c++) {
        const t = this.#tail[c];
        if (t !== NIL && this.#lastUs[t] < oldest) {
          oldest = this.#lastUs[t];
          victim = t;
        }
      }
      this.evictions++;
      this.#remove(victim, "evicted");
    }
    return this.#free[--this.#freeTop];
  }

  #remove(slot: number, reason: FlowEndReason): void {
    this.#onEnd?.(this, slot, reason);
    this.#unlink(slot);
    // unchain from its bucket
    const h = this.#hash[slot];
    const bucket = (h ^ (h >>> 15)) & this.#mask;
    let s = this.#buckets[bucket], prev = NIL;
    while (s !== NIL && s !== slot) {
      prev = s;
      s = this.#chain[s];
    }
    if (s === slot) {
      if (prev === NIL) this.#buckets[bucket] = this.#chain[slot];
      else this.#chain[prev] = this.#chain[slot];
    }
    this.#chain[slot] = NIL;
    if (this.#strA !== null) this.#strA[slot] = undefined;
    if (this.#strB !== null) this.#strB[slot] = undefined;
    this.#cls[slot] = -1;
    this.#free[this.#freeTop++] = slot;
    this.size--;
  }

  #unlink(slot: number): void {
    const c = this.#cls[slot];
    if (c < 0) return;
    const p = this.#prev[slot], n = this.#next[slot];
    if (p !== NIL) this.#next[p] = n;
    else this.#head[c] = n;
    if (n !== NIL) this.#prev[n] = p;
    else this.#tail[c] = p;
    this.#prev[slot] = NIL;
    this.#next[slot] = NIL;
    this.#cls[slot] = -1;
  }

  #linkHead(slot: number, c: number): void {
    const h = this.#head[c];
    this.#prev[slot] = NIL;
    this.#next[slot] = h;
    if (h !== NIL) this.#prev[h] = slot;
    else {
      this.#tail[c] = slot;
      const due = this.#lastUs[slot] + this.#timeoutUs[c] - 1;
      if (due < this.#expireCheckUs) this.#expireCheckUs = due;
    }
    this.#head[c] = slot;
    this.#cls[slot] = c;
  }
}
