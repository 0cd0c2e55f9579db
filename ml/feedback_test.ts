import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { feedbackScenario, labelOf, parseCsv } from "./feedback.ts";
import { extractCapture } from "./extract.ts";
import { FEATURE_NAMES } from "./features.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEMO = join(ROOT, "tests/fixtures/demo.pcapng.gz");
const HEADER = "time,source,destination,port,protocol,tcp_flags,heuristic_label,ml_label,ml_confidence";

Deno.test("feedback: CSV fields, labels by display or machine name, one clear line for a row it cannot use", () => {
  assert.deepEqual(parseCsv('a,"b,c","d ""e"""\r\n1,,3\n'), [["a", "b,c", 'd "e"'], ["1", "", "3"]]);
  assert.equal(labelOf("Brute Force"), "brute_force");
  assert.equal(labelOf("port_scan"), "port_scan");
  assert.equal(labelOf("Normal"), "normal");
  assert.equal(labelOf("'-Normal"), undefined);
  assert.equal(labelOf("Teardrop"), undefined);
  const row = "2026-11-21T16:15:52.329Z,10.77.1.66,10.77.1.1,80,TCP,S,SYN Flood,SYN Flood,0.9990";
  const sc = feedbackScenario(`${HEADER},verdict\n${row},\n${row.replace("52.329", "58.000")},\n`, "x.pcap.gz", {
    windowS: 10,
  });
  assert.equal(sc.kind, "feedback");
  assert.deepEqual(sc.flows, [{
    src: "10.77.1.66",
    dst: "10.77.1.1",
    label: "syn_flood",
    proto: 6,
    start: "2026-11-21T16:15:42.329Z",
    end: "2026-11-21T16:16:08.000Z",
    alerts: ["2026-11-21T16:15:52.329Z", "2026-11-21T16:15:58.000Z"],
  }]);
  assert.throws(
    () => feedbackScenario(`${HEADER},verdict\n${row},Teardrop\n`, "x.pcap"),
    /^Error: Cannot read feedback: line 2: unknown label "Teardrop"$/,
  );
  assert.throws(
    () => feedbackScenario(`${HEADER}\nyesterday,1.2.3.4,5.6.7.8,1,TCP,,SYN Flood,,\n`, "x"),
    /line 2: bad time/,
  );
  assert.throws(() => feedbackScenario("a,b\n1,2\n", "x"), /Cannot read feedback: the header lacks/);
  assert.throws(() => feedbackScenario(`${HEADER}\n`, "x"), /no alert rows/);
});

Deno.test("feedback: the sensor's own feedback CSV, reviewed, retrains through deno task train's extraction", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-feedback-" });
  try {
    // 1. the sensor writes the feedback CSV while replaying real traffic
    const csv = join(dir, "feedback.csv");
    await Deno.writeTextFile(
      join(dir, "ids.json"),
      JSON.stringify({ outputs: { feedback_csv: { enabled: true, path: csv } } }),
    );
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), { args: ["run", "-A", ...args], cwd: ROOT, stdout: "piped", stderr: "piped" })
        .output();
    const r = await run([join(ROOT, "main.ts"), "replay", DEMO, "--config", join(dir, "ids.json"), "--no-progress"]);
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const lines = (await Deno.readTextFile(csv)).trim().split("\n");
    assert.equal(lines[0], HEADER);
    assert.ok(lines.length >= 3, `alerts in the feedback CSV: ${lines.length - 1}`);

    // 2. the operator reviews it: the ICMP flood was a false alarm (say, a monitoring system), the others stand
    assert.ok(lines.some((l) => l.includes(",ICMP Flood,")), lines.join("\n"));
    const reviewed = [
      `${lines[0]},verdict`,
      ...lines.slice(1).map((l) => `${l},${l.includes(",ICMP Flood,") ? "Normal" : ""}`),
    ];
    await Deno.writeTextFile(csv, reviewed.join("\n") + "\n");

    // 3. deno task train --feedback … --capture … (extraction only, into a scratch feedback folder)
    const empty = join(dir, "none.json");
    await Deno.writeTextFile(empty, JSON.stringify({ scenarios: [] }));
    const rows = join(dir, "rows.csv"), fbDir = join(dir, "feedback");
    const trainArgs = [
      join(ROOT, "ml/train.ts"),
      ...["--feedback", csv, "--capture", DEMO, "--feedback-dir", fbDir],
      ...["--manifest", empty, "--csv", rows, "--extract-only"],
    ];
    const t = await run(trainArgs);
    const terr = new TextDecoder().decode(t.stderr);
    assert.equal(t.code, 0, terr);
    assert.match(terr, /feedback: demo\.pcapng\.gz added to /);
    const manifest = JSON.parse(await Deno.readTextFile(join(fbDir, "manifest.json")));
    assert.equal(manifest.scenarios.length, 1);
    assert.equal(manifest.scenarios[0].kind, "feedback");
    assert.deepEqual(await Deno.readFile(join(fbDir, "demo.pcapng.gz")), await Deno.readFile(DEMO));

    const data = (await Deno.readTextFile(rows)).trim().split("\n").slice(1).map((l) => l.split(","));
    assert.ok(data.length > 0);
    assert.ok(data.every((f) => f[0] === "demo.pcapng.gz"));
    // each alert labels the flows of its own protocol, near its own time, even from one attacker doing it all
    const col = (name: string) => 3 + FEATURE_NAMES.indexOf(name);
    const labelsOf = (name: string) => new Set(data.filter((f) => f[col(name)] === "1").map((f) => f[1]));
    assert.deepEqual(labelsOf("proto_icmp"), new Set(["normal"]), "the false alarm's flows are normal");
    assert.deepEqual(labelsOf("proto_udp"), new Set(["udp_flood"]));
    assert.deepEqual(labelsOf("proto_tcp"), new Set(["port_scan", "exploit_probe", "syn_flood"]));

    const sc = manifest.scenarios[0];
    const direct = await extractCapture(join(fbDir, "demo.pcapng.gz"), sc);
    assert.equal(direct.labels.length, data.length, "the CLI extraction and the library agree");

    // a second review of the same capture replaces its scenario instead of adding one
    const t2 = await run(trainArgs);
    assert.equal(t2.code, 0);
    assert.equal(JSON.parse(await Deno.readTextFile(join(fbDir, "manifest.json"))).scenarios.length, 1);

    // a capture without its CSV is refused with one line
    const bad = await run([join(ROOT, "ml/train.ts"), "--capture", DEMO, "--extract-only", "--csv", rows]);
    assert.equal(bad.code, 2);
    assert.equal(
      new TextDecoder().decode(bad.stderr).trim(),
      "Cannot train: --feedback FILE.csv and --capture FILE.pcap go together",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
