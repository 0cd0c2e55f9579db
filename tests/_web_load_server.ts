/**
 * Load source for the dashboard load test: a real hub and dashboard; on "go" (stdin) it publishes
 * alerts at RATE per second for SECONDS seconds (in 100 ms slices) with counters every second, then
 * prints "done N in W s (C s CPU)" and keeps serving until its stdin closes.
 *
 * Usage: deno run -A tests/_web_load_server.ts DATA_DIR [RATE] [SECONDS]
 */
import process from "node:process";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { buildAlert } from "../core/alert.ts";
import { ATTACK_TYPES } from "../core/attack_type.ts";
import { emptyDecisionCounters } from "../core/hub_event.ts";
import { Hub } from "../sensor/hub.ts";
import { startDashboard } from "../web/session.ts";

const [dataDir, rateArg, secondsArg] = Deno.args;
const rate = Number(rateArg ?? 10_000);
const seconds = Number(secondsArg ?? 10);
const hub = new Hub();
const dashboard = await startDashboard({
  hub,
  mode: "live",
  source: "load test",
  version: "test",
  dataDir,
  listen: { hostname: "127.0.0.1", port: 0 },
  config: () => DEFAULT_CONFIG,
});
console.log(`dashboard at ${dashboard.url}`);

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>)
  .getReader();
let buffered = "";
while (!buffered.includes("go")) {
  const { value, done } = await lines.read();
  if (done) Deno.exit(0);
  buffered += value;
}
let n = 0;
const perSlice = rate / 10;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let slice = 0; slice < seconds * 10; slice++) {
  const nowUs = Date.now() * 1000;
  for (let i = 0; i < perSlice; i++, n++) {
    const type = ATTACK_TYPES[n % ATTACK_TYPES.length];
    const alert = buildAlert({
      type,
      tsUs: nowUs + i,
      src: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      dst: "192.0.2.1",
      srcPort: 1024 + (n % 60000),
      dstPort: 80,
      proto: 6,
      severity: ((n % 3) + 1) as 1 | 2 | 3,
      reason: `load test alert ${n} <b>not bold</b>`,
      flowId: n + 1,
    }, { seq: n + 1 });
    hub.publish({ kind: "alert", alert });
  }
  if (slice % 10 === 9) {
    hub.publish({
      kind: "counters",
      counters: {
        atMs: Date.now(),
        capture: {
          iface: "load",
          linkType: 1,
          packets: n * 10,
          bytes: n * 600,
          received: n * 10,
          droppedKernel: 0,
          droppedIface: 0,
          decodeEvents: 0,
          flows: 0,
          alerts: {},
          rate: rate * 10,
          uptime: (performance.now() - t0) / 1000,
        },
        decision: { ...emptyDecisionCounters(), detections: n, alerts: n },
        subscribers: hub.stats(),
      },
    });
  }
  const due = t0 + (slice + 1) * 100;
  const wait = due - performance.now();
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
}
const web = hub.stats().find((s) => s.name === "web");
const cpu = process.cpuUsage(cpu0);
console.log(
  `done ${n} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${
    ((cpu.user + cpu.system) / 1e6).toFixed(1)
  } s CPU); ` +
    `web subscriber dropped ${web?.dropped ?? 0}`,
);
// serve until the test closes stdin
while (!(await lines.read()).done) { /* wait */ }
await dashboard.close();
await hub.close();
