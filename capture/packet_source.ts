/**
 * The contract every packet source (pcap file, pcapng file, live libpcap handle) fulfils.
 *
 * Sources deliver frames through a callback with one reused {@link Frame} record: `buf` is a view of
 * the source's current read buffer and is only valid until the callback returns. Nothing is allocated
 * per packet.
 *
 * @module
 */

/** Link-layer header types (LINKTYPE_* values as written in pcap/pcapng files and returned by libpcap). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
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

/** One captured frame. Reused between callbacks: copy what you keep. */
export interface Frame {
  /** View holding exactly the captured bytes of this frame (`buf.length === caplen`). */
  buf: Uint8Array;
  /** Bytes captured. */
  caplen: number;
  /** Length of the frame on the wire. */
  len: number;
  /** Capture time in microseconds since the Unix epoch. */
  tsUs: number;
  /** LINKTYPE_* of the interface the frame was captured on. */
  linkType: number;
  /** Interface index (pcapng interface id; 0 for pcap files and live capture). */
  iface: number;
}

/** Receives each frame. */
export type FrameHandler = (frame: Frame) => void;

/** Where and why reading stopped early. */
export interface SourceError {
  /** Byte offset in the (decompressed) stream where the bad or missing data starts. */
  offset: number;
  /** Frames delivered before the error. */
  packets: number;
  /** One line, e.g. `Cannot read packet record: file truncated (needs 1514 bytes, 200 left)`. */
  message: string;
}

/** Totals of one run of a source. */
export interface SourceSummary {
  /** Frames delivered. */
  packets: number;
  /** Captured bytes delivered. */
  bytes: number;
  /** Set when the input ended in a truncated or corrupt record; frames before it were delivered. */
  error?: SourceError;
}

/** A stream of frames: a capture file or a live interface. */
export interface PacketSource {
  /** File path or interface name, for reports. */
  readonly name: string;
  /**
   * Delivers every frame to `onFrame` until the input ends or `signal` aborts.
   * Data errors never reject: they end the run and are returned in {@link SourceSummary.error}.
   * Only I/O failures of the underlying file or device reject.
   */
  run(onFrame: FrameHandler, signal?: AbortSignal): Promise<SourceSummary>;
}

/** Creates a reusable frame record. */
export function newFrame(): Frame {
  return { buf: new Uint8Array(0), caplen: 0, len: 0, tsUs: 0, linkType: LinkType.ETHERNET, iface: 0 };
}
