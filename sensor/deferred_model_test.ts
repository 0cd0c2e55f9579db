import assert from "node:assert/strict";
import type { Alert } from "../core/alert.ts";
import type { DetectionEvent } from "../core/detection.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { FEATURE_COUNT, FEATURE_VERSION } from "../ml/features.ts";
import { DecisionStage } from "./decision.ts";
import { DeferredModel } from "./deferred_model.ts";
import { FlowModel, loadFlowModel, startFlowModelLazily } from "./flow_model.ts";
import { Hub } from "./hub.ts";
import { replayFiles } from "./replay.ts";

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
  // a deadline shorter than the load (the model Worker compiles its WASM runtime: hundreds of ms) yet
  // long enough for the first classification on a busy machine (it starts once the model answers)
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG, ml, mlDeadlineMs: 250 });
  const t0 = performance.now();
  decision.submit(event());
  await decision.drain();
  const waited = performance.now() - t0;
  const loadedBeforeDecision = ml.model !== undefined;
  await hub.flush();
  const model = await ml.ready;
  try {
    assert.deepEqual(warnings, []);
    assert.ok(model !== undefined, "the committed model loads");
    assert.equal(ml.name, model.name);
    assert.ok(loadedBeforeDecision, `the decision waited for the load (${waited.toFixed(0)} ms)`);
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

Deno.test("DeferredModel.lazy: the model Worker starts at the first detection only, and gives the verdicts of a preloaded model", async () => {
  const root = new URL("../tests/corpus/", import.meta.url);
  let starts = 0;
  const lazy = DeferredModel.lazy(() => {
    starts++;
    return loadFlowModel(DEFAULT_CONFIG, () => {});
  }, "ids-flow test");
  const preloaded = await loadFlowModel(DEFAULT_CONFIG, () => {});
  assert.ok(preloaded !== undefined, "the committed model loads");
  try {
    assert.equal(lazy.status, "ids-flow test (starts at the first detection)");
    // a benign capture: no detection, so the model is never started (features are still computed)
    const quiet = await replayFiles([new URL("benign_browse.pcap.gz", root)], { ml: lazy, mlDeadlineMs: 5000 });
    assert.equal(quiet.decision.counters().detections, 0);
    assert.equal(starts, 0, "no detection, no model Worker");
    assert.equal(lazy.started, false);
    // an attack: the first detection starts it; every alert gets the preloaded model's verdict
    const labels = async (ml: DeferredModel | FlowModel) => {
      const alerts: Alert[] = [];
      await replayFiles([new URL("ddos_syn.pcap.gz", root), new URL("syn_flood_spoofed.pcap.gz", root)], {
        ml,
        mlDeadlineMs: 5000,
        onAlert: (a) => alerts.push(a),
      });
      return alerts.map((a) => `${a.src} ${a.label} ${a.ml?.type}:${a.ml?.confidence}`);
    };
    const got = await labels(lazy);
    assert.equal(starts, 1);
    assert.ok(lazy.model !== undefined);
    assert.equal(lazy.status, lazy.model.name);
    const want = await labels(preloaded);
    assert.ok(want.some((l) => l.includes("(ML: ")), want.join("\n"));
    assert.deepEqual(got, want);
  } finally {
    lazy.close();
    preloaded.close();
  }
});

Deno.test("DeferredModel.lazy: closed before its first use it never starts; a failed start leaves alerts heuristic", async () => {
  let starts = 0;
  const closed = DeferredModel.lazy(() => {
    starts++;
    return Promise.resolve(undefined);
  }, "ids-flow test");
  closed.close();
  assert.equal(await closed.ready, undefined);
  assert.equal(starts, 0);
  assert.equal(closed.status, null);

  const failing = DeferredModel.lazy(() => Promise.reject(new Error("boom")), "ids-flow test");
  const hub = new Hub();
  const alerts: Alert[] = [];
  hub.subscribe({ name: "collect", handle: (e) => void (e.kind === "alert" && alerts.push(e.alert)) }, { queue: 10 });
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG, ml: failing });
  decision.submit(event());
  await decision.drain();
  await hub.flush();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].decidedBy, "heuristic");
  assert.equal(failing.status, null, "heuristics only");
  assert.equal(failing.name, "none");
  await hub.close();
});

Deno.test("startFlowModelLazily: the files are checked at once (one warning, heuristics only); a good model waits", async () => {
  const warnings: string[] = [];
  assert.equal(
    await startFlowModelLazily(DEFAULT_CONFIG, (l) => warnings.push(l), { modelPath: "/nonexistent/ids-flow.onnx" }),
    undefined,
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^warning: flow model not used \(.*does not exist\): heuristics only\./);
  assert.equal(await startFlowModelLazily({ ml: { enabled: false } }, (l) => warnings.push(l)), undefined);
  assert.equal(warnings.length, 1, "ml.enabled false: silent");
  let atStart = 0; // options worked out when the model starts (a replay's CPU affinity), not before
  const ml = await startFlowModelLazily(DEFAULT_CONFIG, (l) => warnings.push(l), {}, () => (atStart++, {}));
  try {
    assert.ok(ml !== undefined);
    assert.equal(ml.started, false);
    assert.equal(atStart, 0);
    assert.match(ml.name, /^ids-flow \d{4}-\d{2}-\d{2}/);
    assert.ok((await ml.ready) !== undefined);
    assert.equal(atStart, 1);
    assert.equal(warnings.length, 1);
  } finally {
    ml?.close();
  }
});

Deno.test("DeferredModel: unconfine() asked for while the model still loads reaches it once it loaded", async () => {
  const calls: string[] = [];
  const fake = { name: "fake", unconfine: () => calls.push("unconfine"), close: () => calls.push("close") };
  const loaded = Promise.withResolvers<FlowModel | undefined>();
  const ml = new DeferredModel(loaded.promise);
  ml.unconfine();
  assert.deepEqual(calls, [], "nothing loaded yet");
  loaded.resolve(fake as unknown as FlowModel);
  assert.equal(await ml.ready, fake as unknown as FlowModel);
  assert.deepEqual(calls, ["unconfine"]);
  ml.unconfine(); // once loaded: at once
  assert.deepEqual(calls, ["unconfine", "unconfine"]);
  ml.close();
});
