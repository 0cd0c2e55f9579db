/**
 * Streaming reader for pcapng: SHB (both byte orders, several sections), IDB (link type, if_tsresol,
 * if_tsoffset), EPB, SPB and the obsolete Packet Block. Other blocks are skipped.
 *
 * @module
 */
import type { ByteStream } from "./_byte_stream.ts";
import { type FrameHandler, newFrame, type SourceSummary } from "./packet_source.ts";

/** Section Header Block type; also the file magic. */
export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB = 1, PB = 2, SPB = 3, EPB = 6;
const MAX_BLOCK = 16 * 1024 * 1024;

interface Iface {
  linkType: number;
  snaplen: number;
  /** Multiply ticks by this to get µs when `div` is 1; otherwise divide by `div`. */
  div: number;
  mul: number;
  /** For binary resolutions (2^bin ticks per second) the exponent, else -1. */
  bin: number;
  offsetUs: number;
}

function parseIdb(s: ByteStream, start: number, bodyEnd: number, le: boolean): Iface {
  const v = s.view;
  const iface: Iface = {
    linkType: v.getUint16(start, le),
    snaplen: v.getUint32(start + 4, le),
    div: 1,
    mul: 1,
    bin: -1,
    offsetUs: 0,
  };
  let p = start + 8;
  while (p + 4 <= bodyEnd) {
    const code = v.getUint16(p, le), len = v.getUint16(p + 2, le);
    if (code === 0) break;
    const val = p + 4;
    if (val + len > bodyEnd) break;
    if (code === 9 && len >= 1) {
      const r = s.buf[val];
      if (r & 0x80) {
        iface.bin = r & 0x7f;
        iface.div = 2 ** iface.bin / 1e6;
        iface.mul = 1;
      } else {
        const n = r & 0x7f;
        if (n >= 6) iface.div = 10 ** (n - 6);
        else iface.mul = 10 ** (6 - n);
      }
    } else if (code === 14 && len >= 8) {
      // a signed 64-bit number of seconds
      const hi = v.getInt32(val + (le ? 4 : 0), le), lo = v.getUint32(val + (le ? 0 : 4), le);
      iface.offsetUs = (hi * 4294967296 + lo) * 1e6;
    }
    p = val + ((len + 3) & ~3);
  }
  return iface;
}

/**
 * Timestamp ticks (64 bits as two words) to µs, rounded down, exactly: a 64-bit tick count of a
 * nanosecond clock does not fit a double, so the high word's share is computed apart.
 */
function ticksToUs(iface: Iface, hi: number, lo: number): number {
  const d = iface.div;
  if (d === 1) return (hi * 4294967296 + lo) * iface.mul + iface.offsetUs;
  let us: number;
  if (iface.bin >= 0 && iface.bin <= 32) {
    // ticks * 1e6 / 2^bin: the high word's share is an integer
    us = hi * 1e6 * 2 ** (32 - iface.bin) + Math.floor((lo * 1e6) / 2 ** iface.bin);
  } else if (Number.isInteger(d) && d <= 1048576) {
    // (hi * 2^32 + lo) / d with hi = qh * d + rh: every intermediate stays below 2^53
    const qh = Math.floor(hi / d);
    us = qh * 4294967296 + Math.floor(((hi - qh * d) * 4294967296 + lo) / d);
  } else us = Math.floor(hi * (4294967296 / d) + lo / d);
  return us + iface.offsetUs;
}

/** Reads a pcapng stream positioned at its first SHB; delivers frames to `onFrame`. */
export async function readPcapng(
  s: ByteStream,
  onFrame: FrameHandler,
  signal?: AbortSignal,
): Promise<SourceSummary> {
  const summary: SourceSummary = { packets: 0, bytes: 0 };
  const frame = newFrame();
  let ifaces: Iface[] = [];
  let le = true;
  let sawShb = false;
  const fail = (message: string) => {
    summary.error = { offset: s.offset, packets: summary.packets, message };
    return summary;
  };
  while (true) {
    if (signal?.aborted) return summary;
    if (!await s.ensure(12)) {
      if (s.available > 0) {
        return fail(
          `Cannot read pcapng block: file truncated at byte ${
            s.offset + s.available
          } (partial block header at byte ${s.offset})`,
        );
      }
      return summary;
    }
    // fast loop over complete blocks in the buffer
    while (s.end - s.pos >= 12) {
      const v = s.view;
      const pos = s.pos;
      let type = v.getUint32(pos, le);
      if (type === PCAPNG_SHB || (!sawShb)) {
        if (v.getUint32(pos, true) !== PCAPNG_SHB) {
          return fail(`Cannot read pcapng: expected a section header at byte ${s.offset}`);
        }
        const bom = v.getUint32(pos + 8, true);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else return fail(`Cannot read pcapng section header: bad byte-order magic at byte ${s.offset + 8}`);
        type = PCAPNG_SHB;
      }
      const total = v.getUint32(pos + 4, le);
      if (total < 12 || (total & 3) !== 0 || total > MAX_BLOCK) {
        return fail(`Cannot read pcapng block: corrupt block length ${total} at byte ${s.offset}`);
      }
      if (s.end - pos < total) break;
      if (v.getUint32(pos + total - 4, le) !== total) {
        return fail(`Cannot read pcapng block: trailing length does not match at byte ${s.offset}`);
      }
      const body = pos + 8, bodyEnd = pos + total - 4;
      if (type === EPB) {
        if (bodyEnd - body < 20) return fail(`Cannot read enhanced packet block: too short at byte ${s.offset}`);
        const id = v.getUint32(body, le);
        const iface = ifaces[id];
        if (iface === undefined) {
          return fail(`Cannot read enhanced packet block: unknown interface ${id} at byte ${s.offset}`);
        }
        const cap = v.getUint32(body + 12, le);
        const data = body + 20;
        if (data + cap > bodyEnd) {
          return fail(`Cannot read enhanced packet block: capture length ${cap} exceeds block at byte ${s.offset}`);
        }
        frame.buf = s.buf;
        frame.off = data;
        frame.caplen = cap;
        frame.len = v.getUint32(body + 16, le);
        frame.tsUs = ticksToUs(iface, v.getUint32(body + 4, le), v.getUint32(body + 8, le));
        frame.linkType = iface.linkType;
        frame.iface = id;
        s.pos = pos + total;
        summary.packets++;
        summary.bytes += cap;
        const wait = onFrame(frame) as unknown; // a promise: wait before the next frame (paced replay)
        if (wait instanceof Promise) await wait;
        // a stop (Ctrl-C) ends the read within 256 packets (at once when paced), not at the end of the buffer
        if (((summary.packets & 255) === 0 || wait instanceof Promise) && signal?.aborted) return summary;
        continue;
      }
      if (type === PCAPNG_SHB) {
        sawShb = true;
        ifaces = [];
      } else if (type === IDB) {
        if (bodyEnd - body < 8) return fail(`Cannot read interface description block: too short at byte ${s.offset}`);
        ifaces.push(parseIdb(s, body, bodyEnd, le));
      } else if (type === SPB) {
        const iface = ifaces[0];
        if (iface === undefined) return fail(`Cannot read simple packet block: no interface at byte ${s.offset}`);
        if (bodyEnd - body < 4) return fail(`Cannot read simple packet block: too short at byte ${s.offset}`);
        const orig = v.getUint32(body, le);
        let cap = Math.min(orig, bodyEnd - body - 4);
        if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        frame.buf = s.buf;
        frame.off = body + 4;
        frame.caplen = cap;
        frame.len = orig;
        frame.tsUs = 0; // SPB carries no timestamp
        frame.linkType = iface.linkType;
        frame.iface = 0;
        s.pos = pos + total;
        summary.packets++;
        summary.bytes += cap;
        const wait = onFrame(frame) as unknown; // a promise: wait before the next frame (paced replay)
        if (wait instanceof Promise) await wait;
        // a stop (Ctrl-C) ends the read within 256 packets (at once when paced), not at the end of the buffer
        if (((summary.packets & 255) === 0 || wait instanceof Promise) && signal?.aborted) return summary;
        continue;
      } else if (type === PB) {
        if (bodyEnd - body < 20) return fail(`Cannot read packet block: too short at byte ${s.offset}`);
        const id = v.getUint16(body, le);
        const iface = ifaces[id];
        if (iface === undefined) return fail(`Cannot read packet block: unknown interface ${id} at byte ${s.offset}`);
        const cap = v.getUint32(body + 12, le);
        if (body + 20 + cap > bodyEnd) {
          return fail(`Cannot read packet block: capture length exceeds block at byte ${s.offset}`);
        }
        frame.buf = s.buf;
        frame.off = body + 20;
        frame.caplen = cap;
        frame.len = v.getUint32(body + 16, le);
        frame.tsUs = ticksToUs(iface, v.getUint32(body + 4, le), v.getUint32(body + 8, le));
        frame.linkType = iface.linkType;
        frame.iface = id;
        s.pos = pos + total;
        summary.packets++;
        summary.bytes += cap;
        const wait = onFrame(frame) as unknown; // a promise: wait before the next frame (paced replay)
        if (wait instanceof Promise) await wait;
        // a stop (Ctrl-C) ends the read within 256 packets (at once when paced), not at the end of the buffer
        if (((summary.packets & 255) === 0 || wait instanceof Promise) && signal?.aborted) return summary;
        continue;
      }
      s.pos = pos + total;
    }
    if (s.end - s.pos >= 12) {
      const total = s.view.getUint32(s.pos + 4, le);
      if (!await s.ensure(total)) {
        return fail(
          `Cannot read pcapng block: file truncated at byte ${
            s.offset + s.available
          } (block at byte ${s.offset} needs ${total} bytes, ${s.available} left)`,
        );
      }
    }
  }
}
