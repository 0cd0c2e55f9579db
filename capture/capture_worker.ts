/**
 * The capture Worker: live capture, decoding and detection off the main thread, so the main thread
 * stays free for the web server. It posts alerts and counters back; see capture_protocol.ts.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { DetectionEngine } from "../pipeline/engine.ts";
import type { CaptureStart, CaptureStats, FromWorker, ToWorker } from "./capture_protocol.ts";
import type { LiveSource } from "./live_source.ts";

const post = (m: FromWorker) => self.postMessage(m);

/** Reports a failure as one line; `ids run` prints it and exits 1. */
const fail = (e: unknown) => {
  const text = e instanceof Error ? e.message : String(e);
  post({ type: "error", message: text.split("\n")[0].replace(/^Uncaught (\(in promise\) )?/, "") });
};

// No error may escape this Worker: Deno prints an uncaught Worker error with its stack trace on stderr
// whatever the main thread does with it, and `ids run` must fail with one line.
self.addEventListener("error", (e) => {
  e.preventDefault();
  fail(e.error ?? e.message);
});
self.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  fail(e.reason);
});

// The pipeline and libpcap modules load here, guarded, for the same reason: a module that fails to load
// (missing from a `deno compile` binary, a syntax error) becomes an "error" message instead of a crash.
let modules:
  | [typeof import("../pipeline/engine.ts"), typeof import("./live_source.ts"), typeof import("./file_source.ts")]
  | undefined;
try {
  modules = await Promise.all([
    import("../pipeline/engine.ts"),
    import("./live_source.ts"),
    import("./file_source.ts"),
  ]);
} catch (e) {
  fail(new Error(`Cannot load the capture modules: ${(e as Error).message.split("\n")[0]}`));
}

let engine: DetectionEngine | undefined;
let source: LiveSource | undefined;
const abort = new AbortController();
let startedAt = 0;
let lastPackets = 0;
let lastAt = 0;

function stats(): CaptureStats {
  const p = engine!.pipeline;
  const now = performance.now();
  // LiveSource.stats() keeps the counters of closed handles: the final stats after the capture ended are real
  const live = source ? source.stats() : { received: 0, droppedKernel: 0, droppedIface: 0 };
  const rate = lastAt > 0 && now > lastAt ? (p.counters.packets - lastPackets) / ((now - lastAt) / 1000) : 0;
  lastPackets = p.counters.packets;
  lastAt = now;
  return {
    iface: source?.name ?? "",
    linkType: source?.isOpen ? source.linkType : 0,
    packets: p.counters.packets,
    bytes: p.counters.bytes,
    received: live.received,
    droppedKernel: live.droppedKernel,
    droppedIface: live.droppedIface,
    decodeEvents: p.decoder.events.n,
    flows: p.flows.size,
    alerts: engine!.detectionSummary(),
    rate: Math.round(rate),
    uptime: Math.round((now - startedAt) / 100) / 10,
  };
}

/** The bundled demo capture: real traffic of every kind the detectors handle. */
const WARMUP_CAPTURE = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);

/**
 * Runs the bundled capture through a scratch engine so the decoders, flow table and detectors are
 * compiled by the JIT before the first live packet: a cold pipeline is several times slower for its
 * first ~100 k packets, and a burst then overflows the kernel buffer (measured: 0.01–1 % drops in the
 * first second at 300 k packets/s, none afterwards). Best effort: a missing file only costs the warm-up.
 */
async function warmUp(config: CaptureStart["config"]): Promise<void> {
  const [{ DetectionEngine }, , { FileSource }] = modules!;
  try {
    const scratch = new DetectionEngine(config);
    for (let i = 0; i < 3; i++) await new FileSource(WARMUP_CAPTURE).run(scratch.pipeline.handle);
    scratch.pipeline.finish();
  } catch { /* warm-up is an optimisation only */ }
}

async function start(s: CaptureStart): Promise<void> {
  try {
    const [{ DetectionEngine }, { LiveSource }] = modules!;
    await warmUp(s.config);
    engine = new DetectionEngine(s.config, {
      onDetection: (event) => post({ type: "detection", event }),
    });
    source = new LiveSource({
      iface: s.iface,
      filter: s.filter,
      snaplen: s.snaplen,
      bufferSize: s.bufferSize,
      promisc: s.promisc,
      libraryPath: s.libraryPath,
      onWarning: (message) => post({ type: "warning", message }),
    });
    source.open();
    engine.iface = source.name;
    post({ type: "started", iface: source.name, linkType: source.linkType });
    startedAt = performance.now();
    lastAt = startedAt;
    const pipeline = engine.pipeline;
    let seen = -1;
    const timer = setInterval(() => {
      // Detectors run on packet time. On an idle link no packet advances it, so flows would never time out
      // and verdicts that wait for a flow to end (e.g. a port scan followed by silence) would never come:
      // after a second without packets, move packet time to the wall clock (pcap timestamps are wall-clock).
      if (pipeline.counters.packets === seen) pipeline.tick(Date.now() * 1000);
      seen = pipeline.counters.packets;
      post({ type: "stats", stats: stats() });
    }, 1000);
    try {
      await source.run(pipeline.handle, abort.signal);
    } finally {
      clearInterval(timer);
    }
    // end of input, as at the end of a replay: end every flow so detectors give their pending verdicts
    // (alerts raised here are posted before "stopped", so the main thread writes them before exiting)
    // the final counters are the values at the stop: flows still open then (finish() ends them all) and the
    // average rate of the whole run (the last interval is only the fraction of a second before the signal)
    const atStop = stats();
    pipeline.finish();
    source.close();
    const final = stats();
    final.flows = atStop.flows;
    final.rate = final.uptime > 0 ? Math.round(final.packets / final.uptime) : final.packets;
    post({ type: "stopped", stats: final });
  } catch (e) {
    try {
      source?.close();
    } catch { /* closing after a failed open */ }
    fail(e);
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (!modules) return; // the load failure was reported
  if (m.type === "start") start(m.start);
  else if (m.type === "config") engine?.configure(m.config);
  else if (m.type === "stop") abort.abort();
};

// last statement: the main thread sends nothing before this arrives
if (modules) post({ type: "ready" });
