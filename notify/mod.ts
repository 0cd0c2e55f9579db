/**
 * Telegram notifications: the Bot API client, message formatting with escaping, the paced queue
 * with storm digests, settings from config and environment, and the test used by
 * `ids notify test` and the dashboard.
 *
 * Dashboard API (web/):
 * - `telegramSettings(config.telegram)` — whether notifications are configured (`active`,
 *   `inactiveReason`, chat ids; the token stays inside);
 * - `sendTestMessage(settings)` — the test button: a {@link NotifyTestReport} with `ok`, `problem`
 *   (one line, e.g. bad token, network unreachable) or one line per chat; never throws;
 * - `TelegramNotifier.status()` (the `notifier` of `startTelegram`'s handle) — counters: sent,
 *   failed, dropped, queued, rate limited, last error per chat, alerts in digests;
 * - `notifyTest(settings)` — the `NotifyTest` of `web/context.ts` (one line either way).
 *
 * @module
 */
export { notifyTest, type NotifyTestAdapter } from "./dashboard.ts";
export { escapeHtml, sanitizeText, untrusted } from "./escape.ts";
export {
  alertMessage,
  digestMessage,
  type DigestView,
  type NotifyAlert,
  protoName,
  reputationLine,
  type ReputationView,
  testMessage,
} from "./message.ts";
export {
  type ChatStatus,
  type MessageSender,
  type NotifierOptions,
  type NotifierStatus,
  TelegramNotifier,
} from "./notifier.ts";
export {
  createNotifier,
  type CreateNotifierOptions,
  EnvError,
  type EnvReader,
  processEnv,
  type TelegramSettings,
  telegramSettings,
} from "./settings.ts";
export {
  explainFailure,
  RETRIABLE,
  TelegramClient,
  type TelegramClientOptions,
  type TelegramFailure,
  type TelegramFailureKind,
  type TelegramResult,
} from "./telegram_api.ts";
export {
  notifyAlertFrom,
  startTelegram,
  type StartTelegramOptions,
  type TelegramHandle,
  telegramSubscriber,
} from "./subscriber.ts";
export { type ChatTestResult, type NotifyTestReport, sendTestMessage, type SendTestOptions } from "./test_message.ts";
