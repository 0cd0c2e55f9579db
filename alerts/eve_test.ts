import assert from "node:assert/strict";
import { type Alert, buildAlert } from "../core/alert.ts";
import { ATTACK_TYPES, ATTACKS } from "../core/attack_type.ts";
import type { DetectionEvent } from "../core/detection.ts";
import { eveTimestamp, fallbackFlowId, sensorHost, toEve } from "./eve.ts";
import { validateEve } from "./eve_schema_test_util.ts";

const TS = Date.UTC(2026, 10, 21, 14, 50, 23) * 1000 + 531_762; // 2026-11-21T14:50:23.531762Z

function detection(overrides: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    type: "syn_flood",
    tsUs: TS,
    src: "10.77.0.66",
    dst: "10.77.0.1",
    srcPort: 41234,
    dstPort: 80,
    proto: 6,
    severity: 1,
    reason: "42 SYN without handshake in 0.5 s",
    flowId: 0,
    ...overrides,
  };
}

function assertValid(record: unknown): void {
  assert.deepEqual(validateEve(record), [], JSON.stringify(record));
}

Deno.test("toEve() writes the PRODUCT.md example record", () => {
  const alert = buildAlert(detection({ flowId: 1234567 }));
  const record = toEve(alert, { inIface: "eth0" });
  assert.deepEqual(record, {
    timestamp: "2026-11-21T14:50:23.531762+0000",
    flow_id: 1234567,
    in_iface: "eth0",
    event_type: "alert",
    src_ip: "10.77.0.66",
    src_port: 41234,
    dest_ip: "10.77.0.1",
    dest_port: 80,
    proto: "TCP",
    host: sensorHost(),
    alert: {
      action: "allowed",
      gid: 1,
      signature_id: 9000001,
      rev: 1,
      signature: "SYN Flood (Heuristic)",
      category: "Attempted Denial of Service",
      severity: 1,
      metadata: { tag: ["syn_flood", "heuristic"], reason: ["42 SYN without handshake in 0.5 s"] },
    },
  });
  assert.deepEqual(Object.keys(record), [
    "timestamp",
    "flow_id",
    "in_iface",
    "event_type",
    "src_ip",
    "src_port",
    "dest_ip",
    "dest_port",
    "proto",
    "host",
    "alert",
  ]);
  assertValid(record);
  assertValid(JSON.parse(JSON.stringify(record)));
});

Deno.test("toEve() records validate for every attack type, IPv4 and IPv6", () => {
  for (const type of ATTACK_TYPES) {
    for (const [src, dst] of [["10.77.0.66", "10.77.0.1"], ["2001:db8::66", "2001:db8::1"]] as const) {
      const record = toEve(buildAlert(detection({ type, src, dst, flowId: 42 })));
      assertValid(record);
      assert.equal(record.alert.signature_id, ATTACKS[type].signatureId);
      assert.equal(record.alert.category, ATTACKS[type].category);
      assert.equal(record.alert.signature, `${ATTACKS[type].display} (Heuristic)`);
      assert.equal(record.alert.metadata.tag[0], type);
      assert.equal(record.src_ip, src);
      assert.equal(record.dest_ip, dst);
      assert.equal(record.in_iface, undefined);
    }
  }
});

Deno.test("toEve() omits ports for ICMP and ICMPv6", () => {
  const icmp = toEve(buildAlert(detection({ type: "icmp_flood", proto: 1, srcPort: 0, dstPort: 0 })));
  assert.equal(icmp.proto, "ICMP");
  assert.ok(!("src_port" in icmp) && !("dest_port" in icmp));
  assertValid(icmp);

  const icmp6 = toEve(
    buildAlert(detection({ type: "icmp_flood", proto: 58, src: "fe80::1", dst: "ff02::1", srcPort: 0, dstPort: 0 })),
  );
  assert.equal(icmp6.proto, "IPv6-ICMP");
  assert.ok(!("src_port" in icmp6) && !("dest_port" in icmp6));
  assertValid(icmp6);

  const udp = toEve(buildAlert(detection({ type: "udp_flood", proto: 17, srcPort: 53, dstPort: 5353 })));
  assert.equal(udp.proto, "UDP");
  assert.equal(udp.src_port, 53);
  assert.equal(udp.dest_port, 5353);
  assertValid(udp);

  const gre = toEve(buildAlert(detection({ type: "ddos", proto: 47 })));
  assert.equal(gre.proto, "47");
  assert.ok(!("src_port" in gre));
  assertValid(gre);
});

Deno.test("toEve() tags: type, decision, extras, then spoofed", () => {
  const spoofed = toEve(buildAlert(detection({ spoofed: true, tags: ["dest", "dest", "spoofed", ""] })));
  assert.deepEqual(spoofed.alert.metadata.tag, ["syn_flood", "heuristic", "dest", "spoofed"]);
  assertValid(spoofed);

  const ml = buildAlert(detection({ type: "port_scan", tags: ["slow"] }), {
    ml: { type: "port_scan", confidence: 0.973 },
  });
  const record = toEve(ml);
  assert.deepEqual(record.alert.metadata.tag, ["port_scan", "ml", "slow"]);
  assert.equal(record.alert.signature, "Port Scan (ML: 97.3%)");
  assert.deepEqual(record.alert.metadata.ml_confidence, ["0.973"]);
  assertValid(record);
});

Deno.test("toEve() writes blocked actions and suppressed counts", () => {
  const record = toEve(buildAlert(detection({ type: "exploit_probe", dstPort: 445 }), {
    action: "blocked",
    suppressed: 17,
    iface: "wlan0",
  }));
  assert.equal(record.alert.action, "blocked");
  assert.equal(record.in_iface, "wlan0");
  assert.deepEqual(record.alert.metadata.suppressed, ["17"]);
  assertValid(record);
  assert.equal(toEve(buildAlert(detection(), { iface: "wlan0" }), { inIface: "eth1" }).in_iface, "eth1");
});

Deno.test("toEve() gives a positive flow id even without one", () => {
  const alert: Alert = buildAlert(detection({ flowId: 0 }));
  const id = toEve(alert).flow_id;
  assert.ok(Number.isSafeInteger(id) && id > 0);
  assert.equal(id, fallbackFlowId(alert), "stable for the five-tuple");
  assert.notEqual(fallbackFlowId({ ...alert, srcPort: alert.srcPort + 1 }), id);
  assert.equal(toEve(buildAlert(detection({ flowId: -5 }))).flow_id, id);
  assert.equal(toEve(buildAlert(detection({ flowId: 2 ** 53 }))).flow_id, id);
  for (let port = 0; port < 2000; port++) {
    const other = fallbackFlowId({ ...alert, srcPort: port });
    assert.ok(Number.isSafeInteger(other) && other > 0 && other < 2 ** 52);
  }
});

Deno.test("eveTimestamp() uses microseconds and +0000, never Z", () => {
  assert.equal(eveTimestamp(TS), "2026-11-21T14:50:23.531762+0000");
  assert.equal(eveTimestamp(0), "1970-01-01T00:00:00.000000+0000");
  assert.equal(eveTimestamp(1), "1970-01-01T00:00:00.000001+0000");
  assert.equal(eveTimestamp(999_999), "1970-01-01T00:00:00.999999+0000");
  assert.equal(eveTimestamp(1_000_000.7), "1970-01-01T00:00:01.000000+0000");
  assert.equal(eveTimestamp(4_294_967_295 * 1e6 + 999_999), "2106-02-07T06:28:15.999999+0000");
  assert.equal(eveTimestamp(-1), "1969-12-31T23:59:59.999999+0000");
  assert.throws(() => eveTimestamp(Number.NaN), /Cannot format EVE timestamp/);
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const ts = seed * 1e6 + (seed % 1_000_000);
    const text = eveTimestamp(ts);
    assert.ok(!text.endsWith("Z"), text);
    assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000$/);
    assert.equal(Date.parse(text.replace("+0000", "Z").replace(/(\.\d{3})\d{3}/, "$1")), Math.floor(ts / 1000));
  }
});

Deno.test("validateEve() reports schema violations", () => {
  const record = toEve(buildAlert(detection())) as unknown as Record<string, unknown>;
  assert.ok(validateEve({ ...record, timestamp: "2026-11-21T14:50:23.531762Z" })[0].startsWith("/timestamp:"));
  assert.equal(validateEve({ ...record, reason: "x" })[0], "/: must NOT have additional properties (reason)");
  assert.equal(validateEve({ ...record, flow_id: "1" })[0], "/flow_id: must be integer (is string)");
  const { host: _host, ...noHost } = record;
  assert.deepEqual(validateEve(noHost), ["/: missing required property host"]);
  const tag = { ...record, alert: { ...record.alert as object, metadata: { tag: ["syn_flood"] } } };
  assert.deepEqual(validateEve(tag), ["/alert/metadata/tag: fewer than 2 items"]);
});

Deno.test("toEve() names the sensor: host is this machine's host name unless given", () => {
  const record = toEve(buildAlert(detection()));
  assert.equal(record.host, Deno.hostname());
  assert.equal(toEve(buildAlert(detection()), { host: "sensor-7" }).host, "sensor-7");
  assertValid(record);
});
