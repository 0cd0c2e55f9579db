import assert from "node:assert/strict";
import { ATTACK_TYPES, ATTACKS } from "./attack_type.ts";
import type { DetectionEvent } from "./detection.ts";
import { buildAlert, labelFor } from "./alert.ts";

const detection: DetectionEvent = {
  type: "syn_flood",
  tsUs: 1_795_272_623_531_762,
  src: "10.77.0.66",
  dst: "10.77.0.1",
  srcPort: 41234,
  dstPort: 80,
  proto: 6,
  severity: 1,
  reason: "42 SYN without handshake in 0.5 s",
  flowId: 99,
};

Deno.test("labelFor() gives the seed's label formats", () => {
  assert.equal(labelFor("syn_flood"), "SYN Flood (Heuristic)");
  assert.equal(labelFor("syn_flood", { confidence: 0.973 }), "SYN Flood (ML: 97.3%)");
  assert.equal(labelFor("port_scan", { confidence: 0.7 }), "Port Scan (ML: 70.0%)");
  assert.equal(labelFor("ddos", { confidence: 1 }), "DDoS (ML: 100.0%)");
  for (const type of ATTACK_TYPES) assert.equal(labelFor(type), `${ATTACKS[type].display} (Heuristic)`);
});

Deno.test("labelFor() refuses bad confidences and types", () => {
  for (const confidence of [-0.1, 1.01, Number.NaN]) {
    assert.throws(() => labelFor("ddos", { confidence }), RangeError);
  }
  assert.throws(() => labelFor("nope" as "ddos"), /Cannot label alert: unknown attack type "nope"/);
});

Deno.test("buildAlert() uses the heuristic label unless the model is confident enough", () => {
  const heuristic = buildAlert(detection, { suppressed: 3 });
  assert.equal(heuristic.label, "SYN Flood (Heuristic)");
  assert.equal(heuristic.decidedBy, "heuristic");
  assert.equal(heuristic.action, "allowed");
  assert.equal(heuristic.flowId, 99);
  assert.equal(heuristic.suppressed, 3);
  assert.equal(heuristic.reason, detection.reason);
  assert.equal(heuristic.iface, undefined);
  assert.equal(heuristic.mlConfidence, undefined);

  const unsure = buildAlert(detection, { ml: { type: "syn_flood", confidence: 0.69 } });
  assert.equal(unsure.decidedBy, "heuristic");
  assert.equal(unsure.label, "SYN Flood (Heuristic)");

  const sure = buildAlert(detection, { ml: { type: "syn_flood", confidence: 0.7 }, action: "blocked", iface: "eth0" });
  assert.equal(sure.decidedBy, "ml");
  assert.equal(sure.label, "SYN Flood (ML: 70.0%)");
  assert.equal(sure.mlConfidence, 0.7);
  assert.equal(sure.action, "blocked");
  assert.equal(sure.iface, "eth0");

  const strict = buildAlert(detection, { ml: { type: "syn_flood", confidence: 0.9 }, mlConfidence: 0.95 });
  assert.equal(strict.decidedBy, "heuristic");
});

Deno.test("buildAlert() keeps the heuristic label when the model says normal or another type", () => {
  for (const type of ["normal", "port_scan"] as const) {
    const alert = buildAlert(detection, { ml: { type, confidence: 0.99 } });
    assert.equal(alert.decidedBy, "heuristic");
    assert.equal(alert.label, "SYN Flood (Heuristic)");
    assert.equal(alert.mlConfidence, undefined);
    assert.deepEqual(alert.ml, { type, confidence: 0.99 }, "the model's verdict is kept for the record");
  }
});

Deno.test("buildAlert() keeps the flow's counters but not the model's feature row", () => {
  const flow = {
    flowId: 99,
    proto: 6,
    initiatorIp: "10.77.0.66",
    initiatorPort: 41234,
    responderIp: "10.77.0.1",
    responderPort: 80,
    firstUs: detection.tsUs,
    lastUs: detection.tsUs,
    packetsFwd: 42,
    packetsRev: 0,
    bytesFwd: 2520,
    bytesRev: 0,
    state: 1,
  };
  const event: DetectionEvent = { ...detection, flow: { ...flow, features: [1, 2, 3], featureVersion: 5 } };
  const alert = buildAlert(event, { ml: { type: "syn_flood", confidence: 0.9 } });
  assert.deepEqual(alert.flow, flow);
  assert.ok(!JSON.stringify(alert).includes("feature"));
  assert.deepEqual(event.flow!.features, [1, 2, 3], "the event itself is not changed");
  assert.deepEqual(buildAlert({ ...detection, flow }).flow, flow);
  assert.equal(buildAlert(detection).flow, undefined);
});
