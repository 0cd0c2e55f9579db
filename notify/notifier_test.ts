import assert from "node:assert/strict";
import type { NotifyAlert } from "./message.ts";
import { type NotifierOptions, TelegramNotifier } from "./notifier.ts";
import { TelegramClient } from "./telegram_api.ts";
import { closedPort, TelegramStub } from "./telegram_stub_test_util.ts";

const TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKEN_-x";
const CHATS = ["1001", "-1002003"];

let seq = 0;
function alert(overrides: Partial<NotifyAlert> = {}): NotifyAlert {
  seq++;
  return {
    type: "syn_flood",
    label: "SYN Flood (Heuristic)",
    severity: 1,
    src: `203.0.113.${seq % 250}`,
    dst: "10.0.0.1",
    srcPort: 40000,
    dstPort: 80,
    proto: "TCP",
    reason: "42 SYN without handshake in 0.5 s",
    action: "allowed",
    timeMs: Date.now(),
    ...overrides,
  };
}

function notifier(stub: TelegramStub, options: Partial<NotifierOptions> = {}, logs: string[] = []): TelegramNotifier {
  return new TelegramNotifier({
    sender: new TelegramClient({ token: TOKEN, baseUrl: stub.baseUrl, timeoutMs: 500 }),
    chats: CHATS,
    paceMs: 150,
    backoffBaseMs: 40,
    log: (line) => logs.push(line),
    ...options,
  });
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

Deno.test("every chat gets every alert, paced per chat, and Telegram's flood control never trips", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: CHATS, floodGapMs: 120 });
  const n = notifier(stub);
  for (let i = 0; i < 5; i++) n.push(alert());
  assert.ok(await n.idle(5_000));
  await n.close();
  for (const chat of CHATS) {
    const got = stub.delivered(chat);
    assert.equal(got.length, 5, `chat ${chat}`);
    for (const gap of gaps(got.map((r) => r.atMs))) assert.ok(gap >= 140, `gap ${gap} ms >= pace`);
  }
  assert.equal(stub.floodRejections, 0);
  const status = n.status();
  assert.equal(status.single, 5);
  assert.deepEqual(status.chats.map((c) => [c.sent, c.failed, c.queued]), [[5, 0, 0], [5, 0, 0]]);
});

Deno.test("push() never waits for the network", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: CHATS });
  stub.fail({ kind: "slow", ms: 300 }, { kind: "slow", ms: 300 });
  const n = notifier(stub);
  const started = performance.now();
  for (let i = 0; i < 1_000; i++) n.push(alert());
  // the first answer takes 300 ms: pushing never waits for it
  assert.ok(performance.now() - started < 250, "1000 pushes return at once");
  await n.close();
});

Deno.test("HTTP 429 waits retry_after, then the same message is delivered once", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  stub.fail({ kind: "status", status: 429, description: "Too Many Requests: retry after 1", retryAfter: 1 });
  const logs: string[] = [];
  const n = notifier(stub, { chats: ["1001"] }, logs);
  n.push(alert({ reason: "only one" }));
  assert.ok(await n.idle(5_000));
  await n.close();
  assert.equal(stub.requests.length, 2);
  const wait = stub.requests[1].atMs - stub.requests[0].atMs;
  assert.ok(wait >= 990, `waited ${wait} ms for retry_after 1`);
  assert.equal(stub.delivered().length, 1);
  assert.match(stub.delivered()[0].parsed!.text, /Evidence: only one/);
  assert.equal(n.status().chats[0].rateLimited, 1);
  assert.equal(
    logs[0],
    "telegram: rate limited by Telegram (chat 1001): retry after 1 s (429 Too Many Requests: retry after 1)",
  );
  assert.equal(logs[1], "telegram: chat 1001: delivering again");
});

Deno.test("5xx, garbage and timeouts are retried with growing backoff", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  stub.fail(
    { kind: "status", status: 500, description: "Internal Server Error" },
    { kind: "garbage" },
    { kind: "slow", ms: 700 },
  );
  const n = notifier(stub, { chats: ["1001"], backoffBaseMs: 60 });
  n.push(alert());
  assert.ok(await n.idle(5_000));
  await n.close();
  // the server accepted the slow request after our timeout: a timeout is "maybe delivered", and the
  // retry delivers it again (at least once, never lost)
  assert.equal(stub.delivered().length, 2);
  const times = stub.requests.map((r) => r.atMs);
  assert.equal(times.length, 4);
  const [g1, g2, g3] = gaps(times);
  assert.ok(g1 >= 55 && g2 >= 115, `backoff doubles: ${g1}, ${g2}`);
  assert.ok(g3 >= 500 + 230, `timeout (500 ms) then 240 ms backoff: ${g3}`);
  assert.equal(n.status().chats[0].retries, 3);
  await new Promise((resolve) => setTimeout(resolve, 250)); // the slow answer finishes
});

Deno.test("connection refused: retried, then given up and counted; push() still never throws", async () => {
  const logs: string[] = [];
  const n = new TelegramNotifier({
    sender: new TelegramClient({ token: TOKEN, baseUrl: `http://127.0.0.1:${closedPort()}` }),
    chats: ["1001"],
    backoffBaseMs: 10,
    maxAttempts: 3,
    log: (line) => logs.push(line),
  });
  n.push(alert());
  assert.ok(await n.idle(5_000));
  const chat = n.status().chats[0];
  assert.equal(chat.failed, 1);
  assert.equal(chat.retries, 2);
  assert.match(chat.lastError!, /^network unreachable: cannot connect to the Bot API/);
  assert.equal(logs.length, 1, "logged once, not per try");
  assert.ok(!logs[0].includes(TOKEN));
  await n.close();
});

Deno.test("a bad chat is logged once and does not stop the other chats", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  const logs: string[] = [];
  const n = notifier(stub, { chats: ["1001", "404404"] }, logs);
  n.push(alert());
  n.push(alert());
  assert.ok(await n.idle(5_000));
  await n.close();
  assert.equal(stub.delivered("1001").length, 2);
  const [good, bad] = n.status().chats;
  assert.equal(good.sent, 2);
  assert.equal(bad.failed, 2);
  assert.deepEqual(logs, [
    "telegram: chat not found (chat 404404): 400 Bad Request: chat not found; check the chat id, and send the bot a message (or add it to the group) first",
  ]);
});

Deno.test("type and severity filters choose what is sent", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  const n = notifier(stub, { chats: ["1001"], types: ["port_scan", "sql_injection"], minSeverity: 2, paceMs: 1 });
  n.push(alert({ type: "syn_flood", severity: 1 }));
  n.push(alert({ type: "port_scan", severity: 3 }));
  n.push(alert({ type: "port_scan", severity: 2, label: "Port Scan (Heuristic)" }));
  n.push(alert({ type: "sql_injection", severity: 1, label: "SQL Injection (ML: 97.3%)" }));
  assert.ok(await n.idle(5_000));
  await n.close();
  assert.deepEqual(stub.delivered().map((r) => r.parsed!.text.split("\n")[0]), [
    "🚨 IDS alert: Port Scan (Heuristic)",
    "🚨 IDS alert: SQL Injection (ML: 97.3%)",
  ]);
  assert.equal(n.status().filtered, 2);
});

Deno.test("a 10k-alert storm becomes a few single messages and a digest; every alert is counted", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: CHATS, floodGapMs: 40 });
  const n = notifier(stub, { maxPerMinute: 5, digestIntervalMs: 400, paceMs: 50 });
  const started = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const attacker = i % 10 < 7 ? "10.0.0.5" : i % 10 < 9 ? "198.51.100.7" : `192.0.2.${i % 200}`;
    n.push(alert({ type: i % 10 < 7 ? "syn_flood" : "port_scan", src: attacker }));
  }
  const pushMs = performance.now() - started;
  assert.ok(pushMs < 2_000, `10k pushes took ${pushMs} ms`); // sending them one by one would take hours
  assert.ok(await n.idle(10_000));
  await n.close();
  for (const chat of CHATS) {
    const texts = stub.delivered(chat).map((r) => r.parsed!.text);
    const singles = texts.filter((t) => t.startsWith("🚨"));
    const digests = texts.filter((t) => t.startsWith("⚠️"));
    assert.equal(singles.length, 5);
    assert.equal(digests.length, 1, texts.join("\n---\n"));
    const total = Number(/^⚠️ (\d+) alerts in the last /.exec(digests[0])![1]);
    assert.equal(singles.length + total, 10_000, "every alert is in a message");
    assert.match(
      digests[0],
      /: 6995 syn_flood from 10\.0\.0\.5, 2000 port_scan from 198\.51\.100\.7, 50 port_scan from 192\.0\.2\.9, /,
    );
    assert.match(digests[0], /, 600 more from 12 other source\/type pairs$/);
  }
  assert.equal(stub.floodRejections, 0);
  const status = n.status();
  assert.equal(status.single + status.inDigests, 10_000);
});

Deno.test("a storm that goes on keeps sending digests (single messages stay capped per minute)", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  const n = notifier(stub, { chats: ["1001"], maxPerMinute: 3, digestIntervalMs: 200, paceMs: 10 });
  const until = async (pred: () => boolean) => {
    const end = performance.now() + 5_000;
    while (!pred() && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 50; i++) n.push(alert());
    await until(() => n.status().digests === round + 1); // each round's digest closes before the next round
  }
  const texts = () => stub.delivered().map((r) => r.parsed!.text.slice(0, 2));
  assert.ok(await n.idle(3_000));
  const before = texts().length;
  assert.deepEqual(texts(), ["🚨", "🚨", "🚨", "⚠️", "⚠️", "⚠️"]);
  assert.equal(n.status().inDigests, 147);
  await n.close();
  assert.equal(before, 6);
});

Deno.test("a full queue drops the oldest messages and says so in the next delivered one", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  stub.fail({ kind: "slow", ms: 300 });
  const n = notifier(stub, { chats: ["1001"], queueSize: 3, paceMs: 1, maxPerMinute: 60 });
  for (let i = 0; i < 8; i++) n.push(alert({ reason: `number ${i}` }));
  assert.ok(await n.idle(5_000));
  await n.close();
  const texts = stub.delivered().map((r) => r.parsed!.text);
  assert.equal(texts.length, 3);
  assert.match(texts[0], /Evidence: number 0\n/);
  assert.match(texts[0], /\(5 earlier messages to this chat dropped: queue full\)$/);
  assert.match(texts[1], /Evidence: number 6\n/);
  assert.match(texts[2], /Evidence: number 7\n/);
  assert.ok(!texts[1].includes("dropped"));
});

Deno.test("the reputation is added when it arrives in time, and marked simulated", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  const n = notifier(stub, {
    chats: ["1001"],
    paceMs: 1,
    reputationWaitMs: 100,
    reputation: (ip) =>
      ip === "203.0.113.200"
        ? new Promise((resolve) => setTimeout(() => resolve({ score: 1, simulated: false }), 1_000))
        : Promise.resolve({ score: 15, countryName: "COLOMBIA (Simulado)", simulated: true }),
  });
  n.push(alert({ src: "198.51.100.1" }));
  n.push(alert({ src: "203.0.113.200" }));
  assert.ok(await n.idle(5_000));
  await n.close();
  const [first, second] = stub.delivered().map((r) => r.parsed!.text);
  assert.match(
    first,
    /\nReputation: 15\/100, COLOMBIA \(Simulado\) \(SIMULATED: no AbuseIPDB key, not a real look-up\)\n/,
  );
  assert.ok(!second.includes("Reputation"), "a slow look-up does not hold the message");
  await new Promise((resolve) => setTimeout(resolve, 950));
});

Deno.test("close() sends the digest being collected", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  const n = notifier(stub, { chats: ["1001"], maxPerMinute: 1, digestIntervalMs: 60_000, paceMs: 1 });
  for (let i = 0; i < 4; i++) n.push(alert({ src: "10.9.9.9" }));
  await n.close(3_000);
  const texts = stub.delivered().map((r) => r.parsed!.text);
  assert.equal(texts.length, 2);
  assert.match(texts[1], /^⚠️ 3 alerts in the last 1 s \(alert storm: summed\): 3 syn_flood from 10\.9\.9\.9$/);
  n.push(alert());
  assert.equal(n.status().received, 4, "ignored after close");
});

Deno.test("many chats: the bot as a whole stays under Telegram's overall rate", async () => {
  const chats = Array.from({ length: 8 }, (_, i) => String(2000 + i));
  await using stub = new TelegramStub({ token: TOKEN, chats });
  const n = notifier(stub, { chats, globalGapMs: 50 });
  n.push(alert());
  assert.ok(await n.idle(5_000));
  await n.close();
  const times = stub.delivered().map((r) => r.atMs).sort((a, b) => a - b);
  assert.equal(times.length, 8);
  // the stub sees arrival times, which jitter on a busy machine: one late request shortens the next gap,
  // so check the spread of the eight (7 gaps of 50 ms) and the median gap, not each gap alone
  const spread = times[times.length - 1] - times[0];
  assert.ok(spread >= 7 * 45, `8 messages of the bot over ${spread} ms`);
  const median = gaps(times).sort((a, b) => a - b)[3];
  assert.ok(median >= 40, `median gap ${median} ms between two messages of the bot`);
});
