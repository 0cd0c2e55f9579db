/**
 * AbuseIPDB on the sensor hub:
 * - {@link reputationSubscriber}: looks up the source of each alert (not each packet), in the
 *   background; each result is handed to `onReputation` (the store attaches it to the alert, the
 *   dashboard shows it);
 * - {@link reportSubscriber}: reports real blocks when `abuseipdb.report` is on;
 * - {@link startEnrichment}: builds both from the configuration.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { Alert } from "../core/alert.ts";
import type { BlockEvent } from "../core/block.ts";
import type { EventBus, Subscriber } from "../core/hub_event.ts";
import type { KvCache } from "./cache.ts";
import type { AbuseReporter } from "./reporter.ts";
import type { Reputation, ReputationService } from "./reputation.ts";
import {
  type AbuseIpdbSettings,
  abuseIpdbSettings,
  createReporter,
  createReputationService,
  type EnvReader,
} from "./settings.ts";

/** Receives a reputation found for an alert's source. */
export type OnReputation = (alert: Alert, reputation: Reputation) => void;

/**
 * Looks up each alert's source. Spoofed sources are skipped (they say nothing about the attacker).
 * The hub never waits: the look-up runs in the background, bounded by the service's queue.
 */
export function reputationSubscriber(service: ReputationService, onReputation?: OnReputation): Subscriber {
  return {
    name: "reputation",
    kinds: ["alert"],
    handle(event) {
      if (event.kind !== "alert" || event.alert.spoofed === true) return;
      const alert = event.alert;
      void service.lookup(alert.src).then((answer) => {
        if (!answer.ok || onReputation === undefined) return;
        try {
          onReputation(alert, answer.reputation);
        } catch {
          // a failing consumer must not break look-ups; it reports its own problems
        }
      });
    },
    close: () => service.close(),
  };
}

/** Remembers the last alerts' ports per source, so a report of a block can name the service. */
export function reportSubscriber(reporter: AbuseReporter): Subscriber {
  const lastPort = new Map<string, { dstPort: number; spoofed: boolean }>();
  return {
    name: "abuseipdb-report",
    kinds: ["alert", "block"],
    handle(event) {
      if (event.kind === "alert") {
        const a = event.alert;
        lastPort.delete(a.src);
        lastPort.set(a.src, { dstPort: a.dstPort, spoofed: a.spoofed === true });
        if (lastPort.size > 10_000) lastPort.delete(lastPort.keys().next().value!);
      } else if (event.kind === "block") {
        const block: BlockEvent = event.block;
        reporter.onBlock(block, lastPort.get(block.ip) ?? {});
      }
    },
    close: () => reporter.settled(),
  };
}

/** Options of {@link startEnrichment}. */
export interface StartEnrichmentOptions {
  bus: EventBus;
  /** Where results are cached (the store's key/value table). */
  cache: KvCache;
  onReputation?: OnReputation;
  log?: (line: string) => void;
  env?: EnvReader;
}

/** What {@link startEnrichment} started. */
export interface EnrichmentHandle {
  readonly settings: AbuseIpdbSettings;
  readonly service: ReputationService;
  /** Null unless `abuseipdb.report` is on and a key is set. */
  readonly reporter: AbuseReporter | null;
}

/**
 * Subscribes reputation look-ups (and reports, when on) to the hub. The service exists even when
 * look-ups are off, so `ids reputation` and the dashboard can ask it.
 */
export function startEnrichment(config: Config, options: StartEnrichmentOptions): EnrichmentHandle {
  const settings = abuseIpdbSettings(config.abuseipdb, options.env);
  const service = createReputationService(settings, { cache: options.cache, log: options.log });
  if (service.mode !== "off") {
    options.bus.subscribe(reputationSubscriber(service, options.onReputation), { queue: 10_000, dropOldest: true });
  }
  const reporter = createReporter(settings, { log: options.log });
  if (reporter !== null) options.bus.subscribe(reportSubscriber(reporter), { queue: 10_000 });
  return { settings, service, reporter };
}
