import assert from "node:assert/strict";
import type { BlockEvent } from "../core/block.ts";
import { AbuseIpdbClient } from "./abuseipdb_api.ts";
import { AbuseIpdbStub } from "./abuseipdb_stub_test_util.ts";
import { AbuseReporter, categoriesFor } from "./reporter.ts";

const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

function block(ip: string, overrides: Partial<BlockEvent> = {}): BlockEvent {
  const startMs = Date.UTC(2026, 10, 29, 21, 0, 0);
  return {
    id: `${ip}@${startMs}`,
    ip,
    status: "active",
    atMs: startMs,
    startMs,
    durationS: 60,
    backend: "nftables",
    type: "port_scan",
    label: "Port Scan (Heuristic)",
    severity: 2,
    reason: "critical type, heuristic",
    ...overrides,
  };
}

Deno.test("categories follow the attack", () => {
  assert.deepEqual(categoriesFor("port_scan"), [14]);
  assert.deepEqual(categoriesFor("ddos"), [4]);
  assert.deepEqual(categoriesFor("syn_flood"), [4]);
  assert.deepEqual(categoriesFor("brute_force", 22), [18, 22]);
  assert.deepEqual(categoriesFor("brute_force", 3389), [18]);
  assert.deepEqual(categoriesFor("sql_injection"), [16, 21]);
  assert.deepEqual(categoriesFor("exploit_probe"), [15]);
});

Deno.test("a real block of a public address is reported once per 15 minutes, with the right form", async () => {
  let now = Date.UTC(2026, 10, 29, 21, 0, 1);
  await using stub = new AbuseIpdbStub({ key: KEY, now: () => now });
  const reporter = new AbuseReporter({
    client: new AbuseIpdbClient({ key: KEY, baseUrl: stub.baseUrl }),
    now: () => now,
    log: () => {},
  });
  reporter.onBlock(block("118.25.6.39", { type: "sql_injection", label: "SQL Injection (ML: 97.3%)" }));
  reporter.onBlock(block("118.25.6.39")); // same address, a minute later: not again
  now += 60_000;
  reporter.onBlock(block("118.25.6.39"));
  await reporter.settled();
  const [req] = stub.reports();
  assert.equal(stub.reports().length, 1);
  assert.equal(req.method, "POST");
  assert.equal(req.key, KEY);
  assert.deepEqual(req.form, {
    ip: "118.25.6.39",
    categories: "16,21",
    comment: "SQL Injection detected by the ids network sensor and blocked (2026-11-29T21:00:00Z).",
    timestamp: "2026-11-29T21:00:00.000Z",
  });
  now += 15 * 60_000;
  reporter.onBlock(block("118.25.6.39"));
  await reporter.settled();
  assert.equal(stub.reports().length, 2, "after 15 minutes it may be reported again");
  assert.deepEqual(reporter.status(), { reported: 2, rateLimited: 2, skipped: 0, failed: 0 });
});

Deno.test("simulated and failed blocks, spoofed sources and private addresses are never reported", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  const reporter = new AbuseReporter({
    client: new AbuseIpdbClient({ key: KEY, baseUrl: stub.baseUrl }),
    log: () => {},
  });
  reporter.onBlock(block("8.8.8.8", { status: "simulated" }));
  reporter.onBlock(block("8.8.8.8", { status: "failed" }));
  reporter.onBlock(block("8.8.8.8", { status: "expired" }));
  reporter.onBlock(block("8.8.8.8"), { spoofed: true });
  reporter.onBlock(block("10.0.0.5"));
  reporter.onBlock(block("::1"));
  await reporter.settled();
  assert.equal(stub.requests.length, 0);
  assert.equal(reporter.status().skipped, 6);
});

Deno.test("the API's 15-minute refusal and an exhausted quota are counted, never thrown", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  const logs: string[] = [];
  const reporter = new AbuseReporter({
    client: new AbuseIpdbClient({ key: KEY, baseUrl: stub.baseUrl }),
    intervalMs: 0, // our own limit off: the API's answers are what is tested
    log: (l) => logs.push(l),
  });
  reporter.onBlock(block("1.1.1.1"));
  await reporter.settled();
  reporter.onBlock(block("1.1.1.1"));
  await reporter.settled();
  assert.equal(stub.reports()[1].status, 429);
  assert.equal(reporter.status().rateLimited, 1);
  assert.match(
    reporter.status().lastError!,
    /You can only report the same IP address \(`1\.1\.1\.1`\) once in 15 minutes/,
  );
  stub.remaining = 0;
  reporter.onBlock(block("1.0.0.1"));
  await reporter.settled();
  reporter.onBlock(block("1.0.0.2"));
  await reporter.settled();
  assert.equal(stub.reports().length, 3, "paused after the quota ran out");
  assert.equal(logs.length, 1);
  assert.match(
    logs[0],
    /^abuseipdb report: AbuseIPDB daily quota exhausted \(1000 requests used\); no reports until /,
  );
});
