/**
 * The reputation look-up in the shape the dashboard asks for (`web/context.ts` `ReputationLookup`):
 * a provider name and flat facts per address; a look-up that finds nothing rejects with its one line
 * (not public, quota spent, refused key, network).
 *
 * @module
 */
import type { ReputationService } from "./reputation.ts";

/** Flat facts of one address, for a key/value table. */
export type ReputationFacts = Record<string, string | number | boolean | null>;

/** What the dashboard calls. */
export interface ReputationLookupAdapter {
  readonly provider: "abuseipdb" | "simulated";
  lookup(ip: string): Promise<ReputationFacts>;
}

/** The adapter for `service`, or undefined when look-ups are off. */
export function reputationLookup(service: ReputationService): ReputationLookupAdapter | undefined {
  const mode = service.mode;
  if (mode === "off") return undefined;
  return {
    provider: mode === "live" ? "abuseipdb" : "simulated",
    async lookup(ip: string): Promise<ReputationFacts> {
      const answer = await service.lookup(ip);
      if (!answer.ok) throw new Error(answer.line);
      const r = answer.reputation;
      const facts: ReputationFacts = {
        score: r.score,
        simulated: r.simulated,
        source: r.simulated ? "SIMULATED: no AbuseIPDB key, not a real look-up" : `AbuseIPDB (${answer.from})`,
        country: r.countryName ?? r.countryCode,
      };
      if (!r.simulated) {
        Object.assign(facts, {
          usageType: r.usageType,
          isp: r.isp,
          domain: r.domain,
          totalReports: r.totalReports,
          distinctUsers: r.numDistinctUsers,
          lastReportedAt: r.lastReportedAt,
          tor: r.isTor,
          whitelisted: r.isWhitelisted,
          checkedAt: new Date(r.checkedAtMs).toISOString(),
        });
      }
      return facts;
    },
  };
}
