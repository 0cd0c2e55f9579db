/**
 * Reputation of alert sources: AbuseIPDB `check` results, cached (default 24 h) in the store's
 * key/value cache, looked up asynchronously with bounded concurrency and a bounded queue.
 *
 * - Only public unicast addresses are ever sent (see {@link nonPublicReason}).
 * - The daily quota is read from every answer; when it runs out (`X-RateLimit-Remaining: 0` or a
 *   429) no request is made until the reset, and one clear line says so.
 * - A refused key stops look-ups for the run (one line). Network errors, timeouts, 5xx and garbled
 *   answers fail that look-up only; the address is not asked again for a minute.
 * - Without a key: the seed's mock (score 15, "COLOMBIA (Simulado)"), marked `simulated` and never
 *   cached, so a later real key is not shadowed by it.
 *
 * Nothing here throws to the caller and nothing waits in the packet path.
 *
 * @module
 */
import { type AbuseCheck, type AbuseIpdbClient, explainAbuseFailure, type Quota } from "./abuseipdb_api.ts";
import type { KvCache } from "./cache.ts";
import { nonPublicReason } from "./special_ip.ts";

/** What is known about one address. JSON safe. */
export interface Reputation {
  ip: string;
  /** Abuse confidence score, 0–100. */
  score: number;
  countryCode: string | null;
  countryName: string | null;
  usageType: string | null;
  isp: string | null;
  domain: string | null;
  hostnames: string[];
  isTor: boolean;
  isWhitelisted: boolean | null;
  totalReports: number;
  numDistinctUsers: number;
  lastReportedAt: string | null;
  /** When it was looked up (ms since the epoch). */
  checkedAtMs: number;
  /** Reports older than this many days were not counted. */
  maxAgeDays: number;
  /** `abuseipdb`, or `simulated` for the seed's mock shown without a key. */
  source: "abuseipdb" | "simulated";
  /** True for the mock: not a real look-up. */
  simulated: boolean;
}

/** Why a look-up gave no reputation. */
export type NoReputationReason =
  | "not_public"
  | "disabled"
  | "quota"
  | "unauthorized"
  | "error"
  | "busy";

/** The outcome of a look-up. */
export type ReputationAnswer =
  | { ok: true; reputation: Reputation; from: "cache" | "api" | "simulated" }
  | { ok: false; reason: NoReputationReason; line: string };

/** Counters (for the dashboard and `ids reputation`). */
export interface ReputationStatus {
  /** `live` (key set), `simulated` (no key, mock shown) or `off`. */
  mode: "live" | "simulated" | "off";
  /** API requests made. */
  requests: number;
  /** Answers served from the cache. */
  cacheHits: number;
  /** Failed requests. */
  errors: number;
  /** Addresses skipped because they are not public. */
  notPublic: number;
  /** Look-ups refused because the queue was full. */
  busy: number;
  /** Look-ups waiting or running now. */
  pending: number;
  /** The latest quota seen. */
  quota: Quota;
  /** Set while look-ups are paused (quota, refused key): one line. */
  paused?: string;
  /** The last error, one line. */
  lastError?: string;
}

/** Options of {@link ReputationService}. */
export interface ReputationServiceOptions {
  /** The API client; null or undefined without a key. */
  client?: AbuseIpdbClient | null;
  /** Where results are cached. */
  cache: KvCache;
  /** How long a result stays cached. Default 24 h; 0: not cached. */
  cacheMs?: number;
  /** `maxAgeInDays` of the check. Default 90. */
  maxAgeDays?: number;
  /** Without a client, answer with the seed's simulated result (marked). Default true. */
  simulate?: boolean;
  /** Look-ups disabled altogether. Default false. */
  disabled?: boolean;
  /** Requests at once. Default 2. */
  concurrency?: number;
  /** Look-ups waiting at most. Default 1000. */
  maxQueued?: number;
  /** After a failed look-up, the address is not asked again for this long. Default 60 000 ms. */
  retryMs?: number;
  /** One line per problem (once per kind until it clears). Default stderr. */
  log?: (line: string) => void;
  /** Clock. Default `Date.now`. */
  now?: () => number;
}

/** The seed's mock: score 15, "COLOMBIA (Simulado)". Clearly marked simulated. */
export function simulatedReputation(ip: string, nowMs: number, maxAgeDays = 90): Reputation {
  return {
    ip,
    score: 15,
    countryCode: "CO",
    countryName: "COLOMBIA (Simulado)",
    usageType: null,
    isp: null,
    domain: null,
    hostnames: [],
    isTor: false,
    isWhitelisted: null,
    totalReports: 0,
    numDistinctUsers: 0,
    lastReportedAt: null,
    checkedAtMs: nowMs,
    maxAgeDays,
    source: "simulated",
    simulated: true,
  };
}

/** Turns the API's `data` into a {@link Reputation}. */
export function reputationFromCheck(ip: string, data: AbuseCheck, nowMs: number, maxAgeDays: number): Reputation {
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
  return {
    ip,
    score: Math.max(0, Math.min(100, Math.round(data.abuseConfidenceScore))),
    countryCode: text(data.countryCode),
    countryName: text(data.countryName),
    usageType: text(data.usageType),
    isp: text(data.isp),
    domain: text(data.domain),
    hostnames: Array.isArray(data.hostnames) ? data.hostnames.filter((h) => typeof h === "string").slice(0, 10) : [],
    isTor: data.isTor === true,
    isWhitelisted: typeof data.isWhitelisted === "boolean" ? data.isWhitelisted : null,
    totalReports: count(data.totalReports),
    numDistinctUsers: count(data.numDistinctUsers),
    lastReportedAt: text(data.lastReportedAt),
    checkedAtMs: nowMs,
    maxAgeDays,
    source: "abuseipdb",
    simulated: false,
  };
}

const MAX_FAILED = 10_000;

/** Looks up, caches and counts reputations; see the module documentation. */
export class ReputationService {
  readonly #client: AbuseIpdbClient | null;
  readonly #cache: KvCache;
  readonly #cacheMs: number;
  readonly #maxAgeDays: number;
  readonly #simulate: boolean;
  readonly #disabled: boolean;
  readonly #concurrency: number;
  readonly #maxQueued: number;
  readonly #retryMs: number;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #inflight = new Map<string, Promise<ReputationAnswer>>();
  readonly #waiting: (() => void)[] = [];
  readonly #failedUntil = new Map<string, number>();
  readonly #abort = new AbortController();
  #running = 0;
  #pausedUntil = 0;
  #paused?: string;
  #authFailed?: string;
  #loggedKind?: string;
  #quota: Quota = {};
  #requests = 0;
  #cacheHits = 0;
  #errors = 0;
  #notPublic = 0;
  #busy = 0;
  #lastError?: string;

  /** A service; see {@link ReputationServiceOptions}. */
  constructor(options: ReputationServiceOptions) {
    this.#client = options.client ?? null;
    this.#cache = options.cache;
    this.#cacheMs = options.cacheMs ?? 24 * 3_600_000;
    this.#maxAgeDays = options.maxAgeDays ?? 90;
    this.#simulate = options.simulate ?? true;
    this.#disabled = options.disabled ?? false;
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
    this.#maxQueued = options.maxQueued ?? 1_000;
    this.#retryMs = options.retryMs ?? 60_000;
    this.#log = options.log ?? ((line) => console.error(line));
    this.#now = options.now ?? Date.now;
  }

  /** `live`, `simulated` or `off`. */
  get mode(): ReputationStatus["mode"] {
    if (this.#disabled) return "off";
    if (this.#client !== null) return "live";
    return this.#simulate ? "simulated" : "off";
  }

  #key(ip: string): string {
    return `abuseipdb:check:${this.#maxAgeDays}:${ip}`;
  }

  #fromCache(ip: string): Reputation | undefined {
    try {
      const text = this.#cache.get(this.#key(ip), this.#now());
      if (text === undefined) return undefined;
      const value = JSON.parse(text) as Reputation;
      return typeof value?.score === "number" && value.ip === ip ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** What is known now without asking anyone (cache, or the simulated result). Never throws. */
  peek(ip: string): Reputation | undefined {
    const mode = this.mode;
    if (mode === "off" || nonPublicReason(ip) !== null) return undefined;
    if (mode === "simulated") return simulatedReputation(ip, this.#now(), this.#maxAgeDays);
    return this.#fromCache(ip);
  }

  /** Looks `ip` up: cache first, then the API (or the simulated result without a key). Never rejects. */
  lookup(ip: string): Promise<ReputationAnswer> {
    const existing = this.#inflight.get(ip);
    if (existing !== undefined) return existing;
    const answer = this.#lookup(ip).catch((error): ReputationAnswer => ({
      ok: false,
      reason: "error",
      line: `Cannot look up ${ip}: ${error instanceof Error ? error.message : error}`,
    }));
    if (this.#inflight.has(ip) || this.mode !== "live") return answer;
    this.#inflight.set(ip, answer);
    void answer.finally(() => this.#inflight.delete(ip));
    return answer;
  }

  async #lookup(ip: string): Promise<ReputationAnswer> {
    if (this.mode === "off") {
      return {
        ok: false,
        reason: "disabled",
        line: "reputation look-ups are off (abuseipdb.enabled is false, or no key and simulate_without_key is false)",
      };
    }
    const why = nonPublicReason(ip);
    if (why !== null) {
      this.#notPublic++;
      return { ok: false, reason: "not_public", line: `${ip} is ${why}: never sent to AbuseIPDB` };
    }
    if (this.#client === null) {
      return { ok: true, reputation: simulatedReputation(ip, this.#now(), this.#maxAgeDays), from: "simulated" };
    }
    const cached = this.#fromCache(ip);
    if (cached !== undefined) {
      this.#cacheHits++;
      return { ok: true, reputation: cached, from: "cache" };
    }
    const stopped = this.#stopped();
    if (stopped !== undefined) return stopped;
    const failedUntil = this.#failedUntil.get(ip);
    if (failedUntil !== undefined && failedUntil > this.#now()) {
      return {
        ok: false,
        reason: "error",
        line: `${ip}: the last look-up failed (${this.#lastError}); not asked again yet`,
      };
    }
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#maxQueued) {
        this.#busy++;
        return { ok: false, reason: "busy", line: `${ip}: too many look-ups waiting (${this.#maxQueued}); skipped` };
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      const late = this.#stopped();
      if (late !== undefined) {
        this.#release();
        return late;
      }
    } else {
      this.#running++;
    }
    try {
      return await this.#ask(ip);
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(); // the slot passes to the next waiter
    else this.#running--;
  }

  #stopped(): ReputationAnswer | undefined {
    if (this.#authFailed !== undefined) return { ok: false, reason: "unauthorized", line: this.#authFailed };
    if (this.#pausedUntil > this.#now()) return { ok: false, reason: "quota", line: this.#paused! };
    return undefined;
  }

  async #ask(ip: string): Promise<ReputationAnswer> {
    const cached = this.#fromCache(ip); // another look-up may have filled it while this one waited
    if (cached !== undefined) {
      this.#cacheHits++;
      return { ok: true, reputation: cached, from: "cache" };
    }
    this.#requests++;
    const result = await this.#client!.check(ip, this.#maxAgeDays, this.#abort.signal);
    if (this.#abort.signal.aborted) {
      return { ok: false, reason: "error", line: `${ip}: look-up cancelled (ids is stopping)` }; // not a problem to log
    }
    const now = this.#now();
    if (Object.keys(result.quota).length > 0) this.#quota = { ...this.#quota, ...result.quota };
    if (result.ok) {
      const reputation = reputationFromCheck(ip, result.data, now, this.#maxAgeDays);
      if (this.#cacheMs > 0) {
        try {
          this.#cache.set(this.#key(ip), JSON.stringify(reputation), now + this.#cacheMs);
        } catch (error) {
          this.#note(
            "cache",
            `reputation cache: cannot store ${ip}: ${error instanceof Error ? error.message : error}`,
          );
        }
      }
      if (result.quota.remaining === 0) this.#pause(now, result.quota, undefined);
      else if (this.#loggedKind !== undefined) {
        this.#log("abuseipdb: look-ups work again");
        this.#loggedKind = undefined;
      }
      return { ok: true, reputation, from: "api" };
    }
    this.#errors++;
    const line = explainAbuseFailure(result);
    this.#lastError = line;
    switch (result.kind) {
      case "quota_exhausted":
        this.#pause(now, result.quota, result.retryAfterS);
        return { ok: false, reason: "quota", line: this.#paused! };
      case "unauthorized":
      case "forbidden":
        this.#authFailed = line;
        this.#note(result.kind, `abuseipdb: ${line}; reputation look-ups stop for this run`);
        return { ok: false, reason: "unauthorized", line };
      case "rate_limited":
        this.#pausedUntil = now + (result.retryAfterS ?? 60) * 1000;
        this.#paused = line;
        this.#note(result.kind, `abuseipdb: ${line}`);
        return { ok: false, reason: "quota", line };
      default:
        if (this.#failedUntil.size >= MAX_FAILED) this.#failedUntil.delete(this.#failedUntil.keys().next().value!);
        this.#failedUntil.set(ip, now + this.#retryMs);
        this.#note(result.kind, `abuseipdb: ${line}`);
        return { ok: false, reason: "error", line };
    }
  }

  #pause(now: number, quota: Quota, retryAfterS: number | undefined): void {
    const until = quota.resetMs !== undefined && quota.resetMs > now
      ? quota.resetMs
      : now + (retryAfterS ?? 3_600) * 1000;
    this.#pausedUntil = until;
    const used = quota.limit === undefined ? "" : ` (${quota.limit} requests used)`;
    this.#paused = `AbuseIPDB daily quota exhausted${used}; no look-ups until ${
      new Date(until).toISOString().slice(0, 16).replace("T", " ")
    } UTC (cached results are still shown)`;
    this.#note("quota", `abuseipdb: ${this.#paused}`);
  }

  #note(kind: string, line: string): void {
    if (this.#loggedKind === kind) return;
    this.#loggedKind = kind;
    this.#log(line);
  }

  /** Counters. */
  status(): ReputationStatus {
    const now = this.#now();
    return {
      mode: this.mode,
      requests: this.#requests,
      cacheHits: this.#cacheHits,
      errors: this.#errors,
      notPublic: this.#notPublic,
      busy: this.#busy,
      pending: this.#running + this.#waiting.length,
      quota: { ...this.#quota },
      ...(this.#authFailed !== undefined
        ? { paused: this.#authFailed }
        : this.#pausedUntil > now
        ? { paused: this.#paused }
        : {}),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  /** Cancels requests in flight (their look-ups answer with an error). */
  close(): void {
    this.#abort.abort();
  }
}
