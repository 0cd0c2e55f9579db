/**
 * Where the Telegram settings come from: the `telegram` section of the configuration, with the
 * token and chats overridable from the environment (`IDS_TELEGRAM_TOKEN`, `IDS_TELEGRAM_CHATS`,
 * comma-separated), so secrets need not be written into a file.
 *
 * @module
 */
import type { TelegramConfig } from "../config/defaults.ts";
import { isChatId, isStringOf } from "../config/schema.ts";
import { type MessageSender, type NotifierOptions, TelegramNotifier } from "./notifier.ts";
import { TelegramClient } from "./telegram_api.ts";

/** Reads one environment variable (undefined when unset or not readable). */
export type EnvReader = (name: string) => string | undefined;

/** Reads the process environment; undefined without `--allow-env`. */
export const processEnv: EnvReader = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

/** Telegram settings after the environment is applied. */
export interface TelegramSettings {
  /** Notifications are on, and a token and at least one chat are set. */
  readonly active: boolean;
  /** Why not active (one line), when not. */
  readonly inactiveReason?: string;
  readonly token: string;
  readonly chats: readonly string[];
  /** Where the token came from. */
  readonly tokenFrom: "config" | "environment" | "none";
  /** Where the chats came from. */
  readonly chatsFrom: "config" | "environment" | "none";
  readonly config: TelegramConfig;
}

/** A bad environment variable: one line naming it and what it must be. */
export class EnvError extends Error {
  override name = "EnvError";
}

/**
 * Applies the environment to the `telegram` section.
 *
 * @throws {EnvError} when `IDS_TELEGRAM_TOKEN` or `IDS_TELEGRAM_CHATS` is set but malformed
 */
export function telegramSettings(config: TelegramConfig, env: EnvReader = processEnv): TelegramSettings {
  const envToken = env("IDS_TELEGRAM_TOKEN")?.trim();
  if (envToken !== undefined && envToken !== "" && !isStringOf("telegram_token", envToken)) {
    throw new EnvError(
      `Cannot use IDS_TELEGRAM_TOKEN: it must be a bot token such as "123456789:AA…" from @BotFather (got a text of ${envToken.length} characters)`,
    );
  }
  const envChats = env("IDS_TELEGRAM_CHATS")?.trim();
  let chats: string[];
  let chatsFrom: TelegramSettings["chatsFrom"];
  if (envChats !== undefined && envChats !== "") {
    chats = envChats.split(",").map((c) => c.trim()).filter((c) => c !== "");
    const bad = chats.find((c) => !isChatId(c));
    if (bad !== undefined) {
      throw new EnvError(
        `Cannot use IDS_TELEGRAM_CHATS: each comma-separated entry must be a chat id such as -1001234567890 or @channelname (got ${
          JSON.stringify(bad.slice(0, 40))
        })`,
      );
    }
    chatsFrom = "environment";
  } else {
    chats = config.chats.map(String);
    chatsFrom = chats.length > 0 ? "config" : "none";
  }
  chats = [...new Set(chats)];
  const token = envToken !== undefined && envToken !== "" ? envToken : config.token;
  const tokenFrom = envToken !== undefined && envToken !== "" ? "environment" : config.token !== "" ? "config" : "none";
  let inactiveReason: string | undefined;
  if (!config.enabled) inactiveReason = "telegram.enabled is false";
  else if (token === "") inactiveReason = "no bot token (set telegram.token or IDS_TELEGRAM_TOKEN)";
  else if (chats.length === 0) inactiveReason = "no chat ids (set telegram.chats or IDS_TELEGRAM_CHATS)";
  return { active: inactiveReason === undefined, inactiveReason, token, chats, tokenFrom, chatsFrom, config };
}

/** Extra options for {@link createNotifier}. */
export type CreateNotifierOptions = Partial<Omit<NotifierOptions, "chats">> & { sender?: MessageSender };

/** The notifier the settings describe, or null when not active. */
export function createNotifier(
  settings: TelegramSettings,
  options: CreateNotifierOptions = {},
): TelegramNotifier | null {
  if (!settings.active) return null;
  const c = settings.config;
  return new TelegramNotifier({
    sender: options.sender ??
      new TelegramClient({ token: settings.token, baseUrl: c.base_url, timeoutMs: c.timeout_s * 1000 }),
    chats: settings.chats,
    types: c.types,
    minSeverity: c.min_severity,
    paceMs: c.pace_s * 1000,
    maxPerMinute: c.max_per_minute,
    digestIntervalMs: c.digest_interval_s * 1000,
    queueSize: c.queue_size,
    ...options,
  });
}
