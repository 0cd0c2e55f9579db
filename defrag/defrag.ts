/**
 * IPv4 and IPv6 fragment reassembly on packet time.
 *
 * Fragments are held per datagram (IPv4: source, destination, protocol, identification; IPv6:
 * source, destination, identification) until every byte up to the last fragment arrived; then the
 * datagram is rebuilt (the first fragment's header, lengths and fragment fields fixed, the IPv6
 * fragment header removed) and handed back to go through the same decoders as any whole packet.
 *
 * Overlaps are resolved by the configured {@link OverlapPolicy} and counted; bytes covered twice
 * with different data are reported through `onOverlap` (an evasion: hosts with different policies
 * see different datagrams).
 *
 * Bounded: at most `maxTrackers` datagrams and `maxBytes` of fragment data in total (the oldest
 * datagram is evicted, counted), at most `maxBytesPerSource` per source address (further fragments
 * from it are dropped, counted), at most `maxFragments` per datagram, and a datagram not complete
 * `timeoutS` seconds of packet time after its first fragment is dropped (counted).
 *
 * @module
 */
import { type DecodeEvents, Ev } from "../decode/events.ts";
import type { IpKey, Packet } from "../decode/packet.ts";
import { covers, insertPiece, type OverlapPolicy, type Piece } from "./overlap.ts";

/** Options of {@link Defragmenter}. */
export interface DefragOptions {
  /** Overlap policy (default `bsd`). */
  policy?: OverlapPolicy;
  /** Seconds of packet time a datagram may take to complete (default 30). */
  timeoutS?: number;
  /** Datagrams in reassembly at once (default 65536). */
  maxTrackers?: number;
  /** Fragment bytes held in total (default 32 MiB). */
  maxBytes?: number;
  /** Fragment bytes held per source address (default 4 MiB). */
  maxBytesPerSource?: number;
  /** Fragments per datagram (default 256). */
  maxFragments?: number;
  /** Called when two fragments cover the same bytes with different data. */
  onOverlap?: (info: FragmentOverlap) => void;
}

/** An overlap with different data, as reported to `onOverlap`. */
export interface FragmentOverlap {
  tsUs: number;
  src: IpKey;
  dst: IpKey;
  /** 4 or 6. */
  version: number;
  proto: number;
  id: number;
  /** Byte range (within the datagram's payload) whose copies differ. */
  start: number;
  end: number;
  /** True when the policy kept the later copy. */
  keptLater: boolean;
  policy: OverlapPolicy;
}

interface Tracker {
  key: string;
  src: IpKey;
  dst: IpKey;
  version: number;
  proto: number;
  id: number;
  firstUs: number;
  pieces: Piece[];
  /** Payload length once the last fragment was seen, else -1. */
  total: number;
  /** Header of the first fragment (IPv4 header / IPv6 header up to the fragment header), or null. */
  header: Uint8Array | null;
  /** IPv6: offset within `header` of the next-header byte that named the fragment header. */
  nextAt: number;
  /** IPv6: the next header after the fragment header. */
  nextHdr: number;
  bytes: number;
  frags: number;
}

/** Counters of the defrag stage. */
export interface DefragCounters {
  fragments: number;
  reassembled: number;
  overlaps: number;
  overlapsDifferent: number;
  timeouts: number;
  evicted: number;
  sourceLimited: number;
  tooManyFragments: number;
}

/** Reassembles IP fragments. */
export class Defragmenter {
  #trackers = new Map<string, Tracker>();
  #perSource = new Map<IpKey, number>();
  #bytes = 0;
  #policy: OverlapPolicy;
  #timeoutUs: number;
  #maxTrackers: number;
  #maxBytes: number;
  #maxPerSource: number;
  #maxFragments: number;
  #onOverlap: (info: FragmentOverlap) => void;
  /** Counters. */
  readonly counters: DefragCounters = {
    fragments: 0,
    reassembled: 0,
    overlaps: 0,
    overlapsDifferent: 0,
    timeouts: 0,
    evicted: 0,
    sourceLimited: 0,
    tooManyFragments: 0,
  };

  constructor(options: DefragOptions = {}) {
    this.#policy = options.policy ?? "bsd";
    this.#timeoutUs = (options.timeoutS ?? 30) * 1e6;
    this.#maxTrackers = Math.max(1, options.maxTrackers ?? 65536);
    this.#maxBytes = Math.max(65536, options.maxBytes ?? 32 << 20);
    this.#maxPerSource = Math.max(65536, options.maxBytesPerSource ?? 4 << 20);
    this.#maxFragments = Math.max(2, options.maxFragments ?? 256);
    this.#onOverlap = options.onOverlap ?? (() => {});
  }

  /** Applies changed limits and policy; datagrams in reassembly are kept. */
  configure(options: Omit<DefragOptions, "onOverlap">): void {
    if (options.policy) this.#policy = options.policy;
    if (options.timeoutS !== undefined) this.#timeoutUs = options.timeoutS * 1e6;
    if (options.maxTrackers !== undefined) this.#maxTrackers = Math.max(1, options.maxTrackers);
    if (options.maxBytes !== undefined) this.#maxBytes = Math.max(65536, options.maxBytes);
    if (options.maxBytesPerSource !== undefined) this.#maxPerSource = Math.max(65536, options.maxBytesPerSource);
    if (options.maxFragments !== undefined) this.#maxFragments = Math.max(2, options.maxFragments);
  }

  /** Datagrams in reassembly. */
  get size(): number {
    return this.#trackers.size;
  }

  /** Fragment bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Takes one decoded fragment (`pkt.isFragment`). Returns the rebuilt datagram (IP header first)
   * when this fragment completed it, else null. Never throws on hostile input; problems are decode
   * events on `ev`.
   */
  add(pkt: Packet, ev: DecodeEvents): Uint8Array | null {
    const now = pkt.tsUs;
    this.expire(now, ev);
    this.counters.fragments++;
    const b = pkt.buf;
    const off = pkt.fragOffset;
    const dataOff = pkt.fragDataOff, dataEnd = Math.max(pkt.fragDataOff, pkt.fragDataEnd);
    const len = dataEnd - dataOff;
    const v4 = pkt.ipVersion === 4;
    const hdrLen = v4 ? pkt.ipHdrLen : pkt.fragHdrOff - pkt.l3Off;
    if (off + len + hdrLen > 65535 + (v4 ? 0 : 40)) {
      // ends past the largest datagram (ping of death)
      ev.add(Ev[v4 ? "ipv4.frag_overflow" : "ipv6.frag_overflow"]);
      return null;
    }
    const proto = v4 ? pkt.proto : b[pkt.fragHdrOff];
    const key = v4 ? `4|${pkt.src}|${pkt.dst}|${proto}|${pkt.fragId}` : `6|${pkt.src}|${pkt.dst}|${pkt.fragId}`;
    let t = this.#trackers.get(key);
    if (t === undefined) {
      const held = this.#perSource.get(pkt.src) ?? 0;
      if (held + len > this.#maxPerSource) {
        this.counters.sourceLimited++;
        ev.add(Ev["defrag.source_limit"]);
        return null;
      }
      while (this.#trackers.size >= this.#maxTrackers) this.#evictOldest(ev);
      t = {
        key,
        src: pkt.src,
        dst: pkt.dst,
        version: pkt.ipVersion,
        proto,
        id: pkt.fragId,
        firstUs: now,
        pieces: [],
        total: -1,
        header: null,
        nextAt: 0,
        nextHdr: proto,
        bytes: 0,
        frags: 0,
      };
      this.#trackers.set(key, t);
    } else if ((this.#perSource.get(pkt.src) ?? 0) + len > this.#maxPerSource) {
      this.counters.sourceLimited++;
      ev.add(Ev["defrag.source_limit"]);
      return null;
    }
    if (t.frags >= this.#maxFragments) {
      this.counters.tooManyFragments++;
      ev.add(Ev["defrag.too_many_fragments"]);
      this.#drop(t);
      return null;
    }
    while (this.#bytes + len > this.#maxBytes && this.#trackers.size > 1) {
      const oldest = this.#trackers.values().next().value!;
      if (oldest === t) break;
      this.#evictOldest(ev);
    }
    t.frags++;
    if (off === 0 && t.header === null) {
      const l3 = pkt.l3Off;
      t.header = b.slice(l3, l3 + hdrLen);
      if (!v4) t.nextAt = pkt.fragNextAt - l3;
      this.#account(t, hdrLen);
    }
    if (!pkt.fragMore) {
      const total = off + len;
      if (t.total < 0 || total < t.total) t.total = total;
    }
    const data = b.slice(dataOff, dataEnd);
    this.#account(t, len);
    const r = insertPiece(t.pieces, off, data, this.#policy);
    if (r.overlapBytes > 0) {
      this.counters.overlaps++;
      ev.add(Ev["defrag.overlap"]);
      if (r.differentStart >= 0) {
        this.counters.overlapsDifferent++;
        ev.add(Ev["defrag.overlap_different_data"]);
        this.#onOverlap({
          tsUs: now,
          src: t.src,
          dst: t.dst,
          version: t.version,
          proto: t.proto,
          id: t.id,
          start: r.differentStart,
          end: r.differentEnd,
          keptLater: r.newWonDifferent,
          policy: this.#policy,
        });
      }
    }
    if (t.total < 0 || t.header === null || !covers(t.pieces, t.total)) return null;
    const out = this.#build(t);
    this.#drop(t);
    this.counters.reassembled++;
    return out;
  }

  /** Drops datagrams whose first fragment is older than the timeout (packet time `nowUs`). */
  expire(nowUs: number, ev: DecodeEvents): void {
    const limit = nowUs - this.#timeoutUs;
    for (const t of this.#trackers.values()) {
      if (t.firstUs > limit) break;
      this.counters.timeouts++;
      ev.add(Ev["defrag.timeout"]);
      this.#drop(t);
    }
  }

  #account(t: Tracker, n: number): void {
    t.bytes += n;
    this.#bytes += n;
    this.#perSource.set(t.src, (this.#perSource.get(t.src) ?? 0) + n);
  }

  #evictOldest(ev: DecodeEvents): void {
    const oldest = this.#trackers.values().next().value;
    if (oldest === undefined) return;
    this.counters.evicted++;
    ev.add(Ev["defrag.evicted"]);
    this.#drop(oldest);
  }

  #drop(t: Tracker): void {
    if (!this.#trackers.delete(t.key)) return;
    this.#bytes -= t.bytes;
    const left = (this.#perSource.get(t.src) ?? 0) - t.bytes;
    if (left > 0) this.#perSource.set(t.src, left);
    else this.#perSource.delete(t.src);
  }

  /** Header + payload of a complete datagram. */
  #build(t: Tracker): Uint8Array {
    const h = t.header!;
    const total = t.total;
    const out = new Uint8Array(h.length + total);
    out.set(h, 0);
    for (const p of t.pieces) {
      if (p.start >= total) break;
      out.set(p.end > total ? p.data.subarray(0, total - p.start) : p.data, h.length + p.start);
    }
    if (t.version === 4) {
      const len = h.length + total;
      out[2] = len >> 8;
      out[3] = len & 255;
      out[6] = 0;
      out[7] = 0;
      out[10] = 0;
      out[11] = 0;
      let sum = 0;
      for (let i = 0; i < h.length; i += 2) sum += (out[i] << 8) | out[i + 1];
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      const c = ~sum & 0xffff;
      out[10] = c >> 8;
      out[11] = c & 255;
    } else {
      out[t.nextAt] = t.nextHdr;
      const plen = h.length - 40 + total;
      out[4] = plen >> 8;
      out[5] = plen & 255;
    }
    return out;
  }
}
