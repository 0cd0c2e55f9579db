/**
 * Model-only alerts (config `ml.alerts`): flows the model calls an attack with confidence ≥
 * `ml.alert_confidence` while no detector fired on their source become their own detection events
 * — severity 3, tag `model-only`, reason naming the model — and go through the decision stage like
 * any other (throttle, the model's label and `ml` tag, the IPS, the hub). They never block unless
 * `ml.block_alerts` is set: the event carries `noBlock` for the IPS otherwise.
 *
 * A flow is left to the detectors when one reported its source in the `coverS` before it ended, checked when the flow
 * is offered: the detections and flows of the capture arrive in the order the capture raised them, so the check does
 * not depend on how fast the model answers.
 *
 * The model's queue is bounded (issue 11: a verdict never holds packet processing up). On a live link or a paced
 * replay a flow offered while it is full goes unanswered (counted). An unpaced replay of files instead sets `wait`:
 * offers beyond the queue's room wait here, in order, for its verdicts, and the capture holds its reading while
 * {@link ModelAlerts.outstanding} is high (`modelWindow` of the replay's start), so every flow gets its verdict and the
 * same file gives the same model-only alerts every run.
 *
 * Every offered flow settles, so the capture's hold and {@link ModelAlerts.drain} always end: a flow waits for room only
 * while one of this object's own verdicts is due (whose `finally` lets it go next), else it is sent anyway, where the
 * decision stage's requests filled the room (the classifier may drop it: unanswered); and a flow without its verdict
 * `deadlineMs` after it was offered (a model that never answers) is counted unanswered and `late`.
 *
 * @module
 */
import { ATTACKS, type AttackType, isAttackType } from "../core/attack_type.ts";
import type { DetectionEvent, FlowCandidate } from "../core/detection.ts";
import { type DecisionStage, OFFLINE_ML_DEADLINE_MS } from "./decision.ts";
import type { FlowModel } from "./flow_model.ts";

/** Counters of {@link ModelAlerts}. */
export interface ModelAlertCounters {
  /** Flows offered by the capture side. */
  offered: number;
  /** Flows the model called normal, or an attack below the confidence. */
  quiet: number;
  /** Flows whose source a detector reported in the `coverS` before they ended (left to it, not classified). */
  covered: number;
  /** Model-only detection events submitted. */
  raised: number;
  /** Flows the model could not classify (queue full, no model). */
  unanswered: number;
  /** With `wait`: flows that waited for room in the model's queue (without `wait` they could have gone unanswered). */
  held: number;
  /** Flows still without a verdict `deadlineMs` after they were offered (also counted unanswered). */
  late: number;
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
  /**
   * Wait for room in the model's queue instead of leaving a flow unanswered (an unpaced replay of files: see module
   * docs). A quarter of the queue stays free for the decision stage's verdicts on detections. Default false.
   */
  wait?: boolean;
  /** Longest wait (ms) for a flow's verdict from its offer, held time included. Default {@link OFFLINE_ML_DEADLINE_MS}. */
  deadlineMs?: number;
}

/** Turns confident model verdicts on offered flows into detection events (see module docs). */
export class ModelAlerts {
  readonly counters: ModelAlertCounters = {
    offered: 0,
    quiet: 0,
    covered: 0,
    raised: 0,
    unanswered: 0,
    held: 0,
    late: 0,
  };
  #o: ModelAlertOptions;
  #reported = new Map<string, number>();
  #pending = 0;
  #settled = 0;
  #idle: PromiseWithResolvers<void> | undefined;
  /** With `wait`: offers waiting for room in the model's queue, in order, from `#heldHead` on. */
  #held: { candidate: FlowCandidate; entry: { done: boolean; events?: readonly DetectionEvent[] }; at: number }[] = [];
  #heldHead = 0;
  /** This object's verdicts requested from the model and not come yet (a held flow waits only while one is due). */
  #inFlight = 0;
  /** Most rows of the model's queue this may fill with `wait` (the rest is left to the decision stage). */
  #room: number;
  #below: { n: number; resolve: () => void } | undefined;
  /**
   * With `wait`: the flows being classified and the detections that came after them, in the capture's order; each is
   * submitted to the decision stage once everything before it was (a flow: once its verdict came).
   */
  #order: { done: boolean; events?: readonly DetectionEvent[] }[] = [];
  #orderHead = 0;
  /** Called after each offered flow was settled (classified, left to a detector, or unanswered), with {@link settled}. */
  onSettled: ((settled: number) => void) | undefined;

  constructor(options: ModelAlertOptions) {
    this.#o = options;
    this.#room = Math.max(1, options.model.classifier.maxQueue - (options.model.classifier.maxQueue >> 2));
  }

  /**
   * The capture's detection events, in the order it raised them among the offered flows: remembered as reports of
   * their sources, then submitted to the decision stage. With `wait`, after the model-only events of the flows offered
   * before them (the throttle then sees every run's events in the same order).
   */
  detections(events: readonly DetectionEvent[]): void {
    for (let i = 0; i < events.length; i++) this.noteDetection(events[i]);
    if (this.#order.length > this.#orderHead) this.#order.push({ done: true, events });
    else this.#o.decision.submitAll(events);
  }

  /** Remembers that a detector reported `event.src` (call for every detection event). */
  noteDetection(event: DetectionEvent): void {
    const m = this.#reported;
    m.delete(event.src);
    m.set(event.src, event.tsUs);
    if (m.size > (this.#o.maxSources ?? 65536)) m.delete(m.keys().next().value!);
  }

  /** Offers one flow: left to a detector that reported its source, else classified; a confident verdict is raised. */
  offer(candidate: FlowCandidate): void {
    const c = this.counters;
    c.offered++;
    const f = candidate.flow.features;
    if (f === undefined) {
      c.unanswered++;
      return this.#settle();
    }
    const seen = this.#reported.get(candidate.flow.initiatorIp);
    if (seen !== undefined && candidate.tsUs - seen <= (this.#o.coverS ?? 60) * 1e6) {
      c.covered++;
      return this.#settle();
    }
    this.#pending++;
    if (this.#o.wait !== true) return this.#classify(candidate, undefined);
    const entry = { done: false };
    this.#order.push(entry);
    // waits only behind a verdict of its own that is due (its `finally` sends it): were the room filled by the decision
    // stage's requests alone, nothing would ever send it
    if (this.#held.length > this.#heldHead || (this.#queueFull() && this.#inFlight > 0)) {
      c.held++;
      this.#held.push({ candidate, entry, at: performance.now() });
      return;
    }
    this.#classify(candidate, entry, performance.now());
  }

  /** Flows offered and not settled yet (waiting for room, or for their verdict). */
  get outstanding(): number {
    return this.#pending;
  }

  /** Flows settled so far: classified, left to a detector, or unanswered. */
  get settled(): number {
    return this.#settled;
  }

  /** Resolves once fewer than `n` flows are {@link outstanding} (one waiter at a time: the capture's reader). */
  below(n: number): Promise<void> {
    if (this.#pending < n) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#below = { n, resolve };
    return promise;
  }

  /** Resolves when every offered flow has been classified (and raised events submitted). */
  drain(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }

  #queueFull(): boolean {
    return this.#o.model.classifier.queued >= this.#room;
  }

  /**
   * The model's verdict on `row`, or undefined (counted `late`) once `deadlineMs` passed since `at` (its offer): a model
   * Worker that stays alive but never answers cannot hold the capture or the end-of-run drain forever.
   */
  #verdict(row: ArrayLike<number>, at: number): Promise<{ label: string; confidence: number } | undefined> {
    const left = at + (this.#o.deadlineMs ?? OFFLINE_ML_DEADLINE_MS) - performance.now();
    if (left <= 0) { // held past its deadline: not sent (it would only fill the model's queue)
      this.counters.late++;
      return Promise.resolve(undefined);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) =>
      timer = setTimeout(() => {
        this.counters.late++;
        resolve(undefined);
      }, left)
    );
    return Promise.race([this.#o.model.classifier.classify(row), late]).finally(() => clearTimeout(timer));
  }

  /** Classifies an offered flow; `entry`: its place in the capture's order (with `wait`), else submitted at once. */
  #classify(
    candidate: FlowCandidate,
    entry: { done: boolean; events?: readonly DetectionEvent[] } | undefined,
    at = performance.now(),
  ): void {
    const c = this.counters;
    this.#inFlight++;
    this.#verdict(candidate.flow.features!, at).then((v) => {
      let event: DetectionEvent | undefined;
      if (v === undefined) c.unanswered++;
      else if (v.label === "normal" || !isAttackType(v.label) || v.confidence < this.#o.config.ml.alert_confidence) {
        c.quiet++;
      } else event = this.#raise(candidate, v.label, v.confidence);
      if (entry === undefined) {
        if (event !== undefined) this.#o.decision.submit(event);
      } else {
        if (event !== undefined) entry.events = [event];
        entry.done = true;
        this.#submitInOrder();
      }
    }).finally(() => {
      this.#pending--;
      this.#inFlight--;
      // room again in the model's queue: the flows that waited go next, in order; with none of its own due, the next
      // goes even into a full queue (else it would wait forever: module docs)
      const held = this.#held;
      while (this.#heldHead < held.length && (!this.#queueFull() || this.#inFlight === 0)) {
        const next = held[this.#heldHead];
        held[this.#heldHead++] = undefined as unknown as (typeof held)[number];
        this.#classify(next.candidate, next.entry, next.at);
      }
      if (this.#heldHead === held.length && held.length > 0) {
        this.#held = [];
        this.#heldHead = 0;
      }
      if (this.#pending === 0) {
        this.#idle?.resolve();
        this.#idle = undefined;
      }
      this.#settle();
    });
  }

  /** Submits the events at the head of the capture's order whose turn came (see `#order`). */
  #submitInOrder(): void {
    const order = this.#order;
    while (this.#orderHead < order.length && order[this.#orderHead].done) {
      const events = order[this.#orderHead].events;
      order[this.#orderHead++] = undefined as unknown as (typeof order)[number];
      if (events !== undefined) this.#o.decision.submitAll(events);
    }
    if (this.#orderHead === order.length) {
      this.#order = [];
      this.#orderHead = 0;
    }
  }

  #settle(): void {
    this.#settled++;
    const b = this.#below;
    if (b !== undefined && this.#pending < b.n) {
      this.#below = undefined;
      b.resolve();
    }
    this.onSettled?.(this.#settled);
  }

  /** The model-only event of a flow the model called an attack (its verdict remembered for the decision stage). */
  #raise(candidate: FlowCandidate, type: AttackType, confidence: number): DetectionEvent {
    const flow = candidate.flow;
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
    return event;
  }
}
