/**
 * The capture Worker (and the same capture run on this thread) driven through CaptureSession: replay, pacing, stop,
 * traffic lines, counters, reload.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { pcapFile, tempFile } from "../capture/_test_pcap_writer.ts";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import type { Alert } from "../core/alert.ts";
import type { HubEvent, SensorCounters, TrafficLine } from "../core/hub_event.ts";
import { cat, eth, ipv4, tcp } from "../decode/_test_frames.ts";
import { EtherType } from "../decode/link.ts";
import type { ReplayReport } from "../pipeline/report.ts";
import type { CaptureStart } from "./capture_protocol.ts";
import {
  CaptureSession,
  prepareCaptureWorker,
  type PreparedWorker,
  replayRunsInThread,
  startCaptureWorkerEarly,
} from "./capture_session.ts";
import { DecisionStage } from "./decision.ts";
import { Hub } from "./hub.ts";
import { replayFiles } from "./replay.ts";

const DEMO = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);
const NMAP_SYN = new URL("../tests/corpus/nmap_syn.pcap.gz", import.meta.url);

function replayStart(files: (string | URL)[], overrides: Partial<CaptureStart> = {}): CaptureStart {
  return {
    mode: "replay",
    files: files.map(String),
    speed: Infinity,
    config: DEFAULT_CONFIG,
    trafficPerSecond: 50,
    ...overrides,
  } as CaptureStart;
}

async function session(start: CaptureStart, config: Config = DEFAULT_CONFIG, options: { inThread?: boolean } = {}) {
  const hub = new Hub();
  const events: HubEvent[] = [];
  hub.subscribe({ name: "collect", handle: (e) => void events.push(e) }, { queue: 1_000_000 });
  const decision = new DecisionStage({ hub, config });
  const worker = options.inThread ? prepareCaptureWorker({ inThread: true }) : undefined;
  const s = await CaptureSession.start(start, { hub, decision, worker });
  return { hub, decision, events, session: s };
}

const alertsOf = (events: HubEvent[]) =>
  events.filter((e) => e.kind === "alert").map((e) => (e as { alert: Alert }).alert);

/** A pcap of `n` TCP SYNs `gapMs` apart. */
async function spacedCapture(n: number, gapMs: number): Promise<string> {
  const records = Array.from({ length: n }, (_, i) => {
    const us = i * gapMs * 1000;
    return {
      sec: 1_700_000_000 + Math.floor(us / 1e6),
      frac: us % 1e6,
      data: cat(
        eth(EtherType.IPV4),
        ipv4({ src: "10.9.0.2", dst: "10.9.0.1", proto: 6 }, tcp({ sp: 40000 + i, dp: 80, flags: 2 })),
      ),
    };
  });
  return await tempFile(pcapFile(records));
}

Deno.test("replay in the capture Worker raises exactly the alerts of the in-process replay", async () => {
  const inProcess: Alert[] = [];
  await replayFiles([DEMO], { onAlert: (a) => inProcess.push(a) });
  const { session: s, events, hub } = await session(replayStart([DEMO]));
  const result = await s.done;
  await hub.flush();
  assert.equal(result.status, 0);
  // flow ids are unique per run (a random salt each run), so two runs of one capture differ only there
  const strip = (a: Alert) => ({ ...a, flow: undefined, flowId: a.flowId > 0 });
  assert.ok(inProcess.length >= 5);
  assert.deepEqual(alertsOf(events).map(strip), inProcess.map(strip));
  assert.equal(result.report!.packets, 18_661);
  assert.deepEqual(result.report!.alerts, result.counters!.alerts);
  assert.equal(Object.values(result.report!.alerts!).reduce((n, v) => n + v, 0), inProcess.length);
});

Deno.test("--speed paces on packet time: 1 s of capture at speed 2 takes about 0.5 s; max does not wait", async () => {
  const path = await spacedCapture(11, 100);
  // 10 s of packet time: at max speed far quicker than any pacing, even on a busy machine
  const long = await spacedCapture(11, 1000);
  try {
    // the Worker's own wall time (seconds_wall): Worker start-up on a loaded machine does not count
    const paced = await session(replayStart([path], { speed: 2 }));
    const pacedReport = (await paced.session.done).report!;
    assert.equal(pacedReport.packets, 11);
    const fast = await session(replayStart([long]));
    const fastReport = (await fast.session.done).report!;
    assert.equal(fastReport.packets, 11);
    assert.ok(pacedReport.seconds_wall >= 0.48, `paced replay took ${pacedReport.seconds_wall} s`);
    assert.ok(pacedReport.seconds_wall < 2.5, `paced replay took ${pacedReport.seconds_wall} s`);
    assert.ok(fastReport.seconds_wall < 2.5, `max took ${fastReport.seconds_wall} s for 10 s of packet time`);
  } finally {
    await Deno.remove(path);
    await Deno.remove(long);
  }
});

Deno.test("stop() ends a realtime replay promptly; the report covers what was read", async () => {
  const { session: s } = await session(replayStart([DEMO], { speed: 1 }));
  // stop once the replay has read packets (its counters come every second; a busy machine delays the first
  // packet past any fixed sleep), long before its 44 s of packet time are over
  const t0 = performance.now();
  while (!((s.counters?.packets ?? 0) > 0) && performance.now() - t0 < 15_000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok((s.counters?.packets ?? 0) > 0, "the realtime replay read packets");
  const t = performance.now();
  s.stop();
  const result = await s.done;
  assert.ok(performance.now() - t < 2000);
  assert.equal(result.status, 0);
  assert.ok(result.report!.packets > 0 && result.report!.packets < 18_661, `read ${result.report!.packets}`);
});

Deno.test("traffic lines are sampled at most ~50 per second; counters are published about every second", async () => {
  const t = performance.now();
  const { session: s, events, hub } = await session(replayStart([DEMO], { speed: 25 }));
  await s.done;
  await hub.flush();
  const seconds = (performance.now() - t) / 1000;
  const lines = events.filter((e) => e.kind === "traffic").flatMap((e) => (e as { lines: TrafficLine[] }).lines);
  assert.ok(lines.length >= 10, `only ${lines.length} lines`);
  assert.ok(lines.length <= 50 * (seconds + 1), `${lines.length} lines in ${seconds.toFixed(1)} s`);
  assert.ok(lines.every((l) => typeof l.summary === "string" && l.summary.length > 0 && l.len > 0));
  assert.ok(lines.some((l) => /^\d+\.\d+\.\d+\.\d+(:\d+)? > /.test(l.summary)), lines[0]?.summary);
  const counters = events.filter((e) => e.kind === "counters").map((e) => (e as { counters: SensorCounters }).counters);
  assert.ok(counters.length >= 1 && counters.length <= seconds + 1);
  assert.equal(counters.at(-1)!.subscribers[0].name, "collect");
  assert.ok(counters.at(-1)!.capture.packets > 0);
});

for (const inThread of [false, true]) {
  Deno.test(`an unpaced replay publishes counters every second while its input stalls${inThread ? " (on this thread)" : ""}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "ids-stall-" });
    try {
      const fifo = `${dir}/capture.pcap`;
      assert.equal((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0, "mkfifo");
      const { session: s, events, hub } = await session(replayStart([fifo], { noDetect: inThread }), DEFAULT_CONFIG, {
        inThread,
      });
      const writer = await Deno.open(fifo, { write: true }); // once the Worker opened it for reading
      const records = (from: number) =>
        Array.from({ length: 5 }, (_, i) => ({
          sec: 1_700_000_000 + from + i,
          frac: 0,
          data: cat(
            eth(EtherType.IPV4),
            ipv4({ src: "10.9.0.2", dst: "10.9.0.1", proto: 6 }, tcp({ sp: 40000 + from + i, dp: 80, flags: 2 })),
          ),
        }));
      const file = pcapFile([...records(0), ...records(5)]);
      const half = file.length - (file.length - 24) / 2; // the header and the first five records
      await writer.write(file.subarray(0, half));
      await new Promise((r) => setTimeout(r, 2200)); // no packet for two seconds: the reader waits
      await hub.flush();
      const during = events.filter((e) => e.kind === "counters").map((e) =>
        (e as { counters: SensorCounters }).counters
      );
      assert.ok(during.length >= 1, "counters while the input stalls");
      assert.equal(during.at(-1)!.capture.packets, 5);
      await writer.write(file.subarray(half));
      writer.close();
      const result = await s.done;
      assert.equal(result.status, 0);
      assert.equal(result.report!.packets, 10);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a configuration reload reaches the Worker: a detector disabled at start is enabled mid-replay", async () => {
  const off: Config = { ...DEFAULT_CONFIG, port_scan: { ...DEFAULT_CONFIG.port_scan, enabled: false } };
  const on: Config = { ...off, port_scan: { ...off.port_scan, enabled: true } };
  const silent = await session(replayStart([NMAP_SYN], { config: off }), off);
  await silent.session.done;
  await silent.hub.flush();
  assert.equal(alertsOf(silent.events).filter((a) => a.type === "port_scan").length, 0);

  // the scan's first packet 1 s of packet time before the rest (all 406 others come within 50 ms), replayed in real
  // time: the reload, 150 ms after the start, lands in that gap however fast the Worker starts (with the original
  // timing at speed 0.25 a fast start had replayed most of the scan by then: the test failed 3 times in 10 alone)
  const pcap = gunzipSync(await Deno.readFile(NMAP_SYN));
  const view = new DataView(pcap.buffer, pcap.byteOffset);
  assert.equal(view.getUint32(0, true), 0xa1b2c3d4, "a little-endian microsecond pcap");
  view.setUint32(24, view.getUint32(24, true) - 1, true); // the first record's seconds
  const delayed = await tempFile(pcap);
  try {
    const { session: s, events, hub } = await session(replayStart([delayed], { config: off, speed: 1 }), off);
    await new Promise((r) => setTimeout(r, 150));
    s.configure(on);
    await s.done;
    await hub.flush();
    assert.ok(alertsOf(events).some((a) => a.type === "port_scan"), "the reload enabled port_scan mid-capture");
  } finally {
    await Deno.remove(delayed);
  }
});

Deno.test("a missing file is reported in the replay report; the session still ends cleanly", async () => {
  const { session: s } = await session(replayStart(["/nonexistent/x.pcap", String(DEMO)]));
  const result = await s.done;
  assert.equal(result.status, 0);
  assert.equal(result.report!.errors.length, 1);
  assert.equal(result.report!.errors[0].message, "Cannot open capture: /nonexistent/x.pcap: no such file");
  assert.equal(result.report!.errors[0].open, true);
  assert.equal(result.report!.packets, 18_661);
});

Deno.test("a Worker prepared ahead runs the capture once it is ready; one nobody took is ended by close()", async () => {
  const prepared = prepareCaptureWorker();
  // let the Worker load and post "ready" before any session takes it: the message must not be lost
  await new Promise((r) => setTimeout(r, 300));
  const hub = new Hub();
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG });
  const s = await CaptureSession.start(replayStart([NMAP_SYN]), { hub, decision, worker: prepared });
  assert.equal(prepared.taken, true);
  const result = await s.done;
  assert.equal(result.status, 0);
  assert.equal(result.report!.packets, 407);
  assert.ok((result.report!.alerts?.port_scan ?? 0) >= 1);
  // a prepared Worker is used once: a second session starts its own
  const again = await CaptureSession.start(replayStart([NMAP_SYN]), { hub, decision, worker: prepared });
  assert.equal((await again.done).report!.packets, result.report!.packets);
  prepared.close(); // no-op once taken
  await hub.close();
  // never taken: close() terminates it (the test's resource sanitizer fails on a Worker left running)
  const unused = prepareCaptureWorker();
  unused.close();
  assert.equal(unused.taken, true);
});

Deno.test("a Worker started for --no-detect still detects when its capture asks for detectors", async () => {
  const hub = new Hub();
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG });
  const bare = prepareCaptureWorker({ detectors: false });
  const plain = await CaptureSession.start(replayStart([NMAP_SYN], { noDetect: true }), {
    hub,
    decision,
    worker: bare,
  });
  const r1 = await plain.done;
  assert.equal(r1.status, 0);
  assert.equal(r1.report!.packets, 407);
  assert.ok(r1.report!.flows.created > 0);
  // the detectors' modules load when the start asks for them
  const lean = prepareCaptureWorker({ detectors: false });
  const full = await CaptureSession.start(replayStart([NMAP_SYN]), { hub, decision, worker: lean });
  const r2 = await full.done;
  assert.equal(r2.status, 0);
  assert.equal(r2.report!.packets, 407);
  assert.ok((r2.report!.alerts?.port_scan ?? 0) >= 1);
  await hub.close();
});

Deno.test("a capture started early runs before a session takes it: the session then gets every message, alerts as usual", async () => {
  const inProcess: Alert[] = [];
  await replayFiles([DEMO], { onAlert: (a) => inProcess.push(a) });
  const prepared = prepareCaptureWorker();
  prepared.startEarly(replayStart([DEMO]));
  assert.equal(prepared.started, true);
  // the replay runs (and may end) before anyone listens: its detections, counters and report wait for the session
  await new Promise((r) => setTimeout(r, 1500));
  const hub = new Hub();
  const events: HubEvent[] = [];
  hub.subscribe({ name: "collect", handle: (e) => void events.push(e) }, { queue: 1_000_000 });
  const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG });
  const s = await CaptureSession.start(replayStart([DEMO]), { hub, decision, worker: prepared });
  const result = await s.done;
  await hub.flush();
  assert.equal(result.status, 0);
  assert.equal(result.report!.packets, 18_661); // read once: the session sent no second start
  const strip = (a: Alert) => ({ ...a, flow: undefined, flowId: a.flowId > 0 });
  assert.deepEqual(alertsOf(events).map(strip), inProcess.map(strip));
  await hub.close();
  // started early but never taken: close() ends it
  const unused = prepareCaptureWorker();
  unused.startEarly(replayStart([DEMO]));
  unused.close();
  assert.equal(unused.taken, true);
});

Deno.test("a capture run on this thread reports what the Worker reports; asked for detectors, it raises their alerts", async () => {
  const strip = (r: ReplayReport) => ({
    ...r,
    seconds_wall: 0,
    packets_per_second: 0,
    megabits_per_second: 0,
  });
  const run = async (inThread: boolean, noDetect: boolean) => {
    const { session: s, events, hub } = await session(replayStart([DEMO, NMAP_SYN], { noDetect }), DEFAULT_CONFIG, {
      inThread,
    });
    const result = await s.done;
    await hub.close();
    assert.equal(result.status, 0);
    return { report: strip(result.report!), alerts: alertsOf(events) };
  };
  const inWorker = await run(false, true);
  const here = await run(true, true);
  assert.equal(here.report.packets, 18_661 + 407);
  assert.deepEqual(here.report, inWorker.report);
  assert.deepEqual(here.alerts, []);
  // asked for detectors, a capture on this thread loads them and raises the Worker's alerts
  const strip2 = (a: Alert) => ({ ...a, flow: undefined, flowId: a.flowId > 0 });
  const detected = await run(true, false);
  const inProcess: Alert[] = [];
  await replayFiles([DEMO, NMAP_SYN], { onAlert: (a) => inProcess.push(a) });
  assert.ok(inProcess.length > 0);
  assert.deepEqual(detected.alerts.map(strip2), inProcess.map(strip2));
});

Deno.test("a capture on this thread: stop() ends it", async () => {
  const { session: s } = await session(replayStart([DEMO], { speed: 1, noDetect: true }), DEFAULT_CONFIG, {
    inThread: true,
  });
  while ((s.counters?.packets ?? 0) === 0) await new Promise((r) => setTimeout(r, 20));
  s.stop();
  const result = await s.done;
  assert.equal(result.status, 0);
  assert.ok(result.report!.packets > 0 && result.report!.packets < 18_661, `read ${result.report!.packets}`);
});

/** Counts the calls of a prepared capture's `port.terminate()`, which still runs (the real capture ends). */
function countTerminations(w: PreparedWorker): { calls: number } {
  const seen = { calls: 0 };
  const port = w.port, terminate = port.terminate.bind(port);
  port.terminate = () => {
    seen.calls++;
    terminate();
  };
  return seen;
}

Deno.test("a capture on this thread started early that nobody took is ended by close()", async () => {
  const unused = prepareCaptureWorker({ inThread: true });
  const ended = countTerminations(unused);
  // a paced replay (18 s of traffic at speed 1), running when close() comes: close() must end it through its port
  // (the port's terminate() is the capture's only way to end; Deno's sanitizers do not see a paced replay)
  unused.startEarly(replayStart([DEMO], { speed: 1, noDetect: true }));
  await new Promise((r) => setTimeout(r, 300));
  unused.close();
  assert.equal(ended.calls, 1, "close() ends the capture");
  assert.equal(unused.taken, true);
  assert.throws(() => unused.take(() => {}, () => {}), /already used/);
  unused.close();
  assert.equal(ended.calls, 1, "a second close() does nothing");
  await new Promise((r) => setTimeout(r, 100));
});

Deno.test("a capture Worker started early for another kind of capture is closed, not handed out", async () => {
  // started for a capture in a Worker; the command then wants one on this thread
  const worker = startCaptureWorkerEarly({ detectors: false });
  const ended = countTerminations(worker);
  const here = prepareCaptureWorker({ inThread: true });
  try {
    assert.notEqual(here, worker);
    assert.equal(here.options.inThread, true);
    assert.equal(worker.taken, true, "the early Worker is closed");
    assert.equal(ended.calls, 1, "its Worker is terminated");
  } finally {
    here.close();
    worker.close();
  }
  // the other way round, and the same kind is handed out (once)
  const inThread = startCaptureWorkerEarly({ inThread: true });
  const endedHere = countTerminations(inThread);
  const inWorker = prepareCaptureWorker({ detectors: false });
  const same = startCaptureWorkerEarly({ detectors: false });
  try {
    assert.notEqual(inWorker, inThread);
    assert.equal(inWorker.options.inThread, undefined);
    assert.equal(endedHere.calls, 1);
    assert.equal(prepareCaptureWorker({ detectors: false }), same);
  } finally {
    inWorker.close();
    same.close();
  }
  await new Promise((r) => setTimeout(r, 50));
});

Deno.test("replayRunsInThread: one rule for the entry point and the command, --speed read as the command reads it", () => {
  // unpaced and unserved: this thread, whichever way max is spelled
  for (const speed of [undefined, "max", "MAX", " max", "Max "]) {
    assert.equal(replayRunsInThread({ serve: false, speed }), true, String(speed));
  }
  // paced (or a --speed the command refuses): the Worker
  for (const speed of ["realtime", "1", "2x", "0.5", "fast"]) {
    assert.equal(replayRunsInThread({ serve: false, speed }), false, speed);
  }
  // the dashboard, and model-only alerts (the model's replies are taken while the capture reads): the Worker
  assert.equal(replayRunsInThread({ serve: true, speed: "max" }), false);
  assert.equal(replayRunsInThread({ serve: false, speed: undefined, modelAlerts: true }), false);
  assert.equal(replayRunsInThread({ serve: false, speed: "max", modelAlerts: false }), true);
});

Deno.test("the published counters carry the model's counters when the decision stage has a model (none without)", async () => {
  const path = await spacedCapture(30, 50);
  try {
    const model = { requested: 7, classified: 5, dropped: 1, failed: 0, unanswered: 1 };
    for (const ml of [{ name: "fake", classify: () => Promise.resolve(undefined), counters: () => model }, undefined]) {
      const hub = new Hub();
      const events: HubEvent[] = [];
      hub.subscribe({ name: "collect", handle: (e) => void events.push(e) }, { queue: 100_000 });
      const decision = new DecisionStage({ hub, config: DEFAULT_CONFIG, ml });
      const s = await CaptureSession.start(replayStart([path], { speed: 1 }), { hub, decision });
      await s.done;
      await hub.close();
      const counters = events.filter((e) => e.kind === "counters").map((e) =>
        (e as { counters: SensorCounters }).counters
      );
      assert.ok(counters.length >= 1);
      assert.deepEqual(counters.at(-1)!.model, ml ? model : undefined);
    }
  } finally {
    await Deno.remove(path);
  }
});
