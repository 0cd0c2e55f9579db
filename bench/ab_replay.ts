/**
 * Whole-process A/B of `ids replay` from two source trees (`--a`, `--b`) against `tcpdump -r FILE -w /dev/null`: what
 * the bench's ratios measure (start-up, module loading, cold code and V8's background compilation included), where
 * `bench/ab.ts` times the packets in process. Each round runs tcpdump, then both trees, their order reversed every
 * other round (this VM's speed drifts); medians, quartiles, the median of the per-round ratios to tcpdump, in how many
 * rounds B was faster and the median of the per-round differences. A median of an even count is the upper middle
 * value, as in `bench/bench.ts` and `bench/ab.ts`.
 *
 * On a machine other work shares, `--own-group` runs every process in a session (autogroup) of its own at nice −20
 * (Linux, root): the other sessions then take little CPU from it, which approximates an idle machine. Where that is
 * not allowed (not root, no autogroups) it stops with `Cannot run in an own autogroup: <reason>` before the first
 * round. Without it the processes run as the bench runs them.
 *
 * `--cpu` also measures each replay's CPU time (every thread of the process: `perf stat -e task-clock`) and prints its
 * medians and per-round differences beside the wall times. Under load the CPU time spreads far less than the wall time
 * (±5–8 ms against ±15–30 ms on tiny at load 2–4), so a small change shows there first; it is not what the ratio to
 * tcpdump measures. Without a working `perf stat` it stops with `Cannot measure CPU time: <reason>` before the first
 * round.
 *
 * ```sh
 * deno run -A bench/ab_replay.ts --a /tmp/base-tree --b . --file /tmp/ids-bench/tiny_990000.pcap --rounds 12
 * deno run -A bench/ab_replay.ts --a /tmp/base-tree --b . --extra "--no-detect" --own-group
 * deno run -A bench/ab_replay.ts --a /tmp/base-tree --b . --own-group --cpu --rounds 30
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const argv = Deno.args;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  // --extra passes the replay's own flags (`--extra "--no-detect"`): only a missing value is an error there
  if (v === undefined || (name !== "extra" && v.startsWith("--"))) {
    console.error(`Cannot run the A/B: --${name} needs a value`);
    Deno.exit(2);
  }
  return v;
};
const trees = [arg("a", ""), arg("b", fileURLToPath(new URL("..", import.meta.url)))];
if (trees[0] === "") {
  console.error("Cannot run the A/B: --a TREE is missing (a checkout to compare against)");
  Deno.exit(2);
}
const file = arg("file", "/tmp/ids-bench/tiny_990000.pcap");
const roundsArg = arg("rounds", "10");
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`Cannot run the A/B: --rounds needs a whole number of rounds >= 1, not "${roundsArg}"`);
  Deno.exit(2);
}
const extra = arg("extra", "").split(" ").filter((s) => s !== "");
const ownGroup = argv.includes("--own-group");
const cpu = argv.includes("--cpu");
for (const tree of trees) {
  const main = `${tree.endsWith("/") ? tree : `${tree}/`}main.ts`;
  if (!(await Deno.stat(main).then((st) => st.isFile, () => false))) {
    console.error(`Cannot run the A/B: ${main} is not a file (--a and --b are source trees)`);
    Deno.exit(2);
  }
}
/**
 * The shell that runs a command in its own autogroup at nice −20: it fails (exit 125) when the autogroup's nice value
 * cannot be set. `nice -n -40` reaches −20 (the floor) from any niceness the bench runs at; unprivileged, nice only
 * warns and runs the command anyway, so the check before the first round asks for the niceness it got.
 */
const OWN_GROUP_SH = 'echo -20 > /proc/self/autogroup || exit 125; exec nice -n -40 "$@"';
if (ownGroup) {
  const probe = await new Deno.Command("setsid", {
    args: ["-w", "sh", "-c", OWN_GROUP_SH, "sh", "nice"],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((e: Error) => ({
    code: -1,
    stdout: new Uint8Array(),
    stderr: new TextEncoder().encode(e.message),
  }));
  const niceness = new TextDecoder().decode(probe.stdout).trim();
  if (probe.code !== 0 || niceness !== "-20") {
    const why = new TextDecoder().decode(probe.stderr).trim().split("\n")[0] ||
      `the process got niceness ${niceness || "?"}, not -20`;
    console.error(`Cannot run in an own autogroup: ${why}`);
    Deno.exit(2);
  }
}

/** The CPU milliseconds in `perf stat -x ,` output (`<ms>,msec,task-clock,…`), NaN when there are none. */
function taskClockMs(text: string): number {
  const line = text.split("\n").find((l) => l.includes(",msec,task-clock"));
  return line === undefined ? NaN : Number(line.split(",")[0]);
}

if (cpu) {
  // (a missing perf throws at the spawn, not in the promise)
  const probe = await (async () => {
    try {
      return await new Deno.Command("perf", {
        args: ["stat", "-x", ",", "-e", "task-clock", "--", "true"],
        stdout: "null",
        stderr: "piped",
      }).output();
    } catch (e) {
      return { code: -1, stderr: new TextEncoder().encode((e as Error).message) };
    }
  })();
  const err = new TextDecoder().decode(probe.stderr);
  if (probe.code !== 0 || Number.isNaN(taskClockMs(err))) {
    console.error(`Cannot measure CPU time: ${err.trim().split("\n")[0] || `perf stat exited with ${probe.code}`}`);
    Deno.exit(2);
  }
}

/**
 * Runs a command (in its own autogroup at nice −20 with `--own-group`); returns wall ms, stdout and, with `withCpu`,
 * the CPU ms of the command's process (all its threads; NaN otherwise).
 */
async function timed(
  cmd: string,
  args: string[],
  withCpu = false,
): Promise<{ ms: number; cpuMs: number; out: string }> {
  const stat = withCpu ? await Deno.makeTempFile({ prefix: "ab-replay-cpu-" }) : "";
  const run = withCpu
    ? ["perf", "stat", "-x", ",", "-e", "task-clock", "-o", stat, "--", cmd, ...args]
    : [cmd, ...args];
  const [c, a] = ownGroup ? ["setsid", ["-w", "sh", "-c", OWN_GROUP_SH, "sh", ...run]] : [run[0], run.slice(1)];
  try {
    const t0 = performance.now();
    const r = await new Deno.Command(c, { args: a, stdout: "piped", stderr: "piped" }).output();
    const ms = performance.now() - t0;
    if (r.code !== 0) throw new Error(`Cannot run ${cmd}: ${new TextDecoder().decode(r.stderr).trim().split("\n")[0]}`);
    const cpuMs = withCpu ? taskClockMs(await Deno.readTextFile(stat)) : NaN;
    return { ms, cpuMs, out: new TextDecoder().decode(r.stdout) };
  } finally {
    if (withCpu) await Deno.remove(stat);
  }
}

const hasTcpdump = (await new Deno.Command("sh", { args: ["-c", "command -v tcpdump"] }).output()).code === 0;
const tcp: number[] = [];
const times: number[][] = trees.map(() => []);
const cpuTimes: number[][] = trees.map(() => []);
const ratios: number[][] = trees.map(() => []);
const alerts: string[] = trees.map(() => "");
const loads: string[] = [];
for (let r = 0; r < rounds; r++) {
  loads.push((await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")[0]);
  const ref = hasTcpdump ? (await timed("tcpdump", ["-r", file, "-w", "/dev/null"])).ms : NaN;
  tcp.push(ref);
  const order = trees.map((_, i) => i);
  if (r % 2 === 1) order.reverse();
  for (const i of order) {
    const root = trees[i].endsWith("/") ? trees[i] : `${trees[i]}/`;
    const { ms, cpuMs, out } = await timed(Deno.execPath(), [
      "run",
      "-A",
      `${root}main.ts`,
      "replay",
      file,
      "--json",
      ...extra,
    ], cpu);
    times[i].push(ms);
    cpuTimes[i].push(cpuMs);
    ratios[i].push(ref / ms);
    // the alerts per type of the first round: the trees must agree (a quick check, not the digest comparison)
    if (r === 0) alerts[i] = JSON.stringify(JSON.parse(out).alerts);
  }
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
/** The middle value; of an even count the upper one (as `bench/bench.ts` and `bench/ab.ts`). */
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
const quartiles = (xs: number[]) => {
  const s = sorted(xs);
  return `${s[Math.floor((s.length - 1) / 4)].toFixed(1)}–${s[Math.ceil((3 * (s.length - 1)) / 4)].toFixed(1)}`;
};
console.log(
  `${file} ${extra.join(" ")}: ${rounds} rounds${ownGroup ? ", own autogroup at nice -20" : ""}` +
    (cpu ? ", CPU time by perf stat" : ""),
);
console.log(`load per round: ${loads.join(" ")}`);
console.log("| what | median ms | quartiles | vs tcpdump (median of per-round ratios) | alerts (round 1) |");
console.log("|---|---:|---:|---:|---|");
if (hasTcpdump) {
  console.log(`| tcpdump -r FILE -w /dev/null | ${median(tcp).toFixed(1)} | ${quartiles(tcp)} | 1.00× | |`);
}
for (const [i, t] of trees.entries()) {
  const ratio = hasTcpdump ? `${median(ratios[i]).toFixed(3)}×` : "n/a";
  console.log(`| ${t} | ${median(times[i]).toFixed(1)} | ${quartiles(times[i])} | ${ratio} | ${alerts[i]} |`);
}
if (trees.length === 2) {
  const diffs = times[1].map((b, r) => b - times[0][r]);
  const lower = diffs.filter((d) => d < 0).length;
  console.log(`B − A per round: median ${median(diffs).toFixed(1)} ms; B faster in ${lower} of ${rounds} rounds`);
}
if (cpu) {
  console.log(
    "(the wall times above include perf stat's own start, ~10 ms: take ratios to tcpdump from runs without --cpu)",
  );
  console.log("| what | CPU median ms | CPU quartiles |");
  console.log("|---|---:|---:|");
  for (const [i, t] of trees.entries()) {
    console.log(`| ${t} | ${median(cpuTimes[i]).toFixed(1)} | ${quartiles(cpuTimes[i])} |`);
  }
  if (trees.length === 2) {
    const diffs = cpuTimes[1].map((b, r) => b - cpuTimes[0][r]);
    const lower = diffs.filter((d) => d < 0).length;
    console.log(
      `B − A CPU per round: median ${median(diffs).toFixed(1)} ms; B used less in ${lower} of ${rounds} rounds`,
    );
  }
}
if (new Set(alerts).size > 1) console.log("the trees' alerts differ: compare their outputs before reading the times");
