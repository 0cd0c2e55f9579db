import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { notifyCommand } from "./notify.ts";
import { closedPort, TelegramStub } from "../notify/telegram_stub_test_util.ts";

const TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKEN_-x";
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

async function run(args: string[], telegram: Record<string, unknown>) {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify({ telegram: { timeout_s: 1, ...telegram } }));
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await notifyCommand([...args, "--config", file], {
      stdout: (l) => stdout.push(l),
      stderr: (l) => stderr.push(l),
    });
    return { status, stdout, stderr };
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("ids notify test: delivered to every chat, exit 0", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001", "-1002003"] });
  const r = await run(["test"], { token: TOKEN, chats: [1001, "-1002003"], base_url: stub.baseUrl });
  assert.equal(r.status, 0, r.stderr.join("\n"));
  assert.deepEqual(r.stdout, [
    "bot @ids_stub_bot (token from config), 2 chat(s):",
    "  chat 1001: delivered (message 1, private chat)",
    "  chat -1002003: delivered (message 2, supergroup chat)",
  ]);
  assert.match(stub.delivered()[0].parsed!.text, /^✅ ids test message from .+: notifications reach this chat\.$/);
});

Deno.test("ids notify test: one clear line per failure kind, exit 1", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001"] });
  const base = { token: TOKEN, chats: [1001], base_url: stub.baseUrl };

  let r = await run(["test"], { ...base, token: "987654321:AAHwrongwrongwrongwrongwrong" });
  assert.equal(r.status, 1);
  assert.deepEqual(r.stdout, []);
  assert.equal(r.stderr.length, 1);
  assert.match(r.stderr[0], /^ids notify: bad token: the Bot API refused it \(401 Unauthorized\); set telegram\.token/);

  r = await run(["test", "--chat", "555", "--chat", "1001"], base);
  assert.equal(r.status, 1);
  assert.deepEqual(r.stderr, [
    "  chat 555: chat not found: 400 Bad Request: chat not found; check the chat id, and send the bot a message (or add it to the group) first",
  ]);
  assert.equal(r.stdout[1], "  chat 1001: delivered (message 1, private chat)");

  stub.fail({ kind: "pass" }, {
    kind: "status",
    status: 403,
    description: "Forbidden: bot was blocked by the user",
  });
  r = await run(["test"], base);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr.at(-1)!,
    /^ {2}chat 1001: not allowed to write: 403 Forbidden: bot was blocked by the user/,
  );

  r = await run(["test"], { ...base, base_url: `http://127.0.0.1:${closedPort()}` });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.length, 1);
  assert.match(r.stderr[0], /^ids notify: network unreachable: cannot connect to the Bot API \(.*Connection refused/);
  assert.ok(!r.stderr[0].includes(TOKEN));

  stub.fail({ kind: "slow", ms: 1_500 });
  r = await run(["test"], base);
  assert.equal(r.status, 1);
  assert.deepEqual(r.stderr, [
    "ids notify: timeout: the Bot API did not answer (no answer within 1 s); check the connection or raise telegram.timeout_s",
  ]);

  r = await run(["test"], { chats: [1001] });
  assert.deepEqual([r.status, r.stderr], [1, [
    "ids notify: not configured: no bot token (set telegram.token or IDS_TELEGRAM_TOKEN)",
  ]]);
  await new Promise((resolve) => setTimeout(resolve, 600)); // the slow answer finishes
});

Deno.test("ids notify: bad usage and bad config", async () => {
  await assert.rejects(notifyCommand([]), /missing subcommand/);
  await assert.rejects(notifyCommand(["send"]), /unknown subcommand "send"/);
  const r = await run(["test"], { token: "not a token" });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr[0],
    /^ids notify: Cannot use config .*: 1 problem\n {2}telegram\.token: must be a Telegram bot token/,
  );
  assert.ok(!r.stderr[0].includes("not a token"), "the secret is not repeated");
});

Deno.test("ids notify test reads IDS_TELEGRAM_TOKEN and IDS_TELEGRAM_CHATS through main.ts", async () => {
  await using stub = new TelegramStub({ token: TOKEN, chats: ["1001", "@ids_channel"] });
  const config = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(config, JSON.stringify({ telegram: { base_url: stub.baseUrl } }));
  const cmd = (env: Record<string, string>) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "notify", "test", "--config", config],
      env: { ...env, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  try {
    let out = await cmd({ IDS_TELEGRAM_TOKEN: TOKEN, IDS_TELEGRAM_CHATS: "1001, @ids_channel" });
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /^bot @ids_stub_bot \(token from environment\), 2 chat\(s\):\n {2}chat 1001: delivered/);
    out = await cmd({ IDS_TELEGRAM_TOKEN: TOKEN, IDS_TELEGRAM_CHATS: "1001;2002" });
    assert.equal(out.code, 1);
    assert.equal(
      new TextDecoder().decode(out.stderr).trim(),
      'ids notify: Cannot use IDS_TELEGRAM_CHATS: each comma-separated entry must be a chat id such as -1001234567890 or @channelname (got "1001;2002")',
    );
  } finally {
    await Deno.remove(config);
  }
});
