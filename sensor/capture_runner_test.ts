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

Deno.test("modelWindow: the reading waits while that many offered flows are unsettled, and reads on once settled", async () => {
  const messages: FromWorker[] = [];
  const stopped = Promise.withResolvers<void>();
  const runner = startCaptureRunner((m) => {
    messages.push(m);
    if (m.type === "stopped" || m.type === "error") stopped.resolve();
  });
  const config = { ...DEFAULT_CONFIG, ml: { ...DEFAULT_CONFIG.ml, alerts: true } };
  runner.receive({
    type: "start",
    start: { mode: "replay", files: [String(DEMO)], speed: Infinity, config, trafficPerSecond: 0, features: true },
  });
  await stopped.promise;
  const all = messages.flatMap((m) => m.type === "candidates" ? m.candidates : []).length;
  assert.ok(all > 100, `the demo capture offers flows (${all})`);

  // the same with a window of 8 and no "model-settled": the reading stops at the 8th flow offered
  messages.length = 0;
  const held = Promise.withResolvers<void>();
  const stopped2 = Promise.withResolvers<void>();
  const offered = () => messages.flatMap((m) => m.type === "candidates" ? m.candidates : []).length;
  let settle = false;
  const runner2 = startCaptureRunner((m) => {
    messages.push(m);
    if (m.type === "candidates" && offered() >= 8) held.resolve();
    // (once settling) every flow offered is settled at once, as a model with room would
    if (settle && m.type === "candidates") {
      queueMicrotask(() => runner2.receive({ type: "model-settled", settled: offered() }));
    }
    if (m.type === "stopped" || m.type === "error") stopped2.resolve();
  });
  runner2.receive({
    type: "start",
    start: {
      mode: "replay",
      files: [String(DEMO)],
      speed: Infinity,
      config,
      trafficPerSecond: 0,
      features: true,
      modelWindow: 8,
    },
  });
  // the session's first settlement says settlements will come: only then is the window held
  runner2.receive({ type: "model-settled", settled: 0 });
  await held.promise;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(offered(), 8, "no flow offered past the window while none was settled");
  assert.equal(messages.some((m) => m.type === "stopped"), false, "the reading waits");
  // settle them: it reads on, to the end
  settle = true;
  runner2.receive({ type: "model-settled", settled: offered() });
  await stopped2.promise;
  const end = messages.find((m) => m.type === "stopped") as Extract<FromWorker, { type: "stopped" }> | undefined;
  assert.ok(end, JSON.stringify(messages.find((m) => m.type === "error")));
  assert.equal(end.report!.packets, 18_661);
  assert.equal(offered(), all, "every flow offered, as without a window");
});

Deno.test('modelWindow without any "model-settled" (the session decided not to wait): the reading is not held', async () => {
  // the CLI started the capture with a window, the sensor's own check disagreed and sends no settlement: the capture
  // must read to the end instead of waiting forever at the window
  const messages: FromWorker[] = [];
  const stopped = Promise.withResolvers<void>();
  const runner = startCaptureRunner((m) => {
    messages.push(m);
    if (m.type === "stopped" || m.type === "error") stopped.resolve();
  });
  const config = { ...DEFAULT_CONFIG, ml: { ...DEFAULT_CONFIG.ml, alerts: true } };
  runner.receive({
    type: "start",
    start: {
      mode: "replay",
      files: [String(DEMO)],
      speed: Infinity,
      config,
      trafficPerSecond: 0,
      features: true,
      modelWindow: 8,
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<boolean>((r) => timer = setTimeout(() => r(true), 10_000));
  const ended = await Promise.race([stopped.promise.then(() => false), hung]);
  clearTimeout(timer);
  if (ended) runner.receive({ type: "stop" });
  assert.equal(ended, false, "the reading waited forever at the window");
  const end = messages.find((m) => m.type === "stopped") as Extract<FromWorker, { type: "stopped" }> | undefined;
  assert.equal(end?.report!.packets, 18_661);
});
