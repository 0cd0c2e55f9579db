/**
 * The alert: one DTO, with string addresses, used everywhere after the decision stage — the hub,
 * EVE and the other outputs, the store, the dashboard, JSON output (bottom layer).
 *
 * An alert is a {@link DetectionEvent} that passed the throttle, plus its label, who decided it
 * (heuristic or model), what the model said, and what the IPS did.
 *
 * @module
 */
import { ATTACKS, type AttackType } from "./attack_type.ts";
import type { DetectionEvent } from "./detection.ts";

/** What the model said about a detection (`ml/` produces it; see `sensor/decision.ts` `MlClassifier`). */
export interface MlVerdict {
  /** The class the model predicted: an attack type, or `normal`. */
  type: AttackType | "normal";
  /** Model confidence in that class, 0–1. */
  confidence: number;
  /** Model name or version, for the record. */
  model?: string;
}

/** How an alert's label was decided. */
export type DecidedBy = "heuristic" | "ml";

/** What the IPS did about the source. */
export type AlertAction = "allowed" | "blocked";

/** One alert. Structured-clone and JSON safe. */
export interface Alert extends DetectionEvent {
  /** Sequence number given by the decision stage: unique and increasing within one sensor run (0 when unset). */
  seq: number;
  /** Label shown to people: `SYN Flood (Heuristic)` or `SYN Flood (ML: 97.3%)`. */
  label: string;
  /** `ml` when the model agreed with the detector at or above `ml_confidence`, else `heuristic`. */
  decidedBy: DecidedBy;
  /** `blocked` only when the IPS really blocked the source (not simulated, not failed), else `allowed`. */
  action: AlertAction;
  /** Alerts of the same source and type suppressed by the throttle since the previous alert. */
  suppressed: number;
  /** ML confidence (0–1) when `decidedBy` is `ml`. */
  mlConfidence?: number;
  /** The model's verdict whenever the model answered in time, used or not (feedback corpus, dashboard). */
  ml?: MlVerdict;
}

/**
 * The label shown to people: `SYN Flood (ML: 97.3%)` with a model verdict, otherwise
 * `SYN Flood (Heuristic)`.
 *
 * @throws {RangeError} when the confidence is not a number from 0 to 1
 */
export function labelFor(type: AttackType, ml?: Pick<MlVerdict, "confidence">): string {
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
  /** Capture interface name (overrides the event's). */
  iface?: string;
  /** Suppressed count from the throttle. Default 0. */
  suppressed?: number;
  /** The model's verdict, if the model answered. */
  ml?: MlVerdict;
  /** Confidence at or above which the model's verdict decides the label (config `ml_confidence`). Default 0.7. */
  mlConfidence?: number;
  /** Sequence number. Default 0. */
  seq?: number;
}

/**
 * Turns a detection event into an alert with the seed's rule: the model decides the label when it
 * predicts the detector's type with confidence ≥ `mlConfidence`; otherwise the heuristic does
 * (a model that says `normal` or another type never silences or relabels a detection).
 *
 * The alert keeps the flow's counters but not the model's feature row (`flow.features`): the verdict
 * was taken from it already, no output shows it, and its 58 numbers would triple every alert the
 * hub holds, the dashboard receives and `--json` prints.
 */
export function buildAlert(event: DetectionEvent, options: BuildAlertOptions = {}): Alert {
  const threshold = options.mlConfidence ?? 0.7;
  const verdict = options.ml;
  const agrees = verdict !== undefined && verdict.type === event.type && verdict.confidence >= threshold;
  const alert: Alert = {
    ...event,
    seq: options.seq ?? 0,
    label: labelFor(event.type, agrees ? verdict : undefined),
    decidedBy: agrees ? "ml" : "heuristic",
    action: options.action ?? "allowed",
    suppressed: options.suppressed ?? 0,
  };
  if (event.flow?.features !== undefined || event.flow?.featureVersion !== undefined) {
    const { features: _features, featureVersion: _version, ...counters } = event.flow;
    alert.flow = counters;
  }
  if (options.iface !== undefined) alert.iface = options.iface;
  if (verdict !== undefined) alert.ml = { ...verdict };
  if (agrees) alert.mlConfidence = verdict.confidence;
  return alert;
}
