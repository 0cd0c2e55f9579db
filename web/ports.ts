/**
 * Adapters from the sensor's parts to what the dashboard drives: the IPS control (ips/), the
 * AbuseIPDB reputation service (enrich/) and the Telegram test message (notify/).
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { ReputationService } from "../enrich/mod.ts";
import type { IpsControlPort } from "../ips/control.ts";
import { sendTestMessage, telegramSettings } from "../notify/mod.ts";
import type { IpsControl, NotifyTest, ReputationLookup } from "./context.ts";
import { blockToDto } from "./convert.ts";

/** The IPS as the dashboard drives it. */
export function ipsPort(control: IpsControlPort): IpsControl {
  return {
    get mode() {
      return control.mode;
    },
    configKey: control.configKey,
    block: async (ip, seconds) => blockToDto(await control.block(ip, seconds)),
    unblock: (ip) => control.unblock(ip),
    protectClient: (ip) => control.protectClient(ip),
  };
}

/** Reputation look-ups; a refused look-up (private address, quota, no key) rejects with its one line. */
export function reputationPort(service: ReputationService): ReputationLookup {
  return {
    get provider() {
      return service.status().mode === "live" ? "abuseipdb" as const : "simulated" as const;
    },
    lookup: async (ip) => {
      const answer = await service.lookup(ip);
      if (!answer.ok) throw new Error(answer.line);
      const r = answer.reputation;
      return {
        score: `${r.score}/100`,
        country: r.countryName ?? r.countryCode,
        isp: r.isp,
        usage: r.usageType,
        domain: r.domain,
        hostnames: r.hostnames.join(", "),
        tor: r.isTor,
        reports: r.totalReports,
        reporters: r.numDistinctUsers,
        last_reported: r.lastReportedAt,
        source: r.simulated ? "SIMULATED (no AbuseIPDB key)" : `AbuseIPDB (${answer.from})`,
      };
    },
  };
}

/** The Telegram test message with the configuration in force. */
export function notifyPort(config: () => Config): NotifyTest {
  return {
    test: async () => {
      const report = await sendTestMessage(telegramSettings(config().telegram));
      if (report.problem) throw new Error(report.problem);
      const lines = report.chats.map((c) => `${c.chat}: ${c.line}`).join("; ");
      if (!report.ok) throw new Error(lines);
      return lines;
    },
  };
}
