import assert from "node:assert/strict";
import type { Alert, MlVerdict } from "../core/alert.ts";
import type { BlockEvent } from "../core/block.ts";
import type { DetectionEvent } from "../core/detection.ts";
import type { HubEvent } from "../core/hub_event.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { DecisionStage, type Ips, type MlClassifier } from "./decision.ts";
import { Hub } from "./hub.ts";

const S = 1_000_000;
const T0 = 1_795_272_623 * S;

function event(overrides: Partial<DetectionEvent> = {}): DetectionEvent {
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
    ...overrides,
  };
}

function setup(options: { ml?: MlClassifier; ips?: Ips; mlDeadlineMs?: number; maxPending?: number } = {}) {
  const hub = new Hub();
  const events: HubEvent[] = [];
  hub.subscribe({ name: "collect", handle: (e) => void events.push(e) }, { queue: 100_000 });
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG, ...options });
  const alerts = () => events.filter((e) => e.kind === "alert").map((e) => (e as { alert: Alert }).alert);
  return { hub, decision, events, alerts };
}

Deno.test("DecisionStage without model or IPS: throttles on packet time and labels heuristically", async () => {
  const { hub, decision, alerts } = setup();
  decision.submit(event());
  decision.submit(event({ tsUs: T0 + S })); // within 2 s: suppressed
  decision.submit(event({ tsUs: T0 + S, src: "10.77.0.67" })); // another source
  decision.submit(event({ tsUs: T0 + 3 * S })); // after the interval
  await decision.drain();
  await hub.flush();
  const got = alerts();
  assert.deepEqual(got.map((a) => [a.seq, a.src, a.suppressed]), [[1, "10.77.0.66", 0], [2, "10.77.0.67", 0], [
    3,
    "10.77.0.66",
    1,
  ]]);
  assert.ok(got.every((a) => a.label === "SYN Flood (Heuristic)" && a.decidedBy === "heuristic"));
  assert.ok(got.every((a) => a.action === "allowed" && a.ml === undefined));
  const c = decision.counters();
  assert.equal(c.detections, 4);
  assert.equal(c.suppressed, 1);
  assert.equal(c.alerts, 3);
  assert.deepEqual(decision.alertsByType(), { syn_flood: 3 });
});

Deno.test("DecisionStage: the model labels only when it agrees at ml_confidence or more", async () => {
  const answers: Record<string, MlVerdict | undefined> = {
    "10.0.0.1": { type: "syn_flood", confidence: 0.973 },
    "10.0.0.2": { type: "syn_flood", confidence: 0.69 },
    "10.0.0.3": { type: "normal", confidence: 0.99 },
    "10.0.0.4": undefined,
  };
  const ml: MlClassifier = { name: "test", classify: (e) => Promise.resolve(answers[e.src]) };
  const { hub, decision, alerts } = setup({ ml });
  for (const src of Object.keys(answers)) decision.submit(event({ src }));
  await decision.drain();
  await hub.flush();
  assert.deepEqual(alerts().map((a) => [a.src, a.label, a.decidedBy, a.mlConfidence]), [
    ["10.0.0.1", "SYN Flood (ML: 97.3%)", "ml", 0.973],
    ["10.0.0.2", "SYN Flood (Heuristic)", "heuristic", undefined],
    ["10.0.0.3", "SYN Flood (Heuristic)", "heuristic", undefined],
    ["10.0.0.4", "SYN Flood (Heuristic)", "heuristic", undefined],
  ]);
  assert.deepEqual(alerts()[2].ml, { type: "normal", confidence: 0.99 });
});

Deno.test("DecisionStage: a model past its deadline is aborted and the heuristic decides", async () => {
  let aborted = false;
  const ml: MlClassifier = {
    name: "slow",
    classify: (_e, signal) =>
      new Promise((resolve) => {
        signal.addEventListener("abort", () => {
          aborted = true;
          resolve({ type: "syn_flood", confidence: 1 });
        });
      }),
  };
  const { hub, decision, alerts } = setup({ ml, mlDeadlineMs: 30 });
  const t = performance.now();
  decision.submit(event());
  await decision.drain();
  await hub.flush();
  assert.ok(performance.now() - t >= 25);
  assert.ok(aborted);
  assert.equal(alerts()[0].decidedBy, "heuristic");
  assert.equal(decision.counters().mlTimeouts, 1);
});

Deno.test("DecisionStage: model errors and bad confidences fall back to the heuristic", async () => {
  const ml: MlClassifier = {
    name: "bad",
    classify: (e) =>
      e.src === "10.0.0.1" ? Promise.reject(new Error("boom")) : Promise.resolve({ type: "syn_flood", confidence: 7 }),
  };
  const { decision, alerts, hub } = setup({ ml });
  decision.submit(event({ src: "10.0.0.1" }));
  decision.submit(event({ src: "10.0.0.2" }));
  await decision.drain();
  await hub.flush();
  assert.deepEqual(alerts().map((a) => a.decidedBy), ["heuristic", "heuristic"]);
  assert.equal(decision.counters().mlErrors, 2);
});

Deno.test("DecisionStage publishes in arrival order whatever order the model answers in", async () => {
  const ml: MlClassifier = {
    name: "jitter",
    classify: (e) =>
      new Promise((r) => setTimeout(() => r({ type: e.type, confidence: 0.9 }), e.src.endsWith(".1") ? 20 : 1)),
  };
  const { decision, alerts, hub } = setup({ ml });
  for (let i = 1; i <= 5; i++) decision.submit(event({ src: `10.0.0.${i}` }));
  await decision.drain();
  await hub.flush();
  assert.deepEqual(alerts().map((a) => [a.seq, a.src]), [1, 2, 3, 4, 5].map((i) => [i, `10.0.0.${i}`]));
});

Deno.test("DecisionStage: action is blocked only when the IPS really blocked; its block event follows the alert", async () => {
  const seen: Alert[] = [];
  const block = (alert: Alert, status: BlockEvent["status"]): BlockEvent => ({
    id: `${alert.src}@1`,
    ip: alert.src,
    status,
    atMs: 1,
    startMs: 1,
    durationS: 60,
    backend: status === "active" ? "nftables" : "simulated",
    type: alert.type,
    alertSeq: alert.seq,
  });
  const ips: Ips = {
    decide: (alert) => {
      seen.push(structuredClone(alert));
      switch (alert.src) {
        case "10.0.0.1":
          return Promise.resolve({ blocked: true, block: block(alert, "active") });
        case "10.0.0.2":
          return Promise.resolve({ blocked: false, block: block(alert, "simulated") });
        case "10.0.0.3":
          return Promise.reject(new Error("nft failed"));
        default:
          return Promise.resolve({ blocked: false });
      }
    },
  };
  const { decision, events, hub } = setup({ ips });
  for (let i = 1; i <= 4; i++) decision.submit(event({ src: `10.0.0.${i}` }));
  await decision.drain();
  await hub.flush();
  assert.ok(seen.every((a) => a.action === "allowed" && a.label === "SYN Flood (Heuristic)"), "IPS sees the label");
  const summary = events.map((e) =>
    e.kind === "alert"
      ? `alert ${e.alert.src} ${e.alert.action}`
      : e.kind === "block"
      ? `block ${e.block.status}`
      : e.kind
  );
  assert.deepEqual(summary, [
    "alert 10.0.0.1 blocked",
    "block active",
    "alert 10.0.0.2 allowed",
    "block simulated",
    "alert 10.0.0.3 allowed",
    "alert 10.0.0.4 allowed",
  ]);
  const c = decision.counters();
  assert.equal(c.blocked, 1);
  assert.equal(c.ipsErrors, 1);
});

Deno.test("DecisionStage bounds the events waiting for the model: beyond maxPending they skip it", async () => {
  const ml: MlClassifier = {
    name: "slow",
    classify: () => new Promise((r) => setTimeout(() => r({ type: "syn_flood", confidence: 0.95 }), 20)),
  };
  const { decision, alerts, hub } = setup({ ml, maxPending: 2 });
  for (let i = 1; i <= 6; i++) decision.submit(event({ src: `10.0.0.${i}` }));
  assert.equal(decision.counters().pending, 6);
  await decision.drain();
  await hub.flush();
  assert.deepEqual(alerts().map((a) => a.decidedBy), ["ml", "ml", "heuristic", "heuristic", "heuristic", "heuristic"]);
  assert.deepEqual(alerts().map((a) => a.seq), [1, 2, 3, 4, 5, 6]);
  assert.equal(decision.counters().mlSkipped, 4);
  assert.equal(decision.counters().pending, 0);
});

Deno.test("DecisionStage.configure changes the throttle interval and the model threshold live", async () => {
  const ml: MlClassifier = { name: "m", classify: () => Promise.resolve({ type: "syn_flood", confidence: 0.8 }) };
  const { decision, alerts, hub } = setup({ ml });
  decision.submit(event());
  decision.configure({ ...DEFAULT_CONFIG, alert_interval_s: 0, ml_confidence: 0.9 });
  decision.submit(event({ tsUs: T0 + 1 }));
  await decision.drain();
  await hub.flush();
  assert.deepEqual(alerts().map((a) => a.decidedBy), ["ml", "heuristic"]);
});
