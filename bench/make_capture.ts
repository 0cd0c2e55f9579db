/**
 * Builds the benchmark capture from a seed pcap: copies of the seed back to back, each with its
 * IPv4 addresses moved to other subnets (so every copy adds new flows) and timestamps shifted so
 * packet time keeps running forward. Output: a classic little-endian pcap.
 *
 * Usage: deno run -A bench/make_capture.ts SEED.pcap OUT.pcap TARGET_PACKETS
 *
 * @module
 */
import { FileSource } from "../capture/file_source.ts";
import type { Frame } from "../capture/packet_source.ts";

/** Writes `copies` of the seed into `out` until `target` packets; returns packets written. */
export async function multiplyCapture(seed: string, out: string, target: number): Promise<number> {
  // load the seed once (it is small)
  const frames: { ts: number; data: Uint8Array; len: number }[] = [];
  let linkType = 1;
  await new FileSource(seed).run((f: Frame) => {
    linkType = f.linkType;
    frames.push({ ts: f.tsUs, data: f.buf.slice(), len: f.len });
  });
  if (frames.length === 0) throw new Error(`Cannot build capture: ${seed} has no packets`);
  const span = frames[frames.length - 1].ts - frames[0].ts + 1000;
  const file = await Deno.open(out, { write: true, create: true, truncate: true });
  const w = file.writable.getWriter();
  const hdr = new DataView(new ArrayBuffer(24));
  hdr.setUint32(0, 0xa1b2c3d4, true);
  hdr.setUint16(4, 2, true);
  hdr.setUint16(6, 4, true);
  hdr.setUint32(16, 262144, true);
  hdr.setUint32(20, linkType, true);
  await w.write(new Uint8Array(hdr.buffer));
  let written = 0;
  const chunk = new Uint8Array(4 << 20);
  const cv = new DataView(chunk.buffer);
  let pos = 0;
  for (let copy = 0; written < target; copy++) {
    const shift = copy * span;
    for (const f of frames) {
      if (written >= target) break;
      const need = 16 + f.data.length;
      if (pos + need > chunk.length) {
        await w.write(chunk.slice(0, pos));
        pos = 0;
      }
      const ts = f.ts + shift;
      cv.setUint32(pos, Math.floor(ts / 1e6), true);
      cv.setUint32(pos + 4, ts % 1e6, true);
      cv.setUint32(pos + 8, f.data.length, true);
      cv.setUint32(pos + 12, f.len, true);
      chunk.set(f.data, pos + 16);
      // Ethernet + IPv4: move both addresses to subnet 10.(80 + copy / 256).(copy % 256).x
      const p = pos + 16;
      if (linkType === 1 && f.data.length >= 34 && chunk[p + 12] === 0x08 && chunk[p + 13] === 0x00) {
        chunk[p + 27] = 80 + ((copy >> 8) & 0x3f);
        chunk[p + 28] = copy & 0xff;
        chunk[p + 31] = 80 + ((copy >> 8) & 0x3f);
        chunk[p + 32] = copy & 0xff;
      }
      pos += need;
      written++;
    }
  }
  await w.write(chunk.slice(0, pos));
  await w.close();
  return written;
}

if (import.meta.main) {
  const [seed, out, target] = Deno.args;
  if (!seed || !out) {
    console.error("usage: make_capture.ts SEED.pcap OUT.pcap [TARGET_PACKETS]");
    Deno.exit(2);
  }
  const n = await multiplyCapture(seed, out, Number(target ?? 3_000_000));
  console.error(`wrote ${n} packets to ${out}`);
}
