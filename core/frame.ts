/**
 * Frames and link types: what a packet source hands to the decoders (bottom layer).
 *
 * Sources deliver frames through a callback with one reused {@link Frame} record: `buf` is a view of
 * the source's current read buffer and is only valid until the callback returns.
 *
 * @module
 */

/** Link-layer header types (LINKTYPE_* values as written in pcap/pcapng files and returned by libpcap). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  PPP_HDLC: 50,
  RAW: 101,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  IPV4: 228,
  NFLOG: 239,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** Human name of a link type, for reports. */
export function linkTypeName(linkType: number): string {
  switch (linkType) {
    case LinkType.NULL:
      return "NULL";
    case LinkType.ETHERNET:
      return "EN10MB";
    case LinkType.RAW:
    case 12:
    case 14:
      return "RAW";
    case LinkType.LOOP:
      return "LOOP";
    case LinkType.PPP:
      return "PPP";
    case LinkType.PPP_HDLC:
      return "PPP_HDLC";
    case LinkType.IEEE802_11:
      return "IEEE802_11";
    case LinkType.IEEE802_11_RADIOTAP:
      return "IEEE802_11_RADIO";
    case LinkType.NFLOG:
      return "NFLOG";
    case LinkType.LINUX_SLL:
      return "LINUX_SLL";
    case LinkType.LINUX_SLL2:
      return "LINUX_SLL2";
    case LinkType.IPV4:
      return "IPV4";
    case LinkType.IPV6:
      return "IPV6";
    default:
      return `LINKTYPE_${linkType}`;
  }
}

/**
 * Latest packet time accepted (µs since the epoch): the largest exact integer, in the year 2255. Times outside
 * 0…this (a corrupt pcapng `if_tsoffset`, a bad pcap microsecond field) are a decode event and are clamped.
 */
export const MAX_PACKET_TIME_US: number = Number.MAX_SAFE_INTEGER;

/** One captured frame. Reused between callbacks: copy what you keep ({@link frameBytes}). */
export interface Frame {
  /**
   * The captured bytes: `buf[off, off + caplen)` when `off` is set (file readers hand over their read
   * buffer instead of a view per frame), else exactly `buf` (`buf.length === caplen`).
   */
  buf: Uint8Array;
  /** Offset of the frame in `buf` (absent: 0, and `buf` is the frame). */
  off?: number;
  /** Bytes captured. */
  caplen: number;
  /** Length of the frame on the wire. */
  len: number;
  /**
   * Capture time in microseconds since the Unix epoch, as the source read it: may be out of range or NaN (a corrupt
   * timestamp field); the decoder then counts `frame.bad_timestamp` and gives the packet a clamped time.
   */
  tsUs: number;
  /** LINKTYPE_* of the interface the frame was captured on. */
  linkType: number;
  /** Interface index (pcapng interface id; 0 for pcap files and live capture). */
  iface: number;
}

/**
 * Receives each frame. A handler may return a promise: file readers then wait for it before the
 * next frame (a paced replay); live sources ignore it. Return nothing on the fast path.
 */
export type FrameHandler = (frame: Frame) => void;

/** Creates a reusable frame record. */
export function newFrame(): Frame {
  return { buf: new Uint8Array(0), off: 0, caplen: 0, len: 0, tsUs: 0, linkType: LinkType.ETHERNET, iface: 0 };
}

/** The frame's captured bytes as a view (allocates; for code that keeps or compares frames, not the packet path). */
export function frameBytes(frame: Frame): Uint8Array {
  const off = frame.off;
  return off === undefined ? frame.buf : frame.buf.subarray(off, off + frame.caplen);
}
