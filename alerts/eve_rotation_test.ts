/** EVE file rotation by size while writing, reopen on SIGHUP (logrotate), stats records, feedback CSV. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import type { SensorCounters } from "../core/hub_event.ts";
import { testAlert } from "../store/_test_alerts.ts";
import { EveWriter } from "./eve_writer.ts";
import { suricataSchema, validateEve } from "./eve_schema_test_util.ts";
import { prereq } from "../testing/prereq.ts";
import { csvField, FEEDBACK_HEADER, feedbackCsvSubscriber, feedbackRow } from "./feedback_csv.ts";
import { statsRecord } from "./stats_record.ts";

async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((l) => l !== "");
}

Deno.test("EVE rotation by size while writing: nothing lost, every file whole lines, at most rotate_keep kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-eve-rot-" });
  try {
    const path = join(dir, "eve.json");
    const eve = EveWriter.open(path, { rotateBytes: 20_000, rotateKeep: 3, bufferBytes: 4096, flushIntervalMs: 0 });
    for (let i = 0; i < 300; i++) eve.write(testAlert(i));
    eve.close();
    const files = [path, `${path}.1`, `${path}.2`, `${path}.3`];
    const all: string[] = [];
    for (const f of files) {
      const st = await Deno.stat(f);
      assert.ok(st.size <= 20_000 + 4096, `${f}: ${st.size} bytes`);
      for (const l of await lines(f)) {
        const record = JSON.parse(l);
        assert.deepEqual(validateEve(record), []);
        all.push(record.alert.metadata.reason[0]);
      }
    }
    await assert.rejects(Deno.stat(`${path}.4`), "only rotate_keep rotated files are kept");
    // the newest files hold the newest alerts, in order, without a gap
    const n = all.length;
    const expected = Array.from({ length: n }, (_, k) => `test alert ${300 - n + k}`).reverse();
    const ordered = [
      ...(await lines(path)),
      ...(await lines(`${path}.1`)),
      ...(await lines(`${path}.2`)),
      ...(await lines(`${path}.3`)),
    ];
    assert.equal(ordered.length, n);
    assert.deepEqual(
      [
        ...(await lines(`${path}.3`)),
        ...(await lines(`${path}.2`)),
        ...(await lines(`${path}.1`)),
        ...(await lines(path)),
      ]
        .map((l) => JSON.parse(l).alert.metadata.reason[0]),
      expected.reverse(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("EVE reopen (SIGHUP after logrotate moved the file): new records go to a new file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-eve-hup-" });
  try {
    const path = join(dir, "eve.json");
    const eve = EveWriter.open(path, { flushIntervalMs: 0 });
    eve.write(testAlert(1));
    await Deno.rename(path, `${path}.moved`);
    eve.write(testAlert(2)); // still into the moved file, as with any daemon before SIGHUP
    eve.reopen();
    eve.write(testAlert(3));
    eve.close();
    assert.equal((await lines(`${path}.moved`)).length, 2);
    const fresh = await lines(path);
    assert.equal(fresh.length, 1);
    assert.equal(JSON.parse(fresh[0]).alert.metadata.reason[0], "test alert 3");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ids replay --eve: SIGHUP reopens the file (logrotate convention)", async () => {
  if (Deno.build.os === "windows") return;
  const root = fileURLToPath(new URL("..", import.meta.url));
  const dir = await Deno.makeTempDir({ prefix: "ids-eve-sighup-" });
  try {
    const path = join(dir, "eve.json");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(root, "main.ts"),
        "replay",
        join(root, "tests/fixtures/demo.pcapng.gz"),
        "--speed",
        "4",
        "--eve",
        path,
        "--no-progress",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // wait for the first alerts, then rotate as logrotate does
    for (let t = 0; t < 200 && (await lines(path)).length === 0; t++) await new Promise((r) => setTimeout(r, 50));
    const before = (await lines(path)).length;
    assert.ok(before > 0, "alerts were written before the rotation");
    await Deno.rename(path, `${path}.1`);
    child.kill("SIGHUP");
    const status = await child.status;
    assert.equal(
      status.code,
      0,
      new TextDecoder().decode((await child.output().catch(() => ({ stderr: new Uint8Array() }))).stderr),
    );
    const moved = await lines(`${path}.1`);
    const fresh = await lines(path);
    assert.ok(fresh.length > 0, "records after SIGHUP went to the new file");
    for (const l of [...moved, ...fresh]) assert.deepEqual(validateEve(JSON.parse(l)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stats records are valid EVE stats events", () => {
  const counters: SensorCounters = {
    atMs: Date.UTC(2026, 10, 21, 14, 50, 23),
    capture: {
      iface: "eth0",
      linkType: 1,
      packets: 1000,
      bytes: 64000,
      received: 1001,
      droppedKernel: 1,
      droppedIface: 0,
      decodeEvents: 3,
      flows: 12,
      alerts: { syn_flood: 2 },
      rate: 10,
      uptime: 100,
    },
    decision: {
      detections: 5,
      suppressed: 3,
      alerts: 2,
      mlTimeouts: 0,
      mlErrors: 0,
      mlSkipped: 0,
      mlLabels: 0,
      blocked: 1,
      ipsErrors: 0,
      ipsSkipped: 0,
      pending: 0,
    },
    subscribers: [{ name: "eve", delivered: 2, dropped: 0, failed: 0, queued: 0, capacity: 100 }],
  };
  const record = statsRecord(counters);
  assert.equal(record.timestamp, "2026-11-21T14:50:23.000000+0000");
  assert.equal(record.stats.capture.kernel_drops, 1);
  // the project's own schema covers alerts; stats records are checked against Suricata's
  const suricata = suricataSchema();
  if (suricata) assert.deepEqual(suricata.validate(JSON.parse(JSON.stringify(record))), []);
  else prereq("stats records are valid EVE stats events", false, "needs ../shared/eve/suricata-eve-schema.json");
  assert.ok(DEFAULT_CONFIG.outputs.eve.stats_interval_s >= 0);
});

Deno.test("feedback CSV: the seed's columns plus ML confidence, quoted, formulas neutralised, rotated with a header", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-csv-" });
  try {
    const path = join(dir, "feedback.csv");
    const sub = feedbackCsvSubscriber({ path, rotateBytes: 2000, keep: 2 });
    const alerts = Array.from(
      { length: 40 },
      (_, i) => testAlert(i, i === 0 ? { ml: { type: "syn_flood", confidence: 0.93 }, tcpFlags: 0x12 } : {}),
    );
    sub.handleBatch!(alerts.map((alert) => ({ kind: "alert" as const, alert })));
    await sub.close!();
    for (const f of [path, `${path}.1`]) {
      const text = await Deno.readTextFile(f);
      assert.ok(text.startsWith(FEEDBACK_HEADER), `${f} starts with the header`);
    }
    const row = feedbackRow(alerts[0]);
    assert.equal(row, "2026-11-21T14:50:23.000Z,10.0.0.0,10.9.0.0,80,TCP,SA,Port Scan,SYN Flood,0.9300\n");
    assert.equal(csvField("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
    assert.equal(csvField('a,"b"'), '"a,""b"""');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "EVE output to a FIFO: opened off this thread (timers run while it waits for a reader), never rotated nor reopened",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ids-eve-fifo-" });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const fifo = join(dir, "eve.fifo");
      assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
      // a synchronous open would block this thread (and this test) until a reader came
      const opening = EveWriter.openAsync(fifo, { rotateBytes: 1000, flushIntervalMs: 0 });
      for (let i = 0; i < 200 && ticks < 5; i++) await new Promise((r) => setTimeout(r, 5));
      assert.ok(ticks >= 5, "timers ran while the open waited for the reader");
      const reader = await Deno.open(fifo, { read: true });
      const eve = await opening;
      const read = new Response(reader.readable).text();
      for (let i = 0; i < 20; i++) eve.write(testAlert(i)); // ~20 kB: past rotateBytes many times
      eve.reopen(); // (SIGHUP) the FIFO stays open: opening it again would wait for a reader on this thread
      eve.write(testAlert(20));
      eve.close();
      const got = (await read).split("\n").filter((l) => l !== "");
      assert.equal(got.length, 21);
      assert.ok((await Deno.lstat(fifo)).isFifo, "still the FIFO, not renamed away");
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["eve.fifo"]);
    } finally {
      clearInterval(timer);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
