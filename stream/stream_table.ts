/**
 * The TCP reassembly stage: every TCP connection's two directions put back in order
 * ({@link TcpDirection}) and handed to one {@link StreamConsumer} (the app layer), which says per
 * flow whether it wants more. Flows it declines are marked and cost one array read per packet
 * from then on.
 *
 * Checksums (`checksum_validation`, as in Suricata): `yes` ignores segments whose TCP checksum is
 * wrong (the receiver drops them, so an attacker can insert data only the sensor would see);
 * `no` trusts every segment; `auto` (default) ignores wrong checksums but trusts segments whose
 * checksum field holds only the pseudo-header sum (captured on the sending host with checksum
 * offload), and stops validating when more than 10 % of the first 1000 checked segments are wrong,
 * or more than half of the first 100 (a capture point that breaks checksums).
 *
 * Overlapping segments whose bytes differ are reported through `onOverlap` (an evasion).
 *
 * Bounded: at most `maxStreams` connections (the least recently active is ended and evicted,
 * counted), `maxBytes` held in total, `depth` bytes per direction.
 *
 * @module
 */
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import type { OverlapPolicy } from "../defrag/overlap.ts";
import { CHECKSUM_BAD, CHECKSUM_OFFLOADED, tcpChecksum } from "./checksum.ts";
import { SEG_DIFFERENT, type StreamSink, TcpDirection, type TcpDirectionOptions } from "./tcp_stream.ts";

/** Receives the reassembled bytes of every connection. */
export interface StreamConsumer {
  /**
   * In-order bytes of direction `dir` (0: from the flow's initiator) of the connection in flow
   * slot `slot`, at packet time `tsUs`. Returns false when the consumer wants nothing more of this
   * connection (reassembly stops and the flow is ignored from then on).
   */
  data(slot: number, dir: number, bytes: Uint8Array, tsUs: number): boolean;
  /**
   * Optional quick look at the first payload of a connection not yet reassembled, before anything is
   * allocated for it: false when the consumer will certainly not want the connection (it is then
   * ignored). Must not change any connection state.
   */
  wants?(slot: number, dir: number, bytes: Uint8Array): boolean;
  /** Bytes of direction `dir` were lost before the next `data`. */
  gap(slot: number, dir: number): void;
  /** Direction `dir` ended (its FIN was placed): nothing more will come from that side. */
  closed?(slot: number, dir: number, tsUs: number): void;
  /** The connection ended (FIN/RST in both directions, flow end, eviction): nothing more will come. */
  end(slot: number, tsUs: number): void;
}

/** An overlap with different data. */
export interface SegmentOverlap {
  tsUs: number;
  /** Sender of the overlapping segment, and its peer. */
  src: IpKey;
  dst: IpKey;
  srcPort: number;
  dstPort: number;
  /** Flow slot. */
  flow: number;
  /** Byte range (from the direction's first byte) whose copies differ. */
  start: number;
  end: number;
  /** True when the differing bytes had already been handed to the app layer (the first copy stays). */
  delivered: boolean;
  policy: OverlapPolicy;
}

/** Checksum handling. */
export type ChecksumValidation = "auto" | "yes" | "no";

/** Options of {@link StreamTable}. */
export interface StreamTableOptions {
  policy?: OverlapPolicy;
  checksumValidation?: ChecksumValidation;
  /** Bytes reassembled per direction (default 1 MiB). */
  depth?: number;
  /** Connections reassembled at once (default 65536). */
  maxStreams?: number;
  /** Bytes held in total (default 256 MiB). */
  maxBytes?: number;
  /** Flow table capacity (slots are indexes into per-slot arrays). */
  capacity: number;
  onOverlap?: (o: SegmentOverlap) => void;
}

/** Counters of the stream stage. */
export interface StreamCounters {
  /** Segments with payload placed. */
  segments: number;
  overlaps: number;
  overlapsDifferent: number;
  /** Segments ignored for a bad checksum. */
  badChecksum: number;
  /** Segments trusted although their checksum field held only the pseudo-header sum. */
  offloadedChecksum: number;
  gaps: number;
  evicted: number;
  /** Connections reassembled (ever). */
  streams: number;
}

const NONE = 0, ACTIVE = 1, IGNORED = 2;
const AUTO_SAMPLE = 1000;
const AUTO_EARLY = 100;
/** Directions of ended connections kept for reuse (each keeps its window buffer). */
const POOL_MAX = 4096;

/**
 * The TCP reassembly stage. Per-connection state lives in arrays indexed by flow slot: the two
 * {@link TcpDirection}s (recycled from ended connections, not allocated per connection), the bytes
 * held, and an intrusive least-recently-active list (no Map churn per segment).
 */
export class StreamTable implements StreamSink {
  #mode: Uint8Array;
  /** Per slot: bit `1 << dir` when that direction's SYN was seen before any payload … */
  #synSeen: Uint8Array;
  /**
   * … and the sequence number of its first data byte (slot * 2 + dir), a 32-bit TCP sequence number (written as
   * `(seq + 1) >>> 0`, in 0 … 2^32 − 1: exact in a Uint32Array). No object until there is payload.
   */
  #synSeq: Uint32Array;
  /**
   * Per slot: the record of its active connection + 1 (0: none). A record `c` holds the connection's
   * two directions at `#conn[c * 2 + dir]`: records and their directions are recycled, and the arrays
   * grow with the connections in progress, not with the flow table (no start-up cost).
   */
  #connOf: Int32Array;
  #conn: (TcpDirection | null)[] = [];
  /** Free records whose directions are kept for reuse (at most POOL_MAX / 2), and free records without. */
  #freeKept: number[] = [];
  #freeBare: number[] = [];
  /** Bytes held per active connection. */
  #heldBy: Float64Array;
  /** Least recently active first: a doubly linked list over slots, `#cap` is the list head. */
  #prev: Int32Array;
  #next: Int32Array;
  #cap: number;
  #count = 0;
  #dirOpts: TcpDirectionOptions;
  #consumer: StreamConsumer;
  #policy: OverlapPolicy;
  #validation: ChecksumValidation;
  #depth: number;
  #maxStreams: number;
  #maxBytes: number;
  #held = 0;
  #onOverlap: (o: SegmentOverlap) => void;
  #checked = 0;
  #checkedBad = 0;
  /** False once `auto` decided this capture's checksums cannot be relied on. */
  #validating = true;
  // the packet being placed (the sink callbacks need no closure)
  #cur = -1;
  #curDir = 0;
  #curTs = 0;
  #curStop = false;
  /** Counters. */
  readonly counters: StreamCounters = {
    segments: 0,
    overlaps: 0,
    overlapsDifferent: 0,
    badChecksum: 0,
    offloadedChecksum: 0,
    gaps: 0,
    evicted: 0,
    streams: 0,
  };

  constructor(consumer: StreamConsumer, options: StreamTableOptions) {
    this.#consumer = consumer;
    const cap = options.capacity;
    this.#cap = cap;
    this.#mode = new Uint8Array(cap);
    this.#synSeen = new Uint8Array(cap);
    this.#synSeq = new Uint32Array(cap * 2);
    this.#connOf = new Int32Array(cap);
    this.#heldBy = new Float64Array(cap);
    this.#prev = new Int32Array(cap + 1);
    this.#next = new Int32Array(cap + 1);
    this.#prev[cap] = this.#next[cap] = cap;
    this.#policy = options.policy ?? "bsd";
    this.#validation = options.checksumValidation ?? "auto";
    this.#depth = options.depth ?? 1 << 20;
    this.#maxStreams = options.maxStreams ?? 65536;
    this.#maxBytes = options.maxBytes ?? 256 << 20;
    this.#onOverlap = options.onOverlap ?? (() => {});
    this.#dirOpts = this.#makeDirOpts();
  }

  #makeDirOpts(): TcpDirectionOptions {
    return { policy: this.#policy, depth: this.#depth, maxQueued: Math.min(this.#depth, 256 << 10) };
  }

  /** Applies changed settings; connections in progress keep theirs. */
  configure(options: Omit<StreamTableOptions, "capacity" | "onOverlap">): void {
    if (options.policy) this.#policy = options.policy;
    if (options.checksumValidation) this.#validation = options.checksumValidation;
    if (options.depth !== undefined) this.#depth = options.depth;
    if (options.maxStreams !== undefined) this.#maxStreams = options.maxStreams;
    if (options.maxBytes !== undefined) this.#maxBytes = options.maxBytes;
    this.#dirOpts = this.#makeDirOpts();
  }

  /** Connections being reassembled. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held. */
  get heldBytes(): number {
    return this.#held;
  }

  /** True while `auto` still validates checksums (false once it decided they are unreliable). */
  get validatingChecksums(): boolean {
    return this.#validation === "yes" || (this.#validation === "auto" && this.#validating);
  }

  /** Places a decoded packet (after the flow table set `pkt.flow` and `pkt.dir`). */
  onPacket(pkt: Packet): void {
    if (pkt.proto !== IpProto.TCP || !pkt.hasL4) return;
    const slot = pkt.flow;
    if (slot < 0) return;
    const mode = this.#mode;
    if (pkt.flowNew) {
      mode[slot] = NONE;
      this.#synSeen[slot] = 0;
    }
    // a bare acknowledgement changes nothing here: it returns before the slot's mode is read
    const flags = pkt.tcpFlags, len = pkt.payloadLen, dir = pkt.dir;
    if (len === 0 && (flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) === 0) return;
    if (mode[slot] === IGNORED) return;
    // the payload's view, made once: a connection's first segment is looked at, then placed
    let payload: Uint8Array | null = null;
    if (mode[slot] !== ACTIVE) {
      if (len === 0) {
        // no payload yet: remember where each direction's data starts, allocate nothing (SYN floods, scans)
        if ((flags & TcpFlag.SYN) !== 0) {
          this.#synSeen[slot] |= 1 << dir;
          this.#synSeq[slot * 2 + dir] = (pkt.tcpSeq + 1) >>> 0;
        }
        return;
      }
      if (this.#validation !== "no" && !this.#checksumOk(pkt)) return;
      // the first bytes of a side (no SYN seen, or exactly where its SYN said): ask before allocating
      const seen = this.#synSeen[slot];
      const atStart = (seen & (1 << dir)) === 0 || this.#synSeq[slot * 2 + dir] === pkt.tcpSeq;
      if (atStart && this.#consumer.wants !== undefined) {
        payload = pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + len);
        if (!this.#consumer.wants(slot, dir, payload)) {
          mode[slot] = IGNORED;
          return;
        }
      }
      if (this.#count >= this.#maxStreams) this.#evictOldest(pkt.tsUs);
      const c = this.#takeConn();
      this.#connOf[slot] = c + 1;
      const d0 = this.#conn[c * 2]!, d1 = this.#conn[c * 2 + 1]!;
      if ((seen & 1) !== 0) d0.start(this.#synSeq[slot * 2]);
      if ((seen & 2) !== 0) d1.start(this.#synSeq[slot * 2 + 1]);
      this.#heldBy[slot] = 0;
      this.#link(slot);
      mode[slot] = ACTIVE;
      this.counters.streams++;
    } else {
      const d = this.#dir(slot, dir);
      if (
        d.done && this.#dir(slot, dir ^ 1).queuedSegments === 0 && (flags & (TcpFlag.FIN | TcpFlag.RST)) === 0
      ) {
        return; // this side is past its depth or no longer wanted: nothing to check or place
      }
      if (this.#validation !== "no" && !this.#checksumOk(pkt)) return;
      this.#touch(slot);
    }
    const d = this.#dir(slot, dir);
    if ((flags & TcpFlag.ACK) !== 0) {
      // an acknowledgement past a hole in the other direction: those bytes were lost before capture
      const o = this.#dir(slot, dir ^ 1);
      if (o.queuedSegments > 0) {
        this.#cur = slot;
        this.#curDir = dir ^ 1;
        this.#curTs = pkt.tsUs;
        this.#curStop = false;
        o.acked(pkt.tcpAck, this);
        this.#cur = -1;
        if (this.#curStop) {
          this.#end(slot, pkt.tsUs, false, IGNORED);
          return;
        }
        this.#account(slot);
      }
    }
    let seq = pkt.tcpSeq;
    if ((flags & TcpFlag.SYN) !== 0) {
      seq = (seq + 1) >>> 0;
      d.start(seq);
    }
    if (len > 0 && !d.done) {
      this.counters.segments++;
      this.#cur = slot;
      this.#curDir = dir;
      this.#curTs = pkt.tsUs;
      this.#curStop = false;
      const before = d.delivered;
      const r = d.push(seq, payload ?? pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + len), this);
      if (r !== 0) this.#overlap(pkt, d, r, before);
      this.#cur = -1;
      if (this.#mode[slot] !== ACTIVE) return; // ended from inside (the consumer stopped both sides)
      if (this.#curStop || (this.#dir(slot, 0).done && this.#dir(slot, 1).done)) {
        // declined, or both sides past their depth: the connection is over for reassembly
        this.#end(slot, pkt.tsUs, !this.#curStop, IGNORED);
        return;
      }
      this.#account(slot);
    }
    if ((flags & TcpFlag.RST) !== 0) {
      this.#end(slot, pkt.tsUs, true, IGNORED);
      return;
    }
    if ((flags & TcpFlag.FIN) !== 0) {
      this.#cur = slot;
      this.#curDir = dir;
      this.#curTs = pkt.tsUs;
      d.finish(this);
      this.#cur = -1;
      this.#consumer.closed?.(slot, dir, pkt.tsUs);
      if (this.#mode[slot] !== ACTIVE) return;
      if (this.#dir(slot, 0).done && this.#dir(slot, 1).done) this.#end(slot, pkt.tsUs, true, IGNORED);
      else this.#account(slot);
    }
  }

  /** Stops reassembling one direction (the consumer needs only the other). */
  stopDirection(slot: number, dir: number): void {
    if (this.#mode[slot] !== ACTIVE) return;
    this.#dir(slot, dir).stop();
    this.#account(slot);
  }

  /**
   * Reassembles a stopped direction again from its next segment on (the consumer needs it after
   * all): its first bytes are then taken as they come, like a connection picked up mid-stream.
   */
  resumeDirection(slot: number, dir: number): void {
    if (this.#mode[slot] !== ACTIVE) return;
    const d = this.#dir(slot, dir);
    if (d.done) d.reset(this.#dirOpts);
  }

  /** The flow in `slot` left the flow table: end its connection. */
  onFlowEnd(slot: number, tsUs: number): void {
    if (this.#mode[slot] === ACTIVE) this.#end(slot, tsUs, true);
    this.#mode[slot] = NONE;
    this.#synSeen[slot] = 0;
  }

  /**
   * {@link onFlowEnd} at the flow's last packet time, read from `flows` only when a connection is open: the pipeline's
   * call on every flow's end passes no double (one boxed into a fresh heap number per flow otherwise).
   */
  onFlowEndOf(flows: { lastUs(slot: number): number }, slot: number): void {
    if (this.#mode[slot] === ACTIVE) this.#end(slot, flows.lastUs(slot), true);
    this.#mode[slot] = NONE;
    this.#synSeen[slot] = 0;
  }

  /** Ends every connection (end of input). */
  flush(tsUs: number): void {
    const cap = this.#cap, next = this.#next;
    while (next[cap] !== cap) this.#end(next[cap], tsUs, true);
  }

  // ---- StreamSink (for the packet being placed) ----

  /** @internal */
  data(bytes: Uint8Array): void {
    if (this.#curStop) return;
    if (!this.#consumer.data(this.#cur, this.#curDir, bytes, this.#curTs)) this.#curStop = true;
  }

  /** @internal */
  gap(): void {
    this.counters.gaps++;
    this.#consumer.gap(this.#cur, this.#curDir);
  }

  /** A direction of the active connection in `slot`. */
  #dir(slot: number, dir: number): TcpDirection {
    return this.#conn[(this.#connOf[slot] - 1) * 2 + dir]!;
  }

  /** A connection record with two fresh directions (recycled when one is kept). */
  #takeConn(): number {
    let c = this.#freeKept.pop();
    if (c !== undefined) {
      this.#conn[c * 2]!.reset(this.#dirOpts);
      this.#conn[c * 2 + 1]!.reset(this.#dirOpts);
      return c;
    }
    c = this.#freeBare.pop();
    if (c === undefined) {
      c = this.#conn.length / 2;
      this.#conn.push(null, null);
    }
    this.#conn[c * 2] = new TcpDirection(this.#dirOpts);
    this.#conn[c * 2 + 1] = new TcpDirection(this.#dirOpts);
    return c;
  }

  #link(slot: number): void {
    const cap = this.#cap, prev = this.#prev, next = this.#next;
    const last = prev[cap];
    prev[slot] = last;
    next[slot] = cap;
    next[last] = slot;
    prev[cap] = slot;
    this.#count++;
  }

  #unlink(slot: number): void {
    const prev = this.#prev, next = this.#next;
    const p = prev[slot], n = next[slot];
    next[p] = n;
    prev[n] = p;
    this.#count--;
  }

  /** Moves an active connection to the most recently active end. */
  #touch(slot: number): void {
    const cap = this.#cap;
    if (this.#prev[cap] === slot) return;
    this.#unlink(slot);
    this.#link(slot);
  }

  #checksumOk(pkt: Packet): boolean {
    if (this.#validation === "auto" && !this.#validating) return true;
    const c = tcpChecksum(pkt);
    if (this.#validation === "auto" && this.#checked < AUTO_SAMPLE) {
      this.#checked++;
      if (c === CHECKSUM_BAD) this.#checkedBad++;
      // more than 10 % bad in the first 1000, or more than half in the first 100: the capture breaks them
      if (this.#checked === AUTO_SAMPLE && this.#checkedBad * 10 > AUTO_SAMPLE) this.#validating = false;
      if (this.#checked === AUTO_EARLY && this.#checkedBad * 2 > AUTO_EARLY) this.#validating = false;
    }
    if (c === CHECKSUM_OFFLOADED) {
      if (this.#validation === "auto") {
        this.counters.offloadedChecksum++;
        return true;
      }
    } else if (c !== CHECKSUM_BAD) return true;
    this.counters.badChecksum++;
    return false;
  }

  #overlap(pkt: Packet, d: TcpDirection, r: number, deliveredBefore: number): void {
    this.counters.overlaps++;
    if ((r & SEG_DIFFERENT) === 0) return;
    this.counters.overlapsDifferent++;
    this.#onOverlap({
      tsUs: pkt.tsUs,
      src: pkt.src,
      dst: pkt.dst,
      srcPort: pkt.srcPort,
      dstPort: pkt.dstPort,
      flow: pkt.flow,
      start: d.diffStart,
      end: d.diffEnd,
      delivered: d.diffStart < deliveredBefore,
      policy: this.#policy,
    });
  }

  #account(slot: number): void {
    const held = this.#dir(slot, 0).heldBytes + this.#dir(slot, 1).heldBytes;
    this.#held += held - this.#heldBy[slot];
    this.#heldBy[slot] = held;
    if (this.#held > this.#maxBytes) {
      const cap = this.#cap, next = this.#next;
      let g = next[cap];
      while (g !== cap && this.#held > this.#maxBytes) {
        const after = next[g];
        if (g !== slot) {
          this.counters.evicted++;
          this.#end(g, this.#curTs, true);
        }
        g = after;
      }
    }
  }

  #evictOldest(tsUs: number): void {
    const g = this.#next[this.#cap];
    if (g === this.#cap) return;
    this.counters.evicted++;
    this.#end(g, tsUs, true);
  }

  /** Flushes both directions to the consumer (when `flush`), tells it the connection ended, forgets it. */
  #end(slot: number, tsUs: number, flush: boolean, after = NONE): void {
    if (this.#mode[slot] !== ACTIVE) return;
    this.#unlink(slot);
    // closed or declined connections are over (IGNORED); an evicted one may be picked up again (NONE)
    this.#mode[slot] = after;
    const d0 = this.#dir(slot, 0), d1 = this.#dir(slot, 1);
    if (flush) {
      const saved = this.#cur, savedDir = this.#curDir, savedTs = this.#curTs, savedStop = this.#curStop;
      for (let dir = 0; dir < 2; dir++) {
        const d = dir === 0 ? d0 : d1;
        if (d.done) continue;
        this.#cur = slot;
        this.#curDir = dir;
        this.#curTs = tsUs;
        this.#curStop = false;
        d.finish(this);
      }
      this.#cur = saved;
      this.#curDir = savedDir;
      this.#curTs = savedTs;
      this.#curStop = savedStop;
    } else {
      d0.stop();
      d1.stop();
    }
    this.#held -= this.#heldBy[slot];
    this.#heldBy[slot] = 0;
    const c = this.#connOf[slot] - 1;
    this.#connOf[slot] = 0;
    // directions (with their window buffers) are kept for POOL_MAX / 2 records; past that they are let go
    if (this.#freeKept.length < POOL_MAX / 2) this.#freeKept.push(c);
    else {
      this.#conn[c * 2] = this.#conn[c * 2 + 1] = null;
      this.#freeBare.push(c);
    }
    this.#consumer.end(slot, tsUs);
  }
}
