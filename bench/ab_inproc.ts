/**
 * A/B of two source trees in one process: their engines replay the same file alternately (A, B, B,
 * A, …), CPU ns per packet, medians. Less noisy than separate processes on a busy machine (both see
 * the same load at nearly the same time); the first round only warms the JIT.
 *
 * ```sh
 * deno run -A bench/ab_inproc.ts --a /tmp/base-tree --b . --variant all --rounds 9
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
const file = arg("file", "/tmp/ids-bench/attack_1000000.pcap");
const variant = arg("variant", "all");
const rounds = Number(arg("rounds", "9"));
const trees = [arg("a", ""), arg("b", fileURLToPath(new URL("..", import.meta.url)))];
if (trees[0] === "") {
  console.error("Cannot run the A/B: --a TREE is missing (a checkout to compare against)");
  Deno.exit(2);
}

async function load(root: string): Promise<(cfgOff: boolean) => Promise<number>> {
  const base = pathToFileURL(root.endsWith("/") ? root : `${root}/`);
  const { DetectionEngine } = await import(new URL("pipeline/engine.ts", base).href);
  const { FileSource } = await import(new URL("capture/file_source.ts", base).href);
  const { DEFAULT_CONFIG } = await import(new URL("config/defaults.ts", base).href);
  // trees since the engine stopped importing its detectors take them as options.parts (older ones ignore it)
  const parts = await import(new URL("pipeline/detection_parts.ts", base).href).then(
    (m) => m.DETECTION_PARTS,
    () => {},
  );
  return async () => {
    const engine = new DetectionEngine(DEFAULT_CONFIG, {
      noDetect: variant === "nodetect",
      features: variant === "ml",
      parts,
    });
    const u0 = process.cpuUsage();
    await new FileSource(file).run(engine.pipeline.handle);
    engine.pipeline.finish();
    const u1 = process.cpuUsage();
    return Math.round((u1.user + u1.system - u0.user - u0.system) * 1000 / engine.pipeline.counters.packets);
  };
}

const runs = [await load(trees[0]), await load(trees[1])];
const ns: number[][] = [[], []];
for (let r = 0; r < rounds; r++) {
  for (const t of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const x = await runs[t](false);
    if (r > 0) ns[t].push(x);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load1 = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
console.log(
  `${variant} on ${file} (${rounds - 1} rounds, load ${load1}): A ${median(ns[0])} ns/packet, B ${median(ns[1])} ` +
    `ns/packet, B/A ${(median(ns[1]) / median(ns[0])).toFixed(3)}  (A ${ns[0].join(" ")} | B ${ns[1].join(" ")})`,
);
