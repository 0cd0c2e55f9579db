/** `ids replay` with outputs from the configuration: syslog (UDP), feedback CSV, EVE stats records. */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEMO = join(ROOT, "tests/fixtures/demo.pcapng.gz");

Deno.test("ids replay: configured syslog and feedback CSV outputs get every alert; EVE gets stats records", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-outputs-" });
  const server = createSocket("udp4");
  const got: string[] = [];
  server.on("message", (m) => got.push(new TextDecoder().decode(m)));
  await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
  try {
    const csv = join(dir, "feedback.csv");
    const config = join(dir, "ids.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        outputs: {
          eve: { stats_interval_s: 1 },
          syslog: { enabled: true, host: "127.0.0.1", port: server.address().port, protocol: "udp" },
          feedback_csv: { enabled: true, path: csv },
        },
      }),
    );
    const eve = join(dir, "eve.json");
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(ROOT, "main.ts"),
        "replay",
        DEMO,
        "--config",
        config,
        "--eve",
        eve,
        "--speed",
        "20",
        "--json",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const report = JSON.parse(new TextDecoder().decode(r.stdout));
    const alerts = Object.values(report.alerts as Record<string, number>).reduce((n, v) => n + v, 0);
    for (let t = 0; t < 50 && got.length < alerts; t++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(got.length, alerts, "one syslog datagram per alert");
    assert.ok(got.every((m) => /^<\d+>1 \S+ \S+ ids \d+ alert - \{"timestamp"/.test(m)));
    const rows = (await Deno.readTextFile(csv)).trim().split("\n");
    assert.equal(rows[0], "time,source,destination,port,protocol,tcp_flags,heuristic_label,ml_label,ml_confidence");
    assert.equal(rows.length - 1, alerts);
    const records = (await Deno.readTextFile(eve)).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(records.filter((x) => x.event_type === "alert").length, alerts);
    assert.ok(records.some((x) => x.event_type === "stats" && x.stats.decoder.pkts > 0), "stats records written");
  } finally {
    server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
