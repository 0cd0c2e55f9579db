/**
 * `deno task bench`: replay throughput against `tcpdump -r FILE -w /dev/null` on the same
 * multi-million-packet capture, in the same run, plus peak RSS at two file sizes.
 *
 * The capture is built once outside the repo (default /tmp/ids-bench, or $IDS_BENCH_DIR): a seed
 * recorded from real tools in network namespaces (bench/make_seed.sh, root needed), multiplied by
 * bench/make_capture.ts. Options: --packets N (default 3000000), --runs N (default 5).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { multiplyCapture } from "./make_capture.ts";

const dir = Deno.env.get("IDS_BENCH_DIR") ?? "/tmp/ids-bench";
const argv = Deno.args;
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const PACKETS = opt("packets", 3_000_000);
const RUNS = opt("runs", 5);
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

await Deno.mkdir(dir, { recursive: true });
const seed = `${dir}/seed.pcap`;
if (!await exists(seed)) {
  console.error(`building seed capture ${seed} (real tools in network namespaces; needs root)…`);
  const r = await run("bash", [`${root}bench/make_seed.sh`, seed]);
  if (r.code !== 0) {
    console.error(`Cannot build the seed capture: ${r.stderr.trim() || "make_seed.sh failed"} — run as root`);
    Deno.exit(1);
  }
}
const big = `${dir}/bench_${PACKETS}.pcap`;
const small = `${dir}/bench_${Math.floor(PACKETS / 3)}.pcap`;
for (const [file, n] of [[big, PACKETS], [small, Math.floor(PACKETS / 3)]] as const) {
  if (!await exists(file)) {
    console.error(`building ${file} (${n} packets)…`);
    await multiplyCapture(seed, file, n);
  }
}
const size = (await Deno.stat(big)).size;
console.log(`capture   ${big}: ${PACKETS.toLocaleString("en-US")} packets, ${(size / 1e6).toFixed(0)} MB`);
console.log(`machine   ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}`);

// warm the page cache so both readers see the same conditions
await run("cat", [big]).catch(() => {});

interface Row {
  name: string;
  pps: number;
  /** Median over rounds of (this rate / tcpdump's rate in the same round). */
  ratio?: number;
  rss?: number;
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
const variants: { name: string; extra: string[]; file: string; packets: number }[] = [
  { name: "ids replay: decode + flow table", extra: ["--no-detect"], file: big, packets: PACKETS },
  { name: "ids replay: all detectors", extra: [], file: big, packets: PACKETS },
  {
    name: "ids replay: decode + flow table, 1/3 of the file",
    extra: ["--no-detect"],
    file: small,
    packets: Math.floor(PACKETS / 3),
  },
  {
    name: "ids replay: all detectors, 1/3 of the file",
    extra: [],
    file: small,
    packets: Math.floor(PACKETS / 3),
  },
];
const tcpdumpMs: number[] = [];
const tcpdumpSmallMs: number[] = [];
const times: number[][] = variants.map(() => []);
const ratios: number[][] = variants.map(() => []);
const rss: number[] = variants.map(() => 0);
for (let round = 0; round < RUNS; round++) {
  let ref = NaN, refSmall = NaN;
  if (hasTcpdump) {
    ref = (await run("tcpdump", ["-r", big, "-w", "/dev/null"])).ms;
    refSmall = (await run("tcpdump", ["-r", small, "-w", "/dev/null"])).ms;
    tcpdumpMs.push(ref);
    tcpdumpSmallMs.push(refSmall);
  }
  for (const [i, v] of variants.entries()) {
    const r = await replayOnce(v.file, v.extra);
    times[i].push(r.ms);
    rss[i] = Math.max(rss[i], r.rss);
    ratios[i].push((v.file === big ? ref : refSmall) / r.ms);
  }
}
const rows: Row[] = [];
if (hasTcpdump) {
  rows.push({ name: "tcpdump -r FILE -w /dev/null", pps: PACKETS / (median(tcpdumpMs) / 1000), ratio: 1 });
}
for (const [i, v] of variants.entries()) {
  rows.push({
    name: v.name,
    pps: v.packets / (median(times[i]) / 1000),
    ratio: hasTcpdump ? median(ratios[i]) : undefined,
    rss: rss[i],
  });
}
const smallRows = rows.splice(-2);
const tcpdumpPps = hasTcpdump ? 1 : 0;

console.log("");
console.log("| what | packets/s | vs tcpdump | peak RSS |");
console.log("|---|---:|---:|---:|");
for (const r of [...rows, ...smallRows]) {
  const ratio = tcpdumpPps > 0 && r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : "n/a";
  console.log(
    `| ${r.name} | ${Math.round(r.pps).toLocaleString("en-US")} | ${ratio} | ${r.rss ? `${r.rss} MB` : "—"} |`,
  );
}
console.log("");
console.log(
  `(median of ${RUNS} interleaved rounds; wall time of the whole process, start-up included; the ratio is ` +
    `the median of per-round ratios against tcpdump on the same file; tcpdump on the 1/3 file: ${
      hasTcpdump ? Math.round(Math.floor(PACKETS / 3) / (median(tcpdumpSmallMs) / 1000)).toLocaleString("en-US") : "n/a"
    } packets/s)`,
);
