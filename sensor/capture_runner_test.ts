import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import type { FromWorker, ReplayStart } from "./capture_protocol.ts";
import { startCaptureRunner } from "./capture_runner.ts";

const DEMO = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);
const ALERTS_CONFIG = { ...DEFAULT_CONFIG, ml: { ...DEFAULT_CONFIG.ml, alerts: true } };

/**
 * Starts an unpaced replay of the demo capture with model-only alerts on (`start` adds to it); `seen` gets every message
 * after it is kept, before "stopped" or "error" resolves `stopped`.
 */
function replayDemo(
  start: Partial<ReplayStart> = {},
  seen?: (m: FromWorker, messages: FromWorker[]) => void,
): { messages: FromWorker[]; stopped: Promise<void>; runner: ReturnType<typeof startCaptureRunner> } {
  const messages: FromWorker[] = [];
  const stopped = Promise.withResolvers<void>();
  const runner = startCaptureRunner((m) => {
    messages.push(m);
    seen?.(m, messages);
    if (m.type === "stopped" || m.type === "error") stopped.resolve();
  });
  runner.receive({
    type: "start",
    start: {
      mode: "replay",
      files: [String(DEMO)],
      speed: Infinity,
      config: ALERTS_CONFIG,
      trafficPerSecond: 0,
      features: true,
      ...start,
    },
  });
  return { messages, stopped: stopped.promise, runner };
}

Deno.test('a replay with model-only alerts posts the flows its end offers before "stopped"', async () => {
  const { messages, stopped } = replayDemo();
  await stopped;
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
  const first = replayDemo();
  await first.stopped;
  const all = first.messages.flatMap((m) => m.type === "candidates" ? m.candidates : []).length;
  assert.ok(all > 100, `the demo capture offers flows (${all})`);

  // the same with a window of 8 and no "model-settled": the reading stops at the 8th flow offered
  const held = Promise.withResolvers<void>();
  const offeredIn = (messages: FromWorker[]) =>
    messages.flatMap((m) => m.type === "candidates" ? m.candidates : []).length;
  let settle = false;
  const { messages, stopped: stopped2, runner: runner2 } = replayDemo({ modelWindow: 8 }, (m, messages) => {
    if (m.type === "candidates" && offeredIn(messages) >= 8) held.resolve();
    // (once settling) every flow offered is settled at once, as a model with room would
    if (settle && m.type === "candidates") {
      queueMicrotask(() => runner2.receive({ type: "model-settled", settled: offeredIn(messages) }));
    }
  });
  const offered = () => offeredIn(messages);
  // the session's first settlement says settlements will come: only then is the window held
  runner2.receive({ type: "model-settled", settled: 0 });
  await held.promise;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(offered(), 8, "no flow offered past the window while none was settled");
  assert.equal(messages.some((m) => m.type === "stopped"), false, "the reading waits");
  // settle them: it reads on, to the end
  settle = true;
  runner2.receive({ type: "model-settled", settled: offered() });
  await stopped2;
  const end = messages.find((m) => m.type === "stopped") as Extract<FromWorker, { type: "stopped" }> | undefined;
  assert.ok(end, JSON.stringify(messages.find((m) => m.type === "error")));
  assert.equal(end.report!.packets, 18_661);
  assert.equal(offered(), all, "every flow offered, as without a window");
});

Deno.test('modelWindow without any "model-settled" (the session decided not to wait): the reading is not held', async () => {
  // the CLI started the capture with a window, the sensor's own check disagreed and sends no settlement: the capture
  // must read to the end instead of waiting forever at the window
  const { messages, stopped, runner } = replayDemo({ modelWindow: 8 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<boolean>((r) => timer = setTimeout(() => r(true), 10_000));
  const ended = await Promise.race([stopped.then(() => false), hung]);
  clearTimeout(timer);
  if (ended) runner.receive({ type: "stop" });
  assert.equal(ended, false, "the reading waited forever at the window");
  const end = messages.find((m) => m.type === "stopped") as Extract<FromWorker, { type: "stopped" }> | undefined;
  assert.equal(end?.report?.packets, 18_661);
});
