/**
 * `ids notify test`: sends a Telegram test message to every configured chat and prints the Bot
 * API's answer, one line per chat (or one line for a problem that stops the test).
 *
 * @module
 */
import { ConfigError } from "../config/config_error.ts";
import { loadConfig } from "../config/load.ts";
import { EnvError, sendTestMessage, telegramSettings } from "../notify/mod.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids notify`. */
export const NOTIFY_HELP = `Usage: ids notify test [--config FILE] [--chat ID]...

Sends a test message to every Telegram chat configured (telegram.chats, or IDS_TELEGRAM_CHATS)
with the bot token (telegram.token, or IDS_TELEGRAM_TOKEN), and prints the Bot API's answer for
each chat: delivered, bad token, chat not found, bot blocked, network unreachable, timeout.

Options:
  --config FILE   JSON configuration (see: ids config defaults)
  --chat ID       test this chat instead of the configured ones (repeatable)
  -h, --help      this help

Exit status: 0 every chat got the message, 1 a failure (one line each), 2 bad usage.`;

/** Where {@link notifyCommand} writes. */
export interface NotifyCommandOptions {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

/** Runs `ids notify`; resolves with the exit status. */
export async function notifyCommand(args: string[], options: NotifyCommandOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const a = parseArgs(args, { string: ["config"], collect: ["chat"] });
  if (a.help) {
    out(NOTIFY_HELP);
    return 0;
  }
  const [sub, ...rest] = a._;
  if (sub === undefined) throw new UsageError('missing subcommand (only "test")');
  if (sub !== "test") throw new UsageError(`unknown subcommand "${sub}" (only "test")`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  let settings;
  try {
    const config = await loadConfig(a.config as string | undefined);
    settings = telegramSettings(config.telegram);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof EnvError) {
      err(`ids notify: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const chats = a.chat as string[] | undefined;
  const report = await sendTestMessage(settings, { chats });
  if (report.problem !== undefined) {
    err(`ids notify: ${report.problem}`);
    return 1;
  }
  out(`bot ${report.bot} (token from ${settings.tokenFrom}), ${report.chats.length} chat(s):`);
  for (const r of report.chats) (r.ok ? out : err)(`  chat ${r.chat}: ${r.line}`);
  return report.ok ? 0 : 1;
}
