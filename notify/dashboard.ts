/**
 * The Telegram test in the shape the dashboard's test button asks for (`web/context.ts`
 * `NotifyTest`): resolves with one line when every chat got the message, rejects with one line
 * (bad token, network unreachable, chat not found…) otherwise.
 *
 * @module
 */
import type { TelegramSettings } from "./settings.ts";
import { sendTestMessage } from "./test_message.ts";

/** What the dashboard calls. */
export interface NotifyTestAdapter {
  test(): Promise<string>;
}

/** The adapter for `settings`, or undefined when no token or chat is configured. */
export function notifyTest(settings: TelegramSettings): NotifyTestAdapter | undefined {
  if (settings.token === "" || settings.chats.length === 0) return undefined;
  return {
    async test(): Promise<string> {
      const report = await sendTestMessage(settings);
      if (report.problem !== undefined) throw new Error(report.problem);
      const failed = report.chats.filter((c) => !c.ok);
      if (failed.length > 0) throw new Error(failed.map((c) => `chat ${c.chat}: ${c.line}`).join("; "));
      return `test message delivered by ${report.bot} to ${report.chats.length} chat(s)`;
    },
  };
}
