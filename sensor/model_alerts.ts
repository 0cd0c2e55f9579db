/**
 * Model-only alerts (config `ml.alerts`): flows the model calls an attack with confidence ≥
 * `ml.alert_confidence` while no detector fired on their source become their own detection events
 * — severity 3, tag `model-only`, reason naming the model — and go through the decision stage like
 * any other (throttle, the model's label and `ml` tag, the IPS, the hub). They never block unless
 * `ml.block_alerts` is set: the event carries `noBlock` for the IPS otherwise.
 *
 * @module
 */
import { ATTACKS, type AttackType, isAttackType } from "../core/attack_type.ts";
import type { DetectionEvent, FlowCandidate } from "../core/detection.ts";
import type { DecisionStage } from "./decision.ts";
import type { FlowModel } from "./flow_model.ts";

/** Counters of {@link ModelAlerts}. */
export interface ModelAlertCounters {
  /** Flows offered by the capture side. */
  offered: number;
  /** Flows the model called normal, or an attack below the confidence. */
  quiet: number;
  /** Flows whose source a detector already reported (the detector's alert stands). */
  covered: number;
  /** Model-only detection events submitted. */
  raised: number;
  /** Flows the model could not classify (queue full, no model). */
  unanswered: number;
}

/** Options of {@link ModelAlerts}. */
export interface ModelAlertOptions {
  /** The model (its verdicts on raised events are handed to the decision stage without a second run). */
  model: FlowModel;
  decision: DecisionStage;
  config: { readonly ml: { readonly alert_confidence: number; readonly block_alerts: boolean } };
  /** Sources reported by a detector this recently (packet time) are left to it. Default 60 s. */
  coverS?: number;
  /** Most sources remembered as reported. Default 65536. */
  maxSources?: number;
}

/** Turns confident model verdicts on offered flows into detection events (see module docs). */
export class ModelAlerts {
  readonly counters: ModelAlertCounters = { offered: 0, quiet: 0, covered: 0, raised: 0, unanswered: 0 };
  #o: ModelAlertOptions;
  #reported = new Map<string, number>();
  #pending = 0;
  #idle: PromiseWithResolvers<void> | undefined;

  constructor(options: ModelAlertOptions) {
    this.#o = options;
  }

  /** Remembers that a detector reported `event.src` (call for every detection event). */
  noteDetection(event: DetectionEvent): void {
    const m = this.#reported;
    m.delete(event.src);
    m.set(event.src, event.tsUs);
    if (m.size > (this.#o.maxSources ?? 65536)) m.delete(m.keys().next().value!);
  }

  /** Classifies one offered flow; a confident attack verdict becomes a detection event. */
  offer(candidate: FlowCandidate): void {
    const c = this.counters;
    c.offered++;
    const f = candidate.flow.features;
    if (f === undefined) {
      c.unanswered++;
      return;
    }
    this.#pending++;
    this.#o.model.classifier.classify(f).then((v) => {
      if (v === undefined) c.unanswered++;
      else if (v.label === "normal" || !isAttackType(v.label) || v.confidence < this.#o.config.ml.alert_confidence) {
        c.quiet++;
      } else this.#raise(candidate, v.label, v.confidence);
    }).finally(() => {
      if (--this.#pending === 0) {
        this.#idle?.resolve();
        this.#idle = undefined;
      }
    });
  }

  /** Resolves when every offered flow has been classified (and raised events submitted). */
  drain(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }

  #raise(candidate: FlowCandidate, type: AttackType, confidence: number): void {
    const flow = candidate.flow;
    const seen = this.#reported.get(flow.initiatorIp);
    if (seen !== undefined && candidate.tsUs - seen <= (this.#o.coverS ?? 60) * 1e6) {
      this.counters.covered++;
      return;
    }
    this.counters.raised++;
    const event: DetectionEvent = {
      type,
      tsUs: candidate.tsUs,
      src: flow.initiatorIp,
      dst: flow.responderIp,
      srcPort: flow.initiatorPort,
      dstPort: flow.responderPort,
      proto: flow.proto,
      severity: 3,
      tags: this.#o.config.ml.block_alerts ? ["model-only"] : ["model-only", "no-block"],
      reason: `flow model: ${ATTACKS[type].display} at ${(confidence * 100).toFixed(1)}% with no detector firing`,
      flowId: flow.flowId,
      flow,
    };
    if (candidate.iface !== undefined) event.iface = candidate.iface;
    this.#o.model.remember(event, { label: type, confidence });
    this.#o.decision.submit(event);
  }
}
