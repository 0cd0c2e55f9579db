/**
 * End to end on the real hub: alerts published by the sensor reach every subscriber (a recording
 * one standing for the store) while Telegram and AbuseIPDB — local stubs speaking the real APIs —
 * are flaky, slow or unreachable. Nothing waits for them and nothing is lost.
 */
import assert from "node:assert/strict";
import { startAlertServices } from "../cli/_alert_services.ts";
import { validateConfig } from "../config/schema.ts";
import { type Alert, buildAlert } from "../core/alert.ts";
import type { HubEvent } from "../core/hub_event.ts";
import { AbuseIpdbStub } from "../enrich/abuseipdb_stub_test_util.ts";
import type { Reputation } from "../enrich/reputation.ts";
import { closedPort, TelegramStub } from "../notify/telegram_stub_test_util.ts";
import { Hub } from "../sensor/hub.ts";
import { Store } from "../store/store.ts";
import { StoreWriter } from "../store/writer.ts";

const TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKEN_-x";
const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

function alert(i: number, src: string): Alert {
  return buildAlert({
    type: i % 3 === 0 ? "port_scan" : "syn_flood",
    tsUs: Date.now() * 1000,
    src,
    dst: "10.0.0.1",
    srcPort: 40000 + (i % 1000),
    dstPort: 80,
    proto: 6,
    severity: 1,
    reason: `<b>${i}</b> SYN without handshake`,
    flowId: i + 1,
  }, { seq: i + 1 });
}

function recorder(events: Alert[]) {
  return {
    name: "store-stand-in",
    kinds: ["alert" as const],
    handleBatch(batch: HubEvent[]) {
      for (const e of batch) if (e.kind === "alert") events.push(e.alert);
    },
  };
}

Deno.test("a 10k-alert storm: every alert reaches the SQLite store, Telegram gets a digest, AbuseIPDB one look-up per source", async () => {
  await using telegram = new TelegramStub({ token: TOKEN, chats: ["1001"], floodGapMs: 150 });
  await using abuse = new AbuseIpdbStub({ key: KEY, scores: { "45.33.32.156": 87 } });
  telegram.fail({ kind: "status", status: 502, description: "Bad Gateway" }); // a flaky start
  const config = validateConfig({
    telegram: {
      token: TOKEN,
      chats: ["1001"],
      base_url: telegram.baseUrl,
      pace_s: 0.2,
      max_per_minute: 3,
      digest_interval_s: 1,
    },
    abuseipdb: { key: KEY, base_url: abuse.baseUrl },
  });
  const hub = new Hub();
  const stored: Alert[] = [];
  hub.subscribe(recorder(stored), { queue: 20_000 });
  // and the real store: SQLite in a data directory, its batching writer on the hub, its key/value cache for reputations
  const dir = await Deno.makeTempDir();
  const store = Store.open(dir);
  hub.subscribe(new StoreWriter(store), { queue: 20_000 });
  const logs: string[] = [];
  const reputations: [number, Reputation][] = [];
  const services = startAlertServices(config, hub, {
    cache: store,
    env: () => undefined,
    log: (l) => logs.push(l),
    onReputation: (a, r) => reputations.push([a.seq, r]),
  });
  assert.ok(services.external);
  assert.equal(services.summary, "Telegram alerts to 1 chat(s); AbuseIPDB look-ups of public alert sources");

  const started = performance.now();
  for (let i = 0; i < 10_000; i++) {
    hub.publish({ kind: "alert", alert: alert(i, i % 2 === 0 ? "45.33.32.156" : "10.0.0.66") });
  }
  const publishMs = performance.now() - started;
  assert.ok(publishMs < 3_000, `publishing 10k alerts took ${publishMs} ms`);

  // let the digest window close and the messages go out
  assert.ok(await services.telegram.notifier!.idle(8_000));
  // the look-up runs in the background (closing the hub cancels it): on a busy machine it may still be
  // on its way when Telegram is idle, so wait (up to 10 s) for its answer to reach the store
  for (let t = 0; t < 200 && reputations.length === 0; t++) await new Promise((r) => setTimeout(r, 50));
  await hub.close({ timeoutMs: 5_000 });

  assert.equal(stored.length, 10_000, "no alert lost on the way to the store");
  try {
    assert.equal(store.stats().total, 10_000, "every alert is a row in the SQLite store");
    const cached = JSON.parse(store.get("abuseipdb:check:90:45.33.32.156", Date.now())!);
    assert.equal(cached.score, 87, "the reputation is in the store's cache");
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(stored.map((a) => a.seq), Array.from({ length: 10_000 }, (_, i) => i + 1));
  for (const s of hub.stats()) assert.equal(s.dropped, 0, `${s.name} dropped nothing`);

  const texts = telegram.delivered("1001").map((r) => r.parsed!.text);
  const singles = texts.filter((t) => t.startsWith("🚨"));
  const digests = texts.filter((t) => t.startsWith("⚠️"));
  assert.equal(singles.length, 3);
  const summed = digests.reduce((n, t) => n + Number(/^⚠️ (\d+) alerts/.exec(t)![1]), 0);
  assert.equal(singles.length + summed, 10_000, "every alert is in a Telegram message");
  assert.match(singles[0], /Evidence: <b>0<\/b> SYN without handshake/, "hostile markup shown as text");
  assert.match(singles[0], /\nReputation: 87\/100, NL, .* \(AbuseIPDB\)\n/);
  assert.ok(!singles[1].includes("Reputation"), "a private source has no reputation");
  assert.equal(telegram.floodRejections, 0, "pacing kept Telegram's flood control quiet");
  assert.equal(telegram.requests[0].status, 502, "the first request failed and was retried");

  assert.deepEqual(
    abuse.checks().map((r) => r.query.ipAddress),
    ["45.33.32.156"],
    "one look-up, never the private source",
  );
  assert.ok(reputations.length >= 1);
  assert.equal(reputations[0][1].score, 87);
  assert.deepEqual(logs, [
    "telegram: Telegram server error (chat 1001): 502 Bad Gateway; retrying later usually helps",
    "telegram: chat 1001: delivering again",
  ]);
});

Deno.test("with Telegram and AbuseIPDB unreachable, alerts still all reach the store and the hub closes in time", async () => {
  const port = closedPort();
  const config = validateConfig({
    telegram: { token: TOKEN, chats: ["1001"], base_url: `http://127.0.0.1:${port}` },
    abuseipdb: { key: KEY, base_url: `http://127.0.0.1:${port}/api/v2` },
  });
  const hub = new Hub();
  const stored: Alert[] = [];
  hub.subscribe(recorder(stored), { queue: 20_000 });
  const logs: string[] = [];
  startAlertServices(config, hub, { log: (l) => logs.push(l), env: () => undefined });
  for (let i = 0; i < 2_000; i++) hub.publish({ kind: "alert", alert: alert(i, `45.33.${i % 50}.1`) });
  // the sensor runs on: the first look-ups and sends fail meanwhile
  const end = performance.now() + 5_000;
  while (logs.length < 2 && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  const started = performance.now();
  await hub.close({ timeoutMs: 5_000 });
  assert.ok(
    performance.now() - started < 6_000,
    "closing waits about the Telegram grace period (3 s), not for the network",
  );
  assert.equal(stored.length, 2_000);
  assert.ok(logs.some((l) => /^telegram: network unreachable: cannot connect to the Bot API/.test(l)), logs.join("\n"));
  assert.ok(logs.some((l) => /^abuseipdb: network unreachable: cannot connect to AbuseIPDB/.test(l)), logs.join("\n"));
  assert.ok(logs.every((l) => !l.includes(TOKEN) && !l.includes(KEY)));
});

Deno.test("without keys nothing leaves the machine; the reputation is simulated and marked", async () => {
  const hub = new Hub();
  const reputations: Reputation[] = [];
  const services = startAlertServices(validateConfig({}), hub, {
    log: () => {},
    onReputation: (_a, r) => reputations.push(r),
    env: () => undefined, // the environment of the test run must not switch anything on
  });
  assert.equal(services.external, false);
  assert.equal(
    services.summary,
    "Telegram off (no bot token (set telegram.token or IDS_TELEGRAM_TOKEN)); AbuseIPDB reputation SIMULATED (no key)",
  );
  hub.publish({ kind: "alert", alert: alert(1, "45.33.32.156") });
  await hub.close();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(reputations.length, 1);
  assert.equal(reputations[0].simulated, true);
  assert.equal(reputations[0].countryName, "COLOMBIA (Simulado)");
});
