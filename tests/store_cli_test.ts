/** `ids replay --data` fills the database and `ids alerts` reads it; data directory faults never stop a capture. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEMO = join(ROOT, "tests/fixtures/demo.pcapng.gz");

async function ids(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "main.ts"), ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "ids-store-cli-" });
}

Deno.test("ids replay --data fills the store; ids alerts list/stats read it with filters", async () => {
  const dir = await tempDir();
  try {
    const data = join(dir, "data");
    const r = await ids("replay", DEMO, "--data", data, "--eve", join(dir, "eve.json"), "--json");
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    const total = Object.values(report.alerts as Record<string, number>).reduce((n, v) => n + v, 0);
    assert.ok(total >= 5);
    const eveLines = (await Deno.readTextFile(join(dir, "eve.json"))).trim().split("\n");

    const list = await ids("alerts", "--data", data, "--json", "--limit", "1000");
    assert.equal(list.code, 0, list.err);
    const rows = JSON.parse(list.out);
    assert.equal(rows.length, total);
    // the stored EVE records are the ones the EVE output wrote
    assert.deepEqual(
      new Set(rows.map((r: { eve: unknown }) => JSON.stringify(r.eve))),
      new Set(eveLines.map((l) => JSON.stringify(JSON.parse(l)))),
    );
    const scans = JSON.parse((await ids("alerts", "list", "--data", data, "--json", "--type", "port_scan")).out);
    assert.equal(scans.length, report.alerts.port_scan);
    const src = rows[0].src;
    const byIp = JSON.parse((await ids("alerts", "--data", data, "--json", "--ip", src)).out);
    assert.ok(byIp.length >= 1 && byIp.every((r: { src: string; dst: string }) => r.src === src || r.dst === src));
    const limited = JSON.parse((await ids("alerts", "--data", data, "--json", "--limit", "2")).out);
    assert.equal(limited.length, 2);
    // packet times of the demo capture are in the past: --since 1h finds none of them
    assert.equal((await ids("alerts", "--data", data, "--since", "1h")).out.trim(), "no alerts");
    const text = await ids("alerts", "--data", data);
    assert.equal(text.code, 0);
    assert.equal(text.out.trim().split("\n").length, total);

    const stats = JSON.parse((await ids("alerts", "stats", "--data", data, "--json")).out);
    assert.equal(stats.total, total);
    assert.deepEqual(
      Object.fromEntries(stats.byType.map((r: { type: string; count: number }) => [r.type, r.count])),
      report.alerts,
    );
    const statsText = await ids("alerts", "stats", "--data", data);
    assert.match(statsText.out, new RegExp(`^${total} alerts`));
    assert.match(statsText.out, /top sources:/);

    // the run was recorded with its counters
    const db = new DatabaseSync(join(data, "ids.db"), { readOnly: true });
    const run = db.prepare("SELECT command, status, counters FROM sensor_runs").get() as Record<string, string>;
    db.close();
    assert.equal(run.command, "replay");
    assert.equal(run.status, "finished");
    assert.equal(JSON.parse(run.counters).packets, report.packets);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ids alerts: bad usage exits 2; a missing database is one line, exit 1", async () => {
  const dir = await tempDir();
  try {
    for (
      const args of [["--type", "nope"], ["--since", "yesterday"], ["--ip", "10.0.0.300"], ["--limit", "0"], ["oops"]]
    ) {
      const r = await ids("alerts", "--data", dir, ...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    }
    const r = await ids("alerts", "--data", join(dir, "none"));
    assert.equal(r.code, 1);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    assert.match(r.err, /Cannot read alerts: no database at .*ids\.db \(run ids with --data/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data directory faults: one line each, and alerts still reach the EVE output", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir, "file"), "x");
    const newer = join(dir, "newer");
    await Deno.mkdir(newer);
    const db = new DatabaseSync(join(newer, "ids.db"));
    db.exec("PRAGMA user_version = 99");
    db.close();
    const corrupt = join(dir, "corrupt");
    await Deno.mkdir(corrupt);
    await Deno.writeTextFile(join(corrupt, "ids.db"), "not a database\n".repeat(50));
    for (
      const [data, pattern] of [
        [join(dir, "file", "data"), /Cannot create data directory/],
        [newer, /written by a newer ids \(schema 99/],
        [corrupt, /not an SQLite database .*never overwrites it/],
      ] as const
    ) {
      const r = await ids("replay", DEMO, "--data", data, "--eve", "-", "--no-progress");
      assert.equal(r.code, 0, r.err);
      const problem = r.err.split("\n").filter((l) => l.startsWith("ids: "));
      assert.equal(problem.length, 1, r.err);
      assert.match(problem[0], pattern);
      assert.match(problem[0], /alerts still go to the other outputs/);
      assert.ok(r.out.trim().split("\n").length >= 5, "EVE records still written");
    }
    assert.equal(await Deno.readTextFile(join(corrupt, "ids.db")), "not a database\n".repeat(50));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
