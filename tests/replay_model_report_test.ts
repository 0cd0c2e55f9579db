/**
 * `ids replay`'s `model` line and `--json` object: the flow model's verdicts and the rows left without one (queue
 * full, failed, unanswered), so an operator sees when the bounded queue left the heuristic label standing.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DecisionCounters, emptyDecisionCounters } from "../core/hub_event.ts";
import { loadClassifier } from "../ml/classifier.ts";
import { FEATURE_COUNT } from "../ml/features.ts";
import { formatModel, type ModelReport } from "../pipeline/report.ts";
import { FlowModel } from "../sensor/flow_model.ts";
import { modelReport } from "../sensor/model_report.ts";
import { runMain } from "../testing/run_main.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEMO = join(ROOT, "tests/fixtures/demo.pcapng.gz");

const DECISION: DecisionCounters = emptyDecisionCounters();

function assertConsistent(m: ModelReport): void {
  assert.equal(m.requested, m.verdicts + m.queue_full + m.failed + m.unanswered, JSON.stringify(m));
  assert.equal(m.without_verdict, m.queue_full + m.failed + m.unanswered);
}

Deno.test("replay report: the demo capture's model line and --json object count the verdicts", async () => {
  const { code, out, err } = await runMain("replay", DEMO, "--json", "--stats");
  assert.equal(code, 0, err);
  const r = JSON.parse(out);
  const m = r.model as ModelReport;
  assert.ok(m !== undefined, "a model object when the model is on");
  assert.equal(m.status, "loaded");
  assert.match(m.name!, /^ids-flow/);
  assertConsistent(m);
  assert.ok(m.verdicts > 0, "the committed model answers the demo's detections");
  const alerts = Object.values(r.alerts as Record<string, number>).reduce((s, n) => s + n, 0);
  assert.ok(m.ml_labels <= alerts);
  assert.equal(
    m.ml_labels,
    r.alert_list.filter((a: { tags?: string[]; label: string }) => /\(ML: /.test(a.label)).length,
  );
  assert.equal(m.model_alerts, undefined, "no model-only alerts by default");
  // the text report (--stats: on stderr) has the same counts on one line, before the memory line
  const line = err.split("\n").find((l) => l.startsWith("model      "));
  assert.equal(line, `model      ${formatModel(m)}`);
  assert.match(
    line!,
    / verdicts?, [\d,]+ without a verdict \(queue full [\d,]+, failed [\d,]+, unanswered [\d,]+\), [\d,]+ ML labels?$/,
  );
  // the existing lines keep their places
  const heads = err.split("\n").map((l) => l.slice(0, 11).trim());
  assert.deepEqual(heads.slice(heads.indexOf("alerts")), ["alerts", "model", "memory"]);
});

Deno.test("replay report: with ml.alerts the model object counts the model-only alerts", async () => {
  const cfg = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(cfg, JSON.stringify({ ml: { alerts: true } }));
    const { code, out, err } = await runMain("replay", DEMO, "--json", "--config", cfg);
    assert.equal(code, 0, err);
    const m = JSON.parse(out).model as ModelReport;
    assertConsistent(m);
    assert.ok(m.model_alerts !== undefined);
    assert.ok(m.model_alerts.offered > 0, JSON.stringify(m));
    assert.ok(m.model_alerts.raised <= m.model_alerts.offered);
    assert.match(formatModel(m), /; model-only alerts: [\d,]+ raised from [\d,]+ flows \(/);
  } finally {
    await Deno.remove(cfg);
  }
});

Deno.test("replay report: rows refused by a full model queue show as queue_full in the model object", async () => {
  const classifier = await loadClassifier({ maxQueue: 4 });
  assert.ok(classifier.ready, classifier.status.reason);
  const model = new FlowModel(classifier);
  try {
    // more rows at once than the queue holds: the ones past it are answered undefined at once
    const row = new Float32Array(FEATURE_COUNT).fill(1);
    const answers = await Promise.all(Array.from({ length: 40 }, () => classifier.classify(row)));
    const m = modelReport({ ml: model, decision: DECISION });
    assert.equal(m.status, "loaded");
    assertConsistent(m);
    assert.equal(m.requested, 40);
    assert.ok(m.queue_full > 0, JSON.stringify(m));
    assert.equal(m.queue_full, answers.filter((a) => a === undefined).length);
    assert.match(formatModel(m), new RegExp(`without a verdict \\(queue full ${m.queue_full},`));
  } finally {
    model.close();
  }
});

Deno.test("replay report: a model that could not be used is `heuristics only (<reason>)`", () => {
  const m = modelReport({
    ml: undefined,
    decision: DECISION,
    reason: "cannot read /x/ids-flow.onnx",
  });
  assert.equal(m.status, "heuristics only");
  assert.equal(m.name, null);
  assert.equal(formatModel(m), "heuristics only (cannot read /x/ids-flow.onnx)");
});
