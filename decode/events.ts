/**
 * Decode events: malformed or cut frames are counted by kind, never thrown.
 *
 * @module
 */

/** Every decode event kind, in counter order. Names follow Suricata's `decoder.*` style. */
export const DECODE_EVENTS = [
  "frame.bad_timestamp",
  "link.unsupported",
  "ethernet.truncated",
  "vlan.truncated",
  "vlan.too_many_tags",
  "sll.truncated",
  "null.truncated",
  "null.unknown_family",
  "arp.truncated",
  "arp.unsupported",
  "ipv4.truncated",
  "ipv4.bad_version",
  "ipv4.header_too_small",
  "ipv4.length_too_small",
  "ipv4.snaplen_cut",
  "ipv4.length_exceeds_frame",
  "ipv6.truncated",
  "ipv6.bad_version",
  "ipv6.exthdr_truncated",
  "ipv6.too_many_exthdrs",
  "ipv6.snaplen_cut",
  "ipv6.length_exceeds_frame",
  "tcp.truncated",
  "tcp.header_too_small",
  "tcp.options_truncated",
  "udp.truncated",
  "udp.bad_length",
  "udp.length_exceeds_payload",
  "icmp.truncated",
  "icmpv6.truncated",
  "l3.unknown_ethertype",
  "l4.unknown_protocol",
  "mpls.truncated",
  "mpls.too_many_labels",
  "mpls.unknown_payload",
  "pppoe.truncated",
  "pppoe.bad_header",
  "ppp.truncated",
  "ppp.unsupported_protocol",
  "nflog.truncated",
  "nflog.no_payload",
  "radiotap.truncated",
  "wlan.truncated",
  "wlan.unsupported_frame",
  "wlan.protected",
  "ipv4.frag_tiny_first",
  "ipv4.frag_overflow",
  "ipv6.frag_tiny_first",
  "ipv6.frag_overflow",
  "defrag.overlap",
  "defrag.overlap_different_data",
  "defrag.timeout",
  "defrag.evicted",
  "defrag.source_limit",
  "defrag.too_many_fragments",
] as const;

/** A decode event kind. */
export type DecodeEventKind = typeof DECODE_EVENTS[number];

/** Index of each kind in {@link DecodeEvents.counts}. */
export const Ev: { readonly [K in DecodeEventKind as string]: number } = Object.freeze(
  Object.fromEntries(DECODE_EVENTS.map((k, i) => [k, i])),
);

/**
 * Events that mean the frame was malformed or cut (as opposed to merely unsupported: an unknown
 * protocol, an encrypted or non-data 802.11 frame, an NFLOG record without packet; or raised by the
 * defrag stage about sequences of fragments rather than one frame).
 */
const MALFORMED = new Set<string>(
  DECODE_EVENTS.filter((k) =>
    !k.includes("unknown_") && !k.includes("unsupported") && !k.endsWith("protected") &&
    !k.endsWith("no_payload") && !k.startsWith("defrag.")
  ),
);

/** Counters of decode events. */
export class DecodeEvents {
  /** One counter per {@link DECODE_EVENTS} entry. */
  readonly counts: Float64Array = new Float64Array(DECODE_EVENTS.length);
  /** Events recorded so far (all kinds). */
  n = 0;
  /** Frames that raised at least one event. */
  frames = 0;

  constructor() {
    // Written once more with another value, so V8 treats both counters as fields that change from the start:
    // optimized code that read them while no event had happened took them as constants and was thrown away at
    // the first decode event (a deoptimization of the packet path's optimized code)
    this.n = -1;
    this.frames = -1;
    this.n = 0;
    this.frames = 0;
  }

  /** Records one event of kind index `k` ({@link Ev}). */
  add(k: number): void {
    this.counts[k]++;
    this.n++;
  }

  /** Non-zero counters by name. */
  toObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < DECODE_EVENTS.length; i++) if (this.counts[i] > 0) out[DECODE_EVENTS[i]] = this.counts[i];
    return out;
  }

  /** Sum of all counters. */
  total(): number {
    let t = 0;
    for (const c of this.counts) t += c;
    return t;
  }

  /** True when the kind means malformed input. */
  static isMalformed(kind: string): boolean {
    return MALFORMED.has(kind);
  }
}
