import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { notifyTest } from "./dashboard.ts";
import { telegramSettings } from "./settings.ts";
import { closedPort, TelegramStub } from "./telegram_stub_test_util.ts";

const TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKEN_-x";
const none = () => undefined;

Deno.test("notifyTest(): the dashboard's test button, one line either way", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  const settings = (chats: string[], base = stub.baseUrl) =>
    telegramSettings({ ...DEFAULT_CONFIG.telegram, token: TOKEN, chats, base_url: base }, none);
  assert.equal(await notifyTest(settings(["1001"]))!.test(), "test message delivered by @ids_stub_bot to 1 chat(s)");
  await assert.rejects(
    notifyTest(settings(["1001", "2002"]))!.test(),
    /^Error: chat 2002: chat not found: 400 Bad Request/,
  );
  await assert.rejects(
    notifyTest(settings(["1001"], `http://127.0.0.1:${closedPort()}`))!.test(),
    /^Error: network unreachable: cannot connect to the Bot API/,
  );
  assert.equal(notifyTest(telegramSettings(DEFAULT_CONFIG.telegram, none)), undefined, "not configured: no button");
});

Deno.test("telegramSettings(): the environment overrides the file; bad values are one line", () => {
  const s = telegramSettings(
    { ...DEFAULT_CONFIG.telegram, token: "", chats: [5] },
    (n) =>
      ({ IDS_TELEGRAM_TOKEN: TOKEN, IDS_TELEGRAM_CHATS: " 1001 , @ids_channel,1001" } as Record<string, string>)[n],
  );
  assert.deepEqual([s.active, s.token, s.tokenFrom, s.chats, s.chatsFrom], [
    true,
    TOKEN,
    "environment",
    ["1001", "@ids_channel"],
    "environment",
  ]);
  const file = telegramSettings({ ...DEFAULT_CONFIG.telegram, token: TOKEN, chats: [5, "-100"] }, none);
  assert.deepEqual([file.tokenFrom, file.chats, file.chatsFrom], ["config", ["5", "-100"], "config"]);
  assert.equal(
    telegramSettings({ ...DEFAULT_CONFIG.telegram, enabled: false, token: TOKEN, chats: [5] }, none).inactiveReason,
    "telegram.enabled is false",
  );
  assert.throws(
    () =>
      telegramSettings(DEFAULT_CONFIG.telegram, (n) => (n === "IDS_TELEGRAM_TOKEN" ? "secret-but-wrong" : undefined)),
    (e: Error) =>
      e.message ===
        'Cannot use IDS_TELEGRAM_TOKEN: it must be a bot token such as "123456789:AA…" from @BotFather (got a text of 16 characters)',
  );
});
