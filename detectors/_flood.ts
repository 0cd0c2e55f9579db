/**
 * Per-source and per-destination packet-rate tables shared by the UDP and ICMP flood detectors.
 *
 * {@link FloodCounter.add} counts one packet against its source and its destination and says
 * whether either crossed its threshold (at most once per window per key): a source over
 * `source_threshold` is reported as the attacker; otherwise a destination over `threshold` is
 * reported with its busiest source as the attacker and `spoofed` when the packets come from at
 * least 64 sources with none above 10 %.
 *
 * @module
 */
import type { FloodConfig } from "../config/defaults.ts";
import type { IpKey } from "../decode/packet.ts";
import { DistinctWindows } from "./_distinct_windows.ts";
import { SlotMap } from "./_slot_map.ts";
import { KeyColumn, SlotRecords } from "./_slot_records.ts";
import { DEFAULT_BUCKETS } from "./_time_ring.ts";
import { TimeRings } from "./_time_rings.ts";

/** Distinct sources tracked per destination. */
export const FLOOD_SOURCES_CAP = 64;

/** What {@link FloodCounter.add} decided; one record reused for every call. */
export interface FloodVerdict {
  /** 0 nothing to report, 1 the source crossed `source_threshold`, 2 the destination crossed `threshold`. */
  kind: 0 | 1 | 2;
  /** Packets in the window from the source (kind 1) or to the destination (kind 2). */
  count: number;
  /** The attacker to report. */
  attacker: IpKey;
  /** Distinct sources seen toward the destination in the window (capped at 64). */
  sources: number;
  /** True when the destination's packets come from many sources, none dominant. */
  spoofed: boolean;
}

/** Who a flood verdict blames, as alert text: `from one source`, `from 12 sources to one host`, `to one host`. */
export function floodOrigin(v: FloodVerdict): string {
  if (v.kind === 1) return "from one source";
  if (v.sources > 1) {
    return `from ${v.sources >= FLOOD_SOURCES_CAP ? `${FLOOD_SOURCES_CAP}+` : v.sources} sources to one host`;
  }
  return "to one host";
}

/** Source and destination rate tables (see module docs). */
export class FloodCounter {
  // one record per table slot (no object per address): a source's packets and last report; a
  // destination's packets, distinct sources, busiest source (with its slot when last looked up,
  // checked against its key before use: saves a table look-up) and last report
  #src: SlotMap<IpKey>;
  #srcRec = new SlotRecords();
  #srcRing = new TimeRings(1, DEFAULT_BUCKETS, this.#srcRec);
  #srcLastEmit = this.#srcRec.fields(1);
  #dst: SlotMap<IpKey>;
  #dstRec = new SlotRecords();
  #dstRing = new TimeRings(1, DEFAULT_BUCKETS, this.#dstRec);
  #dstSources = new DistinctWindows<IpKey>(this.#dstRec);
  #dstTop = new KeyColumn<IpKey>(this.#dstRec);
  #dstTopSlot = this.#dstRec.fields(1);
  #dstLastEmit = this.#dstRec.fields(1);
  #windowUs = 0;
  readonly verdict: FloodVerdict = { kind: 0, count: 0, attacker: 0, sources: 0, spoofed: false };

  /** Creates empty tables holding at most `capacity` sources and `capacity` destinations. */
  constructor(capacity: number) {
    this.#src = new SlotMap(capacity);
    this.#dst = new SlotMap(capacity);
    this.#srcRec.limit = this.#dstRec.limit = capacity;
  }

  /** Sets window and capacity; a changed window clears the tables. */
  configure(windowUs: number, capacity: number): void {
    if (windowUs !== this.#windowUs) {
      this.clear();
      this.#windowUs = windowUs;
      this.#srcRing.setWindow(windowUs);
      this.#dstRing.setWindow(windowUs);
    }
    this.#src.setCapacity(capacity);
    this.#dst.setCapacity(capacity);
    this.#srcRec.limit = this.#dstRec.limit = capacity;
  }

  /** Entries in both tables. */
  get size(): number {
    return this.#src.size + this.#dst.size;
  }

  /** Counts one packet from `src` to `dst` at `tsUs`; returns {@link verdict}. */
  add(src: IpKey, dst: IpKey, tsUs: number, cfg: FloodConfig): FloodVerdict {
    const v = this.verdict, w = this.#windowUs;
    v.kind = 0;
    const s = this.#src.acquire(src);
    if (this.#src.created) {
      this.#srcRing.reset(s);
      this.#srcRec.data[s * this.#srcRec.stride + this.#srcLastEmit] = -Infinity;
    }
    const sc = this.#srcRing.add(s, tsUs);
    const d = this.#dst.acquire(dst);
    if (this.#dst.created) {
      this.#dstRing.reset(d);
      this.#dstSources.reset(d);
      this.#dstTop.set(d, 0);
      const r = this.#dstRec.data, i = d * this.#dstRec.stride;
      r[i + this.#dstTopSlot] = -1;
      r[i + this.#dstLastEmit] = -Infinity;
    }
    const dr = this.#dstRec.data, di = d * this.#dstRec.stride;
    if (this.#dstRing.sum(d) === 0) {
      this.#dstTop.set(d, src);
      dr[di + this.#dstTopSlot] = s;
    }
    const dc = this.#dstRing.add(d, tsUs);
    const k = this.#dstSources.add(d, src, tsUs, w, FLOOD_SOURCES_CAP);
    let topCount = sc;
    const top = this.#dstTop.get(d);
    if (top !== src) {
      const ref = dr[di + this.#dstTopSlot];
      const t = ref >= 0 && this.#src.keyOf(ref) === top ? ref : this.#src.find(top);
      dr[di + this.#dstTopSlot] = t;
      const tc = t < 0 ? 0 : this.#srcRing.count(t, tsUs);
      if (sc > tc) {
        this.#dstTop.set(d, src);
        dr[di + this.#dstTopSlot] = s;
      } else topCount = tc;
    }
    const sr = this.#srcRec.data, sLast = s * this.#srcRec.stride + this.#srcLastEmit;
    if (sc >= cfg.source_threshold && tsUs - sr[sLast] >= w) {
      sr[sLast] = tsUs;
      dr[di + this.#dstLastEmit] = tsUs;
      v.kind = 1;
      v.count = sc;
      v.attacker = src;
      v.sources = k;
      v.spoofed = false;
    } else if (dc >= cfg.threshold && tsUs - dr[di + this.#dstLastEmit] >= w) {
      dr[di + this.#dstLastEmit] = tsUs;
      const share = Math.min(topCount, dc) / dc;
      v.kind = 2;
      v.count = dc;
      v.attacker = this.#dstTop.get(d);
      v.sources = k;
      v.spoofed = k >= FLOOD_SOURCES_CAP && share < 0.1;
    }
    return v;
  }

  /** Takes back `n` packets counted at `tsUs` from `src` to `dst` (they turned out answered). */
  refund(src: IpKey, dst: IpKey, tsUs: number, n: number): void {
    const s = this.#src.find(src);
    if (s >= 0) this.#srcRing.sub(s, tsUs, n);
    const d = this.#dst.find(dst);
    if (d >= 0) this.#dstRing.sub(d, tsUs, n);
  }

  /** Forgets everything. */
  clear(): void {
    this.#src.clear();
    this.#dst.clear();
    this.#srcRec.clear();
    this.#dstSources.clear(); // and the destination records
    this.#dstTop.clear();
  }
}
