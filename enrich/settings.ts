/**
 * AbuseIPDB settings: the `abuseipdb` section, with the key overridable from the environment
 * (`IDS_ABUSEIPDB_KEY`), and the services they describe.
 *
 * @module
 */
import type { AbuseIpdbConfig } from "../config/defaults.ts";
import { isStringOf } from "../config/schema.ts";
import { AbuseIpdbClient } from "./abuseipdb_api.ts";
import type { KvCache } from "./cache.ts";
import { AbuseReporter } from "./reporter.ts";
import { ReputationService } from "./reputation.ts";

/** Reads one environment variable. */
export type EnvReader = (name: string) => string | undefined;

const processEnv: EnvReader = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

/** AbuseIPDB settings after the environment is applied. */
export interface AbuseIpdbSettings {
  readonly key: string;
  readonly keyFrom: "config" | "environment" | "none";
  readonly config: AbuseIpdbConfig;
}

/**
 * Applies the environment to the `abuseipdb` section.
 *
 * @throws {Error} `Cannot use IDS_ABUSEIPDB_KEY: …` when it is set but malformed (the key is not repeated)
 */
export function abuseIpdbSettings(config: AbuseIpdbConfig, env: EnvReader = processEnv): AbuseIpdbSettings {
  const envKey = env("IDS_ABUSEIPDB_KEY")?.trim();
  if (envKey !== undefined && envKey !== "") {
    if (!isStringOf("api_key", envKey)) {
      throw new Error(
        `Cannot use IDS_ABUSEIPDB_KEY: it must be an API key of 16 to 200 letters and digits (got a text of ${envKey.length} characters)`,
      );
    }
    return { key: envKey, keyFrom: "environment", config };
  }
  return { key: config.key, keyFrom: config.key === "" ? "none" : "config", config };
}

/** Options of {@link createReputationService}. */
export interface CreateReputationOptions {
  cache: KvCache;
  log?: (line: string) => void;
  now?: () => number;
}

/** The reputation service the settings describe (live with a key, simulated or off without). */
export function createReputationService(
  settings: AbuseIpdbSettings,
  options: CreateReputationOptions,
): ReputationService {
  const c = settings.config;
  return new ReputationService({
    client: settings.key === "" ? null : new AbuseIpdbClient({
      key: settings.key,
      baseUrl: c.base_url,
      timeoutMs: c.timeout_s * 1000,
    }),
    cache: options.cache,
    cacheMs: c.cache_hours * 3_600_000,
    maxAgeDays: c.max_age_days,
    simulate: c.simulate_without_key,
    disabled: !c.enabled,
    log: options.log,
    now: options.now,
  });
}

/** The reporter, when `abuseipdb.report` is on and a key is set; else null. */
export function createReporter(
  settings: AbuseIpdbSettings,
  options: { log?: (line: string) => void } = {},
): AbuseReporter | null {
  if (!settings.config.report || settings.key === "") return null;
  return new AbuseReporter({
    client: new AbuseIpdbClient({
      key: settings.key,
      baseUrl: settings.config.base_url,
      timeoutMs: settings.config.timeout_s * 1000,
    }),
    log: options.log,
  });
}
