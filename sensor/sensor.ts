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
import { eveSubscriber, EveWriter } from "../alerts/eve_writer.ts";
import type { Config } from "../config/defaults.ts";
import type { SubscriberStats } from "../core/hub_event.ts";
import type { CaptureStart } from "./capture_protocol.ts";
import { CaptureSession, type CaptureSessionOptions } from "./capture_session.ts";
import { DecisionStage, type Ips, type MlClassifier } from "./decision.ts";
import { Hub } from "./hub.ts";

/** Options of {@link Sensor.open}. */
export interface SensorOptions {
  config: Config;
  /** EVE output: a path (appended) or `-` for stdout. */
  eve?: string;
  /** The model for the decision stage. */
  ml?: MlClassifier;
  /** The IPS for the decision stage. */
  ips?: Ips;
  /** One line per problem of an output (first failure of each; later ones are counted). */
  onProblem?: (line: string) => void;
}

/** Hub + decision stage + outputs. */
export class Sensor {
  /** Where every event goes. */
  readonly hub: Hub;
  /** Detection events in, alerts out on the hub. */
  readonly decision: DecisionStage;
  #config: Config;
  #sessions = new Set<CaptureSession>();

  private constructor(config: Config, hub: Hub, decision: DecisionStage) {
    this.#config = config;
    this.hub = hub;
    this.decision = decision;
  }

  /**
   * Creates the hub and the decision stage and opens the outputs.
   *
   * @throws {Error} `Cannot open EVE output PATH: …` when the EVE file cannot be opened
   */
  static open(options: SensorOptions): Promise<Sensor> {
    const problem = options.onProblem ?? ((line: string) => console.error(`ids: ${line}`));
    const hub = new Hub({
      onError: (name, e) => problem(`output ${name} failed: ${e instanceof Error ? e.message : String(e)}`),
    });
    const decision = new DecisionStage({ hub, config: options.config, ml: options.ml, ips: options.ips });
    const sensor = new Sensor(options.config, hub, decision);
    if (options.eve !== undefined) hub.subscribe(eveSubscriber(EveWriter.open(options.eve)), { queue: 100_000 });
    return Promise.resolve(sensor);
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
    const session = await CaptureSession.start(start, { ...callbacks, hub: this.hub, decision: this.decision });
    this.#sessions.add(session);
    session.done.then(() => this.#sessions.delete(session));
    return session;
  }

  /** Applies a changed configuration everywhere (detectors in running captures, decision stage). */
  configure(config: Config): void {
    this.#config = config;
    this.decision.configure(config);
    for (const s of this.#sessions) s.configure(config);
  }

  /** Waits for pending decisions, drains the hub and closes every output; returns their counters. */
  async close(): Promise<SubscriberStats[]> {
    await this.decision.drain();
    return await this.hub.close();
  }
}
