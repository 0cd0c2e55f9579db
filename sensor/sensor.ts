/**
 * The sensor: one hub, one decision stage and the outputs subscribed to the hub, as every command
 * wires them (`ids run`, `ids replay`, `ids demo`; `ids eval` uses the hub and decision stage
 * in-process through `sensor/replay.ts`).
 *
 * @example
 * ```ts ignore
 * const sensor = await Sensor.open({ config, eve: "-" });
 * sensor.hub.subscribe(myWebStream, { queue: 1000, dropOldest: true });
 * const session = await sensor.capture({ mode: "live", ...start });
 * const result = await session.done;
 * const outputs = await sensor.close(); // drains and closes every output
 * ```
 *
 * @module
 */
import type { EveWriter } from "../alerts/eve_writer.ts";
import type { Waiting } from "../alerts/rotating_file.ts";
import type { feedbackCsvSubscriber } from "../alerts/feedback_csv.ts";
import type { Config } from "../config/defaults.ts";
import type { SubscriberStats } from "../core/hub_event.ts";
import type { CaptureStart } from "./capture_protocol.ts";
import { CaptureSession, type CaptureSessionOptions, modelWindowOf } from "./capture_session.ts";
import { DecisionStage, type Ips, type MlClassifier } from "./decision.ts";
import type { Store } from "../store/store.ts";
import type { StoreWriter } from "../store/writer.ts";
import { DeferredModel } from "./deferred_model.ts";
import type { FlowModel } from "./flow_model.ts";
import { Hub } from "./hub.ts";
import { ModelAlerts } from "./model_alerts.ts";

/** Options of {@link Sensor.open}. */
export interface SensorOptions {
  config: Config;
  /** EVE output: a path (appended) or `-` for stdout. */
  eve?: string;
  /**
   * The model for the decision stage. A {@link FlowModel} also turns on feature extraction in the
   * capture Worker and, with config `ml.alerts`, model-only alerts; the sensor closes it. A
   * {@link DeferredModel} (still loading) turns on feature extraction too, not model-only alerts.
   */
  ml?: MlClassifier;
  /** The IPS for the decision stage. */
  ips?: Ips;
  /** Longest wait for the model per alert (ms; the decision stage's live default when absent). */
  mlDeadlineMs?: number;
  /** Most events waiting for the model or the IPS (the decision stage's live default when absent). */
  maxPending?: number;
  /** One line per problem of an output (first failure of each; later ones are counted). */
  onProblem?: (line: string) => void;
  /**
   * Data directory for the SQLite store (alerts, blocks, runs, cache); none: no store. A store that
   * cannot be opened is one line through `onProblem`, and the sensor runs on without it.
   */
  data?: string;
  /** Command recorded in the store's sensor runs (`run`, `replay`, `demo`). Default `run`. */
  command?: string;
  /** Interface (or file) recorded with the sensor run. */
  iface?: string;
  /**
   * Wraps the wait for the reader of an output that is a FIFO (EVE, feedback CSV), which never blocks this thread:
   * the command's stop signals end the process meanwhile (StopLatch.waiting). Absent: the wait as is.
   */
  waiting?: Waiting;
}

/** What {@link Sensor.open} opened so far (closed again when a later step fails). */
interface Opened {
  hub?: Hub;
  eve?: EveWriter;
  store?: Store;
  /** The feedback CSV's special file until its subscriber took it. */
  csvFile?: Deno.FsFile;
  removeHup?: () => void;
}

/** Hub + decision stage + outputs. */
export class Sensor {
  /** Where every event goes. */
  readonly hub: Hub;
  /** Detection events in, alerts out on the hub. */
  readonly decision: DecisionStage;
  /** The store, when a data directory was given and opened. */
  readonly store: Store | undefined;
  /** The store's writer (counters), with the store. */
  readonly storeWriter: StoreWriter | undefined;
  #config: Config;
  #sessions = new Set<CaptureSession>();
  #eve: EveWriter | undefined;
  #csvReopen: (() => void) | undefined;
  #removeHup: (() => void) | undefined;
  #model: FlowModel | undefined;
  #deferred: DeferredModel | undefined;

  private constructor(
    config: Config,
    hub: Hub,
    decision: DecisionStage,
    model: FlowModel | undefined,
    store?: Store,
    writer?: StoreWriter,
  ) {
    this.#config = config;
    this.hub = hub;
    this.decision = decision;
    this.#model = model;
    this.store = store;
    this.storeWriter = writer;
  }

  /**
   * Creates the hub and the decision stage and opens the outputs. When a step fails, what was opened before it
   * (EVE file, store, outputs) is closed again and the store's run ends as `failed to start`.
   *
   * @throws {Error} `Cannot open EVE output PATH: …` when the EVE file cannot be opened
   */
  static async open(options: SensorOptions): Promise<Sensor> {
    const opened: Opened = {};
    try {
      return await Sensor.#open(options, opened);
    } catch (e) {
      opened.removeHup?.();
      // the hub closes the outputs subscribed to it (EVE, store writer, syslog, Redis, CSV)
      await opened.hub?.close({ timeoutMs: 2000 }).catch(() => []);
      try {
        opened.eve?.close();
      } catch { /* closing is all that is left to do */ }
      try {
        opened.csvFile?.close();
      } catch { /* closing is all that is left to do */ }
      if (opened.store) {
        try {
          opened.store.finishRun("failed to start", { error: (e as Error).message?.split("\n")[0] ?? String(e) });
        } catch { /* the store's own problem was said */ }
        opened.store.close();
      }
      throw e;
    }
  }

  static async #open(options: SensorOptions, opened: Opened): Promise<Sensor> {
    const problem = options.onProblem ?? ((line: string) => console.error(`ids: ${line}`));
    const hub = new Hub({
      onError: (name, e) => problem(`output ${name} failed: ${e instanceof Error ? e.message : String(e)}`),
    });
    opened.hub = hub;
    const decision = new DecisionStage({
      hub,
      config: options.config,
      ml: options.ml,
      ips: options.ips,
      mlDeadlineMs: options.mlDeadlineMs,
      maxPending: options.maxPending,
    });
    const outputs = options.config.outputs;
    // the EVE writer's modules load only for an EVE output (a --no-detect replay has none)
    const eveModules = options.eve !== undefined
      ? await Promise.all([import("../alerts/eve_writer.ts"), import("../alerts/stats_record.ts")])
      : undefined;
    // (a FIFO is opened without blocking this thread: its open waits for a reader)
    const eve = eveModules !== undefined
      ? await eveModules[0].EveWriter.openAsync(options.eve!, {
        rotateBytes: outputs.eve.rotate_mb * 1e6,
        rotateKeep: outputs.eve.rotate_keep,
        waiting: options.waiting,
      })
      : undefined;
    opened.eve = eve;
    // the feedback CSV's FIFO before the store's run starts: a stop signal while its open waits for a reader ends the
    // process at once (StopLatch.waiting), which must not leave a run `running` in the store
    const csv = outputs.feedback_csv.enabled ? await Sensor.#openCsv(options, opened) : undefined;
    let store: Store | undefined;
    let writer: StoreWriter | undefined;
    // outputs load their modules when configured (SQLite, sockets): a plain replay starts without them
    if (options.data !== undefined) {
      const [{ Store }, { StoreWriter }] = await Promise.all([
        import("../store/store.ts"),
        import("../store/writer.ts"),
      ]);
      try {
        store = Store.open(options.data);
        opened.store = store;
        store.startRun(options.command ?? "run", options.iface ?? "");
        const c = options.config.store;
        writer = new StoreWriter(store, {
          flushMs: c.flush_ms,
          retentionDays: c.retention_days,
          maxAlerts: c.max_alerts,
          onProblem: problem,
        });
        // a big queue: the writer takes batches of up to 1000 rows and commits each in one transaction
        hub.subscribe(writer, { queue: 200_000, batch: 1000 });
      } catch (e) {
        store?.close();
        store = opened.store = undefined;
        writer = undefined;
        problem(`${(e as Error).message} — alerts still go to the other outputs`);
      }
    }
    const model = options.ml !== undefined && !(options.ml instanceof DeferredModel) &&
        options.ml instanceof (await import("./flow_model.ts")).FlowModel
      ? options.ml
      : undefined;
    const sensor = new Sensor(options.config, hub, decision, model, store, writer);
    if (options.ml instanceof DeferredModel) sensor.#deferred = options.ml;
    if (eve) {
      const [{ eveSubscriber }, { statsRecord }] = eveModules!;
      hub.subscribe(eveSubscriber(eve), { queue: 100_000 });
      sensor.#eve = eve;
      // Suricata-style stats records at the configured interval, from the counters the hub carries
      let lastStatsMs = 0;
      hub.subscribe({
        name: "eve-stats",
        kinds: ["counters"],
        handle: (e) => {
          const every = sensor.#config.outputs.eve.stats_interval_s;
          if (e.kind !== "counters" || every <= 0 || eve.closed) return;
          if (e.counters.atMs - lastStatsMs < every * 1000 - 500) return;
          lastStatsMs = e.counters.atMs;
          eve.writeRecord(statsRecord(e.counters));
        },
      }, { queue: 100, dropOldest: true });
    }
    if (outputs.syslog.enabled) {
      const { SyslogOutput } = await import("../alerts/syslog.ts");
      hub.subscribe(
        new SyslogOutput({
          host: outputs.syslog.host,
          port: outputs.syslog.port,
          protocol: outputs.syslog.protocol === "tcp" ? "tcp" : "udp",
          facility: outputs.syslog.facility,
          maxBuffer: outputs.syslog.max_buffer,
          onProblem: problem,
        }),
        { queue: 100_000 },
      );
    }
    if (outputs.redis.enabled) {
      const { RedisOutput } = await import("../alerts/redis.ts");
      hub.subscribe(
        new RedisOutput({
          host: outputs.redis.host,
          port: outputs.redis.port,
          mode: outputs.redis.mode as "rpush" | "lpush" | "publish",
          key: outputs.redis.key,
          maxBuffer: outputs.redis.max_buffer,
          onProblem: problem,
        }),
        { queue: 100_000 },
      );
    }
    if (csv !== undefined) {
      try {
        if (csv.error !== undefined) throw csv.error;
        const subscriber = csv.subscriber({
          path: csv.path,
          file: csv.file,
          rotateBytes: outputs.feedback_csv.rotate_mb * 1e6,
          keep: outputs.feedback_csv.rotate_keep,
        });
        opened.csvFile = undefined; // (the subscriber owns it now)
        hub.subscribe(subscriber, { queue: 100_000 });
        sensor.#csvReopen = () => subscriber.file.reopen();
      } catch (e) {
        try {
          opened.csvFile?.close();
        } catch { /* closing is all that is left to do */ }
        opened.csvFile = undefined;
        problem(`Cannot open feedback CSV ${csv.path}: ${(e as Error).message.split("\n")[0]} — other outputs go on`);
      }
    }
    // logrotate convention: SIGHUP reopens the files (EVE, feedback CSV)
    if (Deno.build.os !== "windows" && (eve || sensor.#csvReopen)) {
      const onHup = () => {
        try {
          eve?.reopen();
          sensor.#csvReopen?.();
        } catch (e) {
          problem((e as Error).message.split("\n")[0]);
        }
      };
      Deno.addSignalListener("SIGHUP", onHup);
      sensor.#removeHup = opened.removeHup = () => Deno.removeSignalListener("SIGHUP", onHup);
    }
    return sensor;
  }

  /**
   * The feedback CSV's path, and its file when it is a special file (a FIFO, opened without blocking this thread: its
   * open waits for a reader, inside `options.waiting`); `error` when that open failed (said when the CSV subscribes).
   */
  static async #openCsv(
    options: SensorOptions,
    opened: Opened,
  ): Promise<{ path: string; subscriber: typeof feedbackCsvSubscriber; file?: Deno.FsFile; error?: unknown }> {
    const [{ feedbackCsvSubscriber: subscriber }, { join }, { openSpecialFile }] = await Promise.all([
      import("../alerts/feedback_csv.ts"),
      import("node:path"),
      import("../alerts/rotating_file.ts"),
    ]);
    const configured = options.config.outputs.feedback_csv.path;
    const path = configured !== "" ? configured : join(options.data ?? ".", "feedback.csv");
    try {
      const opening = openSpecialFile(path);
      const file = await (options.waiting?.(`a reader of the feedback CSV ${path}`, opening) ?? opening);
      opened.csvFile = file;
      return { path, subscriber, file };
    } catch (error) {
      return { path, subscriber, error };
    }
  }

  /** The configuration in force. */
  get config(): Config {
    return this.#config;
  }

  /** Starts a capture (live or replay) in the capture Worker, feeding this sensor. */
  async capture(
    start: CaptureStart,
    callbacks: Omit<CaptureSessionOptions, "hub" | "decision"> = {},
  ): Promise<CaptureSession> {
    const model = this.#model;
    const alerts = model !== undefined && this.#config.ml.alerts && !(start.mode === "replay" && start.noDetect);
    // an unpaced replay of files waits for the model's verdicts (the same file, the same model-only alerts)
    const window = modelWindowOf(start, alerts);
    const modelAlerts = alerts
      ? new ModelAlerts({
        model,
        decision: this.decision,
        config: this.#config,
        wait: window.modelWindow !== undefined,
      })
      : undefined;
    const session = await CaptureSession.start(
      {
        ...start,
        ...window,
        features: (model !== undefined || this.#deferred !== undefined) &&
          !(start.mode === "replay" && start.noDetect),
      },
      { ...callbacks, hub: this.hub, decision: this.decision, modelAlerts },
    );
    this.#sessions.add(session);
    session.done.then(() => this.#sessions.delete(session));
    return session;
  }

  /** Applies a changed configuration everywhere (detectors in running captures, decision stage, retention). */
  configure(config: Config): void {
    this.#config = config;
    this.decision.configure(config);
    this.storeWriter?.setRetention(config.store.retention_days, config.store.max_alerts);
    for (const s of this.#sessions) s.configure(config);
  }

  /**
   * Waits for pending decisions, drains the hub and closes every output (the store last, with the
   * run's final counters); returns the outputs' counters.
   */
  async close(final: { status?: string; counters?: unknown; iface?: string } = {}): Promise<SubscriberStats[]> {
    await this.decision.drain();
    this.#removeHup?.();
    this.#model?.close();
    this.#deferred?.close();
    const stats = await this.hub.close();
    if (this.store) {
      try {
        this.store.finishRun(final.status ?? "stopped", {
          ...(final.counters as object ?? {}),
          decision: this.decision.counters(),
          store: this.storeWriter?.stats,
        }, final.iface);
      } catch { /* the write failures were already reported */ }
      this.store.close();
    }
    return stats;
  }
}
