/**
 * AbuseIPDB: the API v2 client (check, report), the reputation service (cache, quota, simulated
 * mode), the reporter of blocked attackers, the special-address filter and the hub subscribers.
 *
 * Dashboard API (web/): with the {@link EnrichmentHandle} from `startEnrichment` (or a
 * `createReputationService(abuseIpdbSettings(config.abuseipdb), { cache })`):
 * - `service.peek(ip)` — what is known now, synchronously (cache or the simulated result), or undefined;
 * - `service.lookup(ip)` — a {@link ReputationAnswer}: `{ ok: true, reputation, from }` or
 *   `{ ok: false, reason, line }` (one line to show); never rejects;
 * - `service.status()` — mode (`live` / `simulated` / `off`), quota, counters, paused reason;
 * - every {@link Reputation} has `simulated: true` for the mock: show it as SIMULATED;
 * - `reputationLookup(service)` — the `ReputationLookup` of `web/context.ts` (provider + flat facts;
 *   rejects with the one line when nothing is known).
 *
 * @module
 */
export {
  type AbuseCheck,
  type AbuseFailure,
  type AbuseFailureKind,
  AbuseIpdbClient,
  type AbuseResult,
  CATEGORY,
  explainAbuseFailure,
  type Quota,
} from "./abuseipdb_api.ts";
export { type KvCache, MemoryKv } from "./cache.ts";
export { type ReputationFacts, reputationLookup, type ReputationLookupAdapter } from "./dashboard.ts";
export { AbuseReporter, categoriesFor, type ReporterStatus } from "./reporter.ts";
export {
  type NoReputationReason,
  type Reputation,
  type ReputationAnswer,
  ReputationService,
  type ReputationStatus,
  simulatedReputation,
} from "./reputation.ts";
export { type AbuseIpdbSettings, abuseIpdbSettings, createReporter, createReputationService } from "./settings.ts";
export { isPublicIp, nonPublicReason } from "./special_ip.ts";
export {
  type EnrichmentHandle,
  type OnReputation,
  reportSubscriber,
  reputationSubscriber,
  startEnrichment,
} from "./subscriber.ts";
