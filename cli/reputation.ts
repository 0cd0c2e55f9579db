/**
 * `ids reputation IP`: prints what is known about an address — from the cache when it holds a
 * fresh result, else from the AbuseIPDB API; without a key, the simulated result, marked.
 *
 * @module
 */
import { ConfigError } from "../config/config_error.ts";
import { parseIp } from "../config/ip.ts";
import { loadConfig } from "../config/load.ts";
import { type KvCache, MemoryKv } from "../enrich/cache.ts";
import type { Reputation, ReputationAnswer } from "../enrich/reputation.ts";
import { abuseIpdbSettings, createReputationService } from "../enrich/settings.ts";
import { sanitizeText } from "../notify/escape.ts";
import { databasePath, defaultDataDir } from "../store/data_dir.ts";
import { Store } from "../store/store.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids reputation`. */
export const REPUTATION_HELP = `Usage: ids reputation IP [--config FILE] [--data DIR] [--json]

Prints what AbuseIPDB knows about IP: abuse confidence score, country, usage type, ISP, domain,
reports. A result cached less than abuseipdb.cache_hours ago is used without asking the API.
Private, loopback and reserved addresses are never sent. Without a key (abuseipdb.key or
IDS_ABUSEIPDB_KEY) the seed's simulated result is shown, marked SIMULATED.

Options:
  --config FILE   JSON configuration (see: ids config defaults)
  --data DIR      the data directory whose store caches results (default: the one ids run uses);
                  without a database there, nothing is cached
  --json          print the result as JSON
  -h, --help      this help

Exit status: 0 a result was printed, 1 nothing known (one line says why), 2 bad usage.`;

/** Options of {@link reputationCommand}. */
export interface ReputationCommandOptions {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** The cache. Default: the store's key/value table in `--data DIR` when its database exists, else in memory. */
  cache?: KvCache;
}

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The human lines for a reputation (remote text sanitized for the terminal). */
export function formatReputation(answer: Extract<ReputationAnswer, { ok: true }>): string[] {
  const r: Reputation = answer.reputation;
  const t = (v: string | null | undefined) => (v ? sanitizeText(v, 120) : "unknown");
  const head = r.simulated
    ? `${r.ip}: SIMULATED abuse confidence ${r.score}/100 (no AbuseIPDB key: not a real look-up)`
    : `${r.ip}: abuse confidence ${r.score}/100 (AbuseIPDB, ${
      answer.from === "cache" ? `cached ${utc(r.checkedAtMs)}` : "looked up now"
    })`;
  const country = r.countryName && r.countryCode
    ? `${t(r.countryCode)} (${t(r.countryName)})`
    : t(r.countryName ?? r.countryCode);
  const lines = [head, `  country     ${country}`];
  if (!r.simulated) {
    lines.push(
      `  usage type  ${t(r.usageType)}`,
      `  ISP         ${t(r.isp)}`,
      `  domain      ${t(r.domain)}`,
      `  reports     ${r.totalReports} in the last ${r.maxAgeDays} days from ${r.numDistinctUsers} users` +
        (r.lastReportedAt ? `; last ${t(r.lastReportedAt)}` : ""),
      `  Tor exit    ${r.isTor ? "yes" : "no"}; whitelisted ${
        r.isWhitelisted === null ? "unknown" : r.isWhitelisted ? "yes" : "no"
      }`,
    );
    if (r.hostnames.length > 0) lines.push(`  hostnames   ${r.hostnames.map((h) => t(h)).join(", ")}`);
  }
  return lines;
}

/** Runs `ids reputation`; resolves with the exit status. */
export async function reputationCommand(args: string[], options: ReputationCommandOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const a = parseArgs(args, { string: ["config", "data"], boolean: ["json"] });
  if (a.help) {
    out(REPUTATION_HELP);
    return 0;
  }
  if (a._.length !== 1) throw new UsageError(a._.length === 0 ? "missing IP" : `unexpected argument "${a._[1]}"`);
  const ip = a._[0];
  if (parseIp(ip) === null) throw new UsageError(`"${sanitizeText(ip, 60)}" is not an IPv4 or IPv6 address`);
  let service;
  let store: Store | undefined;
  try {
    const config = await loadConfig(a.config as string | undefined);
    let cache = options.cache;
    if (cache === undefined) {
      const dir = (a.data as string | undefined) ?? defaultDataDir();
      let exists = false;
      try {
        exists = Deno.statSync(databasePath(dir)).isFile;
      } catch {
        exists = false;
      }
      if (exists) store = Store.open(dir); // the run's cache; a result looked up now is kept there too
      else if (a.data !== undefined) err(`ids reputation: no database in ${dir} yet: the result is not cached`);
      cache = store ?? new MemoryKv();
    }
    service = createReputationService(abuseIpdbSettings(config.abuseipdb), {
      cache,
      log: () => {}, // the answer carries the line
    });
  } catch (error) {
    store?.close();
    if (error instanceof ConfigError || (error instanceof Error && error.message.startsWith("Cannot use IDS_"))) {
      err(`ids reputation: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const answer = await service.lookup(ip);
  service.close();
  store?.close();
  if (a.json) {
    out(JSON.stringify(answer.ok ? { ...answer, quota: service.status().quota } : answer));
    return answer.ok ? 0 : 1;
  }
  if (!answer.ok) {
    err(`ids reputation: ${answer.line}`);
    return 1;
  }
  for (const line of formatReputation(answer)) out(line);
  const quota = service.status().quota;
  if (answer.from === "api" && quota.remaining !== undefined) {
    out(`quota: ${quota.remaining}${quota.limit === undefined ? "" : ` of ${quota.limit}`} requests left today`);
  }
  return 0;
}
