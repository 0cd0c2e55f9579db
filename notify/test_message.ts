/**
 * The Telegram check behind `ids notify test` and the dashboard's test button: asks the Bot API who
 * the bot is (`getMe`), then sends one test message to every configured chat, and reports each
 * answer as one line.
 *
 * @module
 */
import { testMessage } from "./message.ts";
import type { TelegramSettings } from "./settings.ts";
import { explainFailure, TelegramClient, type TelegramFailureKind } from "./telegram_api.ts";

/** The answer for one chat. */
export interface ChatTestResult {
  readonly chat: string;
  readonly ok: boolean;
  /** Why it failed, when it did. */
  readonly kind?: TelegramFailureKind;
  /** One line: `delivered (message 17)` or what went wrong and what to do. */
  readonly line: string;
}

/** What the test found. */
export interface NotifyTestReport {
  /** Every chat got the message. */
  readonly ok: boolean;
  /** Set when the test could not start (not configured, bad token, network): one line. */
  readonly problem?: string;
  /** Failure kind of `problem`, when it came from the API. */
  readonly kind?: TelegramFailureKind | "not_configured";
  /** `@username` of the bot, when the token works. */
  readonly bot?: string;
  readonly chats: readonly ChatTestResult[];
}

/** Options of {@link sendTestMessage}. */
export interface SendTestOptions {
  /** Host name shown in the message. Default: the machine's host name. */
  host?: string;
  /** Chats to test instead of the configured ones. */
  chats?: readonly string[];
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "ids";
  }
}

/** Runs the test. Never throws. */
export async function sendTestMessage(
  settings: TelegramSettings,
  options: SendTestOptions = {},
): Promise<NotifyTestReport> {
  const chats = options.chats ?? settings.chats;
  if (settings.token === "") {
    return {
      ok: false,
      kind: "not_configured",
      problem: "not configured: no bot token (set telegram.token or IDS_TELEGRAM_TOKEN)",
      chats: [],
    };
  }
  if (chats.length === 0) {
    return {
      ok: false,
      kind: "not_configured",
      problem: "not configured: no chat ids (set telegram.chats or IDS_TELEGRAM_CHATS)",
      chats: [],
    };
  }
  const client = new TelegramClient({
    token: settings.token,
    baseUrl: settings.config.base_url,
    timeoutMs: settings.config.timeout_s * 1000,
  });
  const me = await client.getMe();
  if (!me.ok) return { ok: false, kind: me.kind, problem: explainFailure(me), chats: [] };
  const bot = me.result.username === undefined ? me.result.first_name : `@${me.result.username}`;
  const text = testMessage(options.host ?? hostname(), Date.now());
  const results: ChatTestResult[] = [];
  for (const chat of chats) {
    const sent = await client.sendMessage(chat, text);
    results.push(
      sent.ok
        ? {
          chat,
          ok: true,
          line: `delivered (message ${sent.result.message_id}${
            sent.result.chat.type ? `, ${sent.result.chat.type} chat` : ""
          })`,
        }
        : { chat, ok: false, kind: sent.kind, line: explainFailure(sent) },
    );
  }
  return { ok: results.every((r) => r.ok), bot, chats: results };
}
