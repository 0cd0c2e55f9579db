/**
 * A fixed-capacity FIFO of flow events waiting to be judged later on packet time.
 *
 * Some verdicts need a little hindsight: "did this SYN's handshake complete?" is only known a
 * round trip after the SYN. Detectors push the event with the flow's slot and id, and on every
 * packet pop the events older than their delay and look at the flow then. Items sit in typed-array
 * columns of a ring; when the ring is full the caller judges the oldest item early, so memory is
 * fixed and work per packet is O(1) amortised.
 *
 * @module
 */
import type { IpKey } from "../decode/packet.ts";

/** One queued event, filled by {@link DelayQueue.shift}. */
export interface DelayItem {
  /** Packet time of the event (µs). */
  tsUs: number;
  /** Flow slot. */
  slot: number;
  /** Flow id when queued (the slot may have been reused since). */
  flowId: number;
  /** Source and destination addresses. */
  src: IpKey;
  dst: IpKey;
  /** Source and destination ports. */
  srcPort: number;
  dstPort: number;
  /** IP protocol number. */
  proto: number;
  /** Packet time of the original event (µs): equals `tsUs` unless the item was queued again for a later look. */
  firstUs: number;
}

/** Creates an empty {@link DelayItem} to pass to {@link DelayQueue.shift}. */
export function newDelayItem(): DelayItem {
  return { tsUs: 0, slot: -1, flowId: 0, src: 0, dst: 0, srcPort: 0, dstPort: 0, proto: 0, firstUs: 0 };
}

/** FIFO ring of {@link DelayItem}s (see module docs). */
export class DelayQueue {
  readonly capacity: number;
  #ts: Float64Array;
  #first: Float64Array;
  #flowId: Float64Array;
  #slot: Int32Array;
  #ports: Uint32Array;
  #proto: Uint8Array;
  // addresses: IPv4 in the number columns, IPv6 text in the string columns (no boxing per push). An IPv4 key is the
  // address as an unsigned 32-bit number (decode/ipv4.ts reads it from a Uint32Array: 0 … 2^32 − 1), exact in a
  // Uint32Array (half the bytes of a Float64Array: 2 MB less when the three detectors' queues are full)
  #srcNum: Uint32Array;
  #dstNum: Uint32Array;
  // created with the first IPv6 address (an IPv4-only capture never pays for them) and grown to the
  // highest ring index used since (not to the capacity at once); an index past the end holds no text
  #srcStr: (string | undefined)[] | null = null;
  #dstStr: (string | undefined)[] | null = null;
  #head = 0;
  #length = 0;
  /** Packet time of the oldest item, Infinity when empty (a field: read on every packet). */
  headTs = Infinity;

  /**
   * @param capacity most items held (≥ 1)
   * @throws {RangeError} when capacity is not a positive number
   */
  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`Cannot size delay queue: capacity ${capacity} is not ≥ 1`);
    const n = Math.floor(capacity);
    this.capacity = n;
    this.#ts = new Float64Array(n);
    this.#first = new Float64Array(n);
    this.#flowId = new Float64Array(n);
    this.#slot = new Int32Array(n);
    this.#ports = new Uint32Array(n);
    this.#proto = new Uint8Array(n);
    this.#srcNum = new Uint32Array(n);
    this.#dstNum = new Uint32Array(n);
  }

  /** Items queued. */
  get length(): number {
    return this.#length;
  }

  /** True when no item can be pushed before one is shifted. */
  get full(): boolean {
    return this.#length === this.capacity;
  }

  /** Packet time of the oldest item, Infinity when empty. */
  peekTs(): number {
    return this.headTs;
  }

  /**
   * Appends an event (`firstUs`: when it first happened, for an item queued again). Returns false
   * (and stores nothing) when full: shift the oldest item first.
   */
  push(tsUs: number, slot: number, flowId: number, pkt: PacketAddresses, firstUs = tsUs): boolean {
    return this.#put(tsUs, slot, flowId, firstUs, pkt.src, pkt.dst, pkt.srcPort, pkt.dstPort, pkt.proto);
  }

  /**
   * Appends a shifted item again at packet time `tsUs` (its `firstUs` kept), like {@link push}. A
   * method of its own so that each reads one kind of object: a packet here and a plain item there
   * (one function reading both had its optimized code thrown away at the first item queued again).
   */
  pushItem(tsUs: number, item: DelayItem): boolean {
    return this.#put(
      tsUs,
      item.slot,
      item.flowId,
      item.firstUs,
      item.src,
      item.dst,
      item.srcPort,
      item.dstPort,
      item.proto,
    );
  }

  // plain scalars rather than an options object: this runs for every queued event
  #put(
    tsUs: number,
    slot: number,
    flowId: number,
    firstUs: number,
    src: IpKey,
    dst: IpKey,
    srcPort: number,
    dstPort: number,
    proto: number,
  ): boolean {
    if (this.#length === this.capacity) return false;
    let i = this.#head + this.#length;
    if (i >= this.capacity) i -= this.capacity;
    this.#ts[i] = tsUs;
    this.#first[i] = firstUs;
    this.#slot[i] = slot;
    this.#flowId[i] = flowId;
    this.#ports[i] = ((srcPort & 0xffff) << 16 | (dstPort & 0xffff)) >>> 0;
    this.#proto[i] = proto;
    if (typeof src === "number") this.#srcNum[i] = src;
    else textAt(this.#srcStr ??= [], i, src);
    if (typeof dst === "number") this.#dstNum[i] = dst;
    else textAt(this.#dstStr ??= [], i, dst);
    if (this.#length++ === 0) this.headTs = tsUs;
    return true;
  }

  /** Removes the oldest item into `out`; false when empty. */
  shift(out: DelayItem): boolean {
    if (this.#length === 0) return false;
    const i = this.#head;
    out.tsUs = this.#ts[i];
    out.firstUs = this.#first[i];
    out.slot = this.#slot[i];
    out.flowId = this.#flowId[i];
    const p = this.#ports[i];
    out.srcPort = p >>> 16;
    out.dstPort = p & 0xffff;
    out.proto = this.#proto[i];
    const srcStr = this.#srcStr, dstStr = this.#dstStr;
    const ss = srcStr === null || i >= srcStr.length ? undefined : srcStr[i];
    const ds = dstStr === null || i >= dstStr.length ? undefined : dstStr[i];
    if (ss === undefined) out.src = this.#srcNum[i];
    else {
      out.src = ss;
      srcStr![i] = undefined;
    }
    if (ds === undefined) out.dst = this.#dstNum[i];
    else {
      out.dst = ds;
      dstStr![i] = undefined;
    }
    this.#head = i + 1 === this.capacity ? 0 : i + 1;
    // (two stores, not one of `a ? Infinity : double`: Maglev boxes such a value in a fresh heap number)
    if (--this.#length === 0) this.headTs = Infinity;
    else this.headTs = this.#ts[this.#head];
    return true;
  }

  /** Drops every item. */
  clear(): void {
    this.#srcStr?.fill(undefined);
    this.#dstStr?.fill(undefined);
    this.#head = 0;
    this.#length = 0;
    this.headTs = Infinity;
  }
}

/** Stores `text` at index `i` of `column`, growing it with undefined up to `i` (no holes). */
function textAt(column: (string | undefined)[], i: number, text: string): void {
  while (column.length < i) column.push(undefined);
  if (column.length === i) column.push(text);
  else column[i] = text;
}

/** The packet fields {@link DelayQueue.push} copies. */
export interface PacketAddresses {
  src: IpKey;
  dst: IpKey;
  srcPort: number;
  dstPort: number;
  proto: number;
}
