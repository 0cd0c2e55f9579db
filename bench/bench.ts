/**
 * `deno task bench`: replay throughput against `tcpdump -r FILE -w /dev/null` on three captures, in
 * the same run, with peak RSS and the cost of each detector in ns per packet:
 *
 * - **sequential**: a seed recorded from real tools in network namespaces (bench/make_seed.sh, root)
 *   copied back to back (bench/make_capture.ts): one copy of each flow live at a time;
 * - **attack-heavy**: many copies of every scenario of the real-tool corpus, each in its own address
 *   block and started at a random time within 20 minutes, merged in time order
 *   (bench/make_interleaved.ts): floods, spoofed floods, scans, brute force and SQL injection overlap;
 * - **tiny packets**: a 500-connection TCP echo load test (bench/make_tiny_seed.sh, root) repeated.
 *
 * Captures are built once outside the repo (default /tmp/ids-bench, or $IDS_BENCH_DIR).
 * Options: --packets N (sequential, default 3000000), --attack-packets N (default 5000000),
 * --tiny-packets N (default 990000), --runs N (default 5), --detector-runs N (default 1; 0 skips the
 * per-detector costs), --only sequential,attack,tiny.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { multiplyCapture } from "./make_capture.ts";
import { interleave, loadCorpus } from "./make_interleaved.ts";

const dir = Deno.env.get("IDS_BENCH_DIR") ?? "/tmp/ids-bench";
const argv = Deno.args;
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const onlyArg = argv.indexOf("--only");
const ONLY = onlyArg >= 0 ? argv[onlyArg + 1].split(",") : ["sequential", "attack", "tiny"];
const PACKETS = opt("packets", 3_000_000);
const ATTACK_PACKETS = opt("attack-packets", 5_000_000);
const TINY_PACKETS = opt("tiny-packets", 990_000);
const RUNS = opt("runs", 5);
const DETECTOR_RUNS = opt("detector-runs", 1);
const root = fileURLToPath(new URL("..", import.meta.url));

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[]): Promise<{ ms: number; stdout: string; stderr: string; code: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", cwd: root }).output();
  const ms = performance.now() - t0;
  return {
    ms,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    code: out.code,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function seedCapture(script: string, path: string): Promise<void> {
  if (await exists(path)) return;
  console.error(`building seed capture ${path} (real tools in network namespaces; needs root)…`);
  const r = await run("bash", [`${root}bench/${script}`, path]);
  if (r.code !== 0) {
    console.error(`Cannot build the seed capture: ${r.stderr.trim() || `${script} failed`} — run as root`);
    Deno.exit(1);
  }
}

interface Capture {
  name: string;
  file: string;
  packets: number;
}

await Deno.mkdir(dir, { recursive: true });
const captures: Capture[] = [];
if (ONLY.includes("sequential")) {
  await seedCapture("make_seed.sh", `${dir}/seed.pcap`);
  const file = `${dir}/bench_${PACKETS}.pcap`;
  if (!await exists(file)) {
    console.error(`building ${file}…`);
    await multiplyCapture(`${dir}/seed.pcap`, file, PACKETS);
  }
  captures.push({ name: "sequential", file, packets: PACKETS });
}
if (ONLY.includes("attack")) {
  const file = `${dir}/attack_${ATTACK_PACKETS}.pcap`;
  if (!await exists(file)) {
    console.error(`building ${file} (interleaved corpus scenarios)…`);
    const corpus = await loadCorpus(`${root}tests/corpus/manifest.json`);
    await interleave(corpus, file, { packets: ATTACK_PACKETS });
  }
  captures.push({ name: "attack-heavy", file, packets: ATTACK_PACKETS });
}
if (ONLY.includes("tiny")) {
  await seedCapture("make_tiny_seed.sh", `${dir}/tiny_seed.pcap`);
  const file = `${dir}/tiny_${TINY_PACKETS}.pcap`;
  if (!await exists(file)) {
    console.error(`building ${file}…`);
    await multiplyCapture(`${dir}/tiny_seed.pcap`, file, TINY_PACKETS);
  }
  captures.push({ name: "tiny packets", file, packets: TINY_PACKETS });
}

console.log(`machine   ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`);
for (const c of captures) {
  const size = (await Deno.stat(c.file)).size;
  console.log(
    `capture   ${c.name}: ${c.file}, ${c.packets.toLocaleString("en-US")} packets, ` +
      `${(size / 1e6).toFixed(0)} MB (${Math.round(size / c.packets - 16)} bytes/frame)`,
  );
  await run("cat", [c.file]).catch(() => {}); // warm the page cache for both readers
}

const hasTcpdump = (await run("sh", ["-c", "command -v tcpdump"])).code === 0;
if (!hasTcpdump) console.error("tcpdump not installed: no reference figure (apt-get install tcpdump)");

async function replayOnce(file: string, extra: string[]): Promise<{ ms: number; rss: number }> {
  const r = await run(Deno.execPath(), ["run", "-A", `${root}main.ts`, "replay", file, "--json", ...extra]);
  if (r.code !== 0) throw new Error(`Cannot run replay: ${r.stderr.trim()}`);
  return { ms: r.ms, rss: JSON.parse(r.stdout).peak_rss_mb };
}

// This VM's CPU speed drifts by ±30 % from one second to the next, so the runs are interleaved:
// each round times tcpdump and every ids variant back to back, and the ratio is taken per round.
const BENCH_DATA = `${dir}/bench-data`;
const VARIANTS = [
  { name: "decode + flow table (--no-detect)", extra: ["--no-detect"] },
  { name: "every detector", extra: [] as string[] },
  // the same with the SQLite store on (a fresh data directory each run): target within 5 % of the line above
  { name: "every detector, --data DIR", extra: ["--data", BENCH_DATA] },
];
interface Row {
  capture: string;
  name: string;
  pps: number;
  ratio?: number;
  rss?: number;
}
const rows: Row[] = [];
for (const c of captures) {
  const tcp: number[] = [];
  const times: number[][] = VARIANTS.map(() => []);
  const ratios: number[][] = VARIANTS.map(() => []);
  const rss = VARIANTS.map(() => 0);
  for (let round = 0; round < RUNS; round++) {
    const ref = hasTcpdump ? (await run("tcpdump", ["-r", c.file, "-w", "/dev/null"])).ms : NaN;
    tcp.push(ref);
    for (const [i, v] of VARIANTS.entries()) {
      await Deno.remove(BENCH_DATA, { recursive: true }).catch(() => {});
      const r = await replayOnce(c.file, v.extra);
      times[i].push(r.ms);
      rss[i] = Math.max(rss[i], r.rss);
      ratios[i].push(ref / r.ms);
    }
  }
  if (hasTcpdump) {
    rows.push({
      capture: c.name,
      name: "tcpdump -r FILE -w /dev/null",
      pps: c.packets / (median(tcp) / 1000),
      ratio: 1,
    });
  }
  for (const [i, v] of VARIANTS.entries()) {
    rows.push({
      capture: c.name,
      name: `ids replay: ${v.name}`,
      pps: c.packets / (median(times[i]) / 1000),
      ratio: hasTcpdump ? median(ratios[i]) : undefined,
      rss: rss[i],
    });
  }
}

console.log("");
console.log("| capture | what | packets/s | vs tcpdump | peak RSS |");
console.log("|---|---|---:|---:|---:|");
for (const r of rows) {
  const ratio = r.ratio !== undefined && !Number.isNaN(r.ratio) ? `${r.ratio.toFixed(2)}×` : "n/a";
  console.log(
    `| ${r.capture} | ${r.name} | ${Math.round(r.pps).toLocaleString("en-US")} | ${ratio} | ${
      r.rss ? `${r.rss} MB` : "—"
    } |`,
  );
}
console.log("");
console.log(
  `(median of ${RUNS} interleaved rounds; wall time of the whole process, start-up included; the ratio is ` +
    `the median of per-round ratios against tcpdump on the same file)`,
);

// Start-up: the whole process on a 10-packet file (the first records of the first capture), i.e. what a replay
// costs besides its packets: Deno, the modules, the capture Worker, the configuration, the exit. tcpdump's own
// start-up on the same file beside it. A large part of the ratios above on 1 M-packet files.
if (captures.length > 0) {
  const small = `${dir}/startup_10.pcap`;
  if (!await exists(small)) await Deno.writeFile(small, await firstRecords(captures[0].file, 10));
  const tcp: number[] = [], bare: number[] = [], all: number[] = [];
  for (let round = 0; round < RUNS; round++) {
    if (hasTcpdump) tcp.push((await run("tcpdump", ["-r", small, "-w", "/dev/null"])).ms);
    bare.push((await replayOnce(small, ["--no-detect"])).ms);
    all.push((await replayOnce(small, [])).ms);
  }
  console.log("");
  console.log("| start-up (10-packet file, whole process) | ms |");
  console.log("|---|---:|");
  if (hasTcpdump) console.log(`| tcpdump -r FILE -w /dev/null | ${median(tcp).toFixed(0)} |`);
  console.log(`| ids replay --no-detect | ${median(bare).toFixed(0)} |`);
  console.log(`| ids replay, every detector | ${median(all).toFixed(0)} |`);
  console.log(`(median of ${RUNS} rounds)`);
}

/** The pcap global header and the first `n` records of a classic pcap file. */
async function firstRecords(path: string, n: number): Promise<Uint8Array> {
  const f = await Deno.open(path);
  try {
    const head = new Uint8Array(1 << 20);
    let got = 0;
    while (got < head.length) {
      const k = await f.read(head.subarray(got));
      if (k === null) break;
      got += k;
    }
    const view = new DataView(head.buffer, 0, got);
    const magic = view.getUint32(0, true);
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    let pos = 24;
    for (let i = 0; i < n && pos + 16 <= got; i++) {
      const next = pos + 16 + view.getUint32(pos + 8, le);
      if (next > got) break;
      pos = next;
    }
    return head.slice(0, pos);
  } finally {
    f.close();
  }
}

// Cost of each detector: replay with only that detector enabled minus replay with every detector
// disabled, in the same round, divided by the packets. The detectors are the config sections with an
// `enabled` key, so new detectors are measured without editing this file.
if (DETECTOR_RUNS > 0) {
  const defaults = JSON.parse(
    (await run(Deno.execPath(), ["run", "-A", `${root}main.ts`, "config", "defaults"])).stdout,
  );
  const detectors = Object.keys(defaults).filter((k) => typeof defaults[k] === "object" && "enabled" in defaults[k]);
  const tmp = await Deno.makeTempDir({ prefix: "ids-bench-" });
  const configFor = async (on: string | null) => {
    const path = `${tmp}/${on ?? "none"}.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify(Object.fromEntries(detectors.map((d) => [d, { enabled: d === on }]))),
    );
    return path;
  };
  const none = await configFor(null);
  const single = Object.fromEntries(await Promise.all(detectors.map(async (d) => [d, await configFor(d)])));
  console.log("");
  console.log(`| detector | ${captures.map((c) => `ns/packet, ${c.name}`).join(" | ")} |`);
  console.log(`|---|${captures.map(() => "---:").join("|")}|`);
  const cost: Record<string, number[]> = Object.fromEntries(detectors.map((d) => [d, []]));
  for (const c of captures) {
    const samples: Record<string, number[]> = Object.fromEntries(detectors.map((d) => [d, []]));
    for (let round = 0; round < DETECTOR_RUNS; round++) {
      const base = (await replayOnce(c.file, ["--config", none])).ms;
      for (const d of detectors) {
        const t = (await replayOnce(c.file, ["--config", single[d]])).ms;
        samples[d].push(((t - base) * 1e6) / c.packets);
      }
    }
    for (const d of detectors) cost[d].push(median(samples[d]));
  }
  for (const d of detectors) console.log(`| ${d} | ${cost[d].map((x) => x.toFixed(0)).join(" | ")} |`);
  console.log("");
  console.log(
    `(only that detector enabled minus none enabled, median of ${DETECTOR_RUNS} round(s); whole-process ` +
      `timing: on a busy machine the noise exceeds the smaller figures)`,
  );
  await Deno.remove(tmp, { recursive: true });
}

// ---- the store: alerts per second it sustains, batched (target ≥ 50 k/s) ----
{
  const { Store } = await import("../store/store.ts");
  const { StoreWriter } = await import("../store/writer.ts");
  const { Hub } = await import("../sensor/hub.ts");
  const { testAlert } = await import("../store/_test_alerts.ts");
  const N = opt("store-alerts", 200_000);
  const alerts = Array.from({ length: N }, (_, i) => testAlert(i));
  const results: string[] = [];
  for (const via of ["writeBatch, 1000 per transaction", "hub → StoreWriter (the sensor's path)"]) {
    const rates: number[] = [];
    for (let round = 0; round < 3; round++) {
      await Deno.remove(BENCH_DATA, { recursive: true }).catch(() => {});
      const store = Store.open(BENCH_DATA);
      const t = performance.now();
      if (via.startsWith("writeBatch")) {
        for (let i = 0; i < N; i += 1000) store.writeBatch(alerts.slice(i, i + 1000));
      } else {
        const hub = new Hub();
        const writer = new StoreWriter(store);
        hub.subscribe(writer, { queue: N, batch: 1000 });
        for (const alert of alerts) hub.publish({ kind: "alert", alert });
        await hub.close({ timeoutMs: 120_000 });
      }
      rates.push(N / ((performance.now() - t) / 1000));
      store.close();
    }
    results.push(`| ${via} | ${Math.round(median(rates)).toLocaleString("en-US")} |`);
  }
  await Deno.remove(BENCH_DATA, { recursive: true }).catch(() => {});
  console.log("");
  console.log("| store | alerts/s |");
  console.log("|---|---:|");
  for (const r of results) console.log(r);
  console.log(
    `(${N.toLocaleString("en-US")} alerts, median of 3 rounds, WAL + synchronous=NORMAL, with the EVE JSON column)`,
  );
}
