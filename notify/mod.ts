/**
 * Telegram notifications: the Bot API client, message formatting with escaping, the paced queue
 * with storm digests, settings from config and environment, and the test used by
 * `ids notify test` and the dashboard.
 *
 * Dashboard API (web/): `telegramSettings(config.telegram)` tells whether notifications are
 * configured; `sendTestMessage(settings)` runs the test and returns one line per chat;
 * `TelegramNotifier.status()` gives the counters (sent, failed, dropped, queued, last error per chat).
 *
 * @module
 */
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
export { type ChatTestResult, type NotifyTestReport, sendTestMessage, type SendTestOptions } from "./test_message.ts";
