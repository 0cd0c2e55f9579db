/**
 * Streaming reader for classic pcap files: both byte orders, micro- and nanosecond timestamps.
 *
 * @module
 */
import type { ByteStream } from "./_byte_stream.ts";
import { type FrameHandler, newFrame, type SourceSummary } from "./packet_source.ts";

/** pcap magic numbers as read little-endian. */
export const PCAP_MAGIC = {
  USEC: 0xa1b2c3d4,
  USEC_SWAPPED: 0xd4c3b2a1,
  NSEC: 0xa1b23c4d,
  NSEC_SWAPPED: 0x4d3cb2a1,
} as const;

/** Largest record we accept; larger ones mean a corrupt file. */
export const MAX_RECORD = 256 * 1024 * 4;

/** True when the first four bytes (read little-endian) are a pcap magic. */
export function isPcapMagic(m: number): boolean {
  return m === PCAP_MAGIC.USEC || m === PCAP_MAGIC.USEC_SWAPPED || m === PCAP_MAGIC.NSEC ||
    m === PCAP_MAGIC.NSEC_SWAPPED;
}

/** Reads a pcap stream positioned at its global header; delivers frames to `onFrame`. */
export async function readPcap(
  s: ByteStream,
  onFrame: FrameHandler,
  signal?: AbortSignal,
): Promise<SourceSummary> {
  const summary: SourceSummary = { packets: 0, bytes: 0 };
  if (!await s.ensure(24)) {
    summary.error = {
      offset: s.offset,
      packets: 0,
      message: `Cannot read pcap header: file truncated at byte ${s.offset + s.available} (the header needs 24 bytes)`,
    };
    return summary;
  }
  const magic = s.view.getUint32(s.pos, true);
  const le = magic === PCAP_MAGIC.USEC || magic === PCAP_MAGIC.NSEC;
  const nano = magic === PCAP_MAGIC.NSEC || magic === PCAP_MAGIC.NSEC_SWAPPED;
  const linkType = s.view.getUint32(s.pos + 20, le) & 0x03ffffff; // upper 6 bits: FCS info (LT_LINKTYPE)
  s.pos += 24;
  const frame = newFrame();
  frame.linkType = linkType;
  let packets = 0, bytes = 0;
  while (true) {
    // fast synchronous loop over whatever is buffered
    const view = s.view, buf = s.buf, end = s.end;
    let pos = s.pos;
    while (end - pos >= 16) {
      const sec = view.getUint32(pos, le);
      const frac = view.getUint32(pos + 4, le);
      const incl = view.getUint32(pos + 8, le);
      const orig = view.getUint32(pos + 12, le);
      if (incl > MAX_RECORD) break; // handled below as corrupt
      if (end - pos - 16 < incl) break;
      const start = pos + 16;
      frame.buf = buf; // the frame is buf[off, off + caplen): no view object per frame
      frame.off = start;
      frame.caplen = incl;
      frame.len = orig;
      // a fraction field out of range is a bad timestamp (the decoder counts it and clamps), not the end of the file
      frame.tsUs = (nano ? frac >= 1e9 : frac >= 1e6)
        ? Number.NaN
        : sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac);
      pos = start + incl;
      packets++;
      bytes += incl;
      s.pos = pos;
      const wait = onFrame(frame) as unknown; // a promise: wait before the next frame (paced replay)
      if (wait instanceof Promise) await wait;
      // a stop (Ctrl-C) ends the read within 256 packets (at once when paced), not at the end of the buffer
      if (((packets & 255) === 0 || wait instanceof Promise) && signal?.aborted) break;
    }
    s.pos = pos;
    summary.packets = packets;
    summary.bytes = bytes;
    if (signal?.aborted) return summary;
    if (s.available >= 16) {
      const incl = s.view.getUint32(s.pos + 8, le);
      if (incl > MAX_RECORD) {
        summary.error = {
          offset: s.offset,
          packets,
          message: `Cannot read packet record: corrupt capture length ${incl} at byte ${s.offset}`,
        };
        return summary;
      }
      if (!await s.ensure(16 + incl)) {
        summary.error = {
          offset: s.offset,
          packets,
          message: `Cannot read packet record: file truncated at byte ${
            s.offset + s.available
          } (record at byte ${s.offset} needs ${16 + incl} bytes, ${s.available} left)`,
        };
        return summary;
      }
      continue;
    }
    if (!await s.ensure(16)) {
      if (s.available > 0) {
        summary.error = {
          offset: s.offset,
          packets,
          message: `Cannot read packet record: file truncated at byte ${
            s.offset + s.available
          } (partial record header of ${s.available} bytes at byte ${s.offset})`,
        };
      }
      return summary;
    }
  }
}
