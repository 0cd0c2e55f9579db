/**
 * The model seam: what the decision stage (`sensor/decision.ts`) asks of a classifier. `ml/`
 * implements it; it lives in the bottom layer so `ml/` needs nothing from `sensor/`.
 *
 * @module
 */
import type { MlVerdict } from "./alert.ts";
import type { DetectionEvent } from "./detection.ts";
import type { ModelCounters } from "./hub_event.ts";

/**
 * A model that gives its verdict on a detection (implemented in `ml/`).
 *
 * The decision stage calls {@link MlClassifier.classify} once per alert candidate (after the
 * throttle) and waits at most the deadline. Implementations should batch internally if useful
 * (several calls may be in flight) and must honour `signal`.
 */
export interface MlClassifier {
  /** Model name/version, for notices and the record. */
  readonly name: string;
  /**
   * Classifies one detection event, from its fields and its `flow` snapshot.
   *
   * @param event the detection (string addresses, flow counters snapshot, packet time)
   * @param signal aborted when the deadline passed: stop work; the result is then ignored
   * @returns the predicted class and its confidence, or `undefined` when the model has no opinion
   */
  classify(event: DetectionEvent, signal: AbortSignal): Promise<MlVerdict | undefined>;
  /**
   * Optional: resolves (never rejects) once the model can answer. The decision stage waits for it
   * before starting the deadline, so a model still loading delays verdicts instead of losing them.
   */
  readonly ready?: Promise<unknown>;
  /** Optional: the classifier's counters so far (`undefined` while no classifier runs: not started, not loaded). */
  counters?(): ModelCounters | undefined;
  /**
   * Optional: why a model that loaded no longer classifies (its Worker failed: heuristics only from
   * then on), `undefined` while it does.
   */
  problem?(): string | undefined;
}
