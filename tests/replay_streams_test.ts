/**
 * `ids replay` from pipes and FIFOs, and stopped by a signal (issue 7 items 8 and 9): `tcpdump -w - | ids replay -`
 * and a FIFO are read sequentially (no "Illegal seek"); on a terminal-less run `--progress` shows progress, and
 * SIGINT/SIGTERM stop reading at once, flush the alerts and print the partial report.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const MAIN = `${REPO}/main.ts`;
const MIXED = `${REPO}/tests/fixtures/mixed.pcap`;
const DEMO = `${REPO}/tests/fixtures/demo.pcapng.gz`;
const dec = new TextDecoder();

const TCPDUMP = hasCommand("tcpdump", ["--version"]);
const WHY = "needs tcpdump (apt-get install tcpdump)";

Deno.test({
  name: "replay -: tcpdump -w - | ids replay - --json reads every packet from the pipe",
  ignore: ignoreUnless("replay from a pipe", TCPDUMP, WHY),
  async fn() {
    prereq("replay from a pipe", TCPDUMP, WHY);
    const out = await new Deno.Command("bash", {
      args: ["-c", `tcpdump -r ${MIXED} -w - 2>/dev/null | "${Deno.execPath()}" run -A ${MAIN} replay - --json`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    const r = JSON.parse(dec.decode(out.stdout));
    assert.equal(r.packets, 329);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.files, ["-"]);
  },
});

Deno.test("replay FIFO: a named pipe with gzip data is read sequentially (no Illegal seek)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-fifo-" });
  try {
    const fifo = `${dir}/capture.pcap.gz`;
    const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(mk.success);
    // the writer's open() blocks until a reader opens the FIFO: if the replay exits without opening it, the writer
    // would wait forever, so once the replay has exited the writer gets 5 s to finish, then it is killed and the test
    // fails with the replay's exit code and stderr
    const writer = new Deno.Command("bash", { args: ["-c", `exec cat ${MIXED}.gz > ${fifo}`] }).spawn();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "replay", fifo, "--json"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([
      writer.status.then(() => true),
      new Promise<false>((r) => timer = setTimeout(() => r(false), 5_000)),
    ]);
    clearTimeout(timer);
    if (!finished) {
      writer.kill("SIGKILL");
      await writer.status;
    }
    assert.ok(
      finished,
      `the replay exited (code ${out.code}) without reading the FIFO to its end: its writer was still blocked 5 s ` +
        `later (killed); the replay's stderr:\n${dec.decode(out.stderr)}`,
    );
    assert.equal(out.code, 0, dec.decode(out.stderr));
    assert.equal(JSON.parse(dec.decode(out.stdout)).packets, 329);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Runs `ids replay ARGS`, waits for `ready` (given the stderr read so far), sends `signal`, and asserts the replay
 * exited 0 within 3 s of it with a partial report; returns stderr and the report's packet count.
 */
async function interrupt(args: string[], signal: Deno.Signal, ready: (err: () => string) => Promise<void>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "replay", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  const reading = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (t) => void (err += t) }),
  );
  await ready(() => err);
  const sent = performance.now();
  child.kill(signal);
  const status = await child.status;
  const ms = performance.now() - sent;
  await reading;
  await child.stdout.cancel();
  assert.ok(ms < 3000, `stopped ${ms.toFixed(0)} ms after ${signal}`);
  assert.equal(status.code, 0, err);
  const m = /^packets\s+([\d,]+) /m.exec(err);
  assert.ok(m, `the partial report:\n${err}`);
  return { err, packets: Number(m[1].replaceAll(",", "")) };
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`replay: ${signal} stops reading at once, flushes alerts and prints the partial report`, async () => {
    const eve = await Deno.makeTempFile({ suffix: ".json" });
    try {
      const { err, packets } = await interrupt(
        [DEMO, "--speed", "realtime", "--progress", "--eve", eve],
        signal,
        async (err) => {
          const t0 = performance.now();
          while (!/^replaying .*: \d+ packets/m.test(err()) && performance.now() - t0 < 20_000) {
            await new Promise((r) => setTimeout(r, 50));
          }
          assert.match(err(), /^replaying .*demo\.pcapng\.gz: \d+ packets, .*packet time /m, "a progress line");
        },
      );
      assert.ok(packets > 0 && packets < 2_000, `stopped early: ${packets} of 18,661 packets read`);
      const alerts = /^alerts\s+(.*)$/m.exec(err)![1];
      const counted = alerts === "none" ? 0 : alerts.split(", ").reduce((s, p) => s + Number(p.split(" ")[1]), 0);
      const lines = (await Deno.readTextFile(eve)).split("\n").filter((l) => l !== "");
      assert.equal(lines.length, counted, "every alert of the report is in the EVE file");
    } finally {
      await Deno.remove(eve);
    }
  });
}

Deno.test("replay --no-detect (the capture on the main thread): the whole report reaches a pipe; counts as with detectors", async () => {
  const run = async (...extra: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "replay", DEMO, MIXED, "--json", ...extra],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    return { report: JSON.parse(dec.decode(out.stdout)), stderr: dec.decode(out.stderr) };
  };
  const bare = await run("--no-detect", "--stats");
  const full = await run();
  assert.equal(bare.report.packets, 18_661 + 329);
  for (const k of ["packets", "bytes", "ip_packets", "link_types", "decode_events", "flows", "errors"]) {
    assert.deepEqual(bare.report[k], full.report[k], k);
  }
  assert.equal(bare.report.alerts, undefined);
  // --stats: the text report on stderr too, to its last line
  assert.match(bare.stderr, /^packets\s+18,990 /m);
  assert.match(bare.stderr, /^flows\s+/m);
});

Deno.test("replay --no-detect, unpaced (the capture on the main thread): SIGINT stops it at once and prints the partial report", async () => {
  // 400 copies of the demo capture (7.5 M packets, seconds of reading): unpaced and not served, so the capture runs
  // on the main thread, which must still take the signal between its chunks
  const copies = 400;
  const { packets } = await interrupt(
    [...Array(copies).fill(DEMO), "--no-detect", "--stats"],
    "SIGINT",
    () => new Promise((r) => setTimeout(r, 1500)),
  );
  assert.ok(packets < copies * 18_661, `stopped early: ${packets} of ${copies * 18_661} packets read`);
});
