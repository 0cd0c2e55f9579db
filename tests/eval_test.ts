/**
 * End to end on the labelled real-tool corpus: `ids eval` semantics (replay → detectors → throttle →
 * alerts) must detect every attack scenario with the right type and source (victim as destination
 * for spoofed floods), raise nothing on benign scenarios, and every alert's EVE record must validate
 * against Suricata's schema.
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { toEve } from "../alerts/eve.ts";
import { validateEve } from "../alerts/eve_schema_test_util.ts";
import type { Alert } from "../core/alert.ts";
import { evaluateManifest, evaluateScenario, formatEvaluation, readManifest } from "../eval/evaluate.ts";
import { replayFiles } from "../sensor/replay.ts";
import { main } from "../main.ts";

const MANIFEST = fileURLToPath(new URL("corpus/manifest.json", import.meta.url));
const DIR = fileURLToPath(new URL("corpus", import.meta.url));

Deno.test("eval: every attack scenario detected with the right type and source; benign scenarios silent", async () => {
  const results = await evaluateManifest(MANIFEST);
  const manifest = await readManifest(MANIFEST);
  assert.equal(results.length, manifest.scenarios.length);
  assert.ok(results.filter((r) => r.scenario.kind === "attack").length >= 12, "corpus has the attack scenarios");
  assert.ok(results.filter((r) => r.scenario.kind === "benign").length >= 4, "corpus has the benign scenarios");
  const table = formatEvaluation(results);
  for (const r of results) {
    assert.deepEqual(r.errors, [], `${r.scenario.name}: replay errors`);
    assert.ok(r.packets > 0, `${r.scenario.name}: no packets`);
    if (r.scenario.kind === "attack") {
      assert.ok(r.detected, `${r.scenario.name} missed:\n${table}`);
      assert.equal(r.match!.type, r.scenario.type);
      if (r.scenario.spoofed) {
        assert.equal(r.match!.dst, r.scenario.victim, `${r.scenario.name}: spoofed flood must name the victim`);
        assert.ok(r.match!.spoofed, `${r.scenario.name}: spoofed flag`);
      } else {
        const attackers = [...(r.scenario.attackers ?? []), r.scenario.attacker];
        assert.ok(attackers.includes(r.match!.src), `${r.scenario.name}: src ${r.match!.src}`);
      }
      // the victim is never blamed
      for (const a of [r.match!, ...r.related, ...r.falseAlarms]) {
        assert.notEqual(a.src, r.scenario.victim, `${r.scenario.name}: victim reported as attacker (${a.type})`);
      }
    }
    assert.deepEqual(r.falseAlarms, [], `${r.scenario.name}: false alarms\n${table}`);
  }
});

Deno.test("eval: every alert raised on the corpus is a valid Suricata EVE record", async () => {
  const manifest = await readManifest(MANIFEST);
  let n = 0;
  for (const s of manifest.scenarios.filter((s) => s.kind === "attack")) {
    const alerts: Alert[] = [];
    await replayFiles([`${DIR}/${s.file}`], { onAlert: (a) => alerts.push(a) });
    for (const a of alerts) {
      const rec = toEve(a, { inIface: "eth0" }) as unknown as Record<string, unknown>;
      assert.deepEqual(validateEve(rec), [], `${s.name}: ${JSON.stringify(rec)}`);
      const alert = rec.alert as { metadata: { tag: string[] } };
      assert.equal(alert.metadata.tag[0], a.type);
      assert.equal(alert.metadata.tag[1], "heuristic");
      n++;
    }
  }
  assert.ok(n > 20, `only ${n} alerts`);
});

Deno.test("eval: a scenario with a wrong label is reported as missed (the check can fail)", async () => {
  const manifest = await readManifest(MANIFEST);
  const s = manifest.scenarios.find((s) => s.name === "udp_flood")!;
  const wrong = await evaluateScenario({ ...s, type: "sql_injection" }, DIR);
  assert.equal(wrong.detected, false);
  const wrongSrc = await evaluateScenario({ ...s, attacker: "10.99.99.99" }, DIR);
  assert.equal(wrongSrc.detected, false);
  assert.ok(wrongSrc.falseAlarms.length > 0, "alerts on a host not named as attacker count as false alarms");
});

Deno.test("ids replay --eve - writes only EVE lines on stdout, the report on stderr", async () => {
  const file = `${DIR}/syn_flood.pcap.gz`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(new URL("../main.ts", import.meta.url)), "replay", file, "--eve", "-"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.ok(lines.length >= 1);
  for (const l of lines) {
    const rec = JSON.parse(l);
    assert.deepEqual(validateEve(rec), []);
    assert.match(rec.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
  }
  assert.match(new TextDecoder().decode(out.stderr), /alerts\s+.*syn_flood/);
});

Deno.test("ids eval: exit 2 without a manifest, 1 for a missing file", async () => {
  assert.equal(await main(["eval"]), 2);
  assert.equal(await main(["eval", "/nonexistent/manifest.json"]), 1);
});
