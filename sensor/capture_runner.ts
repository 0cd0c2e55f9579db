/**
 * The capture's own work: reading (a live interface or capture files), decoding, the flow table and
 * the detectors, driven by the messages of capture_protocol.ts. The capture Worker
 * (capture_worker.ts) runs it off the main thread, so the main thread stays free for the decision
 * stage, the outputs and the web server; a replay without detectors (`--no-detect`, nothing to
 * decide) runs it on the calling thread instead (see `PreparedWorker` in capture_session.ts), which
 * spares it a second V8 isolate and its module loading (~15 ms of start-up).
 *
 * It posts self-contained detection events in batches, sampled traffic lines (at most
 * `trafficPerSecond`), counters about every second, and a final report; see capture_protocol.ts.
 * A replay is paced on packet timestamps when a speed is given.
 *
 * @module
 */
import type { DetectionEvent, FlowCandidate } from "../core/detection.ts";
import type { CaptureCounters } from "../core/hub_event.ts";
import type { Frame } from "../core/frame.ts";
import type { SourceError } from "../capture/packet_source.ts";
import type { LiveSource } from "../capture/live_source.ts";
import type { DetectionEngine, DetectionParts } from "../pipeline/engine.ts";
import {
  type CaptureStart,
  type FromWorker,
  type LiveStart,
  type ReplayStart,
  type ToWorker,
} from "./capture_protocol.ts";
import type { Pacer } from "./pacer.ts";
import type { TrafficSampler } from "./traffic_line.ts";

/** The bundled demo capture: real traffic of every kind the detectors handle. */
const WARMUP_CAPTURE = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);

/** A running capture's entry points (see {@link startCaptureRunner}). */
export interface CaptureRunner {
  /** Handles one message from the session, in order. */
  receive(m: ToWorker): void;
  /** Reports an error that escaped the runner as one "error" message (the command prints it and exits 1). */
  fail(e: unknown): void;
  /** Stops the capture at its next packet or read (as "stop" does, at once: not after the messages before it). */
  abort(): void;
}

/**
 * Starts loading the capture modules; `post` receives every message for the session (in order).
 * `detectors: false`: for a capture without detectors; the detectors' and the model's modules are then loaded only
 * if the start asks for them (about half of the modules). One runner runs one capture.
 */
export function startCaptureRunner(
  post: (m: FromWorker) => void,
  options: { detectors?: boolean } = {},
): CaptureRunner {
  /** Reports a failure as one line; the command prints it and exits 1. */
  const fail = (e: unknown) => {
    const text = e instanceof Error ? e.message : String(e);
    post({ type: "error", message: text.split("\n")[0].replace(/^Uncaught (\(in promise\) )?/, "") });
  };

  // The pipeline modules load here, guarded: a module that fails to load (missing from a
  // `deno compile` binary, a syntax error) becomes an "error" message instead of a crash. The libpcap bindings
  // load when a live capture starts (a replay does not need them), guarded by start()'s catch the same way, and so do
  // the detectors and the model's features in a runner started for a capture without detectors (half the modules).
  // Messages wait for them in `inbox` (below).
  const loadParts = () => import("../pipeline/detection_parts.ts").then((m) => m.DETECTION_PARTS);
  let parts: DetectionParts | undefined;
  let modules:
    | [
      typeof import("../pipeline/engine.ts"),
      typeof import("../capture/file_source.ts"),
      typeof import("../pipeline/report.ts"),
      typeof import("./pacer.ts"),
      typeof import("./traffic_line.ts"),
    ]
    | undefined;
  const loaded = Promise.all([
    Promise.all([
      import("../pipeline/engine.ts"),
      import("../capture/file_source.ts"),
      import("../pipeline/report.ts"),
      import("./pacer.ts"),
      import("./traffic_line.ts"),
    ]),
    options.detectors === false ? undefined : loadParts(),
  ]).then(([m, p]) => {
    modules = m;
    parts = p;
  }, (e) => fail(new Error(`Cannot load the capture modules: ${(e as Error).message.split("\n")[0]}`)));

  /** The detectors and the model's features, loaded now if this runner started without them. */
  async function detectionParts(): Promise<DetectionParts> {
    try {
      return parts ??= await loadParts();
    } catch (e) {
      throw new Error(`Cannot load the capture modules: ${(e as Error).message.split("\n")[0]}`);
    }
  }

  let engine: DetectionEngine | undefined;
  let source: LiveSource | undefined;
  let sampler: TrafficSampler | undefined;
  let pacer: Pacer | undefined;
  const abort = new AbortController();
  let startedAt = 0;
  let lastPackets = 0;
  let lastAt = 0;
  let name = "";
  let fileBytesTotal: number | undefined;
  let fileBytesBase = 0;
  let started = false;
  let detections: DetectionEvent[] = [];
  let flushQueued = false;
  /** What a "report" message does (an unpaced replay's counters, see startReplay). */
  let onReportTurn: (() => void) | undefined;

  /** Posts the detections gathered since the last flush (one message per batch). */
  function flushDetections(): void {
    flushQueued = false;
    if (detections.length === 0) return;
    const events = detections;
    detections = [];
    post({ type: "detections", events });
  }

  let candidates: FlowCandidate[] = [];
  let candidatesQueued = false;

  /** Posts the flows offered to the model since the last flush (one message per batch). */
  function flushCandidates(): void {
    candidatesQueued = false;
    if (candidates.length === 0) return;
    const batch = candidates;
    candidates = [];
    post({ type: "candidates", candidates: batch });
  }

  /** Flows posted to the model, and settled by it (a replay with `modelWindow`: see modelGate). */
  let offered = 0;
  let settled = 0;
  let modelWindow = Infinity;
  /**
   * The start's `modelWindow`: held back (modelWindow stays Infinity) until the session's first "model-settled" says
   * it will send settlements. Were the window applied at once, a session that decided otherwise (the file vanished
   * between the CLI's check and the sensor's) would never send one and the reading would wait forever.
   */
  let armedWindow = Infinity;
  let settlementsComing = false;
  /** While the reading waits for the model: resolves it. */
  let resumeReading: (() => void) | undefined;

  /**
   * Flows offered to the model for model-only alerts, batched like detections. Detections and flows go in the order
   * they were raised (a batch of one kind is posted before one of the other starts): whether a detector reported a
   * flow's source first must not depend on batch boundaries.
   */
  function onCandidate(candidate: FlowCandidate): void {
    if (detections.length > 0) flushDetections();
    candidates.push(candidate);
    offered++;
    if (!candidatesQueued) {
      candidatesQueued = true;
      queueMicrotask(flushCandidates);
    }
  }

  /**
   * With `modelWindow`: a promise the reader waits on while that many offered flows are unanswered (undefined
   * otherwise); it resolves once half of them were settled, or at a stop.
   */
  function modelGate(): Promise<void> | undefined {
    if (offered - settled < modelWindow || abort.signal.aborted) return undefined;
    flushCandidates();
    return new Promise((resolve) => resumeReading = resolve);
  }

  function onModelSettled(n: number): void {
    settlementsComing = true; // the session settles flows: the window holds from now on (see armedWindow)
    modelWindow = armedWindow;
    settled = n;
    if (resumeReading !== undefined && offered - settled < modelWindow / 2) {
      const resume = resumeReading;
      resumeReading = undefined;
      resume();
    }
  }

  function onDetection(event: DetectionEvent): void {
    if (candidates.length > 0) flushCandidates();
    detections.push(event);
    // one message per burst: the reader's synchronous loop over a buffer ends before microtasks run
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flushDetections);
    }
  }

  function stats(): CaptureCounters {
    const p = engine!.pipeline;
    const now = performance.now();
    // LiveSource.stats() keeps the counters of closed handles: the final stats after the capture ended are real
    const live = source ? source.stats() : { received: 0, droppedKernel: 0, droppedIface: 0 };
    const rate = lastAt > 0 && now > lastAt ? (p.counters.packets - lastPackets) / ((now - lastAt) / 1000) : 0;
    lastPackets = p.counters.packets;
    lastAt = now;
    const out: CaptureCounters = {
      iface: source?.name ?? name,
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
      packetTimeUs: p.counters.lastUs,
    };
    if (fileBytesTotal !== undefined) {
      // pcap records: 16-byte header + captured bytes (pcapng blocks carry a little more): an estimate
      out.fileBytesRead = Math.min(fileBytesTotal, p.counters.bytes + 16 * p.counters.packets - fileBytesBase);
      out.fileBytesTotal = fileBytesTotal;
    }
    return out;
  }

  /** Posts counters and the traffic lines sampled since the last time. */
  function report(): void {
    flushDetections();
    const lines = sampler?.drain() ?? [];
    if (lines.length > 0) post({ type: "traffic", lines });
    post({ type: "stats", stats: stats() });
  }

  /**
   * Runs the bundled capture through a scratch engine so the decoders, flow table and detectors are
   * compiled by the JIT before the first live packet: a cold pipeline is several times slower for its
   * first ~100 k packets, and a burst then overflows the kernel buffer (measured: 0.01–1 % drops in the
   * first second at 300 k packets/s, none afterwards). Best effort: a missing file only costs the warm-up.
   */
  async function warmUp(config: CaptureStart["config"], parts: DetectionParts, features = false): Promise<void> {
    const [{ DetectionEngine }, { FileSource }] = modules!;
    try {
      const scratch = new DetectionEngine(config, { features, parts });
      for (let i = 0; i < 3; i++) await new FileSource(WARMUP_CAPTURE).run(scratch.pipeline.handle);
      scratch.pipeline.finish();
    } catch { /* warm-up is an optimisation only */ }
  }

  /** The frame handler: pipeline, then the traffic sample when one is due (the pipeline alone if none ever is). */
  function handlerFor(e: DetectionEngine, s: TrafficSampler): (frame: Frame) => void {
    const handle = e.pipeline.handle;
    if (!s.active) return handle;
    const pkt = e.pipeline.packet;
    return (frame) => {
      handle(frame);
      if (s.want) s.take(pkt);
    };
  }

  async function startLive(s: LiveStart, parts: DetectionParts): Promise<void> {
    const [{ DetectionEngine }, , , , { TrafficSampler }] = modules!;
    let live: typeof import("../capture/live_source.ts");
    try {
      live = await import("../capture/live_source.ts");
    } catch (e) {
      throw new Error(`Cannot load the capture modules: ${(e as Error).message.split("\n")[0]}`);
    }
    await warmUp(s.config, parts, s.features === true);
    engine = new DetectionEngine(s.config, {
      onDetection,
      features: s.features === true,
      onCandidate,
      parts,
    });
    source = new live.LiveSource({
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
    sampler = new TrafficSampler(s.trafficPerSecond);
    const pipeline = engine.pipeline;
    let seen = -1;
    const timer = setInterval(() => {
      // Detectors run on packet time. On an idle link no packet advances it, so flows would never time out
      // and verdicts that wait for a flow to end (e.g. a port scan followed by silence) would never come:
      // after a second without packets, move packet time to the wall clock (pcap timestamps are wall-clock).
      if (pipeline.counters.packets === seen) pipeline.tick(Date.now() * 1000);
      seen = pipeline.counters.packets;
      report();
    }, 1000);
    try {
      await source.run(handlerFor(engine, sampler), abort.signal);
    } finally {
      clearInterval(timer);
      sampler.stop();
    }
    // end of input, as at the end of a replay: end every flow so detectors give their pending verdicts
    // (detections raised here are posted before "stopped", so the main thread decides them before exiting)
    // the final counters are the values at the stop: flows still open then (finish() ends them all) and the
    // average rate of the whole run (the last interval is only the fraction of a second before the signal)
    const atStop = stats();
    pipeline.finish();
    source.close();
    // the flows finish() ended and offered to the model too: the session ends its port at "stopped"
    flushDetections();
    flushCandidates();
    const final = stats();
    final.flows = atStop.flows;
    final.rate = final.uptime > 0 ? Math.round(final.packets / final.uptime) : final.packets;
    post({ type: "stopped", stats: final });
  }

  async function startReplay(s: ReplayStart, parts: DetectionParts | undefined): Promise<void> {
    const [{ DetectionEngine }, { FileSource }, { buildReport, markFile, undecodedFileError }, { Pacer }, {
      TrafficSampler,
    }] = modules!;
    engine = new DetectionEngine(s.config, {
      onDetection,
      noDetect: s.noDetect,
      features: s.features === true,
      onCandidate,
      parts,
    });
    pacer = new Pacer(s.speed);
    sampler = new TrafficSampler(s.trafficPerSecond);
    const pipeline = engine.pipeline;
    const handle = handlerFor(engine, sampler);
    const paced = pacer.paced;
    const p = pacer;
    const counters = pipeline.counters;
    // the first check comes at packet 256: turn() then runs once before the loop is optimized and after V8 gave the
    // handler its feedback (after its first few calls), so the optimizing compiler sees turn() called; a first call
    // at packet 65,536 from optimized code threw the reader's optimized loop away (a deoptimization)
    let nextCheck = 256;
    let lastReport = performance.now();
    // At full speed the reader's loop may not give timers a turn for a long time: every 64 k packets,
    // report if a second passed and let the event loop run (messages such as "stop" and "config").
    const turn = (): Promise<void> | undefined => {
      nextCheck = counters.packets + 65_536;
      const now = performance.now();
      if (now - lastReport < 1000) return undefined;
      lastReport = now;
      report();
      return new Promise((resolve) => setTimeout(resolve, 0));
    };
    // unpaced (every benchmark), a packet costs the pipeline and one comparison here
    if (!paced && s.modelWindow !== undefined) {
      armedWindow = s.modelWindow;
      if (settlementsComing) modelWindow = armedWindow; // (the session's first settlement came before the start)
    }
    const frameHandler = paced
      ? (frame: Frame): void | Promise<void> => {
        const wait = p.wait(frame.tsUs);
        if (wait !== undefined) return wait.then(() => handle(frame));
        handle(frame);
        if (counters.packets >= nextCheck) return turn();
      }
      : armedWindow !== Infinity
      // model-only alerts of files: the reading waits while the model has too many flows to answer
      ? (frame: Frame): void | Promise<void> => {
        handle(frame);
        if (offered - settled >= modelWindow) return modelGate();
        if (counters.packets >= nextCheck) return turn();
      }
      : (frame: Frame): void | Promise<void> => {
        handle(frame);
        if (counters.packets >= nextCheck) return turn();
      };
    startedAt = performance.now();
    lastAt = startedAt;
    let seen = -1;
    const everySecond = () => {
      // paced replay, packets far apart: packet time moves on as it did when the capture was made
      if (paced && pipeline.counters.packets === seen && pipeline.counters.packets > 0) {
        pipeline.tick(Math.floor(p.packetNowUs()));
      }
      seen = pipeline.counters.packets;
      lastReport = performance.now();
      report();
    };
    // unpaced, this thread needs no timer (Deno loads its timer module, 4-5 ms, at a thread's first one): the
    // session sends "report" every second instead
    const timer = paced ? setInterval(everySecond, 1000) : undefined;
    onReportTurn = everySecond;
    const errors: SourceError[] = [];
    const warnings: string[] = [];
    try {
      for (const f of s.files) {
        if (abort.signal.aborted) break;
        name = f;
        const path = f.startsWith("file:") ? new URL(f) : f;
        try {
          // at once, not through the I/O thread pool and the event loop (which cost 5-20 ms before the first packet
          // on a busy machine); a FIFO, stdin or a missing file just has no size to show
          let st: Deno.FileInfo | null = null;
          try {
            st = Deno.statSync(path);
          } catch { /* no size */ }
          fileBytesTotal = st && !f.endsWith(".gz") ? st.size : undefined;
          fileBytesBase = pipeline.counters.bytes + 16 * pipeline.counters.packets;
          const file = new FileSource(path);
          if (!started) {
            started = true;
            post({ type: "started", iface: f, linkType: 0 });
          }
          const mark = markFile(pipeline);
          const summary = await file.run(frameHandler, abort.signal);
          if (summary.warning) warnings.push(summary.warning);
          if (summary.error) errors.push({ ...summary.error, message: `${file.name}: ${summary.error.message}` });
          else {
            // nothing in the file reached the IP layer: say why instead of reporting "alerts none"
            const undecoded = undecodedFileError(pipeline, mark, file.name);
            if (undecoded) errors.push(undecoded);
          }
        } catch (e) {
          // a missing or non-capture file: report it and go on with the others
          errors.push({
            offset: 0,
            packets: 0,
            message: (e as Error).message,
            open: (e as Error).name === "OpenCaptureError",
          });
        }
      }
    } finally {
      onReportTurn = undefined;
      if (timer !== undefined) clearInterval(timer); // (clearInterval too would load the timer module)
      sampler.stop();
    }
    const liveAtEnd = pipeline.flows.size;
    // end every flow, so detectors and the model's features give their pending verdicts; with neither nothing
    // listens to a flow's end, and ending 1-20 k flows in code that never ran (1-3 ms) would change nothing
    if (!s.noDetect || s.features === true) pipeline.finish();
    // the flows finish() ended and offered to the model too: the session ends its port at "stopped"
    flushDetections();
    flushCandidates();
    const lines = sampler.drain();
    if (lines.length > 0) post({ type: "traffic", lines });
    const final = stats();
    const replayReport = buildReport(pipeline, {
      files: s.files,
      wallMs: performance.now() - startedAt,
      errors,
      warnings,
      liveAtEnd,
    });
    post({ type: "stopped", stats: final, report: replayReport });
  }

  /** Runs the capture (a replay builds its engine before its first await). */
  async function start(s: CaptureStart, parts: DetectionParts | undefined): Promise<void> {
    try {
      if (s.mode === "live") await startLive(s, parts!);
      else await startReplay(s, parts);
    } catch (e) {
      try {
        source?.close();
      } catch { /* closing after a failed open */ }
      flushDetections();
      fail(e);
    }
  }

  /** Messages are handled in order once the modules loaded (a start's, once the parts it needs loaded too). */
  let inbox: Promise<unknown> = loaded;

  loaded.then(() => {
    if (modules) post({ type: "ready" });
  });

  return {
    receive(m: ToWorker): void {
      inbox = inbox.then(() => {
        if (!modules) return; // the load failure was reported
        if (m.type === "start") {
          const s = m.start;
          // the detectors and the model's features, unless a replay needs neither (loaded now if this runner started
          // without them)
          const wanted = s.mode === "live" || !s.noDetect || s.features === true;
          return (wanted ? detectionParts() : Promise.resolve(parts)).then((p) => void start(s, p), fail);
        } else if (m.type === "config") engine?.configure(m.config);
        else if (m.type === "report") onReportTurn?.();
        else if (m.type === "model-settled") onModelSettled(m.settled);
        else if (m.type === "stop") {
          abort.abort();
          pacer?.stop();
          resumeReading?.();
        }
      }).catch(fail); // one failing message (a bad configuration) is reported; the ones after it are still handled
    },
    fail,
    abort(): void {
      abort.abort();
      pacer?.stop();
      resumeReading?.();
    },
  };
}
