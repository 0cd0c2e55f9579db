import assert from "node:assert/strict";
import type { Alert } from "../core/alert.ts";
import type { DetectionEvent } from "../core/detection.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { FEATURE_COUNT, FEATURE_VERSION } from "../ml/features.ts";
import { DecisionStage } from "./decision.ts";
import { DeferredModel } from "./deferred_model.ts";
import { loadFlowModel } from "./flow_model.ts";
import { Hub } from "./hub.ts";

const T0 = 1_795_272_623_000_000;

function event(): DetectionEvent {
  return {
    type: "syn_flood",
    tsUs: T0,
    src: "10.77.0.66",
    dst: "10.77.0.1",
    srcPort: 41234,
    dstPort: 80,
    proto: 6,
    severity: 1,
    reason: "42 SYN without handshake in 0.5 s",
    flowId: 7,
    flow: {
      flowId: 7,
      proto: 6,
      initiatorIp: "10.77.0.66",
      initiatorPort: 41234,
      responderIp: "10.77.0.1",
      responderPort: 80,
      firstUs: T0,
      lastUs: T0,
      packetsFwd: 1,
      packetsRev: 0,
      bytesFwd: 60,
      bytesRev: 0,
      state: 1,
      features: Array.from({ length: FEATURE_COUNT }, () => 0),
      featureVersion: FEATURE_VERSION,
    },
  };
}

Deno.test("DeferredModel: an alert submitted while the real model still loads gets its verdict, not a deadline miss", async () => {
  const warnings: string[] = [];
  const loading = loadFlowModel(DEFAULT_CONFIG, (l) => warnings.push(l));
  const ml = new DeferredModel(loading);
  assert.equal(ml.name, "loading");
  const hub = new Hub();
  const alerts: Alert[] = [];
  hub.subscribe({ name: "collect", handle: (e) => void (e.kind === "alert" && alerts.push(e.alert)) }, { queue: 10 });
  // a deadline far shorter than the load (the model Worker compiles its WASM runtime: hundreds of ms)
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG, ml, mlDeadlineMs: 20 });
  const t0 = performance.now();
  decision.submit(event());
  await decision.drain();
  const waited = performance.now() - t0;
  await hub.flush();
  const model = await ml.ready;
  try {
    assert.deepEqual(warnings, []);
    assert.ok(model !== undefined, "the committed model loads");
    assert.equal(ml.name, model.name);
    assert.ok(waited > 20, `the decision waited for the load (${waited.toFixed(0)} ms)`);
    assert.equal(alerts.length, 1);
    assert.ok(alerts[0].ml !== undefined, "the alert carries the model's verdict");
    assert.equal(decision.counters().mlTimeouts, 0);
  } finally {
    ml.close();
    await hub.close();
  }
});

Deno.test("DeferredModel: a model that cannot load leaves alerts heuristic, and close() before the load stops it", async () => {
  const warnings: string[] = [];
  const missing = new DeferredModel(
    loadFlowModel(DEFAULT_CONFIG, (l) => warnings.push(l), { modelPath: "/nonexistent/ids-flow.onnx" }),
  );
  assert.equal(await missing.ready, undefined);
  assert.equal(missing.name, "none");
  assert.equal(warnings.length, 1);
  const hub = new Hub();
  const alerts: Alert[] = [];
  hub.subscribe({ name: "collect", handle: (e) => void (e.kind === "alert" && alerts.push(e.alert)) }, { queue: 10 });
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG, ml: missing });
  decision.submit(event());
  await decision.drain();
  await hub.flush();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].ml, undefined);
  assert.equal(alerts[0].decidedBy, "heuristic");
  await hub.close();

  const early = new DeferredModel(loadFlowModel(DEFAULT_CONFIG, () => {}));
  early.close();
  assert.equal(await early.ready, undefined, "closed before it loaded: the model Worker is stopped once it answers");
  assert.equal(early.model, undefined);
});
