import assert from "node:assert/strict";
import type { Alert } from "../core/alert.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { DecisionStage, LIVE_ML_DEADLINE_MS, type MlClassifier, OFFLINE_MAX_PENDING } from "./decision.ts";
import { Hub } from "./hub.ts";
import { replayFiles } from "./replay.ts";

Deno.test("replayFiles: a model slower than the live deadline still labels every alert (an offline replay waits for it)", async () => {
  let asked = 0;
  const slow: MlClassifier = {
    name: "slow",
    classify: (e, signal) =>
      new Promise((resolve) => {
        asked++;
        const timer = setTimeout(() => resolve({ type: e.type, confidence: 0.9 }), LIVE_ML_DEADLINE_MS * 3);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      }),
  };
  const alerts: Alert[] = [];
  const r = await replayFiles([new URL("../tests/corpus/ddos_syn.pcap.gz", import.meta.url)], {
    ml: slow,
    onAlert: (a) => alerts.push(a),
  });
  assert.ok(alerts.length > 0 && asked > 0, "the capture raises alerts the model is asked about");
  assert.equal(r.decision.counters().mlTimeouts, 0);
  for (const a of alerts) assert.equal(a.decidedBy, "ml", `${a.type} ${a.src}: ${a.label}`);
});

Deno.test("DecisionStage: 10,000 detections while the model still loads all get its verdict with the offline cap (the live cap skips the model past 4096)", async () => {
  const run = async (maxPending: number | undefined) => {
    let release!: () => void;
    const ready = new Promise<void>((r) => release = r);
    const ml: MlClassifier = {
      name: "loading",
      ready,
      classify: (e) => Promise.resolve({ type: e.type, confidence: 0.9 }),
    };
    const hub = new Hub();
    const alerts: Alert[] = [];
    hub.subscribe({
      name: "t",
      kinds: ["alert"],
      handle: (e) => {
        if (e.kind === "alert") alerts.push(e.alert);
      },
    }, { queue: 20_000 });
    const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG, ml, maxPending });
    for (let i = 0; i < 10_000; i++) {
      // a new source each: the throttle lets every one through
      decision.submit({
        type: "port_scan",
        tsUs: 1_795_272_623_000_000 + i,
        src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        dst: "10.200.0.1",
        srcPort: 40000,
        dstPort: 22,
        proto: 6,
        severity: 2,
        reason: "test",
        flowId: i,
      });
    }
    release();
    await decision.drain();
    await hub.flush();
    hub.close();
    return { alerts, skipped: decision.counters().mlSkipped };
  };
  const offline = await run(OFFLINE_MAX_PENDING);
  assert.equal(offline.alerts.length, 10_000);
  assert.equal(offline.skipped, 0);
  assert.ok(offline.alerts.every((a) => a.decidedBy === "ml"));
  const live = await run(undefined);
  assert.equal(live.alerts.length, 10_000);
  assert.equal(live.skipped, 10_000 - 4096, "the live cap: past 4096 waiting, the heuristic label stands");
});
