/**
 * Where the packet path allocates: replays `--file` through a fresh engine (as `bench/stage_bench.ts` does, in
 * process) under V8's sampling heap profiler, objects collected by scavenges included, and prints the functions that
 * allocated the most (self bytes, MB per replay and bytes per packet) with their script and line. The first replay
 * warms the JIT and is not profiled unless `--cold`.
 *
 * Variants as in `bench/stage_bench.ts` (`nodetect`, `stream`, `all`, `ml`); `ml` also takes the flows offered to the
 * model (`onCandidate`), as the replay's capture Worker does.
 *
 * ```sh
 * deno run -A bench/alloc_profile.ts --file /tmp/ids-bench/tiny_990000.pcap --variant all --top 25
 * ```
 *
 * @module
 */
import { Session } from "node:inspector";
import { fileURLToPath, pathToFileURL } from "node:url";
import { selfBytesByCaller } from "./_heap_samples.ts";

const argv = Deno.args;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const root = arg("root", fileURLToPath(new URL("..", import.meta.url)));
const file = arg("file", "/tmp/ids-bench/tiny_990000.pcap");
const variant = arg("variant", "all");
const top = Number(arg("top", "30"));
const interval = Number(arg("interval", "2048"));
const cold = argv.includes("--cold");
const base = pathToFileURL(root.endsWith("/") ? root : `${root}/`);

const { DetectionEngine } = await import(new URL("pipeline/engine.ts", base).href);
const { FileSource } = await import(new URL("capture/file_source.ts", base).href);
const { DEFAULT_CONFIG } = await import(new URL("config/defaults.ts", base).href);
const { DETECTION_PARTS } = await import(new URL("pipeline/detection_parts.ts", base).href);

// deno-lint-ignore no-explicit-any
function configFor(v: string): any {
  const c = structuredClone(DEFAULT_CONFIG);
  if (v === "stream") {
    for (const k of Object.keys(c)) {
      if (typeof c[k] === "object" && c[k] !== null && "enabled" in c[k] && !["ml", "ips"].includes(k)) {
        c[k].enabled = false;
      }
    }
  }
  return c;
}

async function replay(): Promise<number> {
  let detections = 0, candidates = 0;
  const engine = new DetectionEngine(configFor(variant), {
    noDetect: variant === "nodetect",
    features: variant === "ml",
    parts: DETECTION_PARTS,
    onDetection: () => void detections++,
    onCandidate: variant === "ml" ? () => void candidates++ : undefined,
  });
  await new FileSource(file).run(engine.pipeline.handle);
  engine.pipeline.finish();
  console.error(`packets ${engine.pipeline.counters.packets} detections ${detections} candidates ${candidates}`);
  return engine.pipeline.counters.packets;
}

const session = new Session();
session.connect();
// deno-lint-ignore no-explicit-any
const post = (m: string, p?: unknown): Promise<any> =>
  new Promise((resolve, reject) =>
    // deno-lint-ignore no-explicit-any
    session.post(m, p as any, (e: unknown, r: unknown) => e ? reject(e) : resolve(r))
  );

if (!cold) await replay();
await post("HeapProfiler.enable");
await post("HeapProfiler.startSampling", {
  samplingInterval: interval,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const packets = await replay();
const { profile } = await post("HeapProfiler.stopSampling");

const { total, rows } = selfBytesByCaller(profile, base.href);
console.log(`${variant} ${file}: ${(total / 1048576).toFixed(1)} MB sampled, ${(total / packets).toFixed(1)} B/packet`);
for (const [k, v] of rows.slice(0, top)) {
  console.log(`${(v / 1048576).toFixed(2).padStart(8)} MB ${(v / packets).toFixed(2).padStart(7)} B/p  ${k}`);
}
