/**
 * The contract every packet source (pcap file, pcapng file, live libpcap handle) fulfils.
 *
 * Sources deliver frames through a callback with one reused {@link Frame} record: `buf` is a view of
 * the source's current read buffer and is only valid until the callback returns. Nothing is allocated
 * per packet.
 *
 * @module
 */

export { type Frame, frameBytes, type FrameHandler, LinkType, linkTypeName, newFrame } from "../core/frame.ts";
import type { FrameHandler } from "../core/frame.ts";

/** Where and why reading stopped early. */
export interface SourceError {
  /** Byte offset in the (decompressed) stream where the bad or missing data starts. */
  offset: number;
  /** Frames delivered before the error. */
  packets: number;
  /** One line, e.g. `Cannot read packet record: file truncated (needs 1514 bytes, 200 left)`. */
  message: string;
  /** True when the file could not be opened at all or is not a capture (`Cannot open capture: …`). */
  open?: boolean;
}

/** Totals of one run of a source. */
export interface SourceSummary {
  /** Frames delivered. */
  packets: number;
  /** Captured bytes delivered. */
  bytes: number;
  /** Set when the input ended in a truncated or corrupt record; frames before it were delivered. */
  error?: SourceError;
  /** A problem that lost nothing (e.g. trailing garbage after the last gzip member, ignored as `gzip -d` does). */
  warning?: string;
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
