/**
 * The capture Worker: live capture, decoding and detection off the main thread, so the main thread
 * stays free for the web server. It posts alerts and counters back; see capture_protocol.ts.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { DetectionEngine } from "../pipeline/engine.ts";
import type { CaptureStart, CaptureStats, FromWorker, ToWorker } from "./capture_protocol.ts";
import { LiveSource } from "./live_source.ts";

const post = (m: FromWorker) => self.postMessage(m);

let engine: DetectionEngine | undefined;
let source: LiveSource | undefined;
const abort = new AbortController();
let startedAt = 0;
let lastPackets = 0;
let lastAt = 0;

function stats(): CaptureStats {
  const p = engine!.pipeline;
  const now = performance.now();
  const live = source?.isOpen ? source.stats() : { received: 0, droppedKernel: 0, droppedIface: 0 };
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
    alerts: engine!.alertSummary(),
    rate: Math.round(rate),
    uptime: Math.round((now - startedAt) / 100) / 10,
  };
}

async function start(s: CaptureStart): Promise<void> {
  try {
    engine = new DetectionEngine(s.config, {
      onAlert: (alert) => post({ type: "alert", alert }),
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
    post({ type: "started", iface: source.name, linkType: source.linkType });
    startedAt = performance.now();
    lastAt = startedAt;
    const timer = setInterval(() => post({ type: "stats", stats: stats() }), 1000);
    try {
      await source.run(engine.pipeline.handle, abort.signal);
    } finally {
      clearInterval(timer);
    }
    const final = stats();
    source.close();
    post({ type: "stopped", stats: final });
  } catch (e) {
    try {
      source?.close();
    } catch { /* closing after a failed open */ }
    post({ type: "error", message: (e as Error).message });
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "start") start(m.start);
  else if (m.type === "config") engine?.configure(m.config);
  else if (m.type === "stop") abort.abort();
};

post({ type: "ready" });
