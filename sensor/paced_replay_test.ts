import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import type { HubEvent } from "../core/hub_event.ts";
import { DEMO_CAPTURE } from "../cli/demo.ts";
import { Hub } from "./hub.ts";
import { PacedReplay } from "./paced_replay.ts";

function collect(hub: Hub): HubEvent[] {
  const events: HubEvent[] = [];
  hub.subscribe({ name: "test", handle: (e) => void events.push(e) }, { queue: 1_000_000 });
  return events;
}

Deno.test("paced replay at full speed publishes alerts, sampled traffic and counters on the hub", async () => {
  const hub = new Hub();
  const events = collect(hub);
  const before = Date.now() * 1000;
  const replay = new PacedReplay({ files: [DEMO_CAPTURE], hub, config: DEFAULT_CONFIG, speed: "max", name: "demo" });
  const summary = await replay.run();
  await hub.flush();
  assert.equal(summary.passes, 1);
  assert.equal(summary.packets, 18661);
  const alerts = events.flatMap((e) => e.kind === "alert" ? [e.alert] : []);
  assert.deepEqual([...new Set(alerts.map((a) => a.type))].sort(), [
    "exploit_probe",
    "icmp_flood",
    "port_scan",
    "sql_injection",
    "syn_flood",
    "udp_flood",
  ]);
  // shifted onto the wall clock: packet times start now
  assert.ok(alerts.every((a) => a.tsUs >= before), "alert times are current");
  const lines = events.flatMap((e) => e.kind === "traffic" ? e.lines : []);
  assert.ok(lines.length > 0 && lines.length <= 50 * 3, `traffic sampled: ${lines.length}`);
  assert.match(lines[0].summary, /^\d+\.\d+\.\d+\.\d+(:\d+)? > /);
  const counters = events.flatMap((e) => e.kind === "counters" ? [e.counters] : []);
  assert.equal(counters.at(-1)!.capture.packets, 18661);
  assert.equal(counters.at(-1)!.decision.alerts, alerts.length);
  await hub.close();
});

Deno.test("paced replay keeps the recorded pace and loops until aborted", async () => {
  const hub = new Hub();
  const events = collect(hub);
  const controller = new AbortController();
  // the capture spans 44.55 s: at 20× one pass takes about 2.2 s
  const replay = new PacedReplay({
    files: [DEMO_CAPTURE],
    hub,
    config: DEFAULT_CONFIG,
    speed: 20,
    loop: true,
    signal: controller.signal,
  });
  const t0 = performance.now();
  setTimeout(() => controller.abort(), 3500);
  const summary = await replay.run();
  const elapsed = performance.now() - t0;
  await hub.flush();
  assert.ok(elapsed >= 3400 && elapsed < 6000, `stopped on abort after ${elapsed} ms`);
  assert.equal(summary.passes, 2, "second pass started after the first");
  assert.ok(summary.packets > 18661 && summary.packets < 2 * 18661, `${summary.packets} packets`);
  const alerts = events.flatMap((e) => e.kind === "alert" ? [e.alert] : []);
  const firstPass = alerts.filter((a) => a.type === "sql_injection");
  assert.ok(firstPass.length >= 2, "the second pass raises its alerts again");
  assert.ok(firstPass[1].tsUs > firstPass[0].tsUs + 44_000_000, "packet time keeps increasing across passes");
  await hub.close();
});
