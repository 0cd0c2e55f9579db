import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import type { FromWorker } from "./capture_protocol.ts";
import { startCaptureRunner } from "./capture_runner.ts";

const DEMO = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);

Deno.test('a replay with model-only alerts posts the flows its end offers before "stopped"', async () => {
  const messages: FromWorker[] = [];
  const stopped = Promise.withResolvers<void>();
  const runner = startCaptureRunner((m) => {
    messages.push(m);
    if (m.type === "stopped" || m.type === "error") stopped.resolve();
  });
  runner.receive({
    type: "start",
    start: {
      mode: "replay",
      files: [String(DEMO)],
      speed: Infinity,
      config: { ...DEFAULT_CONFIG, ml: { ...DEFAULT_CONFIG.ml, alerts: true } },
      trafficPerSecond: 0,
      features: true,
    },
  });
  await stopped.promise;
  // a session ends its capture at "stopped": whatever comes later is lost
  await new Promise((r) => setTimeout(r, 50));
  const at = messages.findIndex((m) => m.type === "stopped");
  assert.ok(at >= 0, JSON.stringify(messages.find((m) => m.type === "error")));
  const before = messages.slice(0, at).flatMap((m) => m.type === "candidates" ? m.candidates : []);
  const after = messages.slice(at + 1).filter((m) => m.type === "candidates");
  assert.deepEqual(after.map((m) => m.type), []);
  assert.ok(before.length > 0);
  // flows were open at the end: finish() ended and offered them, after the reading's last batch
  const stoppedAt = messages[at] as Extract<FromWorker, { type: "stopped" }>;
  assert.ok(stoppedAt.report!.flows.live_at_end > 0);
});
