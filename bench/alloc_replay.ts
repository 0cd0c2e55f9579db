/**
 * Where a whole `ids replay` allocates on its capture thread: runs the replay command in this process (an unpaced
 * replay runs its capture on the main thread) under V8's sampling heap profiler, objects collected by scavenges
 * included, and prints the functions that allocated the most (self bytes, with the caller), start-up included.
 * Everything after `--` is the replay's arguments.
 *
 * ```sh
 * deno run -A bench/alloc_replay.ts --top 30 -- /tmp/ids-bench/bench_3000000.pcap --json
 * ```
 *
 * @module
 */
import { Session } from "node:inspector";
import { fileURLToPath, pathToFileURL } from "node:url";
import { selfBytesByCaller } from "./_heap_samples.ts";

const argv = Deno.args;
const sep = argv.indexOf("--");
const own = sep >= 0 ? argv.slice(0, sep) : argv;
const replayArgs = sep >= 0 ? argv.slice(sep + 1) : [];
const arg = (name: string, dflt: string): string => {
  const i = own.indexOf(`--${name}`);
  return i >= 0 ? own[i + 1] : dflt;
};
const root = arg("root", fileURLToPath(new URL("..", import.meta.url)));
const top = Number(arg("top", "30"));
const interval = Number(arg("interval", "4096"));
const base = pathToFileURL(root.endsWith("/") ? root : `${root}/`);

const session = new Session();
session.connect();
// deno-lint-ignore no-explicit-any
const post = (m: string, p?: unknown): Promise<any> =>
  new Promise((resolve, reject) =>
    // deno-lint-ignore no-explicit-any
    session.post(m, p as any, (e: unknown, r: unknown) => e ? reject(e) : resolve(r))
  );
await post("HeapProfiler.enable");
await post("HeapProfiler.startSampling", {
  samplingInterval: interval,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const { replayCommand } = await import(new URL("cli/replay.ts", base).href);
const realLog = console.log;
console.log = () => {}; // the report: not needed here
const status = await replayCommand(replayArgs);
console.log = realLog;
const { profile } = await post("HeapProfiler.stopSampling");

const { total, rows } = selfBytesByCaller(profile, base.href);
console.log(`replay exit ${status}: ${(total / 1048576).toFixed(1)} MB sampled on this thread`);
for (const [k, v] of rows.slice(0, top)) {
  console.log(`${(v / 1048576).toFixed(2).padStart(8)} MB  ${k}`);
}
