/**
 * The flow model plugged into the decision stage: an {@link MlClassifier} that classifies a
 * detection from the feature row its capture engine attached (`event.flow.features`).
 *
 * @module
 */
import type { AttackType } from "../core/attack_type.ts";
import type { MlVerdict } from "../core/alert.ts";
import type { DetectionEvent } from "../core/detection.ts";
import type { ModelCounters } from "../core/hub_event.ts";
import { checkModel, type ClassifierOptions, type FlowClassifier, loadClassifier } from "../ml/classifier.ts";
import { FEATURE_VERSION } from "../ml/features.ts";
import { mapBlocksApartWhile, releaseFreedMemory } from "../ffi/release_memory.ts";
import type { MlClassifier } from "./decision.ts";
import { DeferredModel } from "./deferred_model.ts";

/** {@link loadFlowModel} maps blocks from this size apart while the model starts in a large process (V8's zone blocks). */
const MODEL_START_BLOCKS = 32 * 1024;
/** What a process holds (MB) from which the model's start maps its blocks apart (see {@link loadFlowModel}). */
const MODEL_START_RESIDENT_MB = 128;

/** Adapts a {@link FlowClassifier} to the decision stage. */
export class FlowModel implements MlClassifier {
  readonly name: string;
  /** Events without a usable feature row (no flow, or features of another version). */
  unclassifiable = 0;
  /** Verdicts already given on model-only events (by {@link remember}), keyed by flow id and time. */
  #known = new Map<string, MlVerdict>();
  /** Set by {@link close}: what {@link problem} said just before it (a close of ours is no problem). */
  #closed: { problem: string | undefined } | undefined;

  constructor(readonly classifier: FlowClassifier) {
    this.name = modelName(classifier.info);
  }

  /** Classifies the event's flow; `undefined` when it has no feature row or the model has no answer. */
  async classify(event: DetectionEvent, signal: AbortSignal): Promise<MlVerdict | undefined> {
    const key = `${event.flowId}:${event.tsUs}:${event.type}`;
    const known = this.#known.get(key);
    if (known !== undefined) {
      this.#known.delete(key);
      return known;
    }
    const f = event.flow?.features;
    if (f === undefined || event.flow?.featureVersion !== FEATURE_VERSION) {
      this.unclassifiable++;
      return undefined;
    }
    const v = await this.classifier.classify(f);
    if (v === undefined || signal.aborted) return undefined;
    return { type: v.label as AttackType | "normal", confidence: v.confidence, model: this.name };
  }

  /**
   * Records the verdict the model already gave on a model-only event, so the decision stage gets it
   * at once instead of asking again (bounded: the oldest of 4096 is dropped).
   */
  remember(event: DetectionEvent, verdict: { label: string; confidence: number }): void {
    const key = `${event.flowId}:${event.tsUs}:${event.type}`;
    this.#known.set(key, { type: verdict.label as AttackType, confidence: verdict.confidence, model: this.name });
    if (this.#known.size > 4096) this.#known.delete(this.#known.keys().next().value!);
  }

  /** The classifier's counters so far (requested, classified, dropped when its queue was full, failed, unanswered). */
  counters(): ModelCounters {
    const c = this.classifier.counters;
    return {
      requested: c.requested,
      classified: c.classified,
      dropped: c.dropped,
      failed: c.failed,
      unanswered: c.unanswered,
    };
  }

  /**
   * Why the model no longer classifies (e.g. `model Worker failed (Uncaught Error: boom)`: every
   * request since answers `undefined`, heuristics only), or `undefined` while it does. Kept after
   * {@link close}, which is not a problem itself.
   */
  problem(): string | undefined {
    if (this.#closed !== undefined) return this.#closed.problem;
    const c = this.classifier;
    return c.ready ? undefined : c.status.reason ?? "model not loaded";
  }

  /** What the dashboard shows: the model's name, or `heuristics only (<reason>)` once it no longer classifies. */
  get status(): string {
    const problem = this.problem();
    return problem === undefined ? this.name : `heuristics only (${problem})`;
  }

  /** Ends a confined start ({@link ClassifierOptions.confineTo}): every thread may use every CPU again. */
  unconfine(): void {
    this.classifier.unconfine();
  }

  /** Stops the model Worker. */
  close(): void {
    this.#closed ??= { problem: this.problem() };
    this.classifier.close();
  }
}

/** How a model is named in alerts and on the dashboard: `ids-flow 2026-11-30`. */
export function modelName(info: { name?: string; created?: string } | undefined): string {
  return `${info?.name ?? "ids-flow"}${info?.created ? ` ${info.created}` : ""}`;
}

const notUsed = (reason: string | undefined) =>
  `warning: flow model not used (${reason}): heuristics only. ` +
  "Rebuild it with `deno task train`, or set ml.enabled to false to silence this.";

/**
 * Loads the model for a sensor run. Returns `undefined` (heuristics only) when the configuration
 * turns it off or the model is missing/unusable; the latter is reported with one `warn` line (and its reason). The
 * ~40 MB of native memory the WASM runtime's start-up frees are handed back to the OS at once
 * (`ffi/release_memory.ts`): otherwise the allocator keeps them resident for the whole run.
 */
export async function loadFlowModel(
  config: { readonly ml: { readonly enabled: boolean } },
  warn: (line: string, reason: string | undefined) => void,
  options: ClassifierOptions = {},
): Promise<FlowModel | undefined> {
  if (!config.ml.enabled) return undefined;
  // onnxruntime's start peaks ~25 MB above what it keeps (holes its WASM compilations leave in the model Worker's
  // arena): in a process already holding a capture's full tables (a replay whose first detection comes once a
  // flood filled them) that peak stacks on theirs, so its blocks are mapped apart then (~50 ms more CPU); not for
  // a smaller process (every short replay, `ids run` at its start)
  const c = await mapBlocksApartWhile(() => loadClassifier(options), {
    fromBytes: MODEL_START_BLOCKS,
    whenResidentMb: MODEL_START_RESIDENT_MB,
  });
  releaseFreedMemory();
  if (!c.ready) {
    warn(notUsed(c.status.reason), c.status.reason);
    return undefined;
  }
  return new FlowModel(c);
}

/**
 * The model for a run that starts its Worker only at the first detection (a {@link DeferredModel}
 * the decision stage starts by waiting for it). What can be checked without onnxruntime is checked
 * now ({@link checkModel}: metadata, file, input and output shapes), so a missing or mismatched model
 * is still one `warn` line at start-up and `undefined` (heuristics only, no feature extraction).
 * A model that passes these checks but that onnxruntime then refuses is reported by the same line
 * when it starts.
 */
export async function startFlowModelLazily(
  config: { readonly ml: { readonly enabled: boolean } },
  warn: (line: string, reason: string | undefined) => void,
  options: ClassifierOptions = {},
  /** Options worked out only when the model starts (e.g. `confineTo`: CPU affinity read through FFI, ~2-3 ms). */
  atStart?: () => ClassifierOptions,
): Promise<DeferredModel | undefined> {
  if (!config.ml.enabled) return undefined;
  const checked = await checkModel(options.modelPath);
  if (checked.model === undefined) {
    warn(notUsed(checked.problem), checked.problem);
    return undefined;
  }
  return DeferredModel.lazy(
    () => loadFlowModel(config, warn, { ...options, ...atStart?.(), checked: checked.model }),
    modelName(checked.model.info),
  );
}
