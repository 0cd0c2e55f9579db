/**
 * In-process cost per packet of each pipeline stage and each detector, in CPU time, for A/B
 * comparisons of two source trees on a shared machine.
 *
 * One process measures one tree: it imports the engine and the file reader from `--root` (default:
 * this checkout), replays `--file` through a fresh engine per run (the first run warms the JIT and
 * is not counted) and prints one JSON line per variant with the CPU nanoseconds per packet of each
 * run. `bench/ab.ts` runs two trees' processes interleaved and prints medians.
 *
 * Variants: `read` (the file reader alone), `decode` (reader + decoder), `nodetect` (decode + flow table), `stream` (plus the stream stage and app layer, no
 * detector), `all` (every detector), `only:<type>` (one detector, plus the stream stage), `without:<type>` (every
 * detector but one: `all` minus it is what that detector costs among the others, tables competing for the cache
 * included, where `only:<type>` minus `stream` is its cost alone), `ml` (every detector and the model's features). The
 * model's features are off unless named.
 *
 * ```sh
 * deno run -A bench/stage_bench.ts --file /tmp/ids-bench/attack_1000000.pcap --variants nodetect,all --runs 3
 * ```
 *
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";

const argv = Deno.args;
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const root = arg("root", fileURLToPath(new URL("..", import.meta.url)));
const file = arg("file", "/tmp/ids-bench/attack_1000000.pcap");
const variants = arg("variants", "nodetect,stream,all").split(",");
const runs = Number(arg("runs", "2"));
const base = pathToFileURL(root.endsWith("/") ? root : `${root}/`);

const { DetectionEngine } = await import(new URL("pipeline/engine.ts", base).href);
const { FileSource } = await import(new URL("capture/file_source.ts", base).href);
const { DEFAULT_CONFIG } = await import(new URL("config/defaults.ts", base).href);
// trees since the engine stopped importing its detectors take them as options.parts (older ones ignore it)
const parts = await import(new URL("pipeline/detection_parts.ts", base).href).then((m) => m.DETECTION_PARTS, () => {});

const DETECTORS = Object.keys(DEFAULT_CONFIG).filter((k) =>
  typeof DEFAULT_CONFIG[k] === "object" && DEFAULT_CONFIG[k] !== null && "enabled" in DEFAULT_CONFIG[k] &&
  k !== "ml" && k !== "telegram" && k !== "abuseipdb" && k !== "ips"
);

// deno-lint-ignore no-explicit-any
function configFor(variant: string): any {
  const c = structuredClone(DEFAULT_CONFIG);
  if (variant === "stream") { for (const d of DETECTORS) c[d].enabled = false; }
  if (variant.startsWith("without:")) {
    const off = variant.slice(8);
    if (!DETECTORS.includes(off)) throw new Error(`Cannot run variant ${variant}: no detector ${off}`);
    c[off].enabled = false;
  }
  if (variant.startsWith("only:")) {
    const on = variant.slice(5);
    for (const d of DETECTORS) c[d].enabled = d === on;
  }
  return c;
}

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

import process from "node:process";

const { Decoder } = await import(new URL("decode/decoder.ts", base).href);
const { Packet } = await import(new URL("decode/packet.ts", base).href);

/** `read`: the file reader alone; `decode`: reader + decoder (no flow table). */
async function lowerStage(variant: string): Promise<number> {
  const dec = new Decoder(), pkt = new Packet();
  let n = 0;
  // deno-lint-ignore no-explicit-any
  const handler = variant === "read" ? (f: any) => void (n += f.caplen) : (f: any) => dec.decode(f, pkt);
  const t0 = cpuNs();
  const summary = await new FileSource(file).run(handler);
  return Math.round((cpuNs() - t0) / summary.packets);
}

/** One replay of `variant`: CPU ns per packet, packets, detections and their digest. */
async function once(variant: string): Promise<{ ns: number; packets: number; detections: number; digest: string }> {
  if (variant === "read" || variant === "decode") {
    return { ns: await lowerStage(variant), packets: 0, detections: 0, digest: "-" };
  }
  let detections = 0, digest = 0x811c9dc5;
  const engine = new DetectionEngine(configFor(variant), {
    noDetect: variant === "nodetect",
    features: variant === "ml",
    parts,
    // deno-lint-ignore no-explicit-any
    onDetection: (e: any) => {
      detections++;
      // a digest of every event (without the run's random flow ids): equal digests, equal detections
      const text = JSON.stringify({ ...e, flowId: 0, flow: e.flow && { ...e.flow, flowId: 0 } });
      for (let i = 0; i < text.length; i++) digest = Math.imul(digest ^ text.charCodeAt(i), 0x01000193);
    },
  });
  const t0 = cpuNs();
  await new FileSource(file).run(engine.pipeline.handle);
  engine.pipeline.finish();
  const t1 = cpuNs();
  const packets = engine.pipeline.counters.packets;
  return { ns: Math.round((t1 - t0) / packets), packets, detections, digest: (digest >>> 0).toString(16) };
}

// the variants take turns round by round (the machine's speed drifts); round 0 warms the JIT
const out = new Map<string, { ns: number[]; packets: number; detections: number; digest: string }>();
for (let r = 0; r <= runs; r++) {
  for (const variant of variants) {
    const x = await once(variant);
    const o = out.get(variant) ?? { ns: [], packets: x.packets, detections: x.detections, digest: x.digest };
    if (r > 0) o.ns.push(x.ns);
    out.set(variant, o);
  }
}
for (const [variant, o] of out) console.log(JSON.stringify({ variant, ...o }));
