import assert from "node:assert/strict";
import type { Alert } from "../core/alert.ts";
import { LIVE_ML_DEADLINE_MS, type MlClassifier } from "./decision.ts";
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
