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
let session: Ort.InferenceSession | undefined;
let chain: Promise<void> = Promise.resolve();

function reply(m: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(m, transfer);
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
      session = await ort.InferenceSession.create(m.model, { graphOptimizationLevel: "disabled" });
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
