/**
 * `deno task bench:ml`: the flow model's speed, measured the way the sensor uses it.
 *
 * 1. Rows/s through the model Worker, batched (1024 rows a batch, buffers transferred): per second
 *    of wall time (best round) and per second of the Worker thread's own CPU time (median round;
 *    Linux), counting only rows that got a verdict (the queue holds a whole round). The second does
 *    not depend on what else the machine runs: on a busy machine the wall rate falls with the share
 *    of a core the Worker gets, the CPU rate does not. The share of wall time the Worker's thread was
 *    off its CPU (idle or waiting for one) is printed beside them.
 * 2. Verdict latency at low load: one request at a time, 2 ms apart (median and p95).
 * 3. `ids replay` with the model on vs off (config `ml.enabled`), interleaved rounds (the order
 *    alternating), medians of the whole process: wall time, CPU time (user + system, Linux) and
 *    peak RSS; on a capture built from the bundled demo capture (bench/make_capture.ts), or
 *    `--file F` (issue 11's figure:
 *    `--file /tmp/ids-bench/bench_3000000.pcap`, the sequential capture `deno task bench` builds). On
 *    Linux also the CPU time per thread kind (the main thread, which runs an unpaced replay's capture, the model
 *    Worker, V8's background threads, the runtime's I/O threads), off and on: where the model's cost goes.
 *
 * The load average is printed with the figures. `--write` stores them under `measured` in
 * models/ids-flow.json.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadClassifier } from "../ml/classifier.ts";
import { FEATURE_COUNT } from "../ml/features.ts";
import process from "node:process";
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
/** CPU time (s) of the waited-for child processes so far: getrusage(RUSAGE_CHILDREN) via FFI (Linux). */
const childCpu: () => number | undefined = (() => {
  if (Deno.build.os !== "linux") return () => undefined;
  try {
    const lib = Deno.dlopen("libc.so.6", { getrusage: { parameters: ["i32", "buffer"], result: "i32" } });
    const buf = new BigInt64Array(18); // struct rusage: ru_utime and ru_stime (timeval) first
    return () => {
      if (lib.symbols.getrusage(-1, buf) !== 0) return undefined;
      return Number(buf[0]) + Number(buf[1]) / 1e6 + Number(buf[2]) + Number(buf[3]) / 1e6;
    };
  } catch {
    return () => undefined;
  }
})();
const loadAvg = (): string => {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
};

function pctl(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

/** Thread kinds of an `ids replay` process, by the names Linux shows (`comm`). */
function threadKind(comm: string): string {
  // an unpaced replay runs its capture on the main thread (with the decision stage and the outputs): its one Worker is
  // the model's, started at the first detection
  if (comm === "deno") return "main thread (capture)";
  if (comm.startsWith("worker-")) return "model Worker";
  if (comm.startsWith("V8 ")) return "V8 background";
  if (comm.startsWith("tokio")) return "runtime I/O";
  return "other";
}

/**
 * CPU seconds per thread kind of a child process (Linux: its threads' `schedstat`, sampled every
 * 20 ms, so a thread's last ≤ 20 ms before it ends are missed); `stop()` gives `undefined` elsewhere.
 */
function sampleThreads(pid: number): { stop: () => Record<string, number> | undefined } {
  if (Deno.build.os !== "linux") return { stop: () => undefined };
  const last = new Map<string, { kind: string; ns: number }>();
  const poll = () => {
    try {
      for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
        try {
          const comm = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/comm`).trim();
          const ns = Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
          last.set(t.name, { kind: threadKind(comm), ns });
        } catch { /* the thread ended between the listing and the read */ }
      }
    } catch { /* the process ended */ }
  };
  poll();
  const timer = setInterval(poll, 20);
  return {
    stop: () => {
      clearInterval(timer);
      if (last.size === 0) return undefined;
      const by: Record<string, number> = {};
      for (const { kind, ns } of last.values()) by[kind] = (by[kind] ?? 0) + ns / 1e9;
      return by;
    },
  };
}

const parity = JSON.parse(await Deno.readTextFile(join(root, "models", "ids-flow.parity.json"))) as {
  rows: number[][];
};
// 1. throughput: the queue holds every row of a round (a row refused by a full queue is no verdict: before
// 2026-12-01 the queue held 131,072 of the 200,000 rows, and the 68,928 refused ones counted as classified)
const N = 200_000;
const c = await loadClassifier({ maxQueue: N, maxBatch: 1024 });
if (!c.ready) {
  console.error(`Cannot bench: model not loaded (${c.status.reason})`);
  Deno.exit(1);
}
const rows = parity.rows.map((r) => Float32Array.from(r));
const loadAtStart = loadAvg();
console.log(`load avg  ${loadAtStart} (${navigator.hardwareConcurrency} cores) at the start`);
let best = 0;
const perCpu: number[] = [];
const idleShare: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const cpu0 = await c.workerCpuNs();
  const classified0 = c.counters.classified;
  const t0 = performance.now();
  const ps: Promise<unknown>[] = new Array(N);
  for (let i = 0; i < N; i++) {
    ps[i] = c.classify(rows[i % rows.length]);
    // rows come in chunks, as detections come in capture messages: the first batch goes while the rest are asked for
    if (i % 1024 === 1023) await Promise.resolve();
  }
  await Promise.all(ps);
  const ms = performance.now() - t0;
  const done = c.counters.classified - classified0;
  if (done !== N) {
    console.error(
      `Cannot bench: ${
        N - done
      } of ${N} rows got no verdict (in all: ${c.counters.dropped} refused, ${c.counters.failed} failed, ${c.counters.unanswered} unanswered)`,
    );
    Deno.exit(1);
  }
  best = Math.max(best, N / (ms / 1000));
  const cpu1 = await c.workerCpuNs();
  if (cpu0 !== undefined && cpu1 !== undefined && cpu1 > cpu0) {
    perCpu.push(N / ((cpu1 - cpu0) / 1e9));
    idleShare.push(Math.max(0, 1 - (cpu1 - cpu0) / 1e6 / ms));
  }
}
const cpuRate = perCpu.length > 0 ? median(perCpu) : undefined;
console.log(
  `worker    ${Math.round(best).toLocaleString("en-US")} rows/s through classify() (one promise per row, ` +
    `batched by the queue; ${FEATURE_COUNT} features, best of ${ROUNDS})`,
);
if (cpuRate !== undefined) {
  console.log(
    `          ${Math.round(cpuRate).toLocaleString("en-US")} rows per second of the Worker's CPU time (median); ` +
      `the Worker's thread off-CPU ${(median(idleShare) * 100).toFixed(0)} % of the wall time (waiting or runnable)`,
  );
}
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
const threads: Record<string, number>[][] = variants.map(() => []);
const cpus: number[][] = variants.map(() => []);
const rss: number[][] = variants.map(() => []);
let packets = 0;
const alerts: Record<string, unknown>[] = variants.map(() => ({}));
for (let round = 0; round < ROUNDS; round++) {
  // off then on, then on then off: neither always runs first (after the other's page cache and CPU state)
  const order = round % 2 === 0 ? [...variants.entries()] : [...variants.entries()].reverse();
  for (const [i, v] of order) {
    const c0 = childCpu();
    const t0 = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(root, "main.ts"), "replay", file, "--json", "--config", v.config],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const sampler = sampleThreads(child.pid);
    const out = await child.output();
    const ms = performance.now() - t0;
    const split = sampler.stop();
    if (split !== undefined) threads[i].push(split);
    const c1 = childCpu();
    if (c0 !== undefined && c1 !== undefined) cpus[i].push(c1 - c0);
    if (!out.success) {
      console.error(`Cannot run replay: ${new TextDecoder().decode(out.stderr)}`);
      Deno.exit(1);
    }
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    packets = report.packets;
    alerts[i] = report.alerts ?? {};
    times[i].push(ms);
    if (typeof report.peak_rss_mb === "number") rss[i].push(report.peak_rss_mb);
  }
}
await Deno.remove(tmp, { recursive: true });
const pps = times.map((t) => packets / (median(t) / 1000));
// in-process: the packet path alone (no process start, no model load), features off vs on
const { DetectionEngine } = await import("../pipeline/engine.ts");
const { DETECTION_PARTS } = await import("../pipeline/detection_parts.ts");
const { FileSource } = await import("../capture/file_source.ts");
const { DEFAULT_CONFIG } = await import("../config/defaults.ts");
// CPU time of this process (the capture runs on this thread), the order alternating (off, on, on, off, …) and the
// first round only warming the JIT, as bench/ab_inproc.ts does
const inproc: number[][] = [[], []];
for (let round = 0; round <= ROUNDS; round++) {
  for (const features of round % 2 === 0 ? [false, true] : [true, false]) {
    const e = new DetectionEngine(DEFAULT_CONFIG, { features, parts: DETECTION_PARTS });
    const u0 = process.cpuUsage();
    await new FileSource(file).run(e.pipeline.handle);
    e.pipeline.finish();
    const u = process.cpuUsage(u0);
    if (round > 0) inproc[features ? 1 : 0].push((u.user + u.system) / 1000);
  }
}
const ppsIn = inproc.map((t) => packets / (median(t) / 1000));
const ratio = pps[1] / pps[0];
console.log(`replay    ${file}: ${packets.toLocaleString("en-US")} packets`);
const cpuMed = cpus.map((t) => (t.length === ROUNDS ? median(t) : undefined));
const rssMed = rss.map((t) => (t.length === ROUNDS ? median(t) : undefined));
for (const [i, v] of variants.entries()) {
  console.log(
    `          ${v.name.padEnd(7)} ${Math.round(pps[i]).toLocaleString("en-US")} packets/s, ${
      (median(times[i]) / 1000).toFixed(2)
    } s wall${cpuMed[i] === undefined ? "" : `, ${cpuMed[i]!.toFixed(2)} s CPU`}${
      rssMed[i] === undefined ? "" : `, peak RSS ${rssMed[i]} MB`
    } (medians of ${ROUNDS}, whole process)`,
  );
}
const cpuRatio = cpuMed[0] !== undefined && cpuMed[1] !== undefined ? cpuMed[0] / cpuMed[1] : undefined;
// where the model's CPU goes: per thread kind, medians of the rounds, ml on minus ml off
let threadSplit: Record<string, { off: number; on: number }> | undefined;
if (threads[0].length === ROUNDS && threads[1].length === ROUNDS) {
  const kinds = [...new Set(threads.flat().flatMap((t) => Object.keys(t)))];
  threadSplit = {};
  for (const k of kinds) {
    threadSplit[k] = {
      off: +median(threads[0].map((t) => t[k] ?? 0)).toFixed(3),
      on: +median(threads[1].map((t) => t[k] ?? 0)).toFixed(3),
    };
  }
  console.log(
    `          CPU s by thread, ml off -> on (medians, sampled every 20 ms): ${
      Object.entries(threadSplit).filter(([, x]) => x.on >= 0.005 || x.off >= 0.005).sort(([, a], [, b]) => b.on - a.on)
        .map(([k, x]) => `${k} ${x.off.toFixed(2)} -> ${x.on.toFixed(2)}`).join(", ")
    }`,
  );
}
console.log(
  `          ml on / ml off = ${ratio.toFixed(2)}× in wall time${
    cpuRatio === undefined ? "" : `, ${cpuRatio.toFixed(2)}× in CPU time`
  } (alerts: ${JSON.stringify(alerts[1])}; load avg now ${loadAvg()})`,
);
console.log(
  `in-process packet path (CPU time, JIT warm): features off ${
    Math.round(ppsIn[0]).toLocaleString("en-US")
  } packets/s, on ${Math.round(ppsIn[1]).toLocaleString("en-US")} packets/s = ${(ppsIn[1] / ppsIn[0]).toFixed(2)}× (${
    (1e9 / ppsIn[1] - 1e9 / ppsIn[0]).toFixed(0)
  } ns per packet)`,
);

if (argv.includes("--write")) {
  const p = join(root, "models", "ids-flow.json");
  const info = JSON.parse(await Deno.readTextFile(p));
  info.measured = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`,
    worker_rows_per_s_classify: Math.round(best),
    worker_rows_per_s_batch_1024: Math.round(bestRaw),
    ...(cpuRate === undefined ? {} : { worker_rows_per_cpu_s: Math.round(cpuRate) }),
    load_average_at_start: loadAtStart,
    verdict_latency_median_ms: latency.median_ms,
    verdict_latency_p95_ms: latency.p95_ms,
    replay_file: file,
    replay_packets: packets,
    replay_wall_s_ml_off: +(median(times[0]) / 1000).toFixed(3),
    replay_wall_s_ml_on: +(median(times[1]) / 1000).toFixed(3),
    ...(cpuRatio === undefined ? {} : {
      replay_cpu_s_ml_off: +cpuMed[0]!.toFixed(3),
      replay_cpu_s_ml_on: +cpuMed[1]!.toFixed(3),
      replay_cpu_ratio_on_off: +cpuRatio.toFixed(3),
    }),
    ...(rssMed[0] === undefined || rssMed[1] === undefined ? {} : {
      replay_peak_rss_mb_ml_off: rssMed[0],
      replay_peak_rss_mb_ml_on: rssMed[1],
    }),
    ...(threadSplit === undefined ? {} : { replay_cpu_s_by_thread: threadSplit }),
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
