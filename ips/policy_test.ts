import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { validateConfig } from "../config/schema.ts";
import { blockSeconds, CRITICAL_TYPES, shouldBlock } from "./policy.ts";

Deno.test("shouldBlock(): critical heuristic types always block, even when the model disagrees", () => {
  for (const type of CRITICAL_TYPES) {
    assert.equal(shouldBlock({ type }, 0.7).block, true, type);
    assert.equal(shouldBlock({ type, ml: { type: "normal", confidence: 0.99 } }, 0.7).block, true, type);
  }
  assert.equal(CRITICAL_TYPES.size, 8);
});

Deno.test("shouldBlock(): a model label blocks only when critical and at or above ml_confidence", () => {
  assert.equal(shouldBlock({ type: "evasion" }, 0.7).block, false);
  assert.equal(shouldBlock({ type: "evasion", ml: { type: "syn_flood", confidence: 0.69 } }, 0.7).block, false);
  assert.equal(shouldBlock({ type: "evasion", ml: { type: "syn_flood", confidence: 0.7 } }, 0.7).block, true);
  assert.equal(shouldBlock({ type: "evasion", ml: { type: "normal", confidence: 0.99 } }, 0.7).block, false);
});

Deno.test("shouldBlock(): spoofed floods never block per source, and say so", () => {
  const a = shouldBlock({ type: "syn_flood", spoofed: true }, 0.7);
  assert.equal(a.block, false);
  assert.match(a.why, /spoofed/);
});

Deno.test("blockSeconds(): per-type durations, block_seconds default, escalation doubling up to a cap", () => {
  const c = validateConfig({
    block_seconds: 60,
    ips: { durations_s: { port_scan: 600 }, escalation: false, escalation_factor: 2, escalation_max_s: 1000 },
  });
  assert.equal(blockSeconds("syn_flood", 0, c), 60);
  assert.equal(blockSeconds("port_scan", 0, c), 600);
  assert.equal(blockSeconds("syn_flood", 3, c), 60, "escalation is off by default");
  assert.equal(blockSeconds("unknown_type", 0, c), 60);
  const e = validateConfig({ ips: { escalation: true, escalation_max_s: 300 } });
  assert.deepEqual([0, 1, 2, 3, 10].map((n) => blockSeconds("ddos", n, e)), [60, 120, 240, 300, 300]);
  assert.equal(DEFAULT_CONFIG.ips.escalation, false);
  assert.equal(DEFAULT_CONFIG.ips.enabled, false);
});

Deno.test("the ips config section validates its ranges", () => {
  assert.throws(() => validateConfig({ ips: { max_active: 0 } }), /ips\.max_active/);
  assert.throws(
    () => validateConfig({ ips: { durations_s: { syn_flod: 5 } } }),
    /did you mean "ips\.durations_s\.syn_flood"/,
  );
  assert.throws(() => validateConfig({ ips: { escalation_factor: 0.5 } }), /ips\.escalation_factor/);
});

Deno.test("shouldBlock(): an unverified source (no handshake: maybe forged) never blocks, whatever the model says", () => {
  for (const type of CRITICAL_TYPES) {
    const a = shouldBlock({ type, unverified: true, ml: { type, confidence: 0.99 } }, 0.7);
    assert.equal(a.block, false, type);
    assert.match(a.why, /unverified source/);
  }
  assert.equal(shouldBlock({ type: "ddos" }, 0.7).block, true);
});

Deno.test("shouldBlock(): an alert tagged no-block (model-only) never blocks, whatever its type", () => {
  for (const type of CRITICAL_TYPES) {
    const a = shouldBlock({ type, noBlock: true, ml: { type, confidence: 0.99 } }, 0.7);
    assert.equal(a.block, false, type);
    assert.match(a.why, /no-block/);
  }
});
