/**
 * `ids demo` and `ids run` stopped by SIGTERM during their start-up (a supervisor's or `timeout`'s stop while the
 * modules, the model, the store or the dashboard load): the same as a later stop — exit 0, the demo's temporary data
 * directory removed, the sensor's last counters line — not the signal's default action (exit 143 with the temporary
 * directory left behind, the store's run never finished), as `ids replay` since fbb57fe.
 *
 * The signal goes at a moment the child can be seen to be well into its start-up, before its own stop listener: when
 * the demo's temporary directory appeared (TMPDIR is the test's), when `ids run` created its store (ids.db in --data);
 * `ids run` also serves the dashboard (--listen), whose modules load after that.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ignoreUnless, isRoot, prereq } from "../testing/prereq.ts";
import { hasLibpcap } from "./_live_util.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const LINUX = Deno.build.os === "linux";
/** Longest wait for the child to end after the signal (ms): past it the test kills it (SIGKILL) and fails. */
const STOP_WITHIN_MS = 20_000;

/**
 * Spawns `ids <args>` (env added), sends SIGTERM once `ready()` is true, and returns the exit code, stdout and stderr;
 * a child still running {@link STOP_WITHIN_MS} after the signal (or not ready after 20 s) is killed (SIGKILL) and the
 * call throws. `spawned` gets the child's pid.
 */
async function stoppedEarly(
  args: string[],
  ready: () => boolean,
  env: Record<string, string> = {},
  spawned?: (pid: number) => void,
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  spawned?.(child.pid);
  const out = new Response(child.stdout).text();
  const err = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const t0 = performance.now();
    while (!ready()) {
      if (exited) {
        throw new Error(`Cannot signal ids ${args[0]}: it exited first (stderr: ${JSON.stringify(await err)})`);
      }
      if (performance.now() - t0 > 20_000) throw new Error(`Cannot signal ids ${args[0]}: not ready after 20 s`);
      await new Promise((r) => setTimeout(r, 1));
    }
    child.kill("SIGTERM");
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), STOP_WITHIN_MS));
    if (await Promise.race([status, late]) === "late") {
      throw new Error(`Cannot stop ids ${args[0]} with SIGTERM: still running ${STOP_WITHIN_MS} ms after it`);
    }
    const { code } = await status;
    return { code, stdout: await out, stderr: await err };
  } finally {
    clearTimeout(timer);
    if (!exited) {
      child.kill("SIGKILL");
      await status;
    }
  }
}

Deno.test({
  name: "demo: SIGTERM during start-up stops it as a later one does: exit 0, its temporary data directory removed",
  ignore: ignoreUnless("demo early signal", LINUX, "signals a child process (Linux)"),
  async fn() {
    prereq("demo early signal", LINUX, "signals a child process (Linux)");
    const tmp = await Deno.makeTempDir({ prefix: "ids-demo-early-" });
    try {
      const started = () => [...Deno.readDirSync(tmp)].some((e) => e.name.startsWith("ids-demo-"));
      const r = await stoppedEarly(["demo", "--no-open"], started, { TMPDIR: tmp });
      assert.equal(r.code, 0, `exit ${r.code} (143: killed by the signal, no clean-up); stderr:\n${r.stderr}`);
      assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), [], "the temporary data directory is removed");
      assert.doesNotMatch(r.stderr, /Uncaught/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

const RUN_OK = LINUX && isRoot() && hasLibpcap();
const RUN_WHY = "captures on lo: needs Linux, root and libpcap (run the tests as root)";

Deno.test({
  name: "run: SIGTERM during start-up stops it as a later one does: exit 0, the last counters line",
  ignore: ignoreUnless("run early signal", RUN_OK, RUN_WHY),
  async fn() {
    prereq("run early signal", RUN_OK, RUN_WHY);
    const data = await Deno.makeTempDir({ prefix: "ids-run-early-" });
    try {
      const storeOpened = () => {
        try {
          return Deno.statSync(`${data}/ids.db`).isFile;
        } catch {
          return false;
        }
      };
      const r = await stoppedEarly(
        ["run", "--iface", "lo", "--data", data, "--listen", "127.0.0.1:0", "--no-alert-lines"],
        storeOpened,
      );
      assert.equal(r.code, 0, `exit ${r.code} (143: killed by the signal, no clean-up); stderr:\n${r.stderr}`);
      const lines = r.stderr.split("\n").filter((l) => l !== "");
      assert.match(lines.at(-1) ?? "", /^ids: lo: [\d,]+ packets /, `the last counters line:\n${r.stderr}`);
      assert.equal(r.stdout, "");
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  },
});

Deno.test({
  name: "run: SIGTERM while its --eve FIFO waits for a reader ends it at once with exit 143 and one line",
  ignore: ignoreUnless("run eve fifo", LINUX, "waits for a FIFO, reads /proc (Linux)"),
  async fn() {
    prereq("run eve fifo", LINUX, "waits for a FIFO, reads /proc (Linux)");
    const dir = await Deno.makeTempDir({ prefix: "ids-run-fifo-" });
    try {
      const fifo = `${dir}/eve.fifo`;
      assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
      let pid = 0;
      const waitsForReader = () => {
        let tasks: Deno.DirEntry[] = [];
        try {
          if (pid !== 0) tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
        } catch { /* it exited: said by stoppedEarly */ }
        return tasks.some((t) => {
          try {
            return Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/wchan`) === "wait_for_partner";
          } catch {
            return false;
          }
        });
      };
      const r = await stoppedEarly(
        ["run", "--iface", "lo", "--data", dir, "--eve", fifo],
        waitsForReader,
        {},
        (p) => pid = p,
      );
      assert.equal(r.code, 143, `stderr:\n${r.stderr}`);
      assert.match(
        r.stderr,
        /^ids: SIGTERM while waiting for a reader of the EVE output \S+eve\.fifo: exiting at once$/m,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
