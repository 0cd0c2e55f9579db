import assert from "node:assert/strict";
import { explainFailure, TelegramClient, type TelegramFailure } from "./telegram_api.ts";
import { closedPort, TelegramStub } from "./telegram_stub_test_util.ts";

const TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKEN_-x";
const CHAT = "111222333";

function failure(result: unknown): TelegramFailure {
  assert.ok(typeof result === "object" && result !== null && (result as { ok: boolean }).ok === false, "a failure");
  return result as TelegramFailure;
}

Deno.test("sendMessage posts the Bot API's JSON shape and returns the sent message", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: [CHAT] });
  const client = new TelegramClient({ token: TOKEN, baseUrl: stub.baseUrl });
  const result = await client.sendMessage(CHAT, "<b>hi</b> &amp; bye");
  assert.ok(result.ok);
  assert.equal(result.result.message_id, 1);
  assert.equal(result.result.chat.id, Number(CHAT));
  const [request] = stub.requests;
  assert.equal(request.method, "sendMessage");
  assert.equal(request.token, TOKEN);
  assert.match(request.contentType, /^application\/json/);
  assert.deepEqual(request.body, {
    chat_id: CHAT,
    text: "<b>hi</b> &amp; bye",
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
  });
  assert.equal(request.parsed?.text, "hi & bye");
});

Deno.test("getMe checks the token", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: [CHAT] });
  const ok = await new TelegramClient({ token: TOKEN, baseUrl: stub.baseUrl }).getMe();
  assert.ok(ok.ok);
  assert.equal(ok.result.username, "ids_stub_bot");
});

Deno.test("every failure kind is recognised, with one clear line and never the token", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: [CHAT] });
  const client = new TelegramClient({ token: TOKEN, baseUrl: stub.baseUrl, timeoutMs: 300 });
  const cases: [string, () => Promise<unknown>, string, RegExp][] = [
    [
      "wrong token",
      () =>
        new TelegramClient({ token: "987654321:AAHwrongwrongwrongwrongwrong", baseUrl: stub.baseUrl }).sendMessage(
          CHAT,
          "x",
        ),
      "unauthorized",
      /^bad token: the Bot API refused it \(401 Unauthorized\); set telegram\.token or IDS_TELEGRAM_TOKEN/,
    ],
    [
      "malformed token",
      () => new TelegramClient({ token: "nonsense", baseUrl: stub.baseUrl }).sendMessage(CHAT, "x"),
      "unauthorized",
      /^bad token: .*404 Not Found/,
    ],
    [
      "unknown chat",
      () => client.sendMessage("999", "x"),
      "chat_not_found",
      /^chat not found \(chat 999\): 400 Bad Request: chat not found; check the chat id/,
    ],
    [
      "bad markup",
      () => client.sendMessage(CHAT, "<script>"),
      "bad_request",
      /^request refused .*can't parse entities: Unsupported start tag "script"/,
    ],
  ];
  for (const [what, call, kind, line] of cases) {
    const f = failure(await call());
    assert.equal(f.kind, kind, what);
    const text = explainFailure(f, what === "unknown chat" ? "999" : CHAT);
    assert.match(text, line, what);
    assert.ok(!text.includes(TOKEN), what);
  }

  stub.fail({ kind: "status", status: 403, description: "Forbidden: bot was blocked by the user" });
  let f = failure(await client.sendMessage(CHAT, "x"));
  assert.equal(f.kind, "forbidden");
  assert.match(explainFailure(f, CHAT), /^not allowed to write \(chat 111222333\): 403 Forbidden: bot was blocked/);

  stub.fail({ kind: "status", status: 429, description: "Too Many Requests: retry after 7", retryAfter: 7 });
  f = failure(await client.sendMessage(CHAT, "x"));
  assert.equal(f.kind, "rate_limited");
  assert.equal(f.retryAfterS, 7);
  assert.match(explainFailure(f), /^rate limited by Telegram: retry after 7 s/);

  stub.fail({
    kind: "status",
    status: 400,
    description: "Bad Request: group chat was upgraded to a supergroup chat",
    migrateTo: -1001234,
  });
  f = failure(await client.sendMessage(CHAT, "x"));
  assert.equal(f.kind, "bad_request");
  assert.equal(f.migrateToChatId, -1001234);
  assert.match(explainFailure(f), /use chat id -1001234/);

  stub.fail({ kind: "status", status: 502, description: "Bad Gateway" });
  assert.equal(failure(await client.sendMessage(CHAT, "x")).kind, "server");

  stub.fail({ kind: "garbage" });
  f = failure(await client.sendMessage(CHAT, "x"));
  assert.equal(f.kind, "bad_response");
  assert.match(explainFailure(f), /^unexpected answer from the Bot API: 200 HTTP 200 with a body that is not JSON/);

  stub.fail({ kind: "garbage", status: 500 });
  assert.equal(failure(await client.sendMessage(CHAT, "x")).kind, "server");

  stub.fail({ kind: "slow", ms: 1_000 });
  f = failure(await client.sendMessage(CHAT, "x"));
  assert.equal(f.kind, "timeout");
  assert.match(explainFailure(f), /^timeout: the Bot API did not answer \(no answer within 0\.3 s\)/);

  // still works afterwards
  assert.ok((await client.sendMessage(CHAT, "x")).ok);
});

Deno.test("connection refused is 'network unreachable' and the token is redacted from the error", async () => {
  const client = new TelegramClient({ token: TOKEN, baseUrl: `http://127.0.0.1:${closedPort()}` });
  const f = failure(await client.sendMessage(CHAT, "x"));
  assert.equal(f.kind, "network");
  const line = explainFailure(f);
  assert.match(line, /^network unreachable: cannot connect to the Bot API \(.*\); check the connection/);
  assert.ok(!line.includes(TOKEN), line);
  assert.ok(!f.description.includes(TOKEN), f.description);
});

Deno.test("a cancelled request ends at once", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: [CHAT] });
  stub.fail({ kind: "slow", ms: 1_500 });
  const client = new TelegramClient({ token: TOKEN, baseUrl: stub.baseUrl });
  const abort = new AbortController();
  const started = performance.now();
  const pending = client.sendMessage(CHAT, "x", abort.signal);
  setTimeout(() => abort.abort(), 20);
  const f = failure(await pending);
  assert.equal(f.kind, "network");
  assert.equal(f.description, "cancelled");
  assert.ok(performance.now() - started < 1_000, "ended before the answer came");
  await new Promise((resolve) => setTimeout(resolve, 1_520)); // let the stub's slow answer finish
});
