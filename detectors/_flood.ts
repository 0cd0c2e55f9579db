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
import { BoundedMap } from "./_bounded_map.ts";
import { DistinctWindow } from "./_distinct.ts";
import { TimeRing } from "./_time_ring.ts";

/** Distinct sources tracked per destination. */
export const FLOOD_SOURCES_CAP = 64;

interface SrcState {
  /** The source this state is held for (NaN once pushed out of the table): validates {@link DstState.topRef}. */
  key: IpKey;
  ring: TimeRing;
  lastEmitUs: number;
}

interface DstState {
  ring: TimeRing;
  sources: DistinctWindow<IpKey>;
  top: IpKey;
  /** The state of `top` when last looked up (checked against its key before use; saves a table look-up). */
  topRef: SrcState | null;
  lastEmitUs: number;
}

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
  #src: BoundedMap<IpKey, SrcState>;
  #dst: BoundedMap<IpKey, DstState>;
  #windowUs = 0;
  readonly verdict: FloodVerdict = { kind: 0, count: 0, attacker: 0, sources: 0, spoofed: false };
  #initSrc = (old: SrcState | undefined): SrcState => {
    if (old === undefined) return { key: NaN, ring: new TimeRing(this.#windowUs), lastEmitUs: -Infinity };
    old.ring.clear();
    old.lastEmitUs = -Infinity;
    return old;
  };
  #initDst = (old: DstState | undefined): DstState => {
    if (old === undefined) {
      return {
        ring: new TimeRing(this.#windowUs),
        sources: new DistinctWindow<IpKey>(),
        top: 0,
        topRef: null,
        lastEmitUs: -Infinity,
      };
    }
    old.ring.clear();
    old.sources.clear();
    old.topRef = null;
    old.lastEmitUs = -Infinity;
    return old;
  };

  /** Creates empty tables holding at most `capacity` sources and `capacity` destinations. */
  constructor(capacity: number) {
    this.#src = new BoundedMap(capacity, { onEvict: (_k, s) => void (s.key = NaN) });
    this.#dst = new BoundedMap(capacity);
  }

  /** Sets window and capacity; a changed window clears the tables. */
  configure(windowUs: number, capacity: number): void {
    if (windowUs !== this.#windowUs) {
      this.#src.clear();
      this.#dst.clear();
      this.#windowUs = windowUs;
    }
    this.#src.setCapacity(capacity);
    this.#dst.setCapacity(capacity);
  }

  /** Entries in both tables. */
  get size(): number {
    return this.#src.size + this.#dst.size;
  }

  /** Counts one packet from `src` to `dst` at `tsUs`; returns {@link verdict}. */
  add(src: IpKey, dst: IpKey, tsUs: number, cfg: FloodConfig): FloodVerdict {
    const v = this.verdict, w = this.#windowUs;
    v.kind = 0;
    const s = this.#src.acquire(src, this.#initSrc);
    s.key = src;
    const sc = s.ring.add(tsUs);
    const d = this.#dst.acquire(dst, this.#initDst);
    if (d.ring.sum === 0) {
      d.top = src;
      d.topRef = s;
    }
    const dc = d.ring.add(tsUs);
    const k = d.sources.add(src, tsUs, w, FLOOD_SOURCES_CAP);
    let topCount = sc;
    if (d.top !== src) {
      const ref = d.topRef;
      const t = ref !== null && ref.key === d.top ? ref : this.#src.peek(d.top);
      d.topRef = t ?? null;
      const tc = t === undefined ? 0 : t.ring.count(tsUs);
      if (sc > tc) {
        d.top = src;
        d.topRef = s;
      } else topCount = tc;
    }
    if (sc >= cfg.source_threshold && tsUs - s.lastEmitUs >= w) {
      s.lastEmitUs = tsUs;
      d.lastEmitUs = tsUs;
      v.kind = 1;
      v.count = sc;
      v.attacker = src;
      v.sources = k;
      v.spoofed = false;
    } else if (dc >= cfg.threshold && tsUs - d.lastEmitUs >= w) {
      d.lastEmitUs = tsUs;
      const share = Math.min(topCount, dc) / dc;
      v.kind = 2;
      v.count = dc;
      v.attacker = d.top;
      v.sources = k;
      v.spoofed = k >= FLOOD_SOURCES_CAP && share < 0.1;
    }
    return v;
  }

  /** Takes back `n` packets counted at `tsUs` from `src` to `dst` (they turned out answered). */
  refund(src: IpKey, dst: IpKey, tsUs: number, n: number): void {
    this.#src.peek(src)?.ring.sub(tsUs, n);
    this.#dst.peek(dst)?.ring.sub(tsUs, n);
  }

  /** Forgets everything. */
  clear(): void {
    this.#src.clear();
    this.#dst.clear();
  }
}
