/**
 * `ids replay` stopped by SIGTERM / SIGINT during its start-up (a supervisor's or `timeout`'s stop in the first tens of
 * ms): the same as a later stop, exit 0 with the report of what was read (here nothing), not the signal's default
 * action (exit 143 / 130, no report); and a signal while a start-up step waits for another process (the writer of a
 * `--config` FIFO, the reader of an `--eve` or feedback CSV FIFO) ends it at once with exit 143 and one line, as the
 * signal's default action did before the replay caught it (an output FIFO's open blocked the thread that runs the
 * signal listeners: nothing but SIGKILL ended it).
 *
 * The signal goes at the first moment the child can be seen to run the command, without a fixed wait: when the capture
 * Worker's thread (`worker-N` in /proc/PID/task) appeared, which the entry point starts (a paced replay) before the
 * replay's own modules load, long before the replay set its own stop listener; or, for a FIFO, when a thread waits in
 * the kernel for its other end (`wait_for_partner`). Not at the first moment the child
 * catches the signal (`SigCgt` in /proc/PID/status): Deno sets the handler a moment before it takes the signal for a
 * listener, and a signal in between (hit on a loaded machine) has its default action. Nor right after the spawn: a
 * signal before the runtime runs any JavaScript (its first ~10-20 ms) has its default action, which no program can
 * change.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ignoreUnless, prereq } from "../testing/prereq.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const MAIN = `${REPO}/main.ts`;
const DEMO = `${REPO}/tests/fixtures/demo.pcapng.gz`;
const LINUX = Deno.build.os === "linux";
const WHY = "reads the child's signal mask and threads in /proc (Linux)";

/** True when one of `pid`'s threads is a Worker's; throws once it exited. */
function hasWorkerThread(pid: number): boolean {
  return threads(pid, "comm").some((c) => /^worker-\d+\n?$/.test(c));
}

/** True when one of `pid`'s threads waits for the other end of a FIFO; throws once it exited. */
function waitsForFifo(pid: number): boolean {
  return threads(pid, "wchan").includes("wait_for_partner");
}

/** `file` of each of `pid`'s threads (/proc/PID/task/TID/FILE); throws once it exited. */
function threads(pid: number, file: string): string[] {
  if (/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${pid}/status`))) throw new Error("the replay exited early");
  const out: string[] = [];
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      out.push(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/${file}`));
    } catch { /* the thread ended */ }
  }
  return out;
}

/** Waits (polling, at most `ms`) until `ok()`; throws with `what` when it never came. */
async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > ms) throw new Error(`Cannot wait for ${what}: not after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Longest wait for the replay to end after the signal (ms): past it the test kills it (SIGKILL) and fails. */
const STOP_WITHIN_MS = 10_000;

/**
 * Spawns `ids replay DEMO --speed realtime ...extra` (paced: 45 s of capture, so only the signal ends it), sends `signal`
 * at once when its capture Worker's thread appeared, and returns the exit code, stdout and stderr; a replay still running
 * {@link STOP_WITHIN_MS} after the signal is killed (SIGKILL) and the call throws. `fifo`: a FIFO nobody opens at its
 * other end (the start-up waits for it) is the `--config` file, the `--eve` output or the feedback CSV (in a
 * configuration file), and the signal goes once a thread waits for it; with `beforeWait` it goes when the capture
 * Worker's thread appeared, as without a FIFO: before the start-up came to the FIFO.
 */
async function replayStoppedEarly(
  signal: "SIGINT" | "SIGTERM",
  o: { extra?: string[]; fifo?: "config" | "eve" | "feedback-csv"; beforeWait?: boolean } = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "ids-early-signal-" });
  const fifo = `${dir}/output.fifo`;
  const fifoArgs = o.fifo === "config"
    ? ["--config", fifo]
    : o.fifo === "eve"
    ? ["--eve", fifo]
    : o.fifo === "feedback-csv"
    ? ["--config", `${dir}/config.json`]
    : [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (o.fifo) assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    if (o.fifo === "feedback-csv") {
      await Deno.writeTextFile(
        `${dir}/config.json`,
        JSON.stringify({ outputs: { feedback_csv: { enabled: true, path: fifo } } }),
      );
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "replay", DEMO, "--speed", "realtime", ...fifoArgs, ...(o.extra ?? [])],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = new Response(child.stdout).text();
    const err = new Response(child.stderr).text();
    let exited = false;
    const status = child.status.then((s) => (exited = true, s));
    try {
      const atFifo = o.fifo !== undefined && !o.beforeWait;
      const ready = atFifo ? () => waitsForFifo(child.pid) : () => hasWorkerThread(child.pid);
      await until(ready, 20_000, atFifo ? `the replay to wait for its ${o.fifo} FIFO` : "the capture Worker");
      child.kill(signal);
    } catch (e) {
      if (!exited) child.kill("SIGKILL");
      throw e;
    }
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), STOP_WITHIN_MS));
    if (await Promise.race([status, late]) === "late") {
      child.kill("SIGKILL");
      await status;
      throw new Error(
        `Cannot stop the replay with ${signal}: still running ${STOP_WITHIN_MS} ms after it, killed with SIGKILL ` +
          `(stderr: ${JSON.stringify(await err)})`,
      );
    }
    const { code } = await status;
    return { code, stdout: await out, stderr: await err };
  } finally {
    clearTimeout(timer);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "replay: SIGTERM during start-up stops it as a later SIGTERM does: exit 0, the report of what was read",
  ignore: ignoreUnless("early signal", LINUX, WHY),
  async fn() {
    prereq("early signal", LINUX, WHY);
    const r = await replayStoppedEarly("SIGTERM");
    assert.equal(r.code, 0, `exit ${r.code} (143: killed by the signal, no report); stderr:\n${r.stderr}`);
    const packets = /^packets\s+([\d,]+) /m.exec(r.stderr);
    assert.ok(packets, `the report on stderr:\n${r.stderr}`);
    assert.ok(Number(packets[1].replaceAll(",", "")) < 18_661, "stopped before the end of the capture");
    assert.match(r.stderr, /^replayed\s+.*demo\.pcapng\.gz$/m);
    assert.doesNotMatch(r.stderr, /Cannot|stopped before it finished/);
    assert.equal(r.stdout, "");
  },
});

Deno.test({
  name: "replay --json: SIGINT during start-up stops it with exit 0 and the JSON report on stdout",
  ignore: ignoreUnless("early signal", LINUX, WHY),
  async fn() {
    prereq("early signal", LINUX, WHY);
    const r = await replayStoppedEarly("SIGINT", { extra: ["--json"] });
    assert.equal(r.code, 0, `exit ${r.code} (130: killed by the signal, no report); stderr:\n${r.stderr}`);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.files, [DEMO]);
    assert.ok(report.packets < 18_661, `stopped before the end of the capture: ${report.packets} packets`);
    assert.deepEqual(report.errors, []);
  },
});

for (
  const [fifo, what] of [
    ["config", "a writer of the configuration"],
    ["eve", "a reader of the EVE output"],
    ["feedback-csv", "a reader of the feedback CSV"],
  ] as const
) {
  Deno.test({
    name: `replay: SIGTERM while start-up waits for ${what} FIFO nobody opens ends it at once with exit 143`,
    ignore: ignoreUnless("early signal", LINUX, WHY),
    async fn() {
      prereq("early signal", LINUX, WHY);
      const r = await replayStoppedEarly("SIGTERM", { fifo });
      assert.equal(r.code, 143, `stderr:\n${r.stderr}`);
      const line = new RegExp(`^ids: SIGTERM while waiting for ${what} \\S+output\\.fifo: exiting at once$`, "m");
      assert.match(r.stderr, line);
    },
  });
}

Deno.test({
  name: "replay: SIGTERM during start-up, before it waits for an --eve FIFO nobody reads, ends it there with exit 143",
  ignore: ignoreUnless("early signal", LINUX, WHY),
  async fn() {
    prereq("early signal", LINUX, WHY);
    // the signal goes as the capture Worker appears, tens of ms before the outputs open: the latch keeps it for the
    // replay's stop, which nothing would call while the EVE open waits for a reader (it hung until SIGKILL)
    const r = await replayStoppedEarly("SIGTERM", { fifo: "eve", beforeWait: true });
    assert.equal(r.code, 143, `stderr:\n${r.stderr}`);
    assert.match(
      r.stderr,
      /^ids: SIGTERM while waiting for a reader of the EVE output \S+output\.fifo: exiting at once$/m,
    );
  },
});
