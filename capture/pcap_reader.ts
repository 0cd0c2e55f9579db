/**
 * Streaming reader for classic pcap files: both byte orders, micro- and nanosecond timestamps.
 *
 * @module
 */
import type { ByteStream } from "./_byte_stream.ts";
import { type Frame, type FrameHandler, newFrame, type SourceSummary } from "./packet_source.ts";

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

/** The state of one pcap read that {@link scanBuffered} carries from buffer to buffer. */
interface PcapScan {
  frame: Frame;
  le: boolean;
  nano: boolean;
  packets: number;
  bytes: number;
}

/**
 * Delivers every complete record buffered in `s` from `s.pos` on. Returns the promise `onFrame` returned (a paced
 * replay: the caller awaits it, then calls again); undefined when no complete record is left (or the next one is
 * corrupt: the caller reports it), or when a stop is due (checked every 256 frames).
 *
 * A function of its own, which every exit leaves by a `return`: the optimizing compiler compiles this loop while
 * it runs (on-stack replacement), and the code after the loop that runs at the end of each buffer would otherwise
 * be reached for the first time in optimized code without type feedback, throwing that code away (measured: two to
 * four deoptimizations of the reader per replay, each followed by thousands of frames in slower tiers).
 */
function scanBuffered(
  s: ByteStream,
  st: PcapScan,
  onFrame: FrameHandler,
  signal: AbortSignal | undefined,
): Promise<unknown> | undefined {
  const view = s.view, buf = s.buf, end = s.end, frame = st.frame, le = st.le, nano = st.nano;
  let pos = s.pos;
  while (end - pos >= 16) {
    const sec = view.getUint32(pos, le);
    const frac = view.getUint32(pos + 4, le);
    const incl = view.getUint32(pos + 8, le);
    const orig = view.getUint32(pos + 12, le);
    if (incl > MAX_RECORD) return undefined; // reported by the caller as corrupt
    if (end - pos - 16 < incl) return undefined;
    const start = pos + 16;
    frame.buf = buf; // the frame is buf[off, off + caplen): no view object per frame
    frame.off = start;
    frame.caplen = incl;
    frame.len = orig;
    // a fraction field out of range is a bad timestamp (the decoder counts it and clamps), not the end of the file
    frame.tsUs = (nano ? frac >= 1e9 : frac >= 1e6) ? Number.NaN : sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac);
    pos = start + incl;
    const packets = ++st.packets;
    st.bytes += incl;
    s.pos = pos;
    const wait = onFrame(frame) as unknown;
    if (wait instanceof Promise) return wait;
    // a stop (Ctrl-C) ends the read within 256 packets, not at the end of the buffer
    if ((packets & 255) === 0 && signal?.aborted) return undefined;
  }
  return undefined;
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
  const st: PcapScan = { frame, le, nano, packets: 0, bytes: 0 };
  while (true) {
    const wait = scanBuffered(s, st, onFrame, signal);
    if (wait !== undefined) {
      // a paced replay: wait before the next frame; a stop ends the read at once
      await wait;
      if (!signal?.aborted) continue;
    }
    const packets = st.packets;
    summary.packets = packets;
    summary.bytes = st.bytes;
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
