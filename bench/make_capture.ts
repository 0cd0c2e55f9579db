/**
 * Builds the benchmark capture from a seed pcap: copies of the seed back to back, each with its
 * IPv4 addresses moved to other subnets (so every copy adds new flows; checksums kept valid) and timestamps shifted so
 * packet time keeps running forward. Output: a classic little-endian pcap.
 *
 * Usage: deno run -A bench/make_capture.ts SEED.pcap OUT.pcap TARGET_PACKETS
 *
 * @module
 */
import { FileSource } from "../capture/file_source.ts";
import { type Frame, frameBytes } from "../capture/packet_source.ts";
import { moveIpv4Block, PcapOut } from "./_pcap_out.ts";

/** Writes `copies` of the seed into `out` until `target` packets; returns packets written. */
export async function multiplyCapture(seed: string, out: string, target: number): Promise<number> {
  // load the seed once (it is small)
  const frames: { ts: number; data: Uint8Array; len: number }[] = [];
  let linkType = 1;
  await new FileSource(seed).run((f: Frame) => {
    linkType = f.linkType;
    frames.push({ ts: f.tsUs, data: frameBytes(f).slice(), len: f.len });
  });
  if (frames.length === 0) throw new Error(`Cannot build capture: ${seed} has no packets`);
  const span = frames[frames.length - 1].ts - frames[0].ts + 1000;
  const w = await PcapOut.create(out, linkType);
  for (let copy = 0; w.count < target; copy++) {
    const shift = copy * span;
    for (const f of frames) {
      if (w.count >= target) break;
      const at = await w.write(f.ts + shift, f.data, f.len);
      // Ethernet + IPv4: move both addresses to subnet 10.(80 + copy / 256).(copy % 256).x
      if (linkType === 1) moveIpv4Block(w.bytes, at, f.data.length, 80 + ((copy >> 8) & 0x3f), copy & 0xff);
    }
  }
  await w.close();
  const written = w.count;
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
