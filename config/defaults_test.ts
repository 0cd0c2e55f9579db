import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "./defaults.ts";
import { validateConfig } from "./schema.ts";

Deno.test("DEFAULT_CONFIG is deeply frozen", () => {
  assert.ok(Object.isFrozen(DEFAULT_CONFIG));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.syn_flood));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.trusted_cidrs));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.exploit_probe.ports));
  assert.throws(() => {
    (DEFAULT_CONFIG.syn_flood as { threshold: number }).threshold = 1;
  }, TypeError);
  assert.throws(() => (DEFAULT_CONFIG.trusted_ips as string[]).push("1.1.1.1"), TypeError);
});

Deno.test("DEFAULT_CONFIG holds the seed's values", () => {
  assert.equal(DEFAULT_CONFIG.alert_interval_s, 2);
  assert.equal(DEFAULT_CONFIG.ml_confidence, 0.7);
  assert.equal(DEFAULT_CONFIG.block_seconds, 60);
  assert.equal(DEFAULT_CONFIG.syn_flood.threshold, 10);
  assert.equal(DEFAULT_CONFIG.syn_flood.window_s, 0.5);
  assert.equal(DEFAULT_CONFIG.ddos.threshold, 500);
  assert.equal(DEFAULT_CONFIG.port_scan.threshold, 10);
  assert.equal(DEFAULT_CONFIG.udp_flood.threshold, 500);
  assert.deepEqual(DEFAULT_CONFIG.exploit_probe.ports, [135, 139, 445, 3389, 5900, 21, 22, 23, 69]);
  assert.ok(DEFAULT_CONFIG.trusted_ips.includes("104.22.1.235"));
  assert.ok(DEFAULT_CONFIG.trusted_cidrs.includes("140.82.0.0/16"));
});

Deno.test("DEFAULT_CONFIG is valid and round-trips through JSON", () => {
  assert.deepEqual(validateConfig(JSON.parse(JSON.stringify(DEFAULT_CONFIG))), DEFAULT_CONFIG);
  assert.deepEqual(validateConfig({}), DEFAULT_CONFIG);
});
