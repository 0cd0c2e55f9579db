import assert from "node:assert/strict";
import { type DecisionCounters, emptyDecisionCounters } from "../core/hub_event.ts";
import { FlowClassifier } from "../ml/classifier.ts";
import { FEATURE_COUNT } from "../ml/features.ts";
import { formatModel } from "../pipeline/report.ts";
import { DeferredModel } from "./deferred_model.ts";
import { FlowModel } from "./flow_model.ts";
import { modelReport } from "./model_report.ts";

const DECISION: DecisionCounters = emptyDecisionCounters();

/** A model (maxBatch 4) whose fake Worker answers its first `answered` batches and throws at the next one. */
function modelDyingAfter(answered: number): FlowModel {
  const src = `let batches = 0;
self.onmessage = (e) => {
  const m = e.data;
  if (m.type !== "infer") return;
  if (++batches > ${answered}) throw new Error("boom");
  const probs = new Float32Array(m.n * 2);
  for (let i = 0; i < m.n; i++) probs[i * 2 + 1] = 0.9;
  self.postMessage({ type: "result", id: m.id, probs: probs.buffer, classes: 2, runMs: 0 }, [probs.buffer]);
};`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const c = new FlowClassifier({ state: "loaded", path: "test", classes: ["normal", "syn_flood"] }, undefined, worker, {
    maxQueue: 64,
    maxBatch: 4,
  });
  return new FlowModel(c);
}

const ask = (m: FlowModel, n: number) =>
  Promise.all(Array.from({ length: n }, () => m.classifier.classify(new Float32Array(FEATURE_COUNT))));

Deno.test("model status: a model whose Worker dies mid-run is `heuristics only (<reason>)` on the dashboard and in the report, counts kept", async () => {
  const model = modelDyingAfter(1);
  const ml = new DeferredModel(Promise.resolve(model));
  try {
    assert.equal(await ml.ready, model);
    assert.equal((await ask(model, 4)).filter((v) => v?.label === "syn_flood").length, 4, "the first batch answered");
    assert.equal(model.problem(), undefined);
    assert.equal(ml.status, model.name, "healthy: the dashboard shows the model's name");
    assert.equal(modelReport({ ml, decision: DECISION }).status, "loaded");

    assert.deepEqual(await ask(model, 2), [undefined, undefined], "the Worker threw: heuristic labels");
    const reason = /^model Worker failed \(.*boom.*\)$/;
    assert.match(model.problem() ?? "", reason);
    assert.equal(ml.status, `heuristics only (${model.problem()})`);
    for (const when of ["before close", "after close"]) {
      const m = modelReport({ ml, decision: DECISION });
      assert.equal(m.status, "heuristics only", when);
      assert.match(m.reason ?? "", reason, when);
      assert.equal(m.name, model.name, when);
      assert.deepEqual([m.requested, m.verdicts, m.without_verdict, m.unanswered], [6, 4, 2, 2], when);
      assert.equal(
        formatModel(m),
        `${model.name}: heuristics only (${m.reason}); 4 verdicts, 2 without a verdict ` +
          "(queue full 0, failed 0, unanswered 2), 0 ML labels",
        when,
      );
      ml.close();
    }
  } finally {
    ml.close();
  }
});

Deno.test("model status: a healthy model closed at the end of a run still reads as loaded", async () => {
  const model = modelDyingAfter(1);
  const ml = new DeferredModel(Promise.resolve(model));
  await ml.ready;
  await ask(model, 4);
  ml.close();
  assert.equal(model.problem(), undefined, "our own close is no problem");
  assert.equal(model.status, model.name);
  const m = modelReport({ ml, decision: DECISION });
  assert.equal(m.status, "loaded");
  assert.equal(m.reason, undefined);
  assert.equal(
    formatModel(m),
    `${model.name}: 4 verdicts, 0 without a verdict (queue full 0, failed 0, unanswered 0), 0 ML labels`,
  );
  // decisions whose verdict came late and those whose verdict failed are counted (and said) together
  const late = modelReport({ ml, decision: { ...DECISION, mlTimeouts: 1, mlErrors: 2 } });
  assert.equal(late.decisions_late, 3);
  assert.match(formatModel(late), /, 0 ML labels, 3 decisions past the deadline or failed$/);
});
