/**
 * In-process replay through the sensor core: capture files → detection engine → decision stage →
 * hub. `ids eval`, `ids demo` and the tests use it; `ids replay` runs the same engine inside the
 * capture Worker (see `sensor/capture_session.ts`) and feeds the same decision stage and hub.
 *
 * @module
 */
import { FileSource, OpenCaptureError } from "../capture/file_source.ts";
import type { Frame, SourceError } from "../capture/packet_source.ts";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import type { Alert } from "../core/alert.ts";
import { DetectionEngine } from "../pipeline/engine.ts";
import { DETECTION_PARTS } from "../pipeline/detection_parts.ts";
import { buildReport, markFile, type ReplayReport, undecodedFileError } from "../pipeline/report.ts";
import { DecisionStage, type Ips, type MlClassifier, OFFLINE_MAX_PENDING, OFFLINE_ML_DEADLINE_MS } from "./decision.ts";
import { FlowModel } from "./flow_model.ts";
import { ModelAlerts } from "./model_alerts.ts";
import { MODEL_WINDOW } from "./capture_session.ts";
import { Hub } from "./hub.ts";

/** Options of {@link replayFiles}. */
export interface ReplayOptions {
  /** Configuration (defaults when absent). */
  config?: Config;
  /** Overrides `limits.max_flows`. */
  maxFlows?: number;
  /** The hub alerts are published on (a new one when absent). */
  hub?: Hub;
  /** Receives every alert (a subscriber on the hub with room for every alert of the run). */
  onAlert?: (alert: Alert) => void;
  /** The model for the decision stage. */
  ml?: MlClassifier;
  /** Longest wait for the model per alert (ms; default {@link OFFLINE_ML_DEADLINE_MS}). */
  mlDeadlineMs?: number;
  /** The IPS for the decision stage. */
  ips?: Ips;
  /** Run no detectors. */
  noDetect?: boolean;
  signal?: AbortSignal;
}

/** Result of {@link replayFiles}. */
export interface ReplayResult {
  report: ReplayReport;
  engine: DetectionEngine;
  decision: DecisionStage;
  /** Model-only alerts, when the model is a {@link FlowModel} and config `ml.alerts` is on. */
  modelAlerts?: ModelAlerts;
  hub: Hub;
}

/** Shows a file argument as text (a URL as its path). */
export function fileLabel(f: string | URL): string {
  return typeof f === "string" ? f : decodeURIComponent(f.pathname);
}

/**
 * Replays files in order through one engine and one decision stage on this thread; resolves once
 * every alert reached every subscriber's queue and was delivered (`hub.flush()`). The hub is not
 * closed: the caller owns it.
 */
export async function replayFiles(
  files: readonly (string | URL)[],
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  let config = options.config ?? DEFAULT_CONFIG;
  if (options.maxFlows !== undefined) {
    config = { ...config, limits: { ...config.limits, max_flows: options.maxFlows } };
  }
  const hub = options.hub ?? new Hub();
  const onAlert = options.onAlert;
  const subscription = onAlert
    ? hub.subscribe({
      name: "replay-alerts",
      kinds: ["alert"],
      handle: (e) => {
        if (e.kind === "alert") onAlert(e.alert);
      },
    }, { queue: 1_000_000 })
    : undefined;
  const decision = new DecisionStage({
    hub,
    config,
    ml: options.ml,
    ips: options.ips,
    mlDeadlineMs: options.mlDeadlineMs ?? OFFLINE_ML_DEADLINE_MS,
    maxPending: OFFLINE_MAX_PENDING,
  });
  // files, as fast as they read: model-only alerts wait for every verdict (see ModelAlerts), and the reading waits
  // while MODEL_WINDOW flows are unanswered
  const modelAlerts = options.ml instanceof FlowModel && config.ml.alerts && !options.noDetect
    ? new ModelAlerts({ model: options.ml, decision, config, wait: true })
    : undefined;
  const engine = new DetectionEngine(config, {
    onDetection: modelAlerts ? (e) => modelAlerts.detections([e]) : (e) => decision.submit(e),
    noDetect: options.noDetect,
    features: options.ml !== undefined,
    parts: DETECTION_PARTS,
    onCandidate: modelAlerts ? (c) => modelAlerts.offer(c) : undefined,
  });
  const pipeline = engine.pipeline;
  const handle = pipeline.handle;
  const handler = modelAlerts
    ? (frame: Frame): void | Promise<void> => {
      handle(frame);
      if (modelAlerts.outstanding >= MODEL_WINDOW) return modelAlerts.below(MODEL_WINDOW / 2);
    }
    : handle;
  const errors: SourceError[] = [];
  const warnings: string[] = [];
  const t0 = performance.now();
  for (const f of files) {
    try {
      const mark = markFile(pipeline);
      const summary = await new FileSource(f).run(handler, options.signal);
      if (summary.warning) warnings.push(summary.warning);
      if (summary.error) errors.push({ ...summary.error, message: `${fileLabel(f)}: ${summary.error.message}` });
      else {
        // nothing in the file reached the IP layer: say why instead of reporting "alerts none"
        const undecoded = undecodedFileError(pipeline, mark, fileLabel(f));
        if (undecoded) errors.push(undecoded);
      }
    } catch (e) {
      // a missing or non-capture file: report it and go on with the others
      errors.push({ offset: 0, packets: 0, message: (e as Error).message, open: e instanceof OpenCaptureError });
    }
  }
  const liveAtEnd = pipeline.flows.size;
  pipeline.finish();
  await modelAlerts?.drain();
  await decision.drain();
  const wallMs = performance.now() - t0;
  await hub.flush();
  subscription?.unsubscribe();
  const report = buildReport(pipeline, {
    files: files.map(fileLabel),
    wallMs,
    errors,
    warnings,
    liveAtEnd,
    alerts: options.noDetect ? undefined : decision.alertsByType(),
  });
  return { report, engine, decision, hub, modelAlerts };
}
