/**
 * The model Worker: runs the flow model with onnxruntime-web (WASM), one batch at a time.
 *
 * Protocol (see {@link WorkerRequest} / {@link WorkerReply}): the Worker posts `ready` as the last
 * statement of its module (messages posted before that are lost: ORT's import has a top-level
 * await), then answers `load` with `loaded`/`error` and each `infer` with `result`/`error`. A batch's
 * rows arrive in a transferred buffer of exactly its size; its probabilities go back transferred.
 * A Worker named `ids-model cpus=N,…` confines its thread to those CPUs before it imports
 * onnxruntime (see `ffi/affinity.ts`); `affinity` lets it run on every CPU it had again.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type * as Ort from "onnxruntime-web";
import { affinityApi } from "../ffi/affinity.ts";

/** Messages to the Worker. */
export type WorkerRequest =
  | { type: "load"; model: Uint8Array }
  | { type: "affinity" }
  | { type: "infer"; id: number; rows: ArrayBuffer; n: number; features: number }
  | { type: "cpu"; id: number };

/** Messages from the Worker. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "loaded"; inputs: readonly string[]; outputs: readonly string[]; loadMs: number }
  | { type: "result"; id: number; probs: ArrayBuffer; classes: number; runMs: number }
  | { type: "error"; id?: number; message: string }
  | { type: "cpu"; id: number; ns: number | undefined };

/** The CPUs this thread had before its name confined it (see module docs). */
let ownCpus: number[] | undefined;
const confine = /(?:^| )cpus=(\d+(?:,\d+)*)$/.exec(self.name);
if (confine !== null) {
  const api = affinityApi();
  const had = api?.get(0);
  if (had !== undefined && api!.set(0, confine[1].split(",").map(Number))) ownCpus = had;
}
// imported after the confinement: starting onnxruntime's module is the first part of its start's CPU
const ort = await import("onnxruntime-web");
ort.env.wasm.numThreads = 1;
/**
 * onnxruntime's WASM (14 MB), read here into a buffer of exactly its size and freed as soon as V8 has its own copy
 * ({@link compileOnce}). Left to itself onnxruntime reads it with `node:fs`'s `readFileSync` (~32 MB of resident memory
 * for the 14 MB file, half of it garbage at once) and its buffer stays until this isolate's next GC, on top of the
 * tables of a capture that is filling them. `undefined` where the file is not beside onnxruntime's module (onnxruntime
 * then reads it itself, as before).
 */
const wasmBinary = readWasmBinary(import.meta.resolve("onnxruntime-web"));
if (wasmBinary !== undefined) ort.env.wasm.wasmBinary = wasmBinary;
let session: Ort.InferenceSession | undefined;
let chain: Promise<void> = Promise.resolve();

function reply(m: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(m, transfer);
}

/** `ort-wasm-simd-threaded.wasm` beside onnxruntime's entry module, in a buffer of its exact size; undefined if unreadable. */
function readWasmBinary(entry: string): ArrayBuffer | undefined {
  try {
    const url = new URL("ort-wasm-simd-threaded.wasm", entry);
    if (url.protocol !== "file:") return undefined;
    using file = Deno.openSync(url);
    const bytes = new Uint8Array(file.statSync().size);
    for (let at = 0; at < bytes.length;) {
      const n = file.readSync(bytes.subarray(at));
      if (n === null) return undefined; // shorter than it said: let onnxruntime read it
      at += n;
    }
    return bytes.buffer;
  } catch {
    return undefined;
  }
}

/** Frees {@link wasmBinary} now: a detached buffer's memory goes at once, not at a GC. */
function releaseWasmBinary(): void {
  if (wasmBinary === undefined || wasmBinary.detached) return;
  ort.env.wasm.wasmBinary = undefined;
  wasmBinary.transfer(0);
}

/**
 * Runs `start` (onnxruntime's start) with `WebAssembly.instantiate` wrapped so that {@link wasmBinary} is freed as soon
 * as V8 copied it (the call copies the bytes before it returns: they are V8's from then on), not after the rest of the
 * start (~0.5 s and ~60 MB later); freed at the end in any case.
 */
async function compileOnce<T>(start: () => Promise<T>): Promise<T> {
  const instantiate = WebAssembly.instantiate;
  if (wasmBinary === undefined || wasmBinary.detached) return await start();
  WebAssembly.instantiate = ((source: unknown, imports?: WebAssembly.Imports) => {
    const compiling = instantiate(source as BufferSource, imports);
    if (ArrayBuffer.isView(source) ? source.buffer === wasmBinary : source === wasmBinary) releaseWasmBinary();
    return compiling;
  }) as typeof WebAssembly.instantiate;
  try {
    return await start();
  } finally {
    WebAssembly.instantiate = instantiate;
    releaseWasmBinary();
  }
}

/** CPU time this Worker's thread has used (ns; Linux `/proc/thread-self/schedstat`), for benchmarks. */
function threadCpuNs(): number | undefined {
  const path = "/proc/thread-self/schedstat";
  try {
    // query, never request: a benchmark's question must not turn into a permission prompt
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
    return Number(Deno.readTextFileSync(path).split(" ")[0]);
  } catch {
    return undefined; // not Linux, or no read permission there
  }
}

async function handle(m: WorkerRequest): Promise<void> {
  if (m.type === "cpu") {
    reply({ type: "cpu", id: m.id, ns: threadCpuNs() });
    return;
  }
  if (m.type === "affinity") {
    if (ownCpus !== undefined) affinityApi()?.set(0, ownCpus);
    ownCpus = undefined;
    return;
  }
  if (m.type === "load") {
    const t0 = performance.now();
    try {
      // no graph optimisation: it costs ~30 ms of this thread's CPU at load (~10 %; medians of 6
      // interleaved loads, 326 -> 298 ms) and changes nothing in this graph's output (bit-equal on the
      // parity rows; ml/model_test.ts checks the answers against scikit-learn's)
      session = await compileOnce(() => ort.InferenceSession.create(m.model, { graphOptimizationLevel: "disabled" }));
      reply({
        type: "loaded",
        inputs: session.inputNames,
        outputs: session.outputNames,
        loadMs: performance.now() - t0,
      });
    } catch (e) {
      session = undefined;
      reply({ type: "error", message: `Cannot load model: ${(e as Error).message}` });
    }
    return;
  }
  if (m.type === "infer") {
    if (session === undefined) {
      reply({ type: "error", id: m.id, message: "Cannot classify: no model loaded" });
      return;
    }
    const t0 = performance.now();
    try {
      const input = new ort.Tensor("float32", new Float32Array(m.rows, 0, m.n * m.features), [m.n, m.features]);
      const out = await session.run({ [session.inputNames[0]]: input });
      const t = out[session.outputNames[0]];
      const data = t.data as Float32Array;
      const probs = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
        ? data.buffer as ArrayBuffer
        : data.slice().buffer;
      const classes = Number(t.dims[1]);
      reply({ type: "result", id: m.id, probs, classes, runMs: performance.now() - t0 }, [probs]);
    } catch (e) {
      reply({ type: "error", id: m.id, message: `Cannot classify: ${(e as Error).message}` });
    }
  }
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  // one batch at a time, in order
  chain = chain.then(() => handle(e.data));
};

reply({ type: "ready" });
