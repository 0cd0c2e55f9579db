/**
 * A flow model still loading, for a start-up that does not wait for it: the model Worker compiles
 * its WASM runtime (~0.4 s) while the capture Worker already reads packets. The decision stage
 * waits for {@link DeferredModel.ready} before it starts the model's deadline, so every alert gets
 * the verdict it would get had the model been loaded first.
 *
 * @module
 */
import type { MlVerdict } from "../core/alert.ts";
import type { MlClassifier } from "../core/classifier.ts";
import type { DetectionEvent } from "../core/detection.ts";
import type { FlowModel } from "./flow_model.ts";

/** A {@link FlowModel} being loaded (see module docs). */
export class DeferredModel implements MlClassifier {
  /** The model's name once loaded (`loading` before, `none` when it could not be loaded). */
  name = "loading";
  /** Resolves with the model, or `undefined` when it could not be loaded (heuristics only); never rejects. */
  readonly ready: Promise<FlowModel | undefined>;
  #model: FlowModel | undefined;
  #closed = false;

  /** Wraps a loading model (`loadFlowModel(…)` not awaited). */
  constructor(loading: Promise<FlowModel | undefined>) {
    this.ready = loading.then((m) => {
      if (this.#closed) {
        m?.close();
        return undefined;
      }
      this.#model = m;
      this.name = m?.name ?? "none";
      return m;
    }, () => {
      this.name = "none";
      return undefined;
    });
  }

  /** The model once loaded. */
  get model(): FlowModel | undefined {
    return this.#model;
  }

  /** Classifies with the loaded model; `undefined` (no opinion) before it loaded or when it could not. */
  classify(event: DetectionEvent, signal: AbortSignal): Promise<MlVerdict | undefined> {
    return this.#model !== undefined ? this.#model.classify(event, signal) : Promise.resolve(undefined);
  }

  /** Stops the model Worker (now, or as soon as it loaded). */
  close(): void {
    this.#closed = true;
    this.#model?.close();
    this.#model = undefined;
  }
}
