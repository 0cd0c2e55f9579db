/**
 * `ids demo`: replays the bundled real-tool capture in a loop at its recorded pace, with a temporary
 * data directory, serves the dashboard and opens it. `--print` keeps the one-shot listing.
 *
 * @module
 */
import { join } from "node:path";
import type { Config } from "../config/defaults.ts";
import { parseConfigText } from "../config/load.ts";
import { abuseIpdbSettings, createReputationService, MemoryKv } from "../enrich/mod.ts";
import { ipsControl } from "../ips/control.ts";
import { createIps } from "../ips/setup.ts";
import type { Alert } from "../core/alert.ts";
import { ipToString } from "../core/ip.ts";
import { escapeExcerpt } from "../app/url_decode.ts";
import { formatReport } from "../pipeline/report.ts";
import { Hub } from "../sensor/hub.ts";
import { PacedReplay } from "../sensor/paced_replay.ts";
import { replayFiles } from "../sensor/replay.ts";
import { loadFlowModel } from "../sensor/flow_model.ts";
import { Store } from "../store/store.ts";
import { StoreWriter } from "../store/writer.ts";
import { DEFAULT_PORT, parseListen } from "../web/auth.ts";
import { parseArgs, UsageError } from "./args.ts";
import { VERSION } from "./version.ts";
import { loadDashboard } from "./_dashboard.ts";
import { type StopLatch, withStopLatch } from "./_signals.ts";

/** The bundled demo capture (real tools in network namespaces; see tests/fixtures/README.md). */
export const DEMO_CAPTURE: URL = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);

/** Help text of `ids demo`. */
export const DEMO_HELP = `Usage: ids demo [--listen HOST:PORT] [--no-open] [--speed N] [--print | --json]

Replays the bundled capture of real attack tools (nmap, hping3 floods, curl SQL injections, exploit
probes) and benign traffic, recorded in network namespaces, in a loop at its recorded pace, and
serves the dashboard: alerts arrive within seconds. The flow model (models/ids-flow.onnx) labels
alerts when it is present; without it the dashboard says "heuristics only". A temporary data
directory holds the access token, the store (older alerts, triage marks) and the configuration the
Settings page edits; it is removed on exit. Stop with Ctrl-C.

Options:
  --listen HOST:PORT  where the dashboard listens (default 127.0.0.1:${DEFAULT_PORT}, another free port if taken)
  --no-open           do not open a browser
  --speed N           replay N times faster than recorded (default 1)
  --duration S        stop after S seconds
  --print             no dashboard: replay once at full speed and print every alert and the report
  --json              like --print, as JSON
  -h, --help          this help`;

/** One line per alert: time, label, source → victim, evidence (attacker bytes escaped). */
export function formatAlertLine(a: Alert): string {
  const t = new Date(a.tsUs / 1000).toISOString().slice(11, 23);
  const port = (p: number) => (a.proto === 6 || a.proto === 17) && p > 0 ? `:${p}` : "";
  return `${t}  ${a.label.padEnd(28)} ${(ipToString(a.src) + port(a.srcPort)).padEnd(22)} → ${
    (ipToString(a.dst) + port(a.dstPort)).padEnd(22)
  } ${escapeExcerpt(a.reason, 120)}`;
}

async function printDemo(json: boolean): Promise<number> {
  const alerts: Alert[] = [];
  const { report } = await replayFiles([DEMO_CAPTURE], { onAlert: (al) => alerts.push(al) });
  if (json) {
    console.log(JSON.stringify({ alerts, report }, null, 2));
  } else {
    console.log(`Alerts (${alerts.length}):`);
    for (const al of alerts) console.log(`  ${formatAlertLine(al)}`);
    console.log("");
    console.log(formatReport(report));
  }
  return report.errors.length > 0 ? 1 : 0;
}

/** Options of {@link demoCommand}. */
export interface DemoCommandOptions {
  /**
   * The stop signals caught since the process started the command (the entry point's; none for `--print` / `--json`):
   * a signal that came during start-up stops the demo as soon as it can, as a later one does (the temporary data
   * directory removed). Absent: caught from the dashboard's start-up on (and released).
   */
  stop?: StopLatch;
}

/** Runs `ids demo`. */
export async function demoCommand(args: string[], options: DemoCommandOptions = {}): Promise<number> {
  const a = parseArgs(args, {
    boolean: ["json", "print", "no-open"],
    string: ["listen", "speed", "duration"],
  });
  if (a.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  if (a._.length > 0) throw new UsageError(`unexpected argument "${a._[0]}"`);
  if (a.print || a.json) {
    options.stop?.close(); // (the one-shot listing has no stop: a signal has its default action)
    return await printDemo(a.json === true);
  }
  return await withStopLatch(options.stop, (latch) => serveDemo(a, latch));
}

/** `ids demo` with the dashboard, its stop signals caught. */
async function serveDemo(a: ReturnType<typeof parseArgs>, latch: StopLatch): Promise<number> {
  const speed = a.speed === undefined ? 1 : Number(a.speed);
  if (!(speed > 0 && speed <= 1000)) throw new UsageError("--speed must be a number above 0 and at most 1000");
  const duration = a.duration === undefined ? undefined : Number(a.duration);
  if (duration !== undefined && !(Number.isInteger(duration) && duration > 0)) {
    throw new UsageError("--duration must be a positive integer (seconds)");
  }
  let listen;
  try {
    listen = a.listen === undefined ? undefined : parseListen(a.listen as string);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const { openBrowser, startDashboard, ipsPort, notifyPort, reputationPort } = await loadDashboard();
  const dataDir = await Deno.makeTempDir({ prefix: "ids-demo-" });
  const configFile = join(dataDir, "config.json");
  // the demo blocks (simulated): the configuration file says so, and the Settings page shows it
  await Deno.writeTextFile(configFile, `${JSON.stringify({ ips: { enabled: true } }, null, 2)}\n`);
  const controller = new AbortController();
  const hub = new Hub({ onError: (name, e) => console.error(`ids: output ${name}: ${(e as Error).message ?? e}`) });
  let config: Config = parseConfigText(await Deno.readTextFile(configFile), configFile);
  // the flow model, as ids run and ids replay load it: missing or unusable is one line and heuristics only
  const ml = await loadFlowModel(config, (line) => console.error(`ids demo: ${line}`));
  // a store in the temporary directory: the events table pages older alerts, triage marks are kept
  let store: Store | undefined;
  let storeWriter: StoreWriter | undefined;
  try {
    store = Store.open(dataDir);
    store.startRun("demo", "demo.pcapng.gz", VERSION);
    storeWriter = new StoreWriter(store, { onProblem: (line) => console.error(`ids demo: ${line}`) });
    hub.subscribe(storeWriter, { queue: 200_000, batch: 1000 });
  } catch (e) {
    store?.close();
    store = undefined;
    console.error(`ids demo: ${(e as Error).message} — the dashboard shows this run only`);
  }
  // simulated IPS on the wall clock: blocks count down in real time, no firewall is touched
  const ipsHandle = await createIps({ config, mode: "simulated", bus: hub, clock: "wall", log: () => {} });
  const reputation = createReputationService(abuseIpdbSettings(config.abuseipdb), { cache: new MemoryKv() });
  const replay = new PacedReplay({
    files: [DEMO_CAPTURE],
    hub,
    config,
    speed,
    loop: true,
    name: "demo.pcapng.gz",
    ips: ipsHandle.stage,
    ml,
    signal: controller.signal,
  });
  const start = (l: typeof listen) =>
    startDashboard({
      hub,
      mode: "demo",
      source: "demo.pcapng.gz",
      version: VERSION,
      dataDir,
      listen: l,
      config: () => config,
      configFile,
      onConfig: (c) => {
        config = c;
        replay.configure(c);
        ipsHandle.ips.setConfig(c);
        replay.decision.ips = c.ips.enabled ? ipsHandle.stage : undefined;
      },
      ips: ipsPort(ipsControl(ipsHandle.ips)),
      reputation: reputationPort(reputation),
      notify: notifyPort(() => config),
      model: () => ml?.name ?? null,
      store,
      flushStore: () => storeWriter?.flush(),
    });
  let dashboard;
  try {
    try {
      dashboard = await start(listen ?? { hostname: "127.0.0.1", port: DEFAULT_PORT });
    } catch (e) {
      // the default port is taken: any free one (an explicit --listen is not changed)
      if (listen !== undefined) throw e;
      dashboard = await start({ hostname: "127.0.0.1", port: 0 });
    }
  } catch (e) {
    ipsHandle.close();
    reputation.close();
    ml?.close();
    await hub.close({ timeoutMs: 1000 });
    store?.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    console.error(`ids demo: ${(e as Error).message}`);
    return 1;
  }
  console.log(`ids demo: dashboard at ${dashboard.url}`);
  console.log(
    "ids demo: replaying the bundled capture in a loop (nmap, hping3 floods, SQL injection, exploit probes); Ctrl-C stops",
  );
  if (!a["no-open"] && !latch.requested) {
    openBrowser(dashboard.url).then((opened) => {
      if (!opened) console.log("ids demo: no browser found here: open the URL above");
    });
  }
  const stop = () => controller.abort();
  // a signal that came during the start-up above calls it now
  const removeStopSignals = latch.onStop(stop);
  const timer = duration ? setTimeout(stop, duration * 1000) : undefined;
  let status = 0;
  try {
    const summary = await replay.run();
    for (const e of summary.errors) console.error(`ids demo: ${e}`);
    if (summary.errors.length > 0) status = 1;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    removeStopSignals();
    await dashboard.close();
    ipsHandle.close();
    reputation.close();
    await hub.close({ timeoutMs: 1000 });
    ml?.close();
    try {
      store?.finishRun(status === 0 ? "stopped" : "failed", { store: storeWriter?.stats });
    } catch { /* write failures were reported */ }
    store?.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
  return status;
}
