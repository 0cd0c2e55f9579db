/**
 * The detection engine: the pipeline with every enabled detector, the per-source throttle and
 * alert building. Replay and live capture both run it, so they raise the same alerts.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import { type Alert, buildAlert } from "../decision/alert.ts";
import { AlertThrottle } from "../decision/throttle.ts";
import type { Detection } from "../detectors/detection.ts";
import { createDetectors } from "../detectors/mod.ts";
import { Pipeline } from "./pipeline.ts";

/** Options of {@link DetectionEngine}. */
export interface EngineOptions {
  /** Receives every alert that passed the throttle. */
  onAlert?: (alert: Alert) => void;
  /** Capture interface name (EVE `in_iface`). */
  iface?: string;
  /** Run no detectors (decode and flows only). */
  noDetect?: boolean;
}

/** Pipeline + detectors + throttle. */
export class DetectionEngine {
  /** The underlying pipeline (its `handle` is the frame handler). */
  readonly pipeline: Pipeline;
  /** Alerts raised, by attack type. */
  readonly alertCounts: Map<string, number> = new Map();
  /** Detections before throttling. */
  detections = 0;
  #config: Config;
  #throttle: AlertThrottle;
  #onAlert: (alert: Alert) => void;
  #iface: string | undefined;

  constructor(config: Config, options: EngineOptions = {}) {
    this.#config = config;
    this.#onAlert = options.onAlert ?? (() => {});
    this.#iface = options.iface;
    this.#throttle = new AlertThrottle({
      intervalS: config.alert_interval_s,
      maxEntries: config.limits.max_tracked_ips,
    });
    this.pipeline = new Pipeline({
      maxFlows: config.limits.max_flows,
      timeouts: config.flow_timeouts_s,
      detectors: options.noDetect ? [] : createDetectors(config),
      emit: this.#onDetection,
    });
  }

  /** The configuration in force. */
  get config(): Config {
    return this.#config;
  }

  /** Applies a changed configuration without losing detector state. */
  configure(config: Config): void {
    this.#config = config;
    for (const d of this.pipeline.detectors) d.configure(config);
    this.#throttle.intervalS = config.alert_interval_s;
    this.pipeline.flows.setTimeouts(config.flow_timeouts_s);
  }

  /** Alert counts as a plain object, sorted by type. */
  alertSummary(): Record<string, number> {
    return Object.fromEntries([...this.alertCounts].sort(([a], [b]) => a.localeCompare(b)));
  }

  #onDetection = (d: Detection): void => {
    this.detections++;
    if (!this.#throttle.allow(d.src, d.type, d.tsUs, d.severity)) return;
    const flows = this.pipeline.flows;
    const alert = buildAlert(d, {
      flowId: d.flow >= 0 ? flows.flowId(d.flow) : 0,
      suppressed: this.#throttle.lastSuppressed,
      iface: this.#iface,
      mlConfidence: this.#config.ml_confidence,
    });
    this.alertCounts.set(d.type, (this.alertCounts.get(d.type) ?? 0) + 1);
    this.#onAlert(alert);
  };
}
