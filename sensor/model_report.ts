/**
 * The replay report's `model` object (`ids replay`, see `pipeline/report.ts` {@link ModelReport}): the
 * classifier's counters (verdicts, and the rows without one: queue full, failed, unanswered) and the
 * decision stage's (ML labels, decisions past the cap or the deadline), so an operator sees when the
 * bounded queue left the heuristic label standing.
 *
 * @module
 */
import type { MlClassifier } from "../core/classifier.ts";
import type { DecisionCounters } from "../core/hub_event.ts";
import type { ModelReport } from "../pipeline/report.ts";
import type { ModelAlertCounters } from "./model_alerts.ts";

/** What {@link modelReport} reads. */
export interface ModelReportInput {
  /** The model as the decision stage used it (a `FlowModel` or a `DeferredModel`); none: heuristics only. */
  ml: (MlClassifier & { readonly started?: boolean }) | undefined;
  /** The decision stage's counters at the end. */
  decision: DecisionCounters;
  /** The model-only alerts' counters (config `ml.alerts`). */
  modelAlerts?: ModelAlertCounters;
  /** Why the model is not used, as its one warning line gave it (`flow model not used (REASON)`). */
  reason?: string;
}

/** Builds the report's `model` object (see {@link ModelReport}). */
export function modelReport(input: ModelReportInput): ModelReport {
  const { ml, decision: d } = input;
  const c = ml?.counters?.();
  // a model that loaded and then stopped classifying (its Worker failed): heuristics only, counts kept
  const lost = c !== undefined ? ml?.problem?.() : undefined;
  const status: ModelReport["status"] = c !== undefined && lost === undefined
    ? "loaded"
    : lost !== undefined
    ? "heuristics only"
    : ml !== undefined && ml.started === false
    ? "not started"
    : "heuristics only";
  const requested = c?.requested ?? 0;
  const a = input.modelAlerts;
  return {
    name: c === undefined && status === "heuristics only" ? null : ml!.name,
    status,
    ...(status === "heuristics only" ? { reason: lost ?? input.reason ?? "no model loaded" } : {}),
    requested,
    verdicts: c?.classified ?? 0,
    without_verdict: (c?.dropped ?? 0) + (c?.failed ?? 0) + (c?.unanswered ?? 0),
    queue_full: c?.dropped ?? 0,
    failed: c?.failed ?? 0,
    unanswered: c?.unanswered ?? 0,
    ml_labels: d.mlLabels,
    decisions_skipped: d.mlSkipped,
    decisions_late: d.mlTimeouts + d.mlErrors,
    ...(a
      ? {
        model_alerts: {
          offered: a.offered,
          raised: a.raised,
          quiet: a.quiet,
          covered: a.covered,
          unanswered: a.unanswered,
          held: a.held,
          late: a.late,
        },
      }
      : {}),
  };
}
