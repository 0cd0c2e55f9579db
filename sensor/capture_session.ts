/**
 * One capture (live or replay) run in the capture Worker, or on this thread for an unpaced, unserved replay
 * (see {@link replayRunsInThread}), and fed into the sensor core: detection events go to the decision stage,
 * sampled traffic lines and counters to the hub.
 *
 * @example
 * ```ts ignore
 * const session = await CaptureSession.start({ mode: "replay", files, speed: Infinity, config, trafficPerSecond: 50 },
 *   { hub, decision });
 * Deno.addSignalListener("SIGINT", () => session.stop());
 * const result = await session.done; // after every detection was decided
 * ```
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { CaptureCounters } from "../core/hub_event.ts";
import type { ReplayReport } from "../pipeline/report.ts";
import { type CaptureStart, type FromWorker, NO_DETECT_WORKER, type ToWorker } from "./capture_protocol.ts";
import type { DecisionStage } from "./decision.ts";
import type { Hub } from "./hub.ts";
import type { ModelAlerts } from "./model_alerts.ts";
import { parseSpeed } from "./pacer.ts";

/** Options of {@link CaptureSession.start}. */
export interface CaptureSessionOptions {
  /** Receives traffic lines and counters. */
  hub: Hub;
  /** Receives detection events. */
  decision: DecisionStage;
  /** The capture opened (interface name, or the first file). */
  onStarted?: (iface: string, linkType: number) => void;
  /** One line from the capture (interface down, retrying…). */
  onWarning?: (message: string) => void;
  /** Counters about every second (alerts are the decision stage's). */
  onCounters?: (counters: CaptureCounters) => void;
  /** Model-only alerts: receives the flows the capture Worker offers and every detection (config `ml.alerts`). */
  modelAlerts?: ModelAlerts;
  /** Most time to wait for the Worker to stop after {@link CaptureSession.stop} (ms). Default 3000. */
  stopTimeoutMs?: number;
  /** A capture Worker started ahead (see {@link prepareCaptureWorker}); a new one when absent or already used. */
  worker?: PreparedWorker;
}

/** What a session needs of its capture: a Worker, or the same capture run on this thread. */
export interface CapturePort {
  /** Sends a message to the capture (dropped once it ended). */
  post(m: ToWorker): void;
  /** Ends the capture: a Worker is terminated, a capture on this thread stops at its next packet or read. */
  terminate(): void;
}

/** The capture in a Worker (sensor/capture_worker.ts). */
function workerPort(
  detectors: boolean,
  onMessage: (m: FromWorker) => void,
  onError: (message: string) => void,
): CapturePort {
  const worker = new Worker(new URL("./capture_worker.ts", import.meta.url), {
    type: "module",
    ...(detectors ? {} : { name: NO_DETECT_WORKER }),
  });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    onError(`Cannot run capture worker: ${e.message}`);
  };
  return {
    post(m) {
      try {
        worker.postMessage(m);
      } catch { /* terminated */ }
    },
    terminate: () => worker.terminate(),
  };
}

/**
 * The capture on this thread (sensor/capture_runner.ts), with a Worker's semantics: messages are copied
 * (structured clone; detections and candidates, which the capture never touches again, are handed over as they are)
 * and delivered in order on later turns, nothing is delivered after {@link CapturePort.terminate}.
 */
function inThreadPort(
  detectors: boolean,
  onMessage: (m: FromWorker) => void,
  onError: (message: string) => void,
): CapturePort {
  let ended = false;
  let runner: import("./capture_runner.ts").CaptureRunner | undefined;
  const queued: ToWorker[] = [];
  import("./capture_runner.ts").then((m) => {
    if (ended) return;
    runner = m.startCaptureRunner((out) => {
      // detections and model candidates are built for the message and never touched again by the capture: handed
      // over as they are (a structured clone of each event and its feature row cost ~10-50 ms on an alert-heavy
      // replay, on the capture's path); the rest is copied as a Worker would
      const copy = out.type === "detections" || out.type === "candidates" ? out : structuredClone(out);
      queueMicrotask(() => {
        if (!ended) onMessage(copy);
      });
    }, { detectors });
    for (const q of queued.splice(0)) runner.receive(q);
  }, (e) => {
    if (!ended) onError(`Cannot run the capture: ${(e as Error).message.split("\n")[0]}`);
  });
  return {
    post(m) {
      if (ended) return;
      const copy = structuredClone(m);
      if (runner) runner.receive(copy);
      else queued.push(copy);
    },
    terminate() {
      ended = true;
      runner?.abort();
    },
  };
}

/** Options of {@link PreparedWorker}. */
export interface PreparedWorkerOptions {
  /**
   * false: for a capture without detectors (`--no-detect`); the capture then loads the detectors' modules only if
   * its start asks for them (about half of its start-up). Default true.
   */
  detectors?: boolean;
  /**
   * Run the capture on this thread instead of a Worker: no second V8 isolate (~13 ms that block this thread while it
   * is made) and no module loading in a fresh isolate. For a replay with nothing to decide (`--no-detect`) and no
   * dashboard to serve: otherwise the decision stage, the outputs and the web server need this thread free while
   * the capture reads. Default false.
   */
  inThread?: boolean;
}

/**
 * A capture Worker started before its capture, so that its start-up (a V8 isolate, the decoders,
 * the flow table and the detectors: tens of ms) runs on the other core while the command loads
 * its own modules and configuration (or, `inThread`, the capture's modules loading on this thread). Used by one
 * {@link CaptureSession}; {@link close} ends it if none took it.
 */
export class PreparedWorker {
  readonly #port: CapturePort;
  /** True once the Worker posted "ready"; false when it failed to load. */
  readonly #ready = Promise.withResolvers<boolean>();
  #error: string | undefined;
  #taken = false;
  #onMessage: ((m: FromWorker) => void) | undefined;
  #onError: ((message: string) => void) | undefined;
  #early: FromWorker[] = [];
  #started = false;
  /** The options it was made with. */
  readonly options: Readonly<PreparedWorkerOptions>;

  constructor(options: PreparedWorkerOptions = {}) {
    this.options = { ...options };
    const onMessage = (m: FromWorker) => {
      if (m.type === "ready") this.#ready.resolve(true);
      else if (this.#onMessage) this.#onMessage(m);
      else this.#early.push(m); // a load failure ("error") before a session took the Worker
    };
    const onError = (message: string) => {
      this.#ready.resolve(false);
      if (this.#onError) this.#onError(message);
      else this.#error ??= message;
    };
    this.#port = (options.inThread ? inThreadPort : workerPort)(options.detectors !== false, onMessage, onError);
  }

  /** True once a session took the Worker (or it was closed). */
  get taken(): boolean {
    return this.#taken;
  }

  /** The capture's messages in and its end. */
  get port(): CapturePort {
    return this.#port;
  }

  /** True when {@link startEarly} sent the capture's start. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Starts the capture before a session takes the Worker (as soon as it is ready): a replay then runs while the
   * command opens its outputs, and its messages wait for the session. The session must be started with the same
   * {@link CaptureStart} (it sends none of its own).
   */
  startEarly(start: CaptureStart): void {
    if (this.#taken || this.#started) return;
    this.#started = true;
    // sent at once, not after "ready": a Worker takes its messages once its module ran (a failed load ignores it)
    this.#port.post({ type: "start", start });
  }

  /**
   * Hands the Worker to a session: its messages (those that came before too) and its failure go to
   * the callbacks from now on. Resolves true once the Worker is ready, false when it failed to load.
   */
  take(onMessage: (m: FromWorker) => void, onError: (message: string) => void): Promise<boolean> {
    if (this.#taken) throw new Error("Cannot take the capture worker: it was already used");
    this.#taken = true;
    this.#onMessage = onMessage;
    this.#onError = onError;
    if (this.#error !== undefined) onError(this.#error);
    for (const m of this.#early.splice(0)) onMessage(m);
    return this.#ready.promise;
  }

  /** Ends the Worker unless a session took it. */
  close(): void {
    if (this.#taken) return;
    this.#taken = true;
    this.#ready.resolve(false);
    this.#port.terminate();
  }
}

/** Options of {@link replayRunsInThread}: the replay's flags and, once read, its configuration. */
export interface ReplayThreadOptions {
  /** `--serve`: the dashboard needs this thread. */
  serve: boolean;
  /** `--speed`'s text as given (absent: as fast as the files read, unless served). */
  speed: string | undefined;
  /**
   * The configuration's model-only alerts (`ml.enabled` and `ml.alerts`, detectors on): the model's replies must be
   * taken while the capture reads, or its bounded queue fills and verdicts are lost. Absent before it was read.
   */
  modelAlerts?: boolean;
}

/**
 * True when an `ids replay` runs its capture on this thread (`inThread` of {@link prepareCaptureWorker}): unpaced
 * (`--speed max`, the default unless served), without the dashboard and without model-only alerts; else the capture
 * Worker. The entry point asks before the configuration was read, the command again after.
 */
export function replayRunsInThread(o: ReplayThreadOptions): boolean {
  if (o.serve || o.modelAlerts === true) return false;
  return o.speed === undefined || parseSpeed(o.speed) === Infinity;
}

/**
 * Flows offered to the model that an unpaced replay of files lets wait for their verdicts before it reads on
 * ({@link ReplayStart.modelWindow}).
 */
export const MODEL_WINDOW = 4096;

/**
 * True when a replay with model-only alerts waits for the model instead of losing verdicts to its bounded queue
 * (issue 11's rule for a live link: never hold packet processing up): unpaced, and every input a regular file. A
 * paced replay keeps its pace; stdin, a pipe or a FIFO may be fed by a live capture (`tcpdump -i eth0 -w -`), where
 * holding the reading back moves the loss into the kernel's capture buffer (packets lost to every detector, not
 * verdicts to the model).
 */
export function replayWaitsForModel(start: { speed: number; files: readonly string[] }): boolean {
  return !Number.isFinite(start.speed) && start.files.length > 0 && start.files.every(isRegularFile);
}

/**
 * The {@link ReplayStart.modelWindow} of a capture: {@link MODEL_WINDOW} for a replay with model-only alerts
 * (`modelAlerts`: a loaded model, config `ml.alerts`, detectors on) that {@link replayWaitsForModel}, else none.
 */
export function modelWindowOf(start: CaptureStart, modelAlerts: boolean): { modelWindow?: number } {
  return modelAlerts && start.mode === "replay" && replayWaitsForModel(start) ? { modelWindow: MODEL_WINDOW } : {};
}

/** The Worker {@link startCaptureWorkerEarly} started, until {@link prepareCaptureWorker} hands it out. */
let early: PreparedWorker | undefined;

/**
 * Starts a capture Worker ahead of {@link CaptureSession.start} (pass it as `worker`): the one
 * {@link startCaptureWorkerEarly} started when there is one, else a new one (options: see {@link PreparedWorker}).
 */
export function prepareCaptureWorker(options: PreparedWorkerOptions = {}): PreparedWorker {
  const w = early;
  early = undefined;
  if (w !== undefined && !w.taken && (w.options.inThread === true) === (options.inThread === true)) return w;
  w?.close(); // started for another kind of capture (on this thread or not)
  return new PreparedWorker(options);
}

/**
 * Starts the capture Worker before the command's own modules load (the entry point calls it for a
 * command that captures); the command's {@link prepareCaptureWorker} then takes it. The caller
 * closes it when the command ends (a no-op once taken).
 */
export function startCaptureWorkerEarly(options: PreparedWorkerOptions = {}): PreparedWorker {
  early?.close();
  early = new PreparedWorker(options);
  return early;
}

/** True for a regular file (its reads never wait for a writer, unlike a FIFO's or stdin's). */
function isRegularFile(f: string): boolean {
  try {
    return Deno.statSync(f.startsWith("file:") ? new URL(f) : f).isFile;
  } catch {
    return false; // missing: reported by the capture
  }
}

/** How a capture ended. */
export interface CaptureResult {
  /** 0 stopped or finished, 1 failed. */
  status: 0 | 1;
  /** The failure, one line. */
  error?: string;
  /** Final counters (alerts from the decision stage). */
  counters?: CaptureCounters;
  /** Replay only: the report (alerts from the decision stage). */
  report?: ReplayReport;
}

/** A capture running in the capture Worker or on this thread (see {@link PreparedWorkerOptions.inThread}). */
export class CaptureSession {
  /** Resolves when the capture ended and every detection was decided and published. */
  readonly done: Promise<CaptureResult>;
  #worker: CapturePort;
  #options: CaptureSessionOptions;
  #last: CaptureCounters | undefined;
  #startSent = false;
  #stopping = false;
  #finish: (result: CaptureResult) => void;
  #reportTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(worker: CapturePort, options: CaptureSessionOptions) {
    this.#worker = worker;
    this.#options = options;
    const done = Promise.withResolvers<CaptureResult>();
    let settled = false;
    this.#finish = (result) => {
      if (settled) return;
      settled = true;
      if (this.#reportTimer !== undefined) clearInterval(this.#reportTimer);
      worker.terminate();
      // every detection posted before "stopped"/"error" has been submitted: wait for its decision
      (options.modelAlerts?.drain() ?? Promise.resolve()).then(() => options.decision.drain()).then(() => {
        if (result.counters) result.counters = { ...result.counters, alerts: options.decision.alertsByType() };
        if (result.report) result.report = { ...result.report, alerts: options.decision.alertsByType() };
        done.resolve(result);
      });
    };
    this.done = done.promise;
  }

  /** The model-only alerts this capture feeds (config `ml.alerts` with a loaded model), for their counters. */
  get modelAlerts(): ModelAlerts | undefined {
    return this.#options.modelAlerts;
  }

  /**
   * Starts the capture Worker and the capture. Resolves once the Worker took the start message
   * (the capture itself may still fail: see {@link done}).
   */
  static async start(start: CaptureStart, options: CaptureSessionOptions): Promise<CaptureSession> {
    const prepared = options.worker !== undefined && !options.worker.taken ? options.worker : new PreparedWorker();
    const session = new CaptureSession(prepared.port, options);
    // an unpaced replay's counters: the capture keeps no timer then (Deno loads its timer module at a thread's
    // first timer, 4-14 ms on the way to the first packet) and posts them every 64 k packets once a second passed;
    // a FIFO or stdin can stall between packets, so for those this thread asks every second instead
    if (start.mode === "replay" && !Number.isFinite(start.speed) && !start.files.every(isRegularFile)) {
      session.#reportTimer = setInterval(() => session.#send({ type: "report" }), 1000);
    }
    // model-only alerts of files, unpaced: the capture holds its reading while `modelWindow` offered flows are
    // unanswered, and learns how many were settled from here (every eighth of the window: a message per flow would
    // cost more than the flow)
    const modelAlerts = options.modelAlerts;
    if (start.mode === "replay" && start.modelWindow !== undefined && modelAlerts !== undefined) {
      const every = Math.max(1, start.modelWindow >> 3);
      let told = 0;
      modelAlerts.onSettled = (settled) => {
        if (settled - told < every) return;
        told = settled;
        session.#send({ type: "model-settled", settled });
      };
      // tells the capture settlements will come: only then does it hold its reading at the window (capture_runner's
      // armedWindow; were they decided apart and disagreed, it would wait forever)
      session.#send({ type: "model-settled", settled: 0 });
    }
    // started ahead (PreparedWorker.startEarly): the capture may even have ended; its messages come now
    if (prepared.started) session.#startSent = true;
    const ready = prepared.take((m) => session.#onMessage(m), (error) => session.#finish({ status: 1, error }));
    // a Worker that fails to load never posts "ready": its error ends the session instead
    const loaded = await Promise.race([ready, session.done.then(() => false)]);
    if (prepared.started) return session;
    if (loaded && !session.#stopping) {
      session.#startSent = true;
      session.#send({ type: "start", start });
    } else if (session.#stopping) {
      session.#finish({ status: 0 });
    }
    return session;
  }

  /** The latest counters. */
  get counters(): CaptureCounters | undefined {
    return this.#last;
  }

  /** Sends a changed configuration to the detectors (and the decision stage). */
  configure(config: Config): void {
    this.#options.decision.configure(config);
    this.#send({ type: "config", config });
  }

  /** Asks the capture to stop; pending verdicts are still given. Idempotent. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    if (!this.#startSent) return this.#finish({ status: 0, counters: this.#last });
    this.#send({ type: "stop" });
    // a capture that does not stop in time is ended anyway
    const timer = setTimeout(
      () => this.#finish({ status: 0, counters: this.#last }),
      this.#options.stopTimeoutMs ?? 3000,
    );
    this.done.then(() => clearTimeout(timer));
  }

  #send(m: ToWorker): void {
    this.#worker.post(m);
  }

  #onMessage(m: FromWorker): void {
    const o = this.#options;
    switch (m.type) {
      case "started":
        o.decision.iface = m.linkType === 0 ? undefined : m.iface;
        o.onStarted?.(m.iface, m.linkType);
        break;
      case "detections":
        if (o.modelAlerts) o.modelAlerts.detections(m.events);
        else o.decision.submitAll(m.events);
        break;
      case "candidates":
        if (o.modelAlerts) { for (const c of m.candidates) o.modelAlerts.offer(c); }
        break;
      case "traffic":
        o.hub.publish({ kind: "traffic", lines: m.lines });
        break;
      case "stats": {
        const counters = { ...m.stats, alerts: o.decision.alertsByType() };
        this.#last = counters;
        const model = o.decision.ml?.counters?.();
        o.hub.publish({
          kind: "counters",
          counters: {
            atMs: Date.now(),
            capture: counters,
            decision: o.decision.counters(),
            ...(model ? { model } : {}),
            subscribers: o.hub.stats(),
          },
        });
        o.onCounters?.(counters);
        break;
      }
      case "warning":
        o.onWarning?.(m.message);
        o.hub.publish({ kind: "notice", level: "warning", source: "capture", message: m.message });
        break;
      case "error":
        this.#finish({ status: 1, error: m.message, counters: this.#last });
        break;
      case "stopped":
        this.#last = m.stats;
        this.#finish({ status: 0, counters: m.stats, report: m.report });
        break;
    }
  }
}
