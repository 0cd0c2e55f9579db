/**
 * `ids replay FILE...`: replays capture files through decode, flow table and every detector, on
 * packet time, writing alerts as EVE JSON.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import { ConfigError } from "../config/config_error.ts";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import type { IpsHandle } from "../ips/setup.ts";
import type { CaptureCounters } from "../core/hub_event.ts";
import { formatInt } from "../core/format_int.ts";
import type { ReplayStart } from "../sensor/capture_protocol.ts";
import { count, formatReport, peakRssMb } from "../pipeline/report.ts";
import {
  type CaptureResult,
  type CaptureSession,
  modelWindowOf,
  prepareCaptureWorker,
  type PreparedWorker,
  replayRunsInThread,
} from "../sensor/capture_session.ts";
import { formatHubProblems } from "../sensor/hub.ts";
import { parseSpeed } from "../sensor/pacer.ts";
import { DeferredModel } from "../sensor/deferred_model.ts";
import { modelReport } from "../sensor/model_report.ts";
import { Sensor } from "../sensor/sensor.ts";
import { OFFLINE_MAX_PENDING, OFFLINE_ML_DEADLINE_MS } from "../sensor/decision.ts";
import { releaseFreedMemoryOnTicks } from "../ffi/release_memory.ts";
import { parseArgs, UsageError } from "./args.ts";
import { onStopSignals, type StopLatch, withStopLatch } from "./_signals.ts";
import { isSpecialFile } from "../core/special_file.ts";
import type { ServedSensor } from "./_serve.ts";

/** Sampled packets per second for the live traffic panel. */
const TRAFFIC_LINES_PER_SECOND = 50;

/** Help text of `ids replay`. */
export const REPLAY_HELP = `Usage: ids replay FILE...|- [options]

Replays pcap / pcapng files (optionally .gz) through the decoders, the flow table and every
detector, in the capture Worker, and the alerts through the decision stage to every output.
Windows, timeouts and throttles run on packet time, so a replay raises the same alerts as the
live run did. Prints a report: packets, bytes, rate, link types, decode events, flows, alerts.

Options:
  --eve PATH|-     write alerts as Suricata EVE JSON lines to PATH (appended), or to stdout with -
  --data DIR       store the alerts and blocks in DIR/ids.db (read them with: ids alerts --data DIR)
  --speed S        max (default: as fast as possible), realtime (as recorded), or a factor (2, 0.5, 10x)
  --config FILE    JSON configuration (see: ids config defaults); edits apply without restart
  --json           print the report as JSON on stdout (not with --eve -), with every alert in
                   alert_list (the same alert objects as demo --json; string addresses)
  --stats          print the report on stderr (the default unless --json)
  --progress       print a progress line on stderr even when it is not a terminal
  --no-progress    no progress line
  --max-flows N    flow table cap (default from the configuration: limits.max_flows)
  --no-detect      decode and flow table only, no detectors (for benchmarks)
  --ips            decide blocks as the live IPS would, simulated (the firewall is not touched);
                   blocks start and expire on packet time
  --ips-firewall   block in the real host firewall during the replay (explicit; needs privileges)
  --no-ips         no IPS, whatever the configuration says
  --serve          serve the dashboard during the replay (at the recorded pace unless --speed says
                   otherwise; blocks count down on the wall clock) and keep it up after the last
                   packet until Ctrl-C; the access token is kept in the data directory
  --listen H:P     with --serve: dashboard address (default 127.0.0.1:8470; a warning for non-loopback)
  -h, --help       this help

Ctrl-C or SIGTERM (also during start-up) stops the replay; the report and outputs cover what was read.
Exit status: 0 done, 1 a file could not be read (the report still covers what was read), 2 bad usage.`;

/** One progress line: file, share read (when known), packets, rate, packet time, alerts. */
export function formatProgress(c: CaptureCounters): string {
  const share = c.fileBytesTotal
    ? ` ${Math.min(100, Math.floor((100 * (c.fileBytesRead ?? 0)) / c.fileBytesTotal))}%`
    : "";
  const alerts = Object.values(c.alerts).reduce((n, v) => n + v, 0);
  const when = c.packetTimeUs ? new Date(c.packetTimeUs / 1000).toISOString().slice(0, 19).replace("T", " ") : "—";
  return `replaying ${c.iface}${share}: ${count(c.packets, "packet")}, ` +
    `${formatInt(c.rate)}/s, packet time ${when}, ${count(alerts, "alert")}, ${c.uptime} s`;
}

/** Most alerts listed in `--json` output (`alert_list`); past it `alert_list_truncated` is true. */
const MAX_JSON_ALERTS = 100_000;

/** Options of {@link replayCommand}. */
export interface ReplayCommandOptions {
  /**
   * The stop signals caught since the process started the command (the entry point's): a signal that came during
   * start-up stops the replay as soon as it can, with its report. Absent: caught from this call on (and released).
   */
  stop?: StopLatch;
}

/** Runs `ids replay`; returns the exit status. */
export async function replayCommand(args: string[], options: ReplayCommandOptions = {}): Promise<number> {
  return await withStopLatch(options.stop, (latch) => replayArgs(args, latch));
}

/** `ids replay` with its stop signals caught. */
async function replayArgs(args: string[], latch: StopLatch): Promise<number> {
  const a = parseArgs(args, {
    boolean: ["json", "stats", "no-detect", "progress", "no-progress", "ips", "no-ips", "ips-firewall", "serve"],
    string: ["max-flows", "eve", "config", "speed", "data", "listen"],
  });
  if (a.help) {
    console.log(REPLAY_HELP);
    return 0;
  }
  if (a._.length === 0) throw new UsageError("needs at least one capture FILE (- reads stdin)");
  let maxFlows: number | undefined;
  if (a["max-flows"] !== undefined) {
    maxFlows = Number(a["max-flows"]);
    if (!Number.isInteger(maxFlows) || maxFlows < 16 || maxFlows > 16_777_216) {
      throw new UsageError("--max-flows must be an integer from 16 to 16777216");
    }
  }
  const serve = a.serve === true;
  if (!serve && a.listen !== undefined) throw new UsageError("--listen goes with --serve");
  if (serve && a.json) throw new UsageError("--serve and --json: choose one");
  // the dashboard's modules (web, crypto, the store's path helpers) load only when asked for: start-up of a plain replay
  const serving = serve || a.listen !== undefined ? await import("./_serve.ts") : undefined;
  serving?.checkListen(a.listen as string | undefined);
  // served: at the recorded pace unless --speed says otherwise
  const speed = a.speed === undefined ? (serve ? 1 : Infinity) : parseSpeed(a.speed as string);
  if (speed === null) {
    throw new UsageError(`--speed must be max, realtime or a factor such as 2 or 0.5 (got "${a.speed}")`);
  }
  const evePath = a.eve as string | undefined;
  if (evePath !== undefined && a["no-detect"] === true) {
    throw new UsageError("--no-detect runs no detectors, so --eve would stay empty: drop one of them");
  }
  if (evePath === "-" && a.json) throw new UsageError("--json and --eve - both write to stdout: choose one");
  const configPath = a.config as string | undefined;
  // the capture Worker starts now: its isolate and modules load on the other core while this thread
  // loads the configuration and opens the outputs (ended below if no capture takes it). An unpaced replay without the
  // dashboard runs its capture here instead, without a second isolate (~13 ms that block this thread while it is
  // made, and its modules' loading): its decisions and outputs then share the capture's thread, cheap enough per
  // detection (docs/performance.md, the HM round: no copy of the detections, the model's start kept off this thread's
  // core, the periodic trim off this thread) that an alert-heavy replay loses nothing by it
  // (with model-only alerts in the configuration, replayWith swaps a capture on this thread for the Worker)
  const o = {
    latch,
    serving,
    speed,
    evePath,
    configPath,
    worker: prepareCaptureWorker({
      detectors: a["no-detect"] !== true,
      inThread: replayRunsInThread({ serve, speed: a.speed as string | undefined }),
    }),
  };
  try {
    return await replayWith(a, o);
  } finally {
    o.worker.close();
  }
}

/** The replay once the arguments were checked and the capture Worker is starting. */
async function replayWith(
  a: ReturnType<typeof parseArgs>,
  o: {
    /** The stop signals caught since the command started. */
    latch: StopLatch;
    serving: typeof import("./_serve.ts") | undefined;
    speed: number;
    evePath: string | undefined;
    configPath: string | undefined;
    /** Replaced by the capture Worker when the configuration asks for model-only alerts (the caller closes it). */
    worker: PreparedWorker;
  },
): Promise<number> {
  const { serving, speed, evePath, configPath } = o;
  const serve = serving !== undefined && a.serve === true;
  let maxFlows: number | undefined;
  if (a["max-flows"] !== undefined) maxFlows = Number(a["max-flows"]);
  // served without --config: the dashboard's settings file in the data directory (read when it exists)
  const settingsPath = serve
    ? serving!.settingsFile(
      configPath,
      (a.data as string | undefined) ?? (await import("../store/data_dir.ts")).defaultDataDir(),
    )
    : configPath;
  const fromDataDir = configPath === undefined && settingsPath !== undefined && serving!.fileExists(settingsPath);
  if (fromDataDir) console.error(`ids replay: configuration from ${settingsPath} (the dashboard's settings)`);
  let config: Config;
  // what the configuration in force was read from: the watcher applies an edit made while ids starts
  let loadedText: string | null;
  try {
    // the configuration's parser and schema load only for a file: without one the defaults are the configuration
    const file = configPath ?? (fromDataDir ? settingsPath : undefined);
    if (file === undefined) ({ config, text: loadedText } = { config: DEFAULT_CONFIG, text: null });
    else {
      const loading = (await import("../config/load.ts")).loadConfigFile(file);
      // a FIFO's read waits for its writer: a stop signal meanwhile ends the process at once
      ({ config, text: loadedText } =
        await (isSpecialFile(file) ? o.latch.waiting(`a writer of the configuration ${file}`, loading) : loading));
    }
  } catch (e) {
    console.error(
      `ids replay: ${e instanceof ConfigError ? e.message : `Cannot load configuration: ${(e as Error).message}`}`,
    );
    return 1;
  }
  if (a["ips-firewall"] === true && a["no-ips"] === true) {
    throw new UsageError("--ips-firewall and --no-ips contradict each other");
  }
  if (maxFlows !== undefined) config = { ...config, limits: { ...config.limits, max_flows: maxFlows } };
  // the flow model (not for --no-detect): missing or mismatched is one warning and heuristics only (checked now).
  // Its Worker starts at the first detection (a capture without one never pays for onnxruntime's ~0.5 s of CPU
  // and ~70-100 MB): the decision stage waits for it before judging that alert, so verdicts are those of a
  // preloaded model. Model-only alerts judge flows no detector flagged: they need it loaded before the capture.
  // A lazy start (~0.5 s of CPU on its Worker and V8's background threads) runs beside the capture: it is confined
  // to the last half of the CPUs (one of two) until the capture ended, so the capture Worker always finds a core free
  // (ffi/affinity.ts).
  let modelReason: string | undefined; // the report's "heuristics only (<reason>)"
  const warnModel = (l: string, reason: string | undefined) => {
    modelReason ??= reason;
    console.error(`ids replay: ${l}`);
  };
  const useModel = a["no-detect"] !== true && config.ml.enabled;
  // model-only alerts: the model's replies must be taken while the capture reads (on this thread its bounded queue
  // filled and about two thirds of the verdicts were lost), so the capture goes to its Worker
  if (
    o.worker.options.inThread &&
    !replayRunsInThread({ serve, speed: a.speed as string | undefined, modelAlerts: useModel && config.ml.alerts })
  ) {
    o.worker.close();
    o.worker = prepareCaptureWorker({ detectors: o.worker.options.detectors, inThread: false });
  }
  const start: ReplayStart = {
    mode: "replay",
    files: a._.map(String),
    speed,
    config,
    noDetect: a["no-detect"] === true,
    // sampled lines feed only the dashboard (a sampler is a timer on the capture thread)
    trafficPerSecond: serve ? TRAFFIC_LINES_PER_SECOND : 0,
  };
  // the capture starts now, while this thread checks the model and opens the outputs (its detections wait for the
  // decision stage); served, the dashboard is up first. The model's features are computed from the start when the
  // model is on: checking it first held the capture back 5-10 ms; a missing or mismatched model then only costs the
  // features' time (alerts never carry them). Model-only alerts start after the model loaded, as below.
  // (not once stopped: the capture then starts only to stop, and its report covers what it read)
  if (!serve && !(useModel && config.ml.alerts) && !o.latch.requested) {
    o.worker.startEarly({ ...start, features: useModel });
  }
  const [flowModel, affinity] = useModel
    ? await Promise.all([
      import("../sensor/flow_model.ts"),
      config.ml.alerts ? undefined : import("../ffi/affinity.ts"),
    ])
    : [undefined, undefined];
  const ml = flowModel === undefined
    ? undefined
    : config.ml.alerts
    ? await flowModel.loadFlowModel(config, warnModel)
    : await flowModel.startFlowModelLazily(config, warnModel, {}, () => ({
      // read when the model starts (at the first detection), not on the way to the capture's first packets
      confineTo: affinity?.sideCpus(),
      keepCallerOff: o.worker.options.inThread,
    }));
  // (a no-op when started above) with model-only alerts: the model's features as the sensor will ask for them, and an
  // unpaced replay of files waits for the model's verdicts (modelWindowOf)
  if (!serve && !o.latch.requested) {
    o.worker.startEarly({
      ...start,
      features: ml !== undefined && !start.noDetect,
      ...modelWindowOf(start, ml !== undefined && config.ml.alerts && !start.noDetect),
    });
  }
  // Deno loads its timer module (node:timers, 4-11 ms here) at a thread's first setTimeout: on this thread that
  // was the outputs' close after the last packet; now it is while the capture Worker loads and reads
  // (a capture on this thread needs no timer at all: a --no-detect replay of regular files loads no timer module)
  if (!o.worker.options.inThread) clearTimeout(setTimeout(() => {}, 0));
  let sensor: Sensor;
  try {
    sensor = await Sensor.open({
      config,
      eve: evePath,
      data: a.data as string | undefined,
      command: "replay",
      iface: a._.join(" "),
      ml,
      // as fast as the file reads, a busy machine must not turn verdicts into heuristic labels
      mlDeadlineMs: speed === Infinity ? OFFLINE_ML_DEADLINE_MS : undefined,
      maxPending: speed === Infinity ? OFFLINE_MAX_PENDING : undefined,
      // an output FIFO without a reader: a stop signal while its open waits ends the process at once
      waiting: (what, step) => o.latch.waiting(what, step),
    });
  } catch (e) {
    ml?.close();
    console.error(`ids replay: ${(e as Error).message}`);
    return 1;
  }
  // IPS in a replay: simulated (the firewall is not touched) unless --ips-firewall asks for real blocks
  let ipsHandle: IpsHandle | undefined;
  if (a["no-ips"] !== true && (a.ips === true || a["ips-firewall"] === true || config.ips.enabled)) {
    try {
      ipsHandle = await (await import("../ips/setup.ts")).createIps({
        config,
        mode: a["ips-firewall"] === true ? "real" : "simulated",
        bus: sensor.hub,
        clock: a["ips-firewall"] === true || serve ? "wall" : "packet",
      });
    } catch (e) {
      await sensor.close();
      console.error(`ids replay: Cannot start the IPS: ${(e as Error).message}`);
      return 1;
    }
    sensor.decision.ips = ipsHandle.stage;
  }
  let dashboard: ServedSensor | undefined;
  let liveConfig = config;
  const applyConfig = (c: Config) => {
    sensor.configure(maxFlows === undefined ? c : { ...c, limits: { ...c.limits, max_flows: maxFlows } });
    ipsHandle?.ips.setConfig(c);
    liveConfig = c;
  };
  // the IP page's reputation panel: AbuseIPDB when a key is set (looked up when a page asks), else simulated
  const enrich = serve ? await import("../enrich/mod.ts") : undefined;
  const reputation = enrich
    ? enrich.createReputationService(enrich.abuseIpdbSettings(config.abuseipdb), {
      cache: sensor.store ?? new enrich.MemoryKv(),
    })
    : undefined;
  if (serve) {
    try {
      dashboard = await serving!.serveSensor({
        hub: sensor.hub,
        mode: "replay",
        source: a._.map(String).join(", "),
        listen: a.listen as string | undefined,
        dataDir: a.data as string | undefined,
        config: () => liveConfig,
        configFile: settingsPath,
        onConfig: applyConfig,
        ips: ipsHandle,
        model: () => (ml instanceof DeferredModel ? ml.status : ml?.name) ?? null,
        store: sensor.store,
        flushStore: () => sensor.storeWriter?.flush(),
        reputation,
      });
    } catch (e) {
      ipsHandle?.close();
      reputation?.close();
      await sensor.close();
      console.error(`ids replay: ${(e as Error).message}`);
      return 1;
    }
    console.error(`ids replay: dashboard at ${dashboard.url}`);
  }
  const progress = !a["no-progress"] && (a.progress === true || Deno.stderr.isTerminal());
  const tty = Deno.stderr.isTerminal();
  let shown = false;
  const showProgress = (c: CaptureCounters) => {
    if (!progress) return;
    const line = formatProgress(c);
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${line}`));
    else console.error(line);
    shown = true;
  };
  let session: CaptureSession | undefined;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    session?.stop();
  };
  // a signal that came during the start-up above calls it now
  const removeStopSignals = o.latch.onStop(stop);
  let unwatch: (() => Promise<void>) | undefined;
  const watched = configPath ?? (fromDataDir ? settingsPath : undefined);
  if (watched !== undefined) {
    try {
      // config/watch.ts loads node:path (several ms): only when a file is watched
      const { watchConfig } = await import("../config/watch.ts");
      unwatch = watchConfig(watched, {
        onChange: (c) => {
          applyConfig(c);
          console.error(`ids: configuration reloaded from ${watched}`);
        },
        onError: (msg) => console.error(`ids: configuration not reloaded: ${msg}`),
        loadedText,
      });
    } catch (e) {
      console.error(`ids: ${(e as Error).message}`);
    }
  }
  // --json: the alerts themselves, the same DTO as demo --json and the hub
  const alertList: Alert[] = [];
  if (a.json) {
    sensor.hub.subscribe({
      name: "json-alert-list",
      kinds: ["alert"],
      handle: (e) => {
        if (e.kind === "alert" && alertList.length < MAX_JSON_ALERTS) alertList.push(e.alert);
      },
    }, { queue: MAX_JSON_ALERTS });
  }
  let result: CaptureResult;
  // with the flow model on, onnxruntime's Worker holds ~100 MB: memory freed by the file reads (on the runtime's I/O
  // threads, each with its own glibc arena) is handed back every second so it does not add up to the peak as well.
  // Paced by the capture's counters (about once a second), not a timer: an unpaced replay runs its capture on this
  // thread, and a first timer (Deno's timer module) and libc's bindings cost it 8-12 ms before its first packets
  const trims = ml !== undefined ? releaseFreedMemoryOnTicks(1000) : undefined;
  try {
    session = await sensor.capture(start, {
      onCounters: (c) => {
        trims?.tick();
        showProgress(c);
      },
      onWarning: (m) => console.error(`ids: ${m}`),
      worker: o.worker,
    });
    if (stopRequested) session.stop();
    result = await session.done;
    ml?.unconfine(); // the capture ended: the model's threads may use every CPU again
    if (dashboard && !stopRequested) {
      // the dashboard stays up for a look at the whole replay
      console.error("ids replay: replay finished; the dashboard stays up until Ctrl-C");
      const stopped = Promise.withResolvers<void>();
      const removeQuit = onStopSignals(() => stopped.resolve());
      await stopped.promise;
      removeQuit();
    }
  } finally {
    removeStopSignals();
    await dashboard?.close();
    reputation?.close();
    await unwatch?.();
  }
  if (shown && tty) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  await sensor.decision.drain();
  if (ipsHandle) console.error(`ids: ${ipsHandle.summary()}`);
  ipsHandle?.close();
  const outputs = await sensor.close({ status: result.status === 0 ? "finished" : "failed", counters: result.report });
  const problems = formatHubProblems(outputs);
  if (problems) console.error(`ids: outputs: ${problems}`);
  if (result.status !== 0 || !result.report) {
    console.error(`ids replay: ${result.error ?? "the replay stopped before it finished"}`);
    return 1;
  }
  // the peak again now: the model Worker may have started after the capture Worker wrote its report
  const peak = result.report.peak_rss_mb === undefined
    ? {}
    : { peak_rss_mb: Math.max(result.report.peak_rss_mb, peakRssMb()) };
  const model = useModel
    ? {
      model: modelReport({
        ml,
        decision: sensor.decision.counters(),
        modelAlerts: session?.modelAlerts?.counters,
        reason: modelReason,
      }),
    }
    : {};
  const report = { ...result.report, ...peak, ...(a["no-detect"] ? { alerts: undefined } : {}), ...model };
  // nothing could be opened: one line per file, no report of zeros
  if (report.packets === 0 && report.errors.length === a._.length && report.errors.every((e) => e.open)) {
    for (const e of report.errors) console.error(`ids replay: ${e.message}`);
    return 1;
  }
  if (a.json) {
    const total = report.alerts ? Object.values(report.alerts).reduce((s, n) => s + n, 0) : 0;
    const truncated = total > alertList.length ? { alert_list_truncated: true } : {};
    console.log(JSON.stringify({ ...report, alert_list: alertList, ...truncated }, null, 2));
  }
  if (!a.json || a.stats) console.error(formatReport(report));
  else {
    // the report went to stdout as JSON: problems still get their one line on stderr
    for (const w of report.warnings) console.error(`ids replay: warning: ${w}`);
    for (const e of report.errors) {
      console.error(`ids replay: ${e.message} (${count(e.packets, "packet")} read before it)`);
    }
  }
  return report.errors.length > 0 ? 1 : 0;
}
