/**
 * `deno task bench:ml`: the flow model's speed, measured the way the sensor uses it.
 *
 * 1. Rows/s through the model Worker, batched (1024 rows a batch, buffers transferred).
 * 2. Verdict latency at low load: one request at a time, 2 ms apart (median and p95).
 * 3. `ids replay` throughput with the model on vs off (config `ml.enabled`), interleaved rounds,
 *    on a capture built from the bundled demo capture (bench/make_capture.ts), or `--file F`.
 *
 * `--write` stores the figures under `measured` in models/ids-flow.json.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadClassifier } from "../ml/classifier.ts";
import { FEATURE_COUNT } from "../ml/features.ts";
import { multiplyCapture } from "./make_capture.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = Deno.args;
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const ROUNDS = Number(opt("runs", "3"));
const PACKETS = Number(opt("packets", "1000000"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function pctl(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

const parity = JSON.parse(await Deno.readTextFile(join(root, "models", "ids-flow.parity.json"))) as {
  rows: number[][];
};
const c = await loadClassifier({ maxQueue: 1 << 17, maxBatch: 1024 });
if (!c.ready) {
  console.error(`Cannot bench: model not loaded (${c.status.reason})`);
  Deno.exit(1);
}
// 1. throughput
const N = 200_000;
const rows = parity.rows.map((r) => Float32Array.from(r));
let best = 0;
for (let round = 0; round < ROUNDS; round++) {
  const t0 = performance.now();
  const ps: Promise<unknown>[] = new Array(N);
  for (let i = 0; i < N; i++) ps[i] = c.classify(rows[i % rows.length]);
  await Promise.all(ps);
  const rate = N / ((performance.now() - t0) / 1000);
  best = Math.max(best, rate);
}
console.log(
  `worker    ${Math.round(best).toLocaleString("en-US")} rows/s through classify() (one promise per row, ` +
    `batched by the queue; ${FEATURE_COUNT} features, best of ${ROUNDS})`,
);
// 1b. raw batches of 1024 rows through the Worker (transferred buffers), no per-row promise
const batch = new Float32Array(1024 * FEATURE_COUNT);
for (let i = 0; i < 1024; i++) batch.set(rows[i % rows.length], i * FEATURE_COUNT);
let bestRaw = 0;
for (let round = 0; round < ROUNDS; round++) {
  const t0 = performance.now();
  for (let b = 0; b < 50; b++) await c.probabilities(batch, 1024);
  bestRaw = Math.max(bestRaw, 51_200 / ((performance.now() - t0) / 1000));
}
console.log(
  `          ${Math.round(bestRaw).toLocaleString("en-US")} rows/s in batches of 1024 (Worker round trip included)`,
);
// 2. latency at low load
const lat: number[] = [];
for (let i = 0; i < 300; i++) {
  const t0 = performance.now();
  await c.classify(rows[i % rows.length]);
  lat.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 2));
}
const latency = { median_ms: +median(lat).toFixed(3), p95_ms: +pctl(lat, 0.95).toFixed(3) };
console.log(`latency   median ${latency.median_ms} ms, p95 ${latency.p95_ms} ms (one request at a time)`);
c.close();

// 3. replay with the model on vs off
let file = opt("file", "");
if (file === "") {
  file = join(Deno.env.get("IDS_BENCH_DIR") ?? "/tmp", `ids-ml-bench-${PACKETS}.pcap`);
  try {
    await Deno.stat(file);
  } catch {
    console.error(`building ${file} from tests/fixtures/demo.pcapng.gz…`);
    await multiplyCapture(join(root, "tests", "fixtures", "demo.pcapng.gz"), file, PACKETS);
  }
}
const tmp = await Deno.makeTempDir();
const cfg = async (enabled: boolean) => {
  const p = join(tmp, `ml_${enabled}.json`);
  await Deno.writeTextFile(p, JSON.stringify({ ml: { enabled } }));
  return p;
};
const variants = [{ name: "ml off", config: await cfg(false) }, { name: "ml on", config: await cfg(true) }];
const times: number[][] = variants.map(() => []);
let packets = 0;
const alerts: Record<string, unknown>[] = variants.map(() => ({}));
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, v] of variants.entries()) {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(root, "main.ts"), "replay", file, "--json", "--config", v.config],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const ms = performance.now() - t0;
    if (!out.success) {
      console.error(`Cannot run replay: ${new TextDecoder().decode(out.stderr)}`);
      Deno.exit(1);
    }
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    packets = report.packets;
    alerts[i] = report.alerts ?? {};
    times[i].push(ms);
  }
}
await Deno.remove(tmp, { recursive: true });
const pps = times.map((t) => packets / (median(t) / 1000));
// in-process: the packet path alone (no process start, no model load), features off vs on
const { DetectionEngine } = await import("../pipeline/engine.ts");
const { FileSource } = await import("../capture/file_source.ts");
const { DEFAULT_CONFIG } = await import("../config/defaults.ts");
const inproc: number[][] = [[], []];
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, features] of [false, true].entries()) {
    const e = new DetectionEngine(DEFAULT_CONFIG, { features });
    const t0 = performance.now();
    await new FileSource(file).run(e.pipeline.handle);
    e.pipeline.finish();
    inproc[i].push(performance.now() - t0);
  }
}
const ppsIn = inproc.map((t) => packets / (median(t) / 1000));
const ratio = pps[1] / pps[0];
console.log(`replay    ${file}: ${packets.toLocaleString("en-US")} packets`);
for (const [i, v] of variants.entries()) {
  console.log(
    `          ${v.name.padEnd(7)} ${
      Math.round(pps[i]).toLocaleString("en-US")
    } packets/s (median of ${ROUNDS}, whole process)`,
  );
}
console.log(`          ml on / ml off = ${ratio.toFixed(2)}× (includes loading the model, ~0.5–2 s)`);
console.log(
  `in-process packet path: features off ${Math.round(ppsIn[0]).toLocaleString("en-US")} packets/s, on ${
    Math.round(ppsIn[1]).toLocaleString("en-US")
  } packets/s = ${(ppsIn[1] / ppsIn[0]).toFixed(2)}×`,
);

if (argv.includes("--write")) {
  const p = join(root, "models", "ids-flow.json");
  const info = JSON.parse(await Deno.readTextFile(p));
  info.measured = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`,
    worker_rows_per_s_classify: Math.round(best),
    worker_rows_per_s_batch_1024: Math.round(bestRaw),
    verdict_latency_median_ms: latency.median_ms,
    verdict_latency_p95_ms: latency.p95_ms,
    replay_packets: packets,
    replay_pps_ml_off: Math.round(pps[0]),
    replay_pps_ml_on: Math.round(pps[1]),
    replay_ratio_on_off: +ratio.toFixed(3),
    packet_path_pps_features_off: Math.round(ppsIn[0]),
    packet_path_pps_features_on: Math.round(ppsIn[1]),
    packet_path_ratio_on_off: +(ppsIn[1] / ppsIn[0]).toFixed(3),
  };
  await Deno.writeTextFile(p, JSON.stringify(info, null, 2) + "\n");
  console.log(`written to ${p}`);
}
