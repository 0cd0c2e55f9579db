/**
 * Builds the attack-heavy benchmark capture: many copies of every scenario of the real-tool corpus
 * (tests/corpus/manifest.json, attacks and benign traffic alike), each copy moved to its own address
 * block (10.77.1.66 → 10.B.C.66; checksums kept valid) and started at a random time inside a window,
 * all merged in time order. Floods, spoofed floods, scans, brute force and SQL injection from many
 * hosts are then live at once, as during a real attack, so every detector table is busy.
 *
 * Usage: deno run -A bench/make_interleaved.ts OUT.pcap [PACKETS=5000000] [WINDOW_S=1200] [SEED=1]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { FileSource } from "../capture/file_source.ts";
import { type Frame, frameBytes } from "../capture/packet_source.ts";
import { moveIpv4Block, PcapOut } from "./_pcap_out.ts";
import { mulberry32 } from "../core/prng.ts";

interface Scenario {
  name: string;
  frames: { ts: number; data: Uint8Array; len: number }[];
  linkType: number;
}

/** Loads every scenario capture named by the manifest, relative to its folder. */
export async function loadCorpus(manifest: string): Promise<Scenario[]> {
  const dir = manifest.replace(/[\\/][^\\/]*$/, "");
  const m = JSON.parse(await Deno.readTextFile(manifest)) as { scenarios: { name: string; file: string }[] };
  const out: Scenario[] = [];
  for (const s of m.scenarios) {
    const frames: Scenario["frames"] = [];
    let linkType = 1;
    await new FileSource(`${dir}/${s.file}`).run((f: Frame) => {
      linkType = f.linkType;
      frames.push({ ts: f.tsUs, data: frameBytes(f).slice(), len: f.len });
    });
    if (frames.length) out.push({ name: s.name, frames, linkType });
  }
  return out;
}

/** Options for {@link interleave}. */
export interface InterleaveOptions {
  /** Packets to write (default 5,000,000). */
  packets?: number;
  /** Copies start at random times within this many seconds (default 1200). */
  windowS?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

/**
 * Writes the interleaved capture to `out`; returns packets and copies written. Whole rounds of
 * every scenario are added until the target is reached (the last copies may end early).
 */
export async function interleave(
  scenarios: Scenario[],
  out: string,
  options: InterleaveOptions = {},
): Promise<{ packets: number; copies: number }> {
  const target = options.packets ?? 5_000_000;
  const windowUs = (options.windowS ?? 1200) * 1e6;
  const rand = mulberry32(options.seed ?? 1);
  const linkType = scenarios[0].linkType;
  if (scenarios.some((s) => s.linkType !== linkType)) throw new Error("Cannot interleave: mixed link types");
  const perRound = scenarios.reduce((n, s) => n + s.frames.length, 0);
  const rounds = Math.max(1, Math.ceil(target / perRound));
  if (rounds * scenarios.length > 16384) throw new Error("Cannot interleave: more than 16384 copies needed");
  const base = Math.min(...scenarios.map((s) => s.frames[0].ts));
  // one cursor per copy: next frame index and time shift; a binary heap on the next frame's time
  interface Copy {
    s: Scenario;
    i: number;
    shift: number;
    block: number;
  }
  const copies: Copy[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const s of scenarios) {
      const start = base + Math.floor(rand() * windowUs);
      copies.push({ s, i: 0, shift: start - s.frames[0].ts, block: copies.length });
    }
  }
  const next = (c: Copy) => c.s.frames[c.i].ts + c.shift;
  const heap: Copy[] = [];
  const less = (a: Copy, b: Copy) => next(a) < next(b);
  const push = (c: Copy) => {
    heap.push(c);
    for (let k = heap.length - 1; k > 0;) {
      const p = (k - 1) >> 1;
      if (!less(heap[k], heap[p])) break;
      [heap[k], heap[p]] = [heap[p], heap[k]];
      k = p;
    }
  };
  const pop = (): Copy => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let k = 0;;) {
        const l = 2 * k + 1, r = l + 1;
        let m = k;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === k) break;
        [heap[k], heap[m]] = [heap[m], heap[k]];
        k = m;
      }
    }
    return top;
  };
  for (const c of copies) push(c);
  const w = await PcapOut.create(out, linkType);
  while (heap.length && w.count < target) {
    const c = pop();
    const f = c.s.frames[c.i];
    const at = await w.write(f.ts + c.shift, f.data, f.len);
    // block 0..16383 → second octet 100..163, third octet 0..255
    if (linkType === 1) moveIpv4Block(w.bytes, at, f.data.length, 100 + (c.block >> 8), c.block & 0xff);
    if (++c.i < c.s.frames.length) push(c);
  }
  await w.close();
  return { packets: w.count, copies: copies.length };
}

if (import.meta.main) {
  const [out, packets, windowS, seed] = Deno.args;
  if (!out) {
    console.error("usage: make_interleaved.ts OUT.pcap [PACKETS] [WINDOW_S] [SEED]");
    Deno.exit(2);
  }
  const manifest = fileURLToPath(new URL("../tests/corpus/manifest.json", import.meta.url));
  const r = await interleave(await loadCorpus(manifest), out, {
    packets: packets ? Number(packets) : undefined,
    windowS: windowS ? Number(windowS) : undefined,
    seed: seed ? Number(seed) : undefined,
  });
  console.error(`wrote ${r.packets} packets from ${r.copies} scenario copies to ${out}`);
}
