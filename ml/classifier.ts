/**
 * The flow classifier as the sensor uses it: loads `models/ids-flow.onnx` into the model Worker,
 * checks it against the feature code, and classifies feature rows in batches without ever blocking
 * the caller.
 *
 * - Requests queue up to `maxQueue` rows; a full queue answers `undefined` at once (the heuristic
 *   label stands) and counts it in {@link ClassifierCounters.dropped}. Rows asked for while no model
 *   classifies, and rows queued or in the Worker's hands when it closes or fails, answer `undefined`
 *   too and count in {@link ClassifierCounters.unanswered}: once no row waits, `requested` =
 *   `classified` + `dropped` + `failed` + `unanswered`.
 * - While one batch runs in the Worker the next one fills, so batches grow with load and a lone
 *   request goes out immediately (low latency when idle). The rows asked for in one task, also from
 *   successive microtasks (as the decision stage asks for a message's detections), go as one batch:
 *   a batch costs the Worker far more than a row. When a full batch (`maxBatch` rows) waits, it goes
 *   out while the other is still running ({@link MAX_IN_FLIGHT} batches at most): the Worker then
 *   finds its next batch when it finishes one instead of idling for the round trip, and the reply
 *   sends the next batch before it resolves its rows' promises.
 * - A missing, unreadable or mismatched model never throws: {@link loadClassifier} returns a
 *   classifier whose status is `heuristics only` with the reason, and every request answers
 *   `undefined`.
 *
 * @module
 */
import { confineV8Workers, keepCallerOff } from "../ffi/affinity.ts";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION } from "./features.ts";
import { ONNX_FLOAT, onnxIo } from "./onnx_shape.ts";
import type { WorkerReply, WorkerRequest } from "./ml_worker.ts";

/**
 * Default model path: `models/ids-flow.onnx` beside this module's folder. Built from
 * `import.meta.dirname` by hand: `node:path` and `node:url` cost the replay's main thread ~5–8 ms of
 * start-up to load, and nothing else there needs them.
 */
export const DEFAULT_MODEL_PATH: string = besideParent(import.meta.dirname!, "models", "ids-flow.onnx");

/** `DIR/../PARTS…`: the folder above `dir` (an absolute path), then `parts`, with `dir`'s separator. */
export function besideParent(dir: string, ...parts: string[]): string {
  const sep = dir.includes("/") ? "/" : "\\";
  return [dir.slice(0, dir.lastIndexOf(sep)), ...parts].join(sep);
}

/** What the model said about one row. */
export interface FlowVerdict {
  /** Most probable class (`normal` or an attack type). */
  label: string;
  /** Its probability, 0–1. */
  confidence: number;
}

/** Load state, for `ids model info` and the dashboard. */
export interface ClassifierStatus {
  /** `loaded`: the model classifies; `heuristics only`: it does not (see `reason`). */
  state: "loaded" | "heuristics only";
  /** Why the model is not in use. */
  reason?: string;
  /** Model file. */
  path: string;
  /** Classes in output order (when the metadata was readable). */
  classes: string[];
  /** Session load time (ms). */
  loadMs?: number;
}

/** Counters of one classifier. */
export interface ClassifierCounters {
  /** Rows submitted. */
  requested: number;
  /** Rows answered with a verdict. */
  classified: number;
  /** Rows refused because the queue was full (the heuristic label stood). */
  dropped: number;
  /** Batches sent to the Worker. */
  batches: number;
  /** Rows that failed in the Worker. */
  failed: number;
  /**
   * Rows answered `undefined` because no model classified them (the heuristic label stood): asked for
   * while it was not loaded, or queued or in the Worker's hands when it closed or failed.
   */
  unanswered: number;
}

/** Options of {@link loadClassifier}. */
export interface ClassifierOptions {
  /** ONNX file (default {@link DEFAULT_MODEL_PATH}); its metadata is the `.json` beside it. */
  modelPath?: string;
  /** Most rows waiting (default 4096). */
  maxQueue?: number;
  /** Most rows per batch (default 1024). */
  maxBatch?: number;
  /** How long to wait for the Worker to load the model (default 30 s). */
  loadTimeoutMs?: number;
  /** The model as {@link checkModel} read it (skips reading and checking it again). */
  checked?: CheckedModel;
  /**
   * CPUs that the model Worker's thread and V8's background threads (which compile onnxruntime's
   * WASM) are confined to from the start until {@link FlowClassifier.unconfine} (see
   * `ffi/affinity.ts`): a replay's capture Worker then keeps a core while the model starts. None: no
   * confinement.
   */
  confineTo?: readonly number[];
  /**
   * With `confineTo`: the calling thread keeps off those CPUs too, from the Worker's start until
   * {@link FlowClassifier.unconfine} (`keepCallerOff` in `ffi/affinity.ts`), for a replay whose capture runs on the
   * calling thread: each batch posted to the model Worker wakes it, and woken on the capture's core it takes that
   * core for milliseconds. Default false.
   */
  keepCallerOff?: boolean;
}

/** A model file and its metadata that passed {@link checkModel}. */
export interface CheckedModel {
  /** The ONNX file. */
  path: string;
  /** Its metadata. */
  info: ModelInfo;
  /** Its bytes. */
  bytes: Uint8Array;
}

/** The model's metadata file (`models/ids-flow.json`). */
export interface ModelInfo {
  name?: string;
  created?: string;
  feature_version: number;
  classes: string[];
  features: string[];
  data?: Record<string, unknown>;
  metrics?: {
    macro_f1?: number;
    accuracy?: number;
    per_class?: Record<string, { precision: number; recall: number; f1: number; support: number }>;
    confusion_matrix?: { labels: string[]; rows_true_cols_predicted: number[][] };
  };
  measured?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Reads and checks the model metadata; returns the reason when it does not fit this feature code. */
export async function readModelInfo(modelPath: string): Promise<{ info?: ModelInfo; problem?: string }> {
  const metaPath = modelPath.replace(/\.onnx$/, "") + ".json";
  let info: ModelInfo;
  try {
    info = JSON.parse(await Deno.readTextFile(metaPath));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { problem: `${metaPath} does not exist` };
    return { problem: `${metaPath} is unreadable (${(e as Error).message})` };
  }
  if (!Array.isArray(info.classes) || !Array.isArray(info.features)) {
    return { info, problem: `${metaPath} lacks classes or features` };
  }
  if (info.feature_version !== FEATURE_VERSION) {
    return {
      info,
      problem: `model built for feature code v${info.feature_version}, this sensor has v${FEATURE_VERSION}`,
    };
  }
  if (info.features.length !== FEATURE_COUNT || info.features.some((f, i) => f !== FEATURE_NAMES[i])) {
    return { info, problem: `model expects ${info.features.length} features, this sensor computes ${FEATURE_COUNT}` };
  }
  return { info };
}

/**
 * Everything about a model that can be checked without starting onnxruntime (a few ms): the
 * metadata fits this feature code, the file is readable, and the ONNX graph takes
 * {@link FEATURE_COUNT} float features and gives one probability per class of the metadata.
 * Returns the checked model, or the reason it cannot be used (with the metadata when readable).
 */
export async function checkModel(modelPath: string = DEFAULT_MODEL_PATH): Promise<
  { model: CheckedModel; problem?: undefined; info?: undefined } | {
    model?: undefined;
    problem: string;
    info?: ModelInfo;
  }
> {
  const { info, problem } = await readModelInfo(modelPath);
  if (problem !== undefined || info === undefined) return { problem: problem ?? "no metadata", info };
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(modelPath);
  } catch (e) {
    return {
      problem: e instanceof Deno.errors.NotFound ? `${modelPath} does not exist` : `${modelPath} is unreadable`,
      info,
    };
  }
  let io;
  try {
    io = onnxIo(bytes);
  } catch (e) {
    return { problem: `${modelPath} is not an ONNX model (${(e as Error).message})`, info };
  }
  const input = io.inputs[0], output = io.outputs[0];
  const width = input.dims.at(-1);
  if (
    input.elemType !== ONNX_FLOAT || input.dims.length !== 2 || (typeof width === "number" && width !== FEATURE_COUNT)
  ) {
    return {
      problem: `${modelPath} takes ${typeof width === "number" ? width : "?"} ${
        input.elemType === ONNX_FLOAT ? "float" : `type-${input.elemType}`
      } features per row, this sensor computes ${FEATURE_COUNT} floats`,
      info,
    };
  }
  const classes = output.dims.at(-1);
  if (typeof classes === "number" && classes !== info.classes.length) {
    return {
      problem: `${modelPath} gives ${classes} probabilities, its metadata lists ${info.classes.length} classes`,
      info,
    };
  }
  return { model: { path: modelPath, info, bytes } };
}

/**
 * Most batches in the Worker's hands at once. A second batch goes out only when a full one waits
 * (saturation); below that, the next batch fills while one runs, as before.
 */
export const MAX_IN_FLIGHT = 2;

interface Pending {
  resolve: (v: FlowVerdict | undefined) => void;
}

/** Classifies feature rows in the model Worker (see module docs). */
export class FlowClassifier {
  /** Load state. */
  readonly status: ClassifierStatus;
  /** Counters. */
  readonly counters: ClassifierCounters = {
    requested: 0,
    classified: 0,
    dropped: 0,
    batches: 0,
    failed: 0,
    unanswered: 0,
  };
  /** Model metadata, when readable. */
  readonly info: ModelInfo | undefined;
  #worker: Worker | undefined;
  #classes: string[];
  #maxQueue: number;
  #maxBatch: number;
  /** Queued rows: a ring of `maxQueue` rows starting at `#head`, `#count` long. */
  #buf: Float32Array;
  #waiting: (Pending | undefined)[];
  #head = 0;
  #count = 0;
  #inFlight = new Map<number, Pending[]>();
  #direct = new Map<number, (probs: Float32Array | undefined) => void>();
  #cpu = new Map<number, (ns: number | undefined) => void>();
  #nextId = 1;
  #sendQueued = false;
  /** Releases the confinement of the start (see {@link ClassifierOptions.confineTo}). */
  #unconfine: (() => void) | undefined;

  /** @internal use {@link loadClassifier} */
  constructor(
    status: ClassifierStatus,
    info: ModelInfo | undefined,
    worker: Worker | undefined,
    o: ClassifierOptions,
    unconfine?: () => void,
  ) {
    this.status = status;
    this.#unconfine = unconfine;
    this.info = info;
    this.#worker = worker;
    this.#classes = status.classes;
    this.#maxQueue = Math.max(1, o.maxQueue ?? 4096);
    this.#maxBatch = Math.max(1, o.maxBatch ?? 1024);
    this.#buf = new Float32Array(this.#maxQueue * FEATURE_COUNT);
    this.#waiting = new Array(this.#maxQueue);
    if (worker) {
      worker.onmessage = (e: MessageEvent<WorkerReply>) => this.#onReply(e.data);
      // a Worker that dies leaves nothing waiting: its requests answer `undefined` (heuristic labels)
      worker.onerror = (e) => {
        e.preventDefault();
        this.status.reason = `model Worker failed (${e.message})`;
        this.close();
      };
    }
  }

  /** True when the model classifies. */
  get ready(): boolean {
    return this.status.state === "loaded";
  }

  /** Rows waiting for the next batch. */
  get queued(): number {
    return this.#count;
  }

  /** Most rows waiting for the next batch; past it a request answers `undefined` at once (dropped). */
  get maxQueue(): number {
    return this.#maxQueue;
  }

  /**
   * Classifies one feature row (FEATURE_COUNT values, copied at once). Resolves `undefined` when
   * the model is not loaded, the queue is full, or the Worker failed — never rejects.
   */
  classify(row: ArrayLike<number>): Promise<FlowVerdict | undefined> {
    this.counters.requested++;
    if (!this.ready) {
      this.counters.unanswered++;
      return Promise.resolve(undefined);
    }
    if (this.#count >= this.#maxQueue) {
      this.counters.dropped++;
      return Promise.resolve(undefined);
    }
    const at = (this.#head + this.#count) % this.#maxQueue;
    this.#buf.set(row as ArrayLike<number>, at * FEATURE_COUNT);
    this.#count++;
    return new Promise((resolve) => {
      this.#waiting[at] = { resolve };
      this.#schedule();
    });
  }

  /**
   * Every class probability for `n` rows (row-major, FEATURE_COUNT each), in one batch outside the
   * queue: for parity checks and benchmarks. Resolves `undefined` when the model is not loaded.
   */
  probabilities(rows: Float32Array, n: number): Promise<Float32Array | undefined> {
    const w = this.#worker;
    if (w === undefined || !this.ready) return Promise.resolve(undefined);
    const id = this.#nextId++;
    const copy = rows.slice(0, n * FEATURE_COUNT);
    return new Promise((resolve) => {
      this.#direct.set(id, resolve);
      const msg: WorkerRequest = { type: "infer", id, rows: copy.buffer, n, features: FEATURE_COUNT };
      w.postMessage(msg, [copy.buffer]);
    });
  }

  /**
   * CPU time the model Worker's thread has used so far (ns), where the platform tells (Linux);
   * `undefined` otherwise or when no Worker runs. Answered after every batch sent before it.
   */
  workerCpuNs(): Promise<number | undefined> {
    const w = this.#worker;
    if (w === undefined) return Promise.resolve(undefined);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#cpu.set(id, resolve);
      const msg: WorkerRequest = { type: "cpu", id };
      w.postMessage(msg);
    });
  }

  /**
   * Lets the model Worker and V8's background threads run on every CPU they could before a confined
   * start ({@link ClassifierOptions.confineTo}); idempotent, a no-op without confinement.
   */
  unconfine(): void {
    const release = this.#unconfine;
    if (release === undefined) return;
    this.#unconfine = undefined;
    release();
    try {
      const msg: WorkerRequest = { type: "affinity" };
      this.#worker?.postMessage(msg);
    } catch { /* terminated */ }
  }

  /** Stops the Worker; pending requests resolve `undefined` (counted in {@link ClassifierCounters.unanswered}). */
  close(): void {
    this.unconfine();
    this.#worker?.terminate();
    this.#worker = undefined;
    for (let i = 0; i < this.#count; i++) this.#waiting[(this.#head + i) % this.#maxQueue]?.resolve(undefined);
    this.counters.unanswered += this.#count;
    for (const ps of this.#inFlight.values()) {
      this.counters.unanswered += ps.length;
      for (const p of ps) p.resolve(undefined);
    }
    for (const r of this.#direct.values()) r(undefined);
    this.#direct.clear();
    for (const r of this.#cpu.values()) r(undefined);
    this.#cpu.clear();
    this.#count = 0;
    this.#inFlight.clear();
    (this.status as { state: string }).state = "heuristics only";
    this.status.reason ??= "closed";
  }

  /**
   * Sends the queued rows from a microtask queued behind the requests already waiting to run, unless
   * a batch is in flight and no full batch waits (its reply sends them): the detections of one capture
   * message, whose verdicts are asked for one microtask after another, travel as one batch instead of
   * one row and then the rest.
   */
  #schedule(): void {
    if (this.#sendQueued || !this.#sendable()) return;
    this.#sendQueued = true;
    queueMicrotask(this.#sendLater);
  }

  #sendLater = (): void => {
    this.#sendQueued = false;
    this.#pump();
  };

  /** A batch may go now: none in flight, or a full one waits and fewer than {@link MAX_IN_FLIGHT} are out. */
  #sendable(): boolean {
    const out = this.#inFlight.size;
    return out === 0 || (out < MAX_IN_FLIGHT && this.#count >= this.#maxBatch);
  }

  /** Sends batches while {@link #sendable}. */
  #pump(): void {
    while (this.#count > 0 && this.#worker !== undefined && this.#sendable()) this.#send();
  }

  #send(): void {
    const w = this.#worker;
    if (w === undefined || this.#count === 0) return;
    const n = Math.min(this.#count, this.#maxBatch);
    const len = n * FEATURE_COUNT;
    // exactly the batch's rows: a message costs with the size of what it transfers (a full-size
    // buffer for one row cost ~70 µs more per message on the main thread)
    const ab = new ArrayBuffer(len * 4);
    const out = new Float32Array(ab);
    const batch: Pending[] = new Array(n);
    // the ring may wrap: copy up to its end, then from its start
    const first = Math.min(n, this.#maxQueue - this.#head);
    out.set(this.#buf.subarray(this.#head * FEATURE_COUNT, (this.#head + first) * FEATURE_COUNT));
    if (first < n) out.set(this.#buf.subarray(0, (n - first) * FEATURE_COUNT), first * FEATURE_COUNT);
    for (let i = 0; i < n; i++) {
      const at = (this.#head + i) % this.#maxQueue;
      batch[i] = this.#waiting[at]!;
      this.#waiting[at] = undefined;
    }
    this.#head = (this.#head + n) % this.#maxQueue;
    this.#count -= n;
    const id = this.#nextId++;
    this.#inFlight.set(id, batch);
    this.counters.batches++;
    const msg: WorkerRequest = { type: "infer", id, rows: ab, n, features: FEATURE_COUNT };
    w.postMessage(msg, [ab]);
  }

  #onReply(m: WorkerReply): void {
    if (m.type === "cpu") {
      this.#cpu.get(m.id)?.(m.ns);
      this.#cpu.delete(m.id);
      return;
    }
    const direct = m.type === "result" || m.type === "error" ? this.#direct.get(m.id ?? -1) : undefined;
    if (direct !== undefined) {
      this.#direct.delete((m as { id: number }).id);
      direct(m.type === "result" ? new Float32Array(m.probs) : undefined);
      return;
    }
    if (m.type === "result") {
      const batch = this.#inFlight.get(m.id);
      this.#inFlight.delete(m.id);
      // the next batch first: the Worker works on it while this thread resolves these rows
      this.#pump();
      if (batch) {
        const p = new Float32Array(m.probs);
        const c = m.classes;
        for (let i = 0; i < batch.length; i++) {
          let best = 0;
          for (let k = 1; k < c; k++) if (p[i * c + k] > p[i * c + best]) best = k;
          this.counters.classified++;
          batch[i].resolve({ label: this.#classes[best] ?? String(best), confidence: p[i * c + best] });
        }
      }
    } else if (m.type === "error" && m.id !== undefined) {
      const batch = this.#inFlight.get(m.id) ?? [];
      this.#inFlight.delete(m.id);
      this.counters.failed += batch.length;
      for (const p of batch) p.resolve(undefined);
    }
    this.#pump();
  }
}

/** Loads the model; never throws (a problem gives a classifier in `heuristics only` state). */
export async function loadClassifier(options: ClassifierOptions = {}): Promise<FlowClassifier> {
  const path = options.checked?.path ?? options.modelPath ?? DEFAULT_MODEL_PATH;
  const off = (reason: string, info?: ModelInfo) =>
    new FlowClassifier(
      { state: "heuristics only", reason, path, classes: info?.classes ?? [] },
      info,
      undefined,
      options,
    );
  let checked = options.checked;
  if (checked === undefined) {
    const c = await checkModel(path);
    if (c.model === undefined) return off(c.problem, c.info);
    checked = c.model;
  }
  const { info, bytes } = checked;
  const cpus = options.confineTo !== undefined && options.confineTo.length > 0 ? options.confineTo : undefined;
  // V8's background threads are confined before the Worker starts: they compile its modules and WASM
  const unconfineV8 = cpus !== undefined ? confineV8Workers(cpus) : undefined;
  let worker: Worker;
  try {
    // named with the CPUs to confine its thread to before it imports onnxruntime (messages before "ready" are lost)
    const name = cpus !== undefined ? `ids-model cpus=${cpus.join(",")}` : "ids-model";
    worker = new Worker(new URL("./ml_worker.ts", import.meta.url), { type: "module", name });
  } catch (e) {
    unconfineV8?.();
    return off(`model Worker cannot start (${(e as Error).message})`, info);
  }
  // after the Worker's thread was made: it would inherit the narrower set (and take it back at `affinity`)
  const releaseCaller = cpus !== undefined && options.keepCallerOff === true ? keepCallerOff(cpus) : undefined;
  const unconfine = unconfineV8 === undefined ? undefined : () => {
    releaseCaller?.();
    unconfineV8();
  };
  const t0 = performance.now();
  const timeout = options.loadTimeoutMs ?? 30_000;
  const outcome = await new Promise<WorkerReply | string>((resolve) => {
    const timer = setTimeout(() => resolve(`model Worker did not answer within ${timeout} ms`), timeout);
    worker.onerror = (e) => {
      e.preventDefault();
      clearTimeout(timer);
      resolve(`model Worker failed (${e.message})`);
    };
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      if (e.data.type === "ready") {
        const msg: WorkerRequest = { type: "load", model: bytes };
        worker.postMessage(msg);
        return;
      }
      clearTimeout(timer);
      resolve(e.data);
    };
  });
  if (typeof outcome === "string" || outcome.type !== "loaded") {
    worker.terminate();
    unconfine?.();
    return off(
      typeof outcome === "string" ? outcome : outcome.type === "error" ? outcome.message : "unexpected reply",
      info,
    );
  }
  const c = new FlowClassifier(
    { state: "loaded", path, classes: info.classes, loadMs: performance.now() - t0 },
    info,
    worker,
    options,
    unconfine,
  );
  // one probe row checks the output width against the metadata
  const probe = await c.classify(new Float32Array(FEATURE_COUNT));
  if (probe === undefined || !info.classes.includes(probe.label) || c.counters.failed > 0) {
    c.close();
    return off("model output does not match its metadata", info);
  }
  c.counters.requested = c.counters.classified = c.counters.batches = 0;
  return c;
}
