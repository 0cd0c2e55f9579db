/**
 * The decision stage (main thread): turns the detection events the capture Worker posts into the
 * alerts every subscriber of the hub receives.
 *
 * For each {@link DetectionEvent}, in arrival order:
 * 1. **Throttle** — at most one alert per (source, attack type) every `alert_interval_s` seconds of
 *    packet time; a more severe alert always passes (see `sensor/throttle.ts`). Suppressed events
 *    stop here and are only counted.
 * 2. **Model** — when an {@link MlClassifier} is plugged in, it is asked for a verdict with a
 *    deadline (`mlDeadlineMs`); a late, failing or absent model leaves the decision to the heuristic.
 * 3. **Label** — the seed's rule: the model decides the label (`SYN Flood (ML: 97.3%)`) only when
 *    it predicts the detector's type with confidence ≥ `ml_confidence`; otherwise
 *    `SYN Flood (Heuristic)`.
 * 4. **IPS** — when an {@link Ips} is plugged in, it sees the labelled alert and decides and
 *    performs a block (with a deadline, `ipsDeadlineMs`). `alert.action` is `blocked` only when it
 *    answers `blocked: true`, i.e. the firewall really blocks the source.
 * 5. **Publish** — the alert, then the block event the IPS returned (if any), on the hub.
 *
 * Alerts are published in the order their events arrived, whatever order the model and the IPS
 * answer in. Without a model and an IPS an alert is published synchronously inside
 * {@link DecisionStage.submit}. At most `maxPending` events wait for the model or the IPS; beyond
 * that, new events are decided without them (counted as `mlSkipped` / `ipsSkipped`), so memory
 * stays bounded under a storm of distinct sources.
 *
 * @module
 */
import { type Alert, buildAlert, type MlVerdict } from "../core/alert.ts";
import type { BlockEvent } from "../core/block.ts";
import type { MlClassifier } from "../core/classifier.ts";
import type { DetectionEvent } from "../core/detection.ts";
import { type DecisionCounters, emptyDecisionCounters, type EventBus } from "../core/hub_event.ts";
import type { Ips } from "../core/ips.ts";
import { AlertThrottle } from "./throttle.ts";
import { compareNames } from "../core/compare_names.ts";

export type { MlClassifier } from "../core/classifier.ts";
export type { Ips, IpsDecision } from "../core/ips.ts";

/** The configuration keys the decision stage reads (a full `Config` fits). */
export interface DecisionConfig {
  readonly alert_interval_s: number;
  readonly ml_confidence: number;
  readonly limits: { readonly max_tracked_ips: number };
}

/** The model's deadline per event on a live link: a late verdict leaves the heuristic label (ms). */
export const LIVE_ML_DEADLINE_MS = 100;

/**
 * The model's deadline per event when a file is replayed as fast as it can be read (ms): nothing
 * waits on a verdict there but the alert itself, so a loaded machine (the model Worker waiting for
 * a core) must not turn verdicts into heuristic labels — the same file gives the same labels.
 */
export const OFFLINE_ML_DEADLINE_MS = 5000;

/**
 * Most events waiting for the model or the IPS when a file is replayed as fast as it can be read.
 * The capture is not held back while the model Worker starts (~0.5 s, lazily at the first
 * detection), so an alert-heavy file queues thousands of decisions then; past the live cap (4096)
 * they would keep their heuristic labels, and how many depends on the machine's speed.
 */
export const OFFLINE_MAX_PENDING = 65_536;

/** Options of {@link DecisionStage}. */
export interface DecisionOptions {
  /** Where alerts and block events go. */
  hub: EventBus;
  /** Throttle interval, model confidence, throttle size. */
  config: DecisionConfig;
  /** The model; none: every label is heuristic. */
  ml?: MlClassifier;
  /**
   * Longest wait for the model per event (ms). Default 100 ({@link LIVE_ML_DEADLINE_MS}); offline
   * replays use {@link OFFLINE_ML_DEADLINE_MS}.
   */
  mlDeadlineMs?: number;
  /** The IPS; none: every alert is `allowed`. */
  ips?: Ips;
  /** Longest wait for the IPS per alert (ms). Default 2000. */
  ipsDeadlineMs?: number;
  /** Most events waiting for the model or the IPS. Default 4096. */
  maxPending?: number;
  /** Interface name set on alerts whose event has none. */
  iface?: string;
}

interface Pending {
  done: boolean;
  alert?: Alert;
  block?: BlockEvent;
}

class DeadlineError extends Error {}

/** Runs `work` with an abort signal that fires after `ms`; rejects with {@link DeadlineError} then. */
function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // reject first: a classifier that answers synchronously on abort must not win the race
      reject(new DeadlineError(`deadline of ${ms} ms passed`));
      controller.abort();
    }, ms);
  });
  let result: Promise<T>;
  try {
    result = work(controller.signal);
  } catch (error) {
    result = Promise.reject(error);
  }
  return Promise.race([result, deadline]).finally(() => clearTimeout(timer));
}

/** Detection events in, alerts (and block events) out on the hub. */
export class DecisionStage {
  #hub: EventBus;
  #config: DecisionConfig;
  #throttle: AlertThrottle;
  #ml: MlClassifier | undefined;
  #ips: Ips | undefined;
  #mlDeadlineMs: number;
  #ipsDeadlineMs: number;
  #maxPending: number;
  #iface: string | undefined;
  #queue: Pending[] = [];
  #head = 0;
  #seq = 0;
  #idle: PromiseWithResolvers<void> | undefined;
  #counters: DecisionCounters = emptyDecisionCounters();
  #byType = new Map<string, number>();

  /** Creates a decision stage publishing on `options.hub`. */
  constructor(options: DecisionOptions) {
    this.#hub = options.hub;
    this.#config = options.config;
    this.#throttle = new AlertThrottle({
      intervalS: options.config.alert_interval_s,
      maxEntries: options.config.limits.max_tracked_ips,
    });
    this.#ml = options.ml;
    this.#ips = options.ips;
    this.#mlDeadlineMs = positive(options.mlDeadlineMs ?? LIVE_ML_DEADLINE_MS, "mlDeadlineMs");
    this.#ipsDeadlineMs = positive(options.ipsDeadlineMs ?? 2000, "ipsDeadlineMs");
    this.#maxPending = positive(options.maxPending ?? 4096, "maxPending");
    this.#iface = options.iface;
  }

  /** The model in use (settable: a model may finish loading after the capture started). */
  get ml(): MlClassifier | undefined {
    return this.#ml;
  }
  set ml(classifier: MlClassifier | undefined) {
    this.#ml = classifier;
  }

  /** The IPS in use (settable: `--ips` toggled, backend ready later). */
  get ips(): Ips | undefined {
    return this.#ips;
  }
  set ips(ips: Ips | undefined) {
    this.#ips = ips;
  }

  /** Interface name for alerts whose event has none (e.g. once the capture reported it). */
  set iface(name: string | undefined) {
    this.#iface = name;
  }

  /** Applies a changed configuration (throttle interval, model confidence) without losing throttle state. */
  configure(config: DecisionConfig): void {
    this.#config = config;
    this.#throttle.intervalS = config.alert_interval_s;
  }

  /** Counters so far. */
  counters(): DecisionCounters {
    return { ...this.#counters, pending: this.#queue.length - this.#head };
  }

  /** Alerts published so far, by attack type, sorted by type. */
  alertsByType(): Record<string, number> {
    return Object.fromEntries([...this.#byType].sort(([a], [b]) => compareNames(a, b)));
  }

  /** Decides one detection event. Never throws for a well-formed event; never waits. */
  submit(event: DetectionEvent): void {
    const c = this.#counters;
    c.detections++;
    if (!this.#throttle.allow(event.src, event.type, event.tsUs, event.severity)) {
      c.suppressed++;
      return;
    }
    const suppressed = this.#throttle.lastSuppressed;
    const seq = ++this.#seq;
    const iface = event.iface ?? this.#iface;
    const waiting = this.#queue.length - this.#head;
    const ml = this.#ml;
    const ips = this.#ips;
    const crowded = waiting >= this.#maxPending;
    if (crowded) {
      if (ml) c.mlSkipped++;
      if (ips) c.ipsSkipped++;
    }
    if (crowded || (ml === undefined && ips === undefined)) {
      const alert = buildAlert(event, { seq, suppressed, iface, mlConfidence: this.#config.ml_confidence });
      if (waiting === 0) this.#publish(alert, undefined);
      else this.#queue.push({ done: true, alert });
      return;
    }
    const entry: Pending = { done: false };
    this.#queue.push(entry);
    this.#decide(event, { seq, suppressed, iface, mlConfidence: this.#config.ml_confidence }, ml, ips).then(
      (result) => {
        entry.alert = result.alert;
        entry.block = result.block;
        entry.done = true;
        this.#pump();
      },
    );
  }

  /** Decides several events in order. */
  submitAll(events: readonly DetectionEvent[]): void {
    for (let i = 0; i < events.length; i++) this.submit(events[i]);
  }

  /** Resolves when every submitted event has been decided and published. */
  drain(): Promise<void> {
    if (this.#head === this.#queue.length) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }

  /** Forgets throttle state (a new replay file, a test). Counters stay. */
  resetThrottle(): void {
    this.#throttle.clear();
  }

  async #decide(
    event: DetectionEvent,
    base: { seq: number; suppressed: number; iface: string | undefined; mlConfidence: number },
    ml: MlClassifier | undefined,
    ips: Ips | undefined,
  ): Promise<{ alert: Alert; block?: BlockEvent }> {
    const c = this.#counters;
    let verdict: MlVerdict | undefined;
    if (ml !== undefined) {
      try {
        if (ml.ready !== undefined) await ml.ready; // still loading (start-up): the deadline starts once it answers
        verdict = await withDeadline(this.#mlDeadlineMs, (signal) => ml.classify(event, signal));
        if (verdict !== undefined && !(verdict.confidence >= 0 && verdict.confidence <= 1)) {
          throw new RangeError(`confidence must be from 0 to 1 (got ${verdict.confidence})`);
        }
      } catch (error) {
        verdict = undefined;
        if (error instanceof DeadlineError) c.mlTimeouts++;
        else c.mlErrors++;
      }
    }
    const alert = buildAlert(event, { ...base, ml: verdict });
    let block: BlockEvent | undefined;
    if (ips !== undefined) {
      try {
        const decision = await withDeadline(this.#ipsDeadlineMs, (signal) => ips.decide(alert, signal));
        if (decision.blocked === true) alert.action = "blocked";
        block = decision.block;
      } catch {
        c.ipsErrors++;
      }
    }
    return { alert, block };
  }

  /** Publishes decided entries from the head of the queue, in order. */
  #pump(): void {
    const q = this.#queue;
    while (this.#head < q.length && q[this.#head].done) {
      const entry = q[this.#head];
      q[this.#head] = undefined as unknown as Pending;
      this.#head++;
      this.#publish(entry.alert!, entry.block);
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
      this.#idle?.resolve();
      this.#idle = undefined;
    } else if (this.#head > 1024 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
  }

  #publish(alert: Alert, block: BlockEvent | undefined): void {
    const c = this.#counters;
    c.alerts++;
    if (alert.decidedBy === "ml") c.mlLabels++;
    if (alert.action === "blocked") c.blocked++;
    this.#byType.set(alert.type, (this.#byType.get(alert.type) ?? 0) + 1);
    this.#hub.publish({ kind: "alert", alert });
    if (block !== undefined) this.#hub.publish({ kind: "block", block });
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Cannot create decision stage: ${name} must be a number > 0 (got ${value})`);
  }
  return value;
}
