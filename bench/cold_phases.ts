/**
 * Where one cold replay's time goes, phase by phase: what `ids replay` pays in its capture Worker, measured in a fresh
 * process (run it once per sample; a second replay in the same process is warm and says nothing about this).
 *
 * Phases: loading the engine's and the file reader's modules, loading the detection parts (detectors and the model's
 * features), building the engine, the packets in segments of `--segment` packets, and the end of input (`finish`).
 * Each phase is timed in wall time and in this thread's CPU time (`/proc/thread-self/schedstat`, Linux only: it moves
 * in scheduler ticks, so keep segments at ~50 k packets or more). "steady" is the median segment times the number of
 * segments (what the packets would cost with every function already optimized; null, "n/a", with fewer than 3 whole
 * segments); "cold" is the rest of the packets'
 * CPU time: the first executions in V8's lower tiers, compilation on this thread, first touches of memory. V8's
 * background threads (its optimizing compilers and GC helpers) are reported apart.
 *
 * Variants: `nodetect` (decode + flow table), `features` (that and the model's features), `stream` (decode, flows,
 * stream stage and app layer, no detector), `all` (every detector), `ml` (every detector and the model's features:
 * `ids replay` with the model on), `only:<type>` (one detector over the stream stage).
 *
 * ```sh
 * for i in 1 2 3 4 5; do for v in nodetect all ml; do
 *   deno run -A bench/cold_phases.ts --file /tmp/ids-bench/tiny_990000.pcap --variant $v
 * done; done
 * ```
 *
 * @module
 */
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const argv = Deno.args;
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const root = arg("root", fileURLToPath(new URL("..", import.meta.url)));
const file = arg("file", "/tmp/ids-bench/tiny_990000.pcap");
const variant = arg("variant", "ml");
const segment = Math.max(1000, Number(arg("segment", "100000")));
const base = pathToFileURL(root.endsWith("/") ? root : `${root}/`);

/** CPU milliseconds of a thread from its schedstat file. */
function threadMs(path = "/proc/thread-self/schedstat"): number {
  return Number(Deno.readTextFileSync(path).split(" ")[0]) / 1e6;
}
try {
  threadMs();
} catch {
  console.error("Cannot time the phases: /proc/thread-self/schedstat is missing (Linux only)");
  Deno.exit(2);
}

/** CPU milliseconds of V8's background threads (named "V8 DefaultWorker"). */
function backgroundMs(): number {
  let ms = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) {
    const comm = Deno.readTextFileSync(`/proc/self/task/${t.name}/comm`);
    if (comm.startsWith("V8 DefaultWork")) ms += threadMs(`/proc/self/task/${t.name}/schedstat`);
  }
  return ms;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const DETECTORS = [
  "syn_flood",
  "ddos",
  "port_scan",
  "udp_flood",
  "icmp_flood",
  "exploit_probe",
  "brute_force",
  "sql_injection",
];

let w = performance.now(), c = threadMs();
const lap = () => {
  const now = performance.now(), cpu = threadMs();
  const out = { wall: round(now - w), cpu: round(cpu - c) };
  w = now;
  c = cpu;
  return out;
};

const [{ DetectionEngine }, { FileSource }, { DEFAULT_CONFIG }] = await Promise.all([
  import(new URL("pipeline/engine.ts", base).href),
  import(new URL("capture/file_source.ts", base).href),
  import(new URL("config/defaults.ts", base).href),
]);
const modules = lap();
const noDetect = variant === "nodetect" || variant === "features";
const features = variant === "features" || variant === "ml";
const parts = noDetect && !features
  ? undefined
  : (await import(new URL("pipeline/detection_parts.ts", base).href)).DETECTION_PARTS;
const partsLoad = lap();

const config = structuredClone(DEFAULT_CONFIG);
if (variant === "stream") { for (const d of DETECTORS) config[d].enabled = false; }
if (variant.startsWith("only:")) { for (const d of DETECTORS) config[d].enabled = d === variant.slice(5); }
const engine = new DetectionEngine(config, { noDetect, features, parts });
const build = lap();

const handle = engine.pipeline.handle;
const segments: number[] = [];
let n = 0, segStart = threadMs();
const p0 = process.cpuUsage();
await new FileSource(file).run((frame: Parameters<typeof handle>[0]) => {
  handle(frame);
  if (++n % segment === 0) {
    const t = threadMs();
    segments.push(round(t - segStart));
    segStart = t;
  }
});
const read = lap();
engine.pipeline.finish();
const finish = lap();
const p1 = process.cpuUsage();

// the median needs at least three segments: with two, the first (cold) one is half of them and may be the median, and
// "cold" (the rest) comes out near zero or negative; such runs report no steady/cold split (null) and say why
const MIN_SEGMENTS = 3;
const sorted = [...segments].sort((a, b) => a - b);
const steady = sorted.length >= MIN_SEGMENTS ? sorted[Math.floor(sorted.length / 2)] * (n / segment) : null;
if (steady === null) {
  console.error(
    `cold_phases: ${segments.length} whole segment(s) of ${segment} packets (need ${MIN_SEGMENTS}): steady/cold n/a; ` +
      `use a smaller --segment (at least 1000) or a longer file`,
  );
}
console.log(JSON.stringify({
  variant,
  file,
  packets: n,
  modules_ms: modules,
  parts_ms: partsLoad,
  build_ms: build,
  read_ms: read,
  finish_ms: finish,
  segments_cpu_ms: segments,
  steady_cpu_ms: steady === null ? null : round(steady),
  cold_cpu_ms: steady === null ? null : round(read.cpu - steady),
  thread_ns_per_packet: Math.round((read.cpu + finish.cpu) * 1e6 / n),
  process_ns_per_packet: Math.round((p1.user + p1.system - p0.user - p0.system) * 1000 / n),
  v8_background_ms: round(backgroundMs()),
}));
