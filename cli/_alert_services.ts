/**
 * The services that act on alerts outside the machine, wired to the hub for `ids run` (and any
 * command that wants them): AbuseIPDB reputation look-ups (and reports, when on) and Telegram
 * notifications, with the reputation handed to Telegram messages.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { EventBus } from "../core/hub_event.ts";
import { type KvCache, MemoryKv } from "../enrich/cache.ts";
import { type EnrichmentHandle, type OnReputation, startEnrichment } from "../enrich/subscriber.ts";
import { startTelegram, type TelegramHandle } from "../notify/subscriber.ts";

/** What {@link startAlertServices} started. */
export interface AlertServices {
  readonly enrichment: EnrichmentHandle;
  readonly telegram: TelegramHandle;
  /** One line for stderr: what leaves the machine. */
  readonly summary: string;
  /** Something is sent out (Telegram on, or AbuseIPDB with a key). */
  readonly external: boolean;
}

/** Options of {@link startAlertServices}. */
export interface AlertServicesOptions {
  /** The store's key/value cache; default in memory (results then last one run). */
  cache?: KvCache;
  /** Receives each reputation found for an alert source (the store attaches it). */
  onReputation?: OnReputation;
  /** One line per problem. */
  log: (line: string) => void;
  /** Environment (`IDS_TELEGRAM_*`, `IDS_ABUSEIPDB_KEY`). Default the process's. */
  env?: (name: string) => string | undefined;
}

/**
 * Subscribes reputation look-ups, reports and Telegram to `bus`.
 *
 * @throws {Error} `Cannot use IDS_…` for a malformed environment variable
 */
export function startAlertServices(config: Config, bus: EventBus, options: AlertServicesOptions): AlertServices {
  const enrichment = startEnrichment(config, {
    bus,
    cache: options.cache ?? new MemoryKv(),
    onReputation: options.onReputation,
    log: options.log,
    env: options.env,
  });
  const telegram = startTelegram(config, {
    bus,
    log: options.log,
    env: options.env,
    reputation: async (ip) => {
      const answer = await enrichment.service.lookup(ip);
      return answer.ok ? answer.reputation : undefined;
    },
  });
  const mode = enrichment.service.mode;
  const parts = [
    telegram.notifier
      ? `Telegram alerts to ${telegram.settings.chats.length} chat(s)`
      : `Telegram off (${telegram.settings.inactiveReason})`,
    mode === "live"
      ? `AbuseIPDB look-ups of public alert sources${enrichment.reporter ? ", reports of blocked attackers" : ""}`
      : mode === "simulated"
      ? "AbuseIPDB reputation SIMULATED (no key)"
      : "AbuseIPDB off",
  ];
  return { enrichment, telegram, summary: parts.join("; "), external: telegram.notifier !== null || mode === "live" };
}
