import assert from "node:assert/strict";
import { FileSource } from "../capture/file_source.ts";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import type { DetectionEvent } from "../core/detection.ts";
import { DetectionEngine } from "./engine.ts";
import { DETECTION_PARTS } from "./detection_parts.ts";

const NMAP_SYN = new URL("../tests/corpus/nmap_syn.pcap.gz", import.meta.url);
const withPortScan = (enabled: boolean): Config => ({
  ...DEFAULT_CONFIG,
  port_scan: { ...DEFAULT_CONFIG.port_scan, enabled },
});

/** Replays nmap_syn, calling `atFrame(n, engine)` before each frame. */
async function replay(config: Config, atFrame?: (n: number, engine: DetectionEngine) => void) {
  const events: DetectionEvent[] = [];
  const engine = new DetectionEngine(config, {
    onDetection: (e) => events.push(e),
    iface: "eth9",
    parts: DETECTION_PARTS,
  });
  let n = 0;
  await new FileSource(NMAP_SYN).run((frame) => {
    atFrame?.(n++, engine);
    engine.pipeline.handle(frame);
  });
  engine.pipeline.finish();
  return { events, engine };
}

Deno.test("DetectionEngine emits self-contained events: string IPs, flow id, flow snapshot, TCP flags", async () => {
  const { events } = await replay(DEFAULT_CONFIG);
  const scan = events.find((e) => e.type === "port_scan");
  assert.ok(scan, "nmap_syn is detected as a port scan");
  assert.equal(scan.src, "10.77.1.66");
  assert.equal(typeof scan.dst, "string");
  assert.equal(scan.iface, "eth9");
  for (const e of events.filter((e) => e.flow !== undefined)) {
    assert.ok(e.flowId > 0);
    assert.equal(e.flow!.flowId, e.flowId);
    assert.ok(e.flow!.packetsFwd >= 1 && e.flow!.lastUs >= e.flow!.firstUs);
    assert.equal(typeof e.flow!.initiatorIp, "string");
  }
  // structured-clone safe: exactly what crosses the Worker boundary
  assert.deepEqual(structuredClone(events), events);
});

Deno.test("DetectionEngine.configure: a reload enables a detector that was disabled at start", async () => {
  const off = await replay(withPortScan(false));
  assert.equal(off.events.filter((e) => e.type === "port_scan").length, 0, "disabled: silent");
  let reloadUs = 0;
  const on = await replay(withPortScan(false), (n, engine) => {
    if (n === 40) {
      reloadUs = engine.pipeline.counters.lastUs;
      engine.configure(withPortScan(true));
    }
  });
  const scans = on.events.filter((e) => e.type === "port_scan");
  assert.ok(scans.length > 0, "enabled by the reload: the rest of the scan is detected");
  assert.ok(scans.every((e) => e.tsUs >= reloadUs));
  assert.equal(on.engine.pipeline.detectors.filter((d) => d.type === "port_scan").length, 1);
  // disabling again keeps the instance but silences it
  on.engine.configure(withPortScan(false));
  assert.equal(on.engine.pipeline.detectors.filter((d) => d.type === "port_scan").length, 1);
});

Deno.test("an engine that detects needs its parts; one without detectors runs without them", async () => {
  assert.throws(() => new DetectionEngine(DEFAULT_CONFIG), /Cannot build the detection engine: no detectors given/);
  assert.throws(
    () => new DetectionEngine(DEFAULT_CONFIG, { noDetect: true, features: true }),
    /Cannot build the detection engine/,
  );
  const bare = new DetectionEngine(DEFAULT_CONFIG, { noDetect: true });
  await new FileSource(NMAP_SYN).run(bare.pipeline.handle);
  assert.ok(bare.pipeline.flows.size > 0);
  assert.equal(bare.pipeline.detectors.length, 0);
  bare.configure(withPortScan(true)); // a reload adds no detector to a --no-detect engine
  assert.equal(bare.pipeline.detectors.length, 0);
});
