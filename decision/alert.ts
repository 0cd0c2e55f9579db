/**
 * An alert: a detection that passed the throttle, with its label, who decided it and what the IPS
 * did. Alerts are what the EVE writer, the database and the dashboard receive.
 *
 * @module
 */
import { ATTACKS, type AttackType } from "../detectors/attack_type.ts";
import type { Detection } from "../detectors/detection.ts";

/** What the model said about a detection. */
export interface MlVerdict {
  /** Model confidence, 0–1. */
  confidence: number;
}

/** How an alert's label was decided. */
export type DecidedBy = "heuristic" | "ml";

/** What the IPS did about the source. */
export type AlertAction = "allowed" | "blocked";

/** One alert. */
export interface Alert extends Detection {
  /** Label shown to people: `SYN Flood (Heuristic)` or `SYN Flood (ML: 97.3%)`. */
  label: string;
  /** `ml` when the model agreed at or above the configured confidence, else `heuristic`. */
  decidedBy: DecidedBy;
  /** `blocked` when the IPS blocked the source, else `allowed`. */
  action: AlertAction;
  /** EVE flow id: a positive integer identifying the flow (0 when unknown). */
  flowId: number;
  /** Capture interface name, when known. */
  iface?: string;
  /** Alerts of the same source and type suppressed by the throttle since the previous alert. */
  suppressed: number;
  /** ML confidence (0–1) when `decidedBy` is `ml`. */
  mlConfidence?: number;
}

/**
 * The label shown to people: `SYN Flood (ML: 97.3%)` with a model verdict, otherwise
 * `SYN Flood (Heuristic)`.
 *
 * @throws {RangeError} when the confidence is not a number from 0 to 1
 */
export function labelFor(type: AttackType, ml?: MlVerdict): string {
  const info = ATTACKS[type];
  if (info === undefined) throw new TypeError(`Cannot label alert: unknown attack type "${type}"`);
  if (ml === undefined) return `${info.display} (Heuristic)`;
  const { confidence } = ml;
  if (!(confidence >= 0 && confidence <= 1)) {
    throw new RangeError(`Cannot label alert: ML confidence must be from 0 to 1 (got ${confidence})`);
  }
  return `${info.display} (ML: ${(confidence * 100).toFixed(1)}%)`;
}

/** Options for {@link buildAlert}. */
export interface BuildAlertOptions {
  /** What the IPS did. Default `allowed`. */
  action?: AlertAction;
  /** EVE flow id (positive integer; 0 when unknown). Default 0. */
  flowId?: number;
  /** Capture interface name. */
  iface?: string;
  /** Suppressed count from the throttle (`AlertThrottle.lastSuppressed`). Default 0. */
  suppressed?: number;
  /** The model's verdict on this detection's type, if the model ran. */
  ml?: MlVerdict;
  /** Confidence at or above which the model's verdict is used (config `ml_confidence`). Default 0.7. */
  mlConfidence?: number;
}

/**
 * Turns a detection into an alert: the model decides the label when its confidence reaches
 * `mlConfidence`, otherwise the heuristic does (the seed's rule).
 */
export function buildAlert(detection: Detection, options: BuildAlertOptions = {}): Alert {
  const threshold = options.mlConfidence ?? 0.7;
  const ml = options.ml !== undefined && options.ml.confidence >= threshold ? options.ml : undefined;
  const alert: Alert = {
    ...detection,
    label: labelFor(detection.type, ml),
    decidedBy: ml === undefined ? "heuristic" : "ml",
    action: options.action ?? "allowed",
    flowId: options.flowId ?? 0,
    suppressed: options.suppressed ?? 0,
  };
  if (options.iface !== undefined) alert.iface = options.iface;
  if (ml !== undefined) alert.mlConfidence = ml.confidence;
  return alert;
}
