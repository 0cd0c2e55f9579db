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
 * ```sh
 * deno run -A bench/ab_replay.ts --a /tmp/base-tree --b . --file /tmp/ids-bench/tiny_990000.pcap --rounds 12
 * deno run -A bench/ab_replay.ts --a /tmp/base-tree --b . --extra "--no-detect" --own-group
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

/** Runs a command (in its own autogroup at nice −20 with `--own-group`); returns wall ms and stdout. */
async function timed(cmd: string, args: string[]): Promise<{ ms: number; out: string }> {
  const [c, a] = ownGroup ? ["setsid", ["-w", "sh", "-c", OWN_GROUP_SH, "sh", cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = await new Deno.Command(c, { args: a, stdout: "piped", stderr: "piped" }).output();
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`Cannot run ${cmd}: ${new TextDecoder().decode(r.stderr).trim().split("\n")[0]}`);
  return { ms, out: new TextDecoder().decode(r.stdout) };
}

const hasTcpdump = (await new Deno.Command("sh", { args: ["-c", "command -v tcpdump"] }).output()).code === 0;
const tcp: number[] = [];
const times: number[][] = trees.map(() => []);
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
    const { ms, out } = await timed(Deno.execPath(), [
      "run",
      "-A",
      `${root}main.ts`,
      "replay",
      file,
      "--json",
      ...extra,
    ]);
    times[i].push(ms);
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
console.log(`${file} ${extra.join(" ")}: ${rounds} rounds${ownGroup ? ", own autogroup at nice -20" : ""}`);
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
if (new Set(alerts).size > 1) console.log("the trees' alerts differ: compare their outputs before reading the times");
