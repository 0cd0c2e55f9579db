import assert from "node:assert/strict";
import { AbuseIpdbClient } from "./abuseipdb_api.ts";
import { AbuseIpdbStub } from "./abuseipdb_stub_test_util.ts";
import { MemoryKv } from "./cache.ts";
import { type ReputationAnswer, ReputationService, type ReputationServiceOptions } from "./reputation.ts";
import { closedPort } from "../notify/telegram_stub_test_util.ts";

const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// a generous time-out: a loaded test machine must not turn a normal answer into a timeout (one test sets its own)
function service(stub: AbuseIpdbStub, options: Partial<ReputationServiceOptions> = {}, logs: string[] = []) {
  return new ReputationService({
    client: new AbuseIpdbClient({ key: KEY, baseUrl: stub.baseUrl, timeoutMs: 5_000 }),
    cache: new MemoryKv(),
    log: (line) => logs.push(line),
    ...options,
  });
}

function ok(answer: ReputationAnswer) {
  assert.ok(answer.ok, answer.ok ? "" : answer.line);
  return answer;
}

function no(answer: ReputationAnswer) {
  assert.ok(!answer.ok, "expected no reputation");
  return answer;
}

Deno.test("check sends the Key header, ipAddress and maxAgeInDays, not verbose, and maps the answer", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY, scores: { "118.25.6.39": 87 } });
  const s = service(stub, { maxAgeDays: 30 });
  const answer = ok(await s.lookup("118.25.6.39"));
  assert.equal(answer.from, "api");
  const [req] = stub.checks();
  assert.equal(req.method, "GET");
  assert.equal(req.key, KEY);
  assert.equal(req.accept, "application/json");
  assert.deepEqual(req.query, { ipAddress: "118.25.6.39", maxAgeInDays: "30" });
  const r = answer.reputation;
  assert.equal(r.score, 87);
  assert.equal(r.countryCode, "NL");
  assert.equal(r.usageType, "Data Center/Web Hosting/Transit");
  assert.equal(r.isp, "Example Hosting B.V.");
  assert.equal(r.domain, "example-hosting.nl");
  assert.equal(r.totalReports, 261);
  assert.equal(r.lastReportedAt, "2026-11-28T10:00:00+00:00");
  assert.equal(r.simulated, false);
  assert.equal(r.source, "abuseipdb");
  assert.deepEqual(s.status().quota, { limit: 1000, remaining: 999, resetMs: stub.resetSeconds * 1000 });
});

Deno.test("results are cached for cache_hours, then looked up again", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  let now = Date.UTC(2026, 10, 29, 12);
  const cache = new MemoryKv();
  const s = service(stub, { cache, cacheMs: 24 * 3_600_000, now: () => now });
  assert.equal(ok(await s.lookup("8.8.8.8")).from, "api");
  now += 23 * 3_600_000;
  assert.equal(ok(await s.lookup("8.8.8.8")).from, "cache");
  assert.equal(s.peek("8.8.8.8")?.score, 0);
  // a second service on the same cache (the store survives restarts) hits too
  const again = service(stub, { cache, now: () => now });
  assert.equal(ok(await again.lookup("8.8.8.8")).from, "cache");
  now += 2 * 3_600_000;
  assert.equal(ok(await s.lookup("8.8.8.8")).from, "api");
  assert.equal(stub.checks().length, 2);
  assert.equal(s.status().cacheHits, 1);
});

Deno.test("concurrent look-ups of one address make one request", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  stub.fail({ kind: "slow", ms: 100 });
  const s = service(stub);
  const answers = await Promise.all(Array.from({ length: 5 }, () => s.lookup("1.1.1.1")));
  assert.ok(answers.every((a) => a.ok));
  assert.equal(stub.checks().length, 1);
});

Deno.test("private, loopback and reserved addresses are never sent", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  const s = service(stub);
  for (
    const ip of ["10.0.0.5", "192.168.1.1", "127.0.0.1", "::1", "fe80::1", "100.64.1.1", "224.0.0.1", "::ffff:10.1.1.1"]
  ) {
    const a = no(await s.lookup(ip));
    assert.equal(a.reason, "not_public");
    assert.match(a.line, new RegExp(`^${ip.replace(/[.:]/g, "\\$&")} is .+: never sent to AbuseIPDB$`));
    assert.equal(s.peek(ip), undefined);
  }
  assert.equal(stub.requests.length, 0);
  assert.equal(s.status().notPublic, 8);
});

Deno.test("the daily quota: X-RateLimit-Remaining 0 pauses look-ups until the reset, with one clear line", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY, limit: 1000, remaining: 2 });
  const logs: string[] = [];
  const s = service(stub, {}, logs);
  ok(await s.lookup("1.1.1.1"));
  ok(await s.lookup("1.0.0.1")); // remaining now 0
  const a = no(await s.lookup("9.9.9.9"));
  assert.equal(a.reason, "quota");
  const reset = new Date(stub.resetSeconds * 1000).toISOString().slice(0, 16).replace("T", " ");
  assert.equal(
    a.line,
    `AbuseIPDB daily quota exhausted (1000 requests used); no look-ups until ${reset} UTC (cached results are still shown)`,
  );
  assert.equal(stub.checks().length, 2, "no request while the quota is spent");
  assert.equal(ok(await s.lookup("1.1.1.1")).from, "cache", "the cache still answers");
  assert.deepEqual(logs, [`abuseipdb: ${a.line}`]);
  assert.equal(s.status().paused, a.line);
});

Deno.test("the daily quota: a 429 also pauses look-ups", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY, remaining: 0 });
  const s = service(stub);
  const a = no(await s.lookup("1.1.1.1"));
  assert.equal(a.reason, "quota");
  assert.match(a.line, /^AbuseIPDB daily quota exhausted \(1000 requests used\); no look-ups until /);
  no(await s.lookup("8.8.4.4"));
  assert.equal(stub.checks().length, 1);
});

Deno.test("a refused key (401/403) stops look-ups for the run, logged once", async () => {
  for (const status of [401, 403]) {
    await using stub = new AbuseIpdbStub({ key: status === 401 ? "another" + KEY.slice(7) : KEY });
    if (status === 403) stub.fail({ kind: "status", status: 403, detail: "Forbidden." });
    const logs: string[] = [];
    const s = service(stub, {}, logs);
    const a = no(await s.lookup("1.1.1.1"));
    assert.equal(a.reason, "unauthorized");
    no(await s.lookup("8.8.8.8"));
    assert.equal(stub.checks().length, 1, `${status}: no more requests`);
    assert.equal(logs.length, 1);
    if (status === 401) {
      assert.match(
        logs[0],
        /^abuseipdb: AbuseIPDB refused the key \(401 Authentication failed\..*\); set abuseipdb\.key or IDS_ABUSEIPDB_KEY/,
      );
    }
    assert.ok(!logs[0].includes(KEY));
  }
});

Deno.test("5xx, malformed JSON, timeouts and connection refused never throw; the address waits before a retry", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  let now = 1_000_000;
  const logs: string[] = [];
  // the time-out is short but well above a normal answer even on a loaded machine; the slow answer is far past it
  const client = new AbuseIpdbClient({ key: KEY, baseUrl: stub.baseUrl, timeoutMs: 1_000 });
  const s = service(stub, { client, now: () => now, retryMs: 60_000 }, logs);
  stub.fail({ kind: "status", status: 503, detail: "Service Unavailable" }, { kind: "garbage" }, {
    kind: "slow",
    ms: 2_500,
  });
  const lines = [];
  for (const ip of ["1.1.1.1", "1.1.1.2", "1.1.1.3"]) {
    const a = no(await s.lookup(ip));
    assert.equal(a.reason, "error");
    lines.push(a.line);
  }
  assert.match(lines[0], /^AbuseIPDB server error \(503 Service Unavailable\)/);
  assert.match(lines[1], /^unexpected answer from AbuseIPDB \(200 HTTP 200 without the expected data/);
  assert.match(lines[2], /^timeout: AbuseIPDB did not answer \(no answer within 1 s\)/);
  // the failed address is not asked again at once; later it is
  no(await s.lookup("1.1.1.1"));
  assert.equal(stub.checks().length, 3);
  now += 61_000;
  ok(await s.lookup("1.1.1.1"));
  assert.equal(logs.length, 4, "one line per kind: server, bad_response, timeout, then recovery");
  assert.equal(logs[3], "abuseipdb: look-ups work again");

  const refused = new ReputationService({
    client: new AbuseIpdbClient({ key: KEY, baseUrl: `http://127.0.0.1:${closedPort()}/api/v2` }),
    cache: new MemoryKv(),
    log: () => {},
  });
  const a = no(await refused.lookup("1.1.1.1"));
  assert.match(a.line, /^network unreachable: cannot connect to AbuseIPDB \(.*Connection refused/);
  assert.ok(!a.line.includes(KEY));
  await new Promise((resolve) => setTimeout(resolve, 1_600)); // the slow answer finishes
});

Deno.test("a bounded queue: past maxQueued look-ups are refused as busy, not stored", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  stub.fail({ kind: "slow", ms: 100 }, { kind: "slow", ms: 100 });
  const s = service(stub, { concurrency: 1, maxQueued: 2 });
  const answers = await Promise.all(["1.0.0.1", "1.0.0.2", "1.0.0.3", "1.0.0.4", "1.0.0.5"].map((ip) => s.lookup(ip)));
  assert.deepEqual(answers.map((a) => a.ok ? "ok" : a.reason), ["ok", "ok", "ok", "busy", "busy"]);
  assert.equal(s.status().busy, 2);
  assert.equal(s.status().pending, 0);
});

Deno.test("without a key: the seed's simulated result, marked simulated, never sent, never cached", async () => {
  const cache = new MemoryKv();
  const s = new ReputationService({ cache });
  assert.equal(s.mode, "simulated");
  const a = ok(await s.lookup("8.8.8.8"));
  assert.equal(a.from, "simulated");
  assert.equal(a.reputation.score, 15);
  assert.equal(a.reputation.countryName, "COLOMBIA (Simulado)");
  assert.equal(a.reputation.simulated, true);
  assert.equal(a.reputation.source, "simulated");
  assert.equal(cache.size, 0);
  assert.equal(s.peek("8.8.8.8")?.simulated, true);
  assert.equal(no(await s.lookup("10.1.1.1")).reason, "not_public");
  const off = new ReputationService({ cache, simulate: false });
  assert.equal(off.mode, "off");
  assert.equal(no(await off.lookup("8.8.8.8")).reason, "disabled");
});

Deno.test("close() cancels look-ups in flight quietly", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY });
  stub.fail({ kind: "slow", ms: 500 });
  const logs: string[] = [];
  const s = service(stub, { retryMs: 60_000 }, logs);
  const pending = s.lookup("1.1.1.1");
  setTimeout(() => s.close(), 20);
  const a = no(await pending);
  assert.equal(a.line, "1.1.1.1: look-up cancelled (ids is stopping)");
  assert.deepEqual(logs, []);
  await new Promise((resolve) => setTimeout(resolve, 520));
});
