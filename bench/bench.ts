/**
 * `deno task bench`: replay throughput against `tcpdump -r FILE -w /dev/null` on the same
 * multi-million-packet capture, in the same run, plus peak RSS at two file sizes.
 *
 * The capture is built once outside the repo (default /tmp/ids-bench, or $IDS_BENCH_DIR): a seed
 * recorded from real tools in network namespaces (bench/make_seed.sh, root needed), multiplied by
 * bench/make_capture.ts. Options: --packets N (default 3000000), --runs N (default 3).
 *
 * @module
 */
import { multiplyCapture } from "./make_capture.ts";

const dir = Deno.env.get("IDS_BENCH_DIR") ?? "/tmp/ids-bench";
const argv = Deno.args;
const opt = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const PACKETS = opt("packets", 3_000_000);
const RUNS = opt("runs", 3);
const root = new URL("..", import.meta.url).pathname;

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
  rss?: number;
}
const rows: Row[] = [];

const hasTcpdump = (await run("sh", ["-c", "command -v tcpdump"])).code === 0;
let tcpdumpPps = 0;
if (hasTcpdump) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await run("tcpdump", ["-r", big, "-w", "/dev/null"])).ms);
  tcpdumpPps = PACKETS / (median(times) / 1000);
  rows.push({ name: "tcpdump -r FILE -w /dev/null", pps: tcpdumpPps });
} else console.error("tcpdump not installed: no reference figure (apt-get install tcpdump)");

async function replay(name: string, extra: string[], file = big, packets = PACKETS): Promise<Row> {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await run(Deno.execPath(), ["run", "-A", `${root}main.ts`, "replay", file, "--json", ...extra]);
    if (r.code !== 0) throw new Error(`Cannot run replay: ${r.stderr.trim()}`);
    times.push(r.ms);
    rss = Math.max(rss, JSON.parse(r.stdout).peak_rss_mb);
  }
  return { name, pps: packets / (median(times) / 1000), rss };
}

rows.push(await replay("ids replay: decode + flow table", ["--no-detect"]));
rows.push(await replay("ids replay: all detectors", []));
const smallRow = await replay("ids replay: all detectors, 1/3 of the file", [], small, Math.floor(PACKETS / 3));

console.log("");
console.log("| what | packets/s | vs tcpdump | peak RSS |");
console.log("|---|---:|---:|---:|");
for (const r of [...rows, smallRow]) {
  const ratio = tcpdumpPps > 0 ? `${(r.pps / tcpdumpPps).toFixed(2)}×` : "n/a";
  console.log(
    `| ${r.name} | ${Math.round(r.pps).toLocaleString("en-US")} | ${ratio} | ${r.rss ? `${r.rss} MB` : "—"} |`,
  );
}
console.log("");
console.log(`(median of ${RUNS} runs; wall time of the whole process, start-up included)`);
