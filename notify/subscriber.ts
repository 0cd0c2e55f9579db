/**
 * Telegram on the sensor hub: a subscriber that hands every alert to the {@link TelegramNotifier}
 * (a synchronous, O(1) push: the hub never waits for the network), and {@link startTelegram}, which
 * builds it all from the configuration and the environment.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { Alert } from "../core/alert.ts";
import type { EventBus, Subscriber, Subscription } from "../core/hub_event.ts";
import { protoName } from "../core/ip.ts";
import type { NotifyAlert, ReputationView } from "./message.ts";
import type { TelegramNotifier } from "./notifier.ts";
import { createNotifier, type EnvReader, processEnv, type TelegramSettings, telegramSettings } from "./settings.ts";

/** The notification view of a hub alert. */
export function notifyAlertFrom(alert: Alert): NotifyAlert {
  return {
    type: alert.type,
    label: alert.label,
    severity: alert.severity,
    src: alert.src,
    dst: alert.dst,
    srcPort: alert.srcPort,
    dstPort: alert.dstPort,
    proto: protoName(alert.proto),
    reason: alert.reason,
    action: alert.action,
    timeMs: alert.tsUs / 1000,
    iface: alert.iface,
    spoofed: alert.spoofed,
  };
}

/** A hub subscriber feeding `notifier`; on hub close it gives the queues `graceMs` to drain. */
export function telegramSubscriber(notifier: TelegramNotifier, graceMs = 3_000): Subscriber {
  return {
    name: "telegram",
    kinds: ["alert"],
    handle(event) {
      if (event.kind === "alert") notifier.push(notifyAlertFrom(event.alert));
    },
    close: () => notifier.close(graceMs),
  };
}

/** Options of {@link startTelegram}. */
export interface StartTelegramOptions {
  /** The hub to subscribe to. */
  bus: EventBus;
  /** One line per problem. Default stderr. */
  log?: (line: string) => void;
  /** The source's reputation for messages (used when `telegram.include_reputation`). */
  reputation?: (ip: string) => Promise<ReputationView | undefined>;
  /** Environment. Default the process's. */
  env?: EnvReader;
  /** How long the hub's close waits for messages still queued. Default 3000 ms. */
  graceMs?: number;
}

/** What {@link startTelegram} started. */
export interface TelegramHandle {
  readonly settings: TelegramSettings;
  /** Null when not active (`settings.inactiveReason` says why). */
  readonly notifier: TelegramNotifier | null;
  readonly subscription: Subscription | null;
}

/**
 * Subscribes a Telegram notifier to the hub when the configuration (and environment) give a token
 * and chats. Throws {@link EnvError} for a malformed environment variable.
 */
export function startTelegram(config: Config, options: StartTelegramOptions): TelegramHandle {
  const settings = telegramSettings(config.telegram, options.env ?? processEnv);
  const notifier = createNotifier(settings, {
    log: options.log,
    ...(config.telegram.include_reputation && options.reputation ? { reputation: options.reputation } : {}),
  });
  if (notifier === null) return { settings, notifier: null, subscription: null };
  // the notifier keeps its own bounded queues and digests: the hub queue only smooths bursts
  const subscription = options.bus.subscribe(telegramSubscriber(notifier, options.graceMs), { queue: 10_000 });
  return { settings, notifier, subscription };
}
