/**
 * `ids run`: live capture in a Worker (capture, decode, detect), alerts written as EVE JSON on the
 * main thread, counters printed on exit. Stops cleanly on SIGINT/SIGTERM, flushing every alert.
 *
 * @module
 */
import { join } from "node:path";
import { alertLineSubscriber } from "../alerts/alert_line.ts";
import type { CaptureCounters } from "../core/hub_event.ts";
import type { CaptureSession } from "../sensor/capture_session.ts";
import { ConfigError } from "../config/config_error.ts";
import type { Config } from "../config/defaults.ts";
import { loadConfigFile } from "../config/load.ts";
import { watchConfig } from "../config/watch.ts";
import { HistoryLedger } from "../ips/history.ts";
import { createIps, type IpsHandle } from "../ips/setup.ts";
import { formatHubProblems } from "../sensor/hub.ts";
import { loadFlowModel } from "../sensor/flow_model.ts";
import { releaseFreedMemoryOnTicks } from "../ffi/release_memory.ts";
import { Sensor } from "../sensor/sensor.ts";
import { defaultDataDir } from "../store/data_dir.ts";
import { startAlertServices } from "./_alert_services.ts";
import { parseArgs, UsageError } from "./args.ts";
import { type StopLatch, withStopLatch } from "./_signals.ts";
import { isSpecialFile } from "../core/special_file.ts";
import { loadDashboard } from "./_dashboard.ts";
import { checkListen, fileExists, type ServedSensor, serveSensor, settingsFile } from "./_serve.ts";

/** Help text of `ids run`. */
export const RUN_HELP = `Usage: ids run [--iface NAME] [--filter BPF] [--eve PATH|-] [--config FILE] [options]

Captures live traffic (libpcap on Linux, Npcap on Windows), runs every detector, and writes alerts.
Capture, decoding and detection run in a Worker. Stops cleanly on Ctrl-C / SIGTERM, flushing alerts.

Options:
  --iface NAME        interface (default: first up, running, non-loopback one with an address;
                      see: ids interfaces)
  --filter BPF        capture filter in pcap-filter syntax, e.g. "tcp or udp"
  --eve PATH|-        write alerts as EVE JSON lines to PATH (appended), or stdout with -
                      (default: eve.json in the data directory)
  --data DIR          store alerts, blocks and runs in DIR/ids.db (default: %ProgramData%\\ids on Windows,
                      /var/lib/ids as root, ./ids-data otherwise; read them with: ids alerts)
  --no-data           no database
  --config FILE       JSON configuration; edits apply without restart (see: ids config defaults)
  --snaplen N         bytes kept per packet (default: capture.snaplen, 2048)
  --buffer-mb N       kernel capture buffer (default: capture.buffer_mb, 32)
  --no-promisc        do not put the interface in promiscuous mode
  --stats-interval S  print counters on stderr every S seconds (default 0: only at exit)
  --duration S        stop after S seconds
  --pcap-library PATH load this libpcap instead of searching
  --ips               block the sources of critical attacks in the host firewall (config ips.enabled);
                      nftables on Linux (root or CAP_NET_ADMIN), Windows Firewall (Administrator);
                      without the privilege blocks are simulated and recorded (see README "IPS mode")
  --no-ips            never block, whatever the configuration says
  --alert-lines       print one line per alert on stderr (time, label, source → destination, evidence,
                      action); the default when stderr is a terminal
  --no-alert-lines    never print alert lines
  --listen HOST:PORT  serve the dashboard there (e.g. 127.0.0.1:8470; a warning for a non-loopback address);
                      the URL with the access token (kept in the data directory) is printed at start
  --open              with --listen: open the dashboard in the desktop's browser
  -h, --help          this help

"ids" with no arguments at all (a double-click on Windows) is "ids run --listen 127.0.0.1:8470 --open":
monitoring of the default interface with the dashboard on, opened in the browser.

Privileges: Linux needs root or CAP_NET_RAW (sudo setcap cap_net_raw,cap_net_admin=eip ./ids);
Windows needs Npcap (https://npcap.com, "WinPcap API-compatible mode") and an elevated prompt.`;

export { BARE_RUN_ARGS } from "./bare.ts";

/** Sampled packets per second for the live traffic panel (the seed shows ≤ 50 lines/s). */
const TRAFFIC_LINES_PER_SECOND = 50;

function intOpt(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** A positive number of seconds (`1.5` is fine), at most `max`. */
function secondsOpt(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max || String(value).trim() === "") {
    throw new UsageError(`--${name} must be a number of seconds above 0 and at most ${max} (got "${value}")`);
  }
  return n;
}

/** One line of counters. */
export function formatStats(s: CaptureCounters): string {
  const alerts = Object.entries(s.alerts).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  return `${s.iface}: ${s.packets} packets (${s.bytes} bytes), received ${s.received}, dropped by kernel ${s.droppedKernel}, ` +
    `dropped by interface ${s.droppedIface}, decode events ${s.decodeEvents}, flows ${s.flows}, ${s.rate} packets/s, ` +
    `alerts: ${alerts}`;
}

/**
 * Without --eve, alerts go as EVE to `eve.json` in the data directory (as Suricata writes its eve.json to its log
 * directory), so no alert is ever only a number; undefined when there is no data directory or it cannot be made
 * (the store then reports the problem).
 */
function defaultEvePath(dataDir: string | undefined): string | undefined {
  if (dataDir === undefined) return undefined;
  try {
    Deno.mkdirSync(dataDir, { recursive: true });
    return join(dataDir, "eve.json");
  } catch {
    return undefined;
  }
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /**
   * The stop signals caught since the process started the command (the entry point's): a signal that came during
   * start-up stops the sensor as soon as it can, as a later one does. Absent: caught from this call on (and released).
   */
  stop?: StopLatch;
}

/** Runs `ids run`; resolves with the exit status. */
export async function runCommand(args: string[], options: RunCommandOptions = {}): Promise<number> {
  return await withStopLatch(options.stop, (latch) => runArgs(args, latch));
}

/** `ids run` with its stop signals caught. */
async function runArgs(args: string[], latch: StopLatch): Promise<number> {
  const a = parseArgs(args, {
    boolean: ["no-promisc", "ips", "no-ips", "alert-lines", "no-alert-lines", "no-data", "open"],
    string: [
      "iface",
      "filter",
      "eve",
      "data",
      "config",
      "snaplen",
      "buffer-mb",
      "stats-interval",
      "duration",
      "pcap-library",
      "listen",
    ],
  });
  if (a.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (a._.length > 0) throw new UsageError(`unexpected argument "${a._[0]}"`);
  const snaplen = intOpt(a.snaplen, "snaplen", 64, 262144);
  const bufferMb = intOpt(a["buffer-mb"], "buffer-mb", 1, 4096);
  const statsInterval = intOpt(a["stats-interval"], "stats-interval", 0, 86400) ?? 0;
  const duration = secondsOpt(a.duration, "duration", 31_536_000);
  if (a.data !== undefined && a["no-data"] === true) {
    throw new UsageError("--data and --no-data contradict each other");
  }
  const dataDir = a["no-data"] === true ? undefined : (a.data as string | undefined) ?? defaultDataDir();
  const configPath = a.config as string | undefined;
  // without --config, the settings the dashboard wrote to DATA/config.json (when there are some)
  const settingsPath = settingsFile(configPath, dataDir);
  const fromDataDir = configPath === undefined && settingsPath !== undefined && fileExists(settingsPath);
  let config: Config;
  // what the configuration in force was read from: the watcher applies an edit made while ids starts
  let loadedText: string | null;
  try {
    const file = configPath ?? (fromDataDir ? settingsPath : undefined);
    const loading = loadConfigFile(file);
    // a FIFO's read waits for its writer: a stop signal meanwhile ends the process at once
    ({ config, text: loadedText } = await (file !== undefined && isSpecialFile(file)
      ? latch.waiting(`a writer of the configuration ${file}`, loading)
      : loading));
  } catch (e) {
    console.error(`ids run: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
    return 1;
  }
  // output and store problems wait until the capture runs: when the capture itself cannot start
  // (no privilege, no such interface) its one line is all the operator needs
  let started = false;
  const heldProblems: string[] = [];
  const problem = (line: string) => started ? console.error(`ids: ${line}`) : heldProblems.push(line);
  if (fromDataDir) problem(`configuration from ${settingsPath} (the dashboard's settings; --config FILE overrides)`);
  // the flow model: missing or mismatched is one warning (held like the others) and heuristics only
  const ml = await loadFlowModel(config, problem);
  checkListen(a.listen as string | undefined);
  let liveConfig = config;
  let sensor: Sensor;
  try {
    sensor = await Sensor.open({
      config,
      onProblem: problem,
      eve: (a.eve as string | undefined) ?? defaultEvePath(dataDir),
      data: dataDir,
      command: "run",
      iface: a.iface as string | undefined,
      ml,
      // an output FIFO without a reader: a stop signal while its open waits ends the process at once
      waiting: (what, step) => latch.waiting(what, step),
    });
  } catch (e) {
    ml?.close();
    console.error(`ids run: ${(e as Error).message}`);
    return 1;
  }
  // like Suricata's fast.log on a console: every alert visible, not only a count at exit
  if (a["no-alert-lines"] !== true && (a["alert-lines"] === true || Deno.stderr.isTerminal())) {
    sensor.hub.subscribe(alertLineSubscriber((line) => console.error(line)), { queue: 10_000 });
  }
  let servicesSummary: string | undefined;
  let services: ReturnType<typeof startAlertServices>;
  try {
    services = startAlertServices(config, sensor.hub, {
      log: (line) => console.error(`ids: ${line}`),
      cache: sensor.store, // reputations survive restarts in the store's key/value table
    });
    if (services.external) servicesSummary = services.summary; // said when something leaves the machine
  } catch (e) {
    console.error(`ids run: ${(e as Error).message}`);
    await sensor.close();
    return 1;
  }
  // IPS: --ips / --no-ips override the config's ips.enabled; a missing privilege means simulated blocks
  let ipsHandle: IpsHandle | undefined;
  if (a["no-ips"] !== true && (a.ips === true || config.ips.enabled)) {
    try {
      ipsHandle = await createIps({
        config,
        mode: "real",
        bus: sensor.hub,
        // blocks in force survive a restart: the IPS starts from the store's live blocks; each block is
        // written at once (not in the hub's next batch), so a SIGKILL cannot lose the record of a block
        ledger: sensor.store ? new HistoryLedger(sensor.store, { writeThrough: true }) : undefined,
      });
    } catch (e) {
      console.error(`ids run: Cannot start the IPS: ${(e as Error).message}`);
      await sensor.close();
      return 1;
    }
    sensor.decision.ips = ipsHandle.stage;
  }
  const applyConfig = (c: Config) => {
    sensor.configure(c);
    ipsHandle?.ips.setConfig(c);
    liveConfig = c;
  };
  // the dashboard (--listen), loaded only when asked for
  let dashboard: ServedSensor | undefined;
  if (a.listen !== undefined) {
    try {
      dashboard = await serveSensor({
        hub: sensor.hub,
        mode: "live",
        source: (a.iface as string | undefined) ?? "default interface",
        listen: a.listen as string,
        dataDir: a["no-data"] === true ? undefined : a.data as string | undefined,
        config: () => liveConfig,
        configFile: settingsPath,
        onConfig: applyConfig,
        ips: ipsHandle,
        model: () => ml?.status ?? null,
        store: sensor.store,
        flushStore: () => sensor.storeWriter?.flush(),
        reputation: services.enrichment.service,
      });
    } catch (e) {
      ipsHandle?.close();
      await sensor.close();
      console.error(`ids run: ${(e as Error).message}`);
      return 1;
    }
    console.error(`ids: dashboard at ${dashboard.url}`);
    if (a.open === true && !latch.requested) {
      const url = dashboard.url;
      loadDashboard().then((web) => web.openBrowser(url)).then((opened) => {
        if (!opened) console.error("ids: no browser could be started here; open the address above");
      }, () => {});
    }
  } else if (a.open === true) {
    throw new UsageError("--open needs --listen HOST:PORT");
  }
  const hostRefresh = ipsHandle ? setInterval(() => ipsHandle!.refreshHost().catch(() => {}), 60_000) : undefined;
  let printedAt = 0;
  let stopRequested = false;
  // assigned once the Worker is up; the signal handler may run before that
  // deno-lint-ignore prefer-const
  let session: CaptureSession | undefined;
  const stop = () => {
    stopRequested = true;
    session?.stop();
  };
  // a signal that came during the start-up above calls it now (the capture then starts only to stop)
  const removeStopSignals = latch.onStop(stop);
  const timer = duration ? setTimeout(stop, duration * 1000) : undefined;
  // the settings file is watched: edits by hand (or by the dashboard) apply without a restart
  let unwatch: (() => Promise<void>) | undefined;
  if (settingsPath && (configPath !== undefined || fromDataDir || dashboard !== undefined)) {
    try {
      unwatch = watchConfig(settingsPath, {
        onChange: (c) => {
          applyConfig(c);
          console.error(`ids: configuration reloaded from ${settingsPath}`);
        },
        onError: (msg) => console.error(`ids: configuration not reloaded: ${msg}`),
        loadedText,
      });
    } catch (e) {
      problem(`${(e as Error).message}: edits to it apply at the next start`);
    }
  }
  // with the flow model on, what the threads free (the model's start, the capture Worker's, the runtime's I/O) stays in
  // their glibc arenas unless handed back: once a second, as `ids replay` does, paced by the capture's counters
  const trims = ml !== undefined ? releaseFreedMemoryOnTicks(1000) : undefined;
  session = await sensor.capture({
    mode: "live",
    iface: a.iface as string | undefined,
    filter: a.filter as string | undefined,
    snaplen: snaplen ?? config.capture.snaplen,
    bufferSize: (bufferMb ?? config.capture.buffer_mb) * 1024 * 1024,
    promisc: a["no-promisc"] ? false : config.capture.promisc,
    libraryPath: a["pcap-library"] as string | undefined,
    config,
    trafficPerSecond: TRAFFIC_LINES_PER_SECOND,
  }, {
    onStarted: (iface) => {
      // one write: a reader that saw "capturing on" also sees what leaves the machine and held problems
      const lines = [`capturing on ${iface}${a.filter ? ` (filter: ${a.filter})` : ""}`];
      if (servicesSummary) lines.push(servicesSummary);
      started = true;
      lines.push(...heldProblems.splice(0));
      console.error(lines.map((l) => `ids: ${l}`).join("\n"));
    },
    onWarning: (message) => console.error(`ids: ${message}`),
    onCounters: (c) => {
      trims?.tick();
      // counters arrive about every second; print one line per interval however the timer drifted
      if (statsInterval > 0 && c.uptime - printedAt >= statsInterval - 0.5) {
        printedAt = c.uptime;
        console.error(`ids: ${formatStats(c)}`);
      }
    },
  });
  // stopped while the Worker was still loading
  if (stopRequested) session.stop();
  const result = await session.done;
  if (timer !== undefined) clearTimeout(timer);
  removeStopSignals();
  await unwatch?.();
  await sensor.decision.drain();
  if (hostRefresh !== undefined) clearInterval(hostRefresh);
  if (ipsHandle) console.error(`ids: ${ipsHandle.summary()}`);
  ipsHandle?.close();
  await dashboard?.close();
  const outputs = await sensor.close({
    status: result.status === 0 ? "stopped" : "failed",
    counters: result.counters,
    iface: result.counters?.iface,
  });
  if (result.status !== 0) {
    console.error(`ids run: ${result.error}`);
    return 1;
  }
  const problems = formatHubProblems(outputs);
  if (problems) console.error(`ids: outputs: ${problems}`);
  // a failure is one line on stderr: counters only after a clean stop
  if (result.counters) console.error(`ids: ${formatStats(result.counters)}`);
  return 0;
}
