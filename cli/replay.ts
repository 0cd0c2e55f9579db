/**
 * `ids replay FILE...`: replays capture files through decode, flow table and every detector, on
 * packet time, writing alerts as EVE JSON.
 *
 * @module
 */
import { EveWriter } from "../alerts/eve_writer.ts";
import { FileSource } from "../capture/file_source.ts";
import type { SourceError } from "../capture/packet_source.ts";
import { ConfigError } from "../config/config_error.ts";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import { loadConfig } from "../config/load.ts";
import type { Alert } from "../decision/alert.ts";
import { DetectionEngine } from "../pipeline/engine.ts";
import { buildReport, formatReport, type ReplayReport } from "../pipeline/report.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids replay`. */
export const REPLAY_HELP = `Usage: ids replay FILE... [options]

Replays pcap / pcapng files (optionally .gz) through the decoders, the flow table and every
detector. Windows, timeouts and throttles run on packet time, so a replay raises the same alerts
as the live run did. Prints a report: packets, bytes, rate, link types, decode events, flows, alerts.

Options:
  --eve PATH|-    write alerts as Suricata EVE JSON lines to PATH (appended), or to stdout with -
  --config FILE   JSON configuration (see: ids config defaults)
  --json          print the report as JSON on stdout (not with --eve -)
  --stats         print the report on stderr (the default unless --json)
  --max-flows N   flow table cap (default from the configuration: limits.max_flows)
  --no-detect     decode and flow table only, no detectors (for benchmarks)
  -h, --help      this help

Exit status: 0 done, 1 a file could not be read (the report still covers what was read), 2 bad usage.`;

/** Options of {@link replayFiles}. */
export interface ReplayOptions {
  /** Configuration (defaults when absent). */
  config?: Config;
  /** Overrides `limits.max_flows`. */
  maxFlows?: number;
  /** Receives every alert. */
  onAlert?: (alert: Alert) => void;
  /** Run no detectors. */
  noDetect?: boolean;
  signal?: AbortSignal;
}

/** Result of {@link replayFiles}. */
export interface ReplayResult {
  report: ReplayReport;
  engine: DetectionEngine;
}

/** Replays files in order through one detection engine; returns the report. */
export async function replayFiles(
  files: readonly (string | URL)[],
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  let config = options.config ?? DEFAULT_CONFIG;
  if (options.maxFlows !== undefined) {
    config = { ...config, limits: { ...config.limits, max_flows: options.maxFlows } };
  }
  const engine = new DetectionEngine(config, { onAlert: options.onAlert, noDetect: options.noDetect });
  const pipeline = engine.pipeline;
  const errors: SourceError[] = [];
  const t0 = performance.now();
  for (const f of files) {
    try {
      const summary = await new FileSource(f).run(pipeline.handle, options.signal);
      if (summary.error) errors.push({ ...summary.error, message: `${f}: ${summary.error.message}` });
    } catch (e) {
      // a missing or non-capture file: report it and go on with the others
      errors.push({ offset: 0, packets: 0, message: (e as Error).message });
    }
  }
  const liveAtEnd = pipeline.flows.size;
  pipeline.finish();
  const wallMs = performance.now() - t0;
  const report = buildReport(pipeline, {
    files: files.map((f) => typeof f === "string" ? f : decodeURIComponent(f.pathname)),
    wallMs,
    errors,
    liveAtEnd,
    alerts: options.noDetect ? undefined : engine.alertSummary(),
  });
  return { report, engine };
}

/** Runs `ids replay`; returns the exit status. */
export async function replayCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json", "stats", "no-detect"], string: ["max-flows", "eve", "config"] });
  if (a.help) {
    console.log(REPLAY_HELP);
    return 0;
  }
  if (a._.length === 0) throw new UsageError("ids replay needs at least one capture FILE");
  let maxFlows: number | undefined;
  if (a["max-flows"] !== undefined) {
    maxFlows = Number(a["max-flows"]);
    if (!Number.isInteger(maxFlows) || maxFlows < 16 || maxFlows > 16_777_216) {
      throw new UsageError("--max-flows must be an integer from 16 to 16777216");
    }
  }
  const evePath = a.eve as string | undefined;
  if (evePath === "-" && a.json) throw new UsageError("--json and --eve - both write to stdout: choose one");
  let config: Config;
  try {
    config = await loadConfig(a.config as string | undefined);
  } catch (e) {
    console.error(
      `ids replay: ${e instanceof ConfigError ? e.message : `Cannot load configuration: ${(e as Error).message}`}`,
    );
    return 1;
  }
  const eve = evePath === undefined ? undefined : EveWriter.open(evePath);
  let result: ReplayResult;
  try {
    result = await replayFiles(a._, {
      config,
      maxFlows,
      noDetect: a["no-detect"] === true,
      onAlert: eve ? (alert) => eve.write(alert) : undefined,
    });
  } finally {
    eve?.close();
  }
  const { report } = result;
  if (a.json) console.log(JSON.stringify(report, null, 2));
  if (!a.json || a.stats) console.error(formatReport(report));
  return report.errors.length > 0 ? 1 : 0;
}
