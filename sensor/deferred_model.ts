/**
 * A flow model that is not loaded yet, for a start-up that does not wait for it.
 *
 * - **Loading** (`new DeferredModel(loadFlowModel(…))`): the model Worker compiles its WASM runtime
 *   (~0.4 s) while the capture Worker already reads packets.
 * - **Lazy** (`DeferredModel.lazy(start)`, see {@link startFlowModelLazily}): the model Worker starts
 *   only when the decision stage first needs a verdict, i.e. at the first detection. A capture
 *   without a detection never pays for onnxruntime (~0.5 s of CPU, ~70–100 MB resident).
 *
 * Either way the decision stage waits for {@link DeferredModel.ready} before it starts the model's
 * deadline, so every alert gets the verdict it would get had the model been loaded first.
 *
 * @module
 */
import type { MlVerdict } from "../core/alert.ts";
import type { MlClassifier } from "../core/classifier.ts";
import type { DetectionEvent } from "../core/detection.ts";
import type { ModelCounters } from "../core/hub_event.ts";
import type { FlowModel } from "./flow_model.ts";

/** A {@link FlowModel} being loaded, or loaded on first use (see module docs). */
export class DeferredModel implements MlClassifier {
  /**
   * The model's name: `loading` before it loaded (or the name from its metadata when known), `none`
   * when it could not be loaded.
   */
  name: string;
  #start: (() => Promise<FlowModel | undefined>) | undefined;
  #ready: Promise<FlowModel | undefined> | undefined;
  #model: FlowModel | undefined;
  /** The model once {@link close} closed it (its counters stay readable for the report). */
  #closedModel: FlowModel | undefined;
  #closed = false;
  #failed = false;
  #unconfined = false;

  /**
   * Wraps a loading model (`loadFlowModel(…)` not awaited), or a function that starts loading it
   * when first needed (see {@link DeferredModel.lazy}).
   */
  constructor(loading: Promise<FlowModel | undefined> | (() => Promise<FlowModel | undefined>), name = "loading") {
    this.name = name;
    if (typeof loading === "function") this.#start = loading;
    else this.#ready = this.#settle(loading);
  }

  /** A model whose loading starts at the first {@link ready} or {@link classify} (`name`: from its metadata). */
  static lazy(start: () => Promise<FlowModel | undefined>, name: string): DeferredModel {
    return new DeferredModel(start, name);
  }

  /**
   * Resolves with the model, or `undefined` when it could not be loaded (heuristics only); never
   * rejects. Reading it starts a lazy model's loading.
   */
  get ready(): Promise<FlowModel | undefined> {
    if (this.#ready === undefined) {
      const start = this.#start;
      this.#start = undefined;
      let loading: Promise<FlowModel | undefined>;
      try {
        loading = start === undefined || this.#closed ? Promise.resolve(undefined) : start();
      } catch (e) {
        loading = Promise.reject(e);
      }
      this.#ready = this.#settle(loading);
    }
    return this.#ready;
  }

  /** True once loading started (always for a loading model; at first use for a lazy one). */
  get started(): boolean {
    return this.#ready !== undefined;
  }

  /** The model once loaded. */
  get model(): FlowModel | undefined {
    return this.#model;
  }

  /**
   * What the dashboard shows: the model's name once loaded, `NAME (loading)` while it loads,
   * `NAME (starts at the first detection)` before a lazy one started, `null` when it could not be
   * loaded (heuristics only), `heuristics only (<reason>)` once a loaded model no longer classifies
   * ({@link FlowModel.problem}: its Worker failed).
   */
  get status(): string | null {
    if (this.#model !== undefined) return this.#model.status;
    if (this.#failed || this.#closed) return null;
    return this.started ? `${this.name} (loading)` : `${this.name} (starts at the first detection)`;
  }

  /** Classifies with the loaded model; `undefined` (no opinion) before it loaded or when it could not. */
  classify(event: DetectionEvent, signal: AbortSignal): Promise<MlVerdict | undefined> {
    if (this.#model !== undefined) return this.#model.classify(event, signal);
    void this.ready; // a lazy model starts now; the decision stage waits for `ready` first anyway
    return Promise.resolve(undefined);
  }

  /** The loaded model's counters (kept after {@link close}); `undefined` before it loaded or when it could not. */
  counters(): ModelCounters | undefined {
    return (this.#model ?? this.#closedModel)?.counters();
  }

  /** Why the loaded model no longer classifies ({@link FlowModel.problem}, kept after {@link close}). */
  problem(): string | undefined {
    return (this.#model ?? this.#closedModel)?.problem();
  }

  /**
   * Ends a confined start (`confineTo` of its loading options): now when loaded, else as soon as it
   * loaded.
   */
  unconfine(): void {
    this.#unconfined = true;
    this.#model?.unconfine();
  }

  /** Stops the model Worker (now, or as soon as it loaded); a lazy model not started never starts. */
  close(): void {
    this.#closed = true;
    this.#start = undefined;
    this.#model?.close();
    this.#closedModel ??= this.#model;
    this.#model = undefined;
  }

  #settle(loading: Promise<FlowModel | undefined>): Promise<FlowModel | undefined> {
    return loading.then((m) => {
      if (this.#closed) {
        m?.close();
        return undefined;
      }
      this.#model = m;
      if (this.#unconfined) m?.unconfine();
      if (m === undefined) this.#failed = true;
      this.name = m?.name ?? "none";
      return m;
    }, () => {
      this.#failed = true;
      this.name = "none";
      return undefined;
    });
  }
}
