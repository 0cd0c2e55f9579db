/**
 * A/B of two source trees with `bench/stage_bench.ts`: one process per tree and round, the trees
 * interleaved round by round (the machine's speed drifts), CPU ns per packet, medians printed.
 *
 * ```sh
 * deno run -A bench/ab.ts --a /tmp/base-tree --b . --file /tmp/ids-bench/attack_1000000.pcap \
 *   --variants nodetect,stream,all --rounds 5
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const argv = Deno.args;
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const here = fileURLToPath(new URL(".", import.meta.url));
const trees = { A: arg("a", ""), B: arg("b", fileURLToPath(new URL("..", import.meta.url))) };
if (trees.A === "") {
  console.error("Cannot run the A/B: --a TREE is missing (a checkout to compare against)");
  Deno.exit(2);
}
const file = arg("file", "/tmp/ids-bench/attack_1000000.pcap");
const variants = arg("variants", "nodetect,stream,all");
const rounds = Number(arg("rounds", "5"));
const runs = arg("runs", "1");

const samples: Record<string, Record<string, number[]>> = { A: {}, B: {} };
const detections: Record<string, Record<string, string>> = { A: {}, B: {} };
for (let r = 0; r < rounds; r++) {
  for (const t of (r % 2 === 0 ? ["A", "B"] : ["B", "A"]) as ("A" | "B")[]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${here}stage_bench.ts`,
        "--root",
        trees[t],
        "--file",
        file,
        "--variants",
        variants,
        "--runs",
        runs,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
      if (!line.startsWith("{")) continue;
      const j = JSON.parse(line);
      (samples[t][j.variant] ??= []).push(Math.min(...j.ns));
      detections[t][j.variant] = `${j.detections} (${j.digest})`;
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ").slice(0, 3).join(" ");
console.log(`${file}, ${rounds} rounds, load ${load}`);
console.log("| variant | A ns/packet | B ns/packet | B/A | detections A / B |");
console.log("|---|---:|---:|---:|---|");
for (const v of variants.split(",")) {
  const a = median(samples.A[v] ?? [NaN]), b = median(samples.B[v] ?? [NaN]);
  console.log(`| ${v} | ${a} | ${b} | ${(b / a).toFixed(2)} | ${detections.A[v]} / ${detections.B[v]} |`);
}
// the spread: every round's value (the trees interleaved round by round), and in how many rounds B was faster
for (const v of variants.split(",")) {
  const a = samples.A[v] ?? [], b = samples.B[v] ?? [];
  const faster = b.filter((x, i) => i < a.length && x < a[i]).length;
  console.log(`${v}: A ${a.join(" ")} | B ${b.join(" ")} | B faster in ${faster} of ${Math.min(a.length, b.length)}`);
}
