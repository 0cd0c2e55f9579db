import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import type { Alert } from "../core/alert.ts";
import { loadClassifier } from "../ml/classifier.ts";
import { OFFLINE_MAX_PENDING, OFFLINE_ML_DEADLINE_MS } from "../sensor/decision.ts";
import { FlowModel, loadFlowModel } from "../sensor/flow_model.ts";
import { Sensor } from "../sensor/sensor.ts";
import { replayFiles } from "../sensor/replay.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Scenario {
  name: string;
  file: string;
  kind: string;
}

async function scenarios(manifest: string): Promise<(Scenario & { path: string })[]> {
  const m = JSON.parse(await Deno.readTextFile(join(ROOT, manifest))) as { scenarios: Scenario[] };
  return m.scenarios.map((s) => ({ ...s, path: join(ROOT, dirname(manifest), s.file) }));
}

function withMl(ml: Partial<Config["ml"]>): Config {
  return { ...DEFAULT_CONFIG, ml: { ...DEFAULT_CONFIG.ml, ...ml } };
}

Deno.test("ml replay: the model labels detections of a real SYN flood (seed rule: label and EVE tag ml)", async () => {
  const warnings: string[] = [];
  const ml = await loadFlowModel(DEFAULT_CONFIG, (l) => warnings.push(l));
  assert.ok(ml !== undefined, warnings.join("\n"));
  try {
    const alerts: Alert[] = [];
    // a generous deadline: this test checks the rule, not the latency (a loaded CI box may be slow)
    await replayFiles([join(ROOT, "tests/corpus/syn_flood.pcap.gz")], {
      ml,
      mlDeadlineMs: 5000,
      onAlert: (a) => alerts.push(a),
    });
    assert.ok(alerts.length > 0);
    const byModel = alerts.filter((a) => a.decidedBy === "ml");
    assert.ok(byModel.length > 0, `labels: ${alerts.map((a) => a.label).join(", ")}`);
    for (const a of byModel) {
      assert.match(a.label, /^SYN Flood \(ML: \d{2,3}\.\d%\)$/);
      assert.ok(a.ml!.confidence >= DEFAULT_CONFIG.ml_confidence);
      // the verdict came from the flow's feature row; the alert keeps the flow's counters, not the row
      assert.ok(a.flow !== undefined && a.flow.packetsFwd + a.flow.packetsRev > 0);
      assert.equal(a.flow.features, undefined);
    }
    assert.equal(ml.unclassifiable, 0, "every detection reached the model with a feature row");
    assert.ok(ml.classifier.counters.classified >= byModel.length);
    assert.equal(warnings.length, 0);
  } finally {
    ml.close();
  }
});

Deno.test("ml replay: a missing model warns once and leaves every label heuristic", async () => {
  const warnings: string[] = [];
  const ml = await loadFlowModel(DEFAULT_CONFIG, (l) => warnings.push(l), { modelPath: "/nonexistent/ids-flow.onnx" });
  assert.equal(ml, undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /heuristics only/);
  const alerts: Alert[] = [];
  await replayFiles([join(ROOT, "tests/corpus/syn_flood.pcap.gz")], { ml, onAlert: (a) => alerts.push(a) });
  assert.ok(alerts.length > 0);
  assert.ok(alerts.every((a) => a.decidedBy === "heuristic" && a.label.endsWith("(Heuristic)")));
});

Deno.test("ml replay: model-only alerts are on by default only if silent on every benign capture", async () => {
  const config = withMl({ alerts: true });
  const ml = await loadFlowModel(config, () => {});
  assert.ok(ml !== undefined);
  try {
    const benign = [
      ...await scenarios("tests/corpus/manifest.json"),
      ...await scenarios("ml/captures/manifest.json"),
    ].filter((s) => s.kind === "benign");
    assert.ok(benign.length >= 10);
    const loud: string[] = [];
    let offered = 0;
    for (const s of benign) {
      const alerts: Alert[] = [];
      const r = await replayFiles([s.path], { ml, config, mlDeadlineMs: 5000, onAlert: (a) => alerts.push(a) });
      offered += r.modelAlerts!.counters.offered;
      for (const a of alerts) loud.push(`${s.name}: ${a.label} ${a.src} → ${a.dst}:${a.dstPort}`);
    }
    assert.ok(offered > 500, `flows offered to the model: ${offered}`);
    if (loud.length > 0) {
      console.log(`model-only alerts on benign captures (so ml.alerts stays off by default):\n  ${loud.join("\n  ")}`);
    }
    // the rule both ways: off while any benign capture raises one, on once none does
    assert.equal(DEFAULT_CONFIG.ml.alerts, loud.length === 0, `ml.alerts default; benign alerts: ${loud.length}`);
  } finally {
    ml.close();
  }
});

Deno.test("ml replay: model-only alerts find a real attack with the detectors off (severity 3, tag model-only)", async () => {
  const off = Object.fromEntries(
    ["syn_flood", "ddos", "port_scan", "udp_flood", "icmp_flood", "exploit_probe", "brute_force", "sql_injection"].map(
      (k) => [k, { ...(DEFAULT_CONFIG as unknown as Record<string, object>)[k], enabled: false }],
    ),
  );
  const config = { ...withMl({ alerts: true, alert_confidence: 0.8 }), ...off } as Config;
  const ml = await loadFlowModel(config, () => {});
  assert.ok(ml !== undefined);
  try {
    const alerts: Alert[] = [];
    await replayFiles([join(ROOT, "ml/captures/ml_udp_flood_ntp.pcap.gz")], {
      ml,
      config,
      mlDeadlineMs: 1, // the model already gave its verdict on model-only events: no second wait
      onAlert: (a) => alerts.push(a),
    });
    assert.ok(alerts.length > 0, "the model raised the flood alone");
    for (const a of alerts) {
      assert.equal(a.severity, 3);
      assert.ok(a.tags?.includes("model-only"));
      assert.ok(a.tags?.includes("no-block"));
      assert.equal(a.decidedBy, "ml");
    }
    assert.ok(alerts.some((a) => a.type === "udp_flood" && a.src === "10.77.2.68"));
  } finally {
    ml.close();
  }
});

Deno.test("ids replay --eve -: the CLI prints the model's label and tag on the alert of a real SYN flood", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "main.ts"), "replay", "--eve", "-", join(ROOT, "tests/corpus/syn_flood.pcap.gz")],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout), err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, err);
  assert.doesNotMatch(err, /heuristics only/);
  const eve = out.trim().split("\n").map((l) => JSON.parse(l)) as {
    src_ip: string;
    alert: { signature: string; metadata: { tag: string[]; ml_confidence?: string[] } };
  }[];
  const syn = eve.filter((e) => e.alert.metadata.tag[0] === "syn_flood");
  assert.ok(syn.length > 0, out);
  const byModel = syn.filter((e) => e.alert.metadata.tag.includes("ml"));
  assert.ok(byModel.length > 0, `signatures: ${syn.map((e) => e.alert.signature).join(", ")}`);
  for (const e of byModel) {
    assert.match(e.alert.signature, /^SYN Flood \(ML: \d{2,3}\.\d%\)$/);
    assert.ok(Number(e.alert.metadata.ml_confidence![0]) >= DEFAULT_CONFIG.ml_confidence);
    assert.equal(e.src_ip, "10.77.1.66");
  }
});

/** An EVE file's alerts, without flow_id (random per run), sorted. */
async function eveAlerts(path: string): Promise<string[]> {
  return (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "").map((l) => {
    const { flow_id: _, ...rest } = JSON.parse(l);
    return JSON.stringify(rest);
  }).sort();
}

Deno.test("ml replay: an unpaced replay of files waits for the model, so its model-only alerts are the same every run (a FIFO keeps the live rule: its overflow goes unanswered)", async () => {
  // the capture Worker and the sensor as `ids replay` runs them, with the model's queue cut to 16 rows: the demo
  // capture's flows overflow it many times over
  const config = withMl({ alerts: true, alert_confidence: 0.8 });
  const demo = join(ROOT, "tests/fixtures/demo.pcapng.gz");
  const dir = await Deno.makeTempDir({ prefix: "ids-ml-wait-" });
  const run = async (file: string, eve: string) => {
    const classifier = await loadClassifier({ maxQueue: 16, maxBatch: 4 });
    assert.ok(classifier.ready, classifier.status.reason);
    const sensor = await Sensor.open({
      config,
      eve,
      ml: new FlowModel(classifier),
      command: "replay",
      mlDeadlineMs: OFFLINE_ML_DEADLINE_MS,
      maxPending: OFFLINE_MAX_PENDING,
    });
    try {
      const session = await sensor.capture({
        mode: "replay",
        files: [file],
        speed: Infinity,
        config,
        trafficPerSecond: 0,
      });
      const result = await session.done;
      assert.equal(result.status, 0, result.error);
      assert.equal(result.report?.packets, 18_661);
    } finally {
      await sensor.close(); // (closes the model)
    }
    return { alerts: await eveAlerts(eve), ...classifier.counters };
  };
  try {
    const first = await run(demo, `${dir}/1.json`);
    const second = await run(demo, `${dir}/2.json`);
    console.log(
      `rows asked ${first.requested}/${second.requested}, alerts ${first.alerts.length}/${second.alerts.length}`,
    );
    assert.equal(first.dropped, 0, "no verdict lost to the full queue");
    assert.equal(second.dropped, 0, "no verdict lost to the full queue");
    assert.ok(first.requested > 16 * 10, `the flows offered overflow the 16-row queue (${first.requested} rows asked)`);
    assert.ok(first.alerts.some((a) => a.includes('"model-only"')), "model-only alerts were raised");
    assert.deepEqual(second.alerts, first.alerts, "the same alerts both runs");
    // the same capture from a FIFO (it could be a live tcpdump): the reading is not held back, the overflow goes
    // unanswered and the heuristic labels stand (issue 11's rule) — the queue really overflows on this capture
    const fifo = `${dir}/demo.pcapng.gz`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    const writer = new Deno.Command("bash", { args: ["-c", `exec cat "${demo}" > "${fifo}"`] }).spawn();
    try {
      const piped = await run(fifo, `${dir}/fifo.json`);
      console.log(`FIFO: ${piped.dropped} of ${piped.requested} rows dropped, ${piped.alerts.length} alerts`);
      assert.ok(piped.dropped > 0, `the FIFO replay lost verdicts to the full queue (${piped.dropped})`);
    } finally {
      // a replay that failed before it opened the FIFO leaves its writer blocked in open(): end it, do not hang
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((r) => timer = setTimeout(r, 5_000));
      await Promise.race([writer.status, late.then(() => writer.kill("SIGKILL"))]);
      clearTimeout(timer);
      await writer.status;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
