/**
 * `ids run`: live capture in a Worker (capture, decode, detect), alerts written as EVE JSON on the
 * main thread, counters printed on exit. Stops cleanly on SIGINT/SIGTERM, flushing every alert.
 *
 * @module
 */
import { alertLineSubscriber } from "../alerts/alert_line.ts";
import { eveSubscriber, EveWriter } from "../alerts/eve_writer.ts";
import type { CaptureStats, FromWorker, ToWorker } from "../capture/capture_protocol.ts";
import { ConfigError } from "../config/config_error.ts";
import type { Config } from "../config/defaults.ts";
import { loadConfig, watchConfig } from "../config/load.ts";
import { createIps, type IpsHandle } from "../ips/setup.ts";
import { DecisionStage } from "../sensor/decision.ts";
import { formatHubProblems, Hub } from "../sensor/hub.ts";
import { startAlertServices } from "./_alert_services.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids run`. */
export const RUN_HELP = `Usage: ids run [--iface NAME] [--filter BPF] [--eve PATH|-] [--config FILE] [options]

Captures live traffic (libpcap on Linux, Npcap on Windows), runs every detector, and writes alerts.
Capture, decoding and detection run in a Worker. Stops cleanly on Ctrl-C / SIGTERM, flushing alerts.

Options:
  --iface NAME        interface (default: first up, running, non-loopback one with an address;
                      see: ids interfaces)
  --filter BPF        capture filter in pcap-filter syntax, e.g. "tcp or udp"
  --eve PATH|-        write alerts as EVE JSON lines to PATH (appended), or stdout with -
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
  -h, --help          this help

Privileges: Linux needs root or CAP_NET_RAW (sudo setcap cap_net_raw,cap_net_admin=eip ./ids);
Windows needs Npcap (https://npcap.com, "WinPcap API-compatible mode") and an elevated prompt.`;

function intOpt(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** One line of counters. */
export function formatStats(s: CaptureStats): string {
  const alerts = Object.entries(s.alerts).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  return `${s.iface}: ${s.packets} packets (${s.bytes} bytes), received ${s.received}, dropped by kernel ${s.droppedKernel}, ` +
    `dropped by interface ${s.droppedIface}, decode events ${s.decodeEvents}, flows ${s.flows}, ${s.rate} packets/s, ` +
    `alerts: ${alerts}`;
}

/** Runs `ids run`; resolves with the exit status. */
export async function runCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, {
    boolean: ["no-promisc", "ips", "no-ips", "alert-lines", "no-alert-lines"],
    string: ["iface", "filter", "eve", "config", "snaplen", "buffer-mb", "stats-interval", "duration", "pcap-library"],
  });
  if (a.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (a._.length > 0) throw new UsageError(`unexpected argument "${a._[0]}"`);
  const snaplen = intOpt(a.snaplen, "snaplen", 64, 262144);
  const bufferMb = intOpt(a["buffer-mb"], "buffer-mb", 1, 4096);
  const statsInterval = intOpt(a["stats-interval"], "stats-interval", 0, 86400) ?? 0;
  const duration = intOpt(a.duration, "duration", 1, 31_536_000);
  const configPath = a.config as string | undefined;
  let config: Config;
  try {
    config = await loadConfig(configPath);
  } catch (e) {
    console.error(`ids run: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
    return 1;
  }
  const eve = a.eve === undefined ? undefined : EveWriter.open(a.eve as string);
  const hub = new Hub({
    onError: (name, e) => console.error(`ids: output ${name} failed: ${(e as Error).message ?? e}`),
  });
  if (eve) hub.subscribe(eveSubscriber(eve), { queue: 100_000 });
  // like Suricata's fast.log on a console: every alert visible, not only a count at exit
  if (a["no-alert-lines"] !== true && (a["alert-lines"] === true || Deno.stderr.isTerminal())) {
    hub.subscribe(alertLineSubscriber((line) => console.error(line)), { queue: 10_000 });
  }
  let servicesSummary: string | undefined;
  try {
    const services = startAlertServices(config, hub, { log: (line) => console.error(`ids: ${line}`) });
    if (services.external) servicesSummary = services.summary; // said when something leaves the machine
  } catch (e) {
    console.error(`ids run: ${(e as Error).message}`);
    await hub.close();
    return 1;
  }
  const decision = new DecisionStage({ hub, config });
  // IPS: --ips / --no-ips override the config's ips.enabled; a missing privilege means simulated blocks
  let ipsHandle: IpsHandle | undefined;
  if (a["no-ips"] !== true && (a.ips === true || config.ips.enabled)) {
    try {
      ipsHandle = await createIps({ config, mode: "real", bus: hub });
    } catch (e) {
      console.error(`ids run: Cannot start the IPS: ${(e as Error).message}`);
      await hub.close();
      return 1;
    }
    decision.ips = ipsHandle.stage;
  }
  const hostRefresh = ipsHandle ? setInterval(() => ipsHandle!.refreshHost().catch(() => {}), 60_000) : undefined;

  const worker = new Worker(new URL("../capture/capture_worker.ts", import.meta.url), { type: "module" });
  const send = (m: ToWorker) => worker.postMessage(m);
  let last: CaptureStats | undefined;
  let stopping = false;
  let printedAt = 0;
  const ready = Promise.withResolvers<void>();
  const done = Promise.withResolvers<number>();

  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    switch (m.type) {
      case "ready":
        ready.resolve();
        break;
      case "started":
        decision.iface = m.iface;
        console.error(`ids: capturing on ${m.iface}${a.filter ? ` (filter: ${a.filter})` : ""}`);
        if (servicesSummary) console.error(`ids: ${servicesSummary}`);
        break;
      case "detection":
        decision.submit(m.event);
        break;
      case "stats":
        last = { ...m.stats, alerts: decision.alertsByType() };
        hub.publish({
          kind: "counters",
          counters: { atMs: Date.now(), capture: last, decision: decision.counters(), subscribers: hub.stats() },
        });
        // stats arrive about every second; print one line per interval however the timer drifted
        if (statsInterval > 0 && m.stats.uptime - printedAt >= statsInterval - 0.5) {
          printedAt = m.stats.uptime;
          console.error(`ids: ${formatStats(last)}`);
        }
        break;
      case "warning":
        console.error(`ids: ${m.message}`);
        break;
      case "error":
        console.error(`ids run: ${m.message}`);
        done.resolve(1);
        break;
      case "stopped":
        last = { ...m.stats, alerts: decision.alertsByType() };
        done.resolve(0);
        break;
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    console.error(`ids run: Cannot run capture worker: ${e.message}`);
    done.resolve(1);
  };

  let startSent = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // stopped before the capture was asked to start (the Worker still loading): nothing to flush
    if (!startSent) return done.resolve(0);
    send({ type: "stop" });
    // a capture that does not stop within 3 s is ended anyway; alerts are flushed below
    setTimeout(() => done.resolve(0), 3000);
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  const timer = duration ? setTimeout(stop, duration * 1000) : undefined;
  const unwatch = configPath
    ? watchConfig(configPath, {
      onChange: (c) => {
        send({ type: "config", config: c });
        decision.configure(c);
        ipsHandle?.ips.setConfig(c);
        console.error(`ids: configuration reloaded from ${configPath}`);
      },
      onError: (msg) => console.error(`ids: configuration not reloaded: ${msg}`),
    })
    : undefined;

  // a Worker that fails to load never posts "ready": its error (or a signal) ends the run instead
  const ended = await Promise.race([ready.promise.then(() => false), done.promise.then(() => true)]);
  if (!ended && !stopping) {
    startSent = true;
    send({
      type: "start",
      start: {
        iface: a.iface as string | undefined,
        filter: a.filter as string | undefined,
        snaplen: snaplen ?? config.capture.snaplen,
        bufferSize: (bufferMb ?? config.capture.buffer_mb) * 1024 * 1024,
        promisc: a["no-promisc"] ? false : config.capture.promisc,
        libraryPath: a["pcap-library"] as string | undefined,
        config,
      },
    });
  }
  const status = await done.promise;
  if (timer !== undefined) clearTimeout(timer);
  for (const s of signals) Deno.removeSignalListener(s, stop);
  await unwatch?.();
  worker.terminate();
  await decision.drain();
  if (hostRefresh !== undefined) clearInterval(hostRefresh);
  ipsHandle?.close();
  const outputs = await hub.close();
  if (last) last = { ...last, alerts: decision.alertsByType() };
  const problems = formatHubProblems(outputs);
  if (problems) console.error(`ids: outputs: ${problems}`);
  // a failure is one line on stderr: counters only after a clean stop
  if (last && status === 0) console.error(`ids: ${formatStats(last)}`);
  return status;
}
