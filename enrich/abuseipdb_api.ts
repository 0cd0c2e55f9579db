/**
 * A small client for the AbuseIPDB API v2: `GET /check` and `POST /report`, with every outcome
 * sorted into one {@link AbuseResult} (never a thrown error) and the daily quota read from the
 * `X-RateLimit-*` headers of every answer.
 *
 * Requests carry the key in the `Key` header and ask for JSON (`Accept: application/json`).
 * Answers: `{"data":{…}}`, or `{"errors":[{"detail":"…","status":N}]}`.
 *
 * @module
 */
import { describeFetchError } from "./_fetch_error.ts";

/** What AbuseIPDB knows about one address (the `check` answer's `data`, non-verbose). */
export interface AbuseCheck {
  ipAddress: string;
  isPublic?: boolean;
  ipVersion?: number;
  isWhitelisted?: boolean | null;
  /** 0–100. */
  abuseConfidenceScore: number;
  countryCode?: string | null;
  countryName?: string | null;
  usageType?: string | null;
  isp?: string | null;
  domain?: string | null;
  hostnames?: string[];
  isTor?: boolean;
  totalReports?: number;
  numDistinctUsers?: number;
  lastReportedAt?: string | null;
}

/** The `report` answer's `data`. */
export interface AbuseReported {
  ipAddress: string;
  abuseConfidenceScore: number;
}

/** The daily quota, from `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`. */
export interface Quota {
  limit?: number;
  remaining?: number;
  /** When the quota resets (ms since the epoch). */
  resetMs?: number;
}

/** Why a request failed. */
export type AbuseFailureKind =
  /** 401: the key is wrong. */
  | "unauthorized"
  /** 403: the key may not use this endpoint or address. */
  | "forbidden"
  /** 429 with no requests left today. */
  | "quota_exhausted"
  /** 429 for another reason (reporting one address twice within 15 minutes, bursts). */
  | "rate_limited"
  /** 422 and other 4xx: the request was refused. */
  | "bad_request"
  | "server"
  | "network"
  | "timeout"
  | "bad_response";

/** A failed request. */
export interface AbuseFailure {
  readonly ok: false;
  readonly kind: AbuseFailureKind;
  readonly status?: number;
  /** The API's `detail`, or what went wrong (never the key). */
  readonly description: string;
  /** `Retry-After`, seconds. */
  readonly retryAfterS?: number;
  readonly quota: Quota;
}

/** A successful request. */
export interface AbuseSuccess<T> {
  readonly ok: true;
  readonly data: T;
  readonly quota: Quota;
}

/** The outcome of one request. */
export type AbuseResult<T> = AbuseSuccess<T> | AbuseFailure;

/** Options of {@link AbuseIpdbClient}. */
export interface AbuseIpdbClientOptions {
  /** API key. */
  key: string;
  /** Base URL, default `https://api.abuseipdb.com/api/v2`. */
  baseUrl?: string;
  /** Milliseconds to wait for one answer. Default 10 000. */
  timeoutMs?: number;
}

/** AbuseIPDB report categories used by `ids` (https://www.abuseipdb.com/categories). */
export const CATEGORY = {
  DDOS_ATTACK: 4,
  FTP_BRUTE_FORCE: 5,
  PING_OF_DEATH: 6,
  PORT_SCAN: 14,
  HACKING: 15,
  SQL_INJECTION: 16,
  BRUTE_FORCE: 18,
  WEB_APP_ATTACK: 21,
  SSH: 22,
} as const;

function num(text: string | null): number | undefined {
  if (text === null || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Reads the quota headers of an answer. */
export function quotaFrom(headers: Headers): Quota {
  const quota: Quota = {};
  const limit = num(headers.get("x-ratelimit-limit"));
  const remaining = num(headers.get("x-ratelimit-remaining"));
  const reset = num(headers.get("x-ratelimit-reset"));
  if (limit !== undefined) quota.limit = limit;
  if (remaining !== undefined) quota.remaining = remaining;
  if (reset !== undefined) quota.resetMs = reset > 1e12 ? reset : reset * 1000; // Unix seconds
  return quota;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Talks to AbuseIPDB. Never throws. */
export class AbuseIpdbClient {
  readonly #key: string;
  readonly #base: string;
  readonly #timeoutMs: number;

  /** A client for one key. */
  constructor(options: AbuseIpdbClientOptions) {
    this.#key = options.key;
    this.#base = (options.baseUrl ?? "https://api.abuseipdb.com/api/v2").replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** `GET /check?ipAddress=…&maxAgeInDays=…` (not verbose: no individual reports). */
  check(ip: string, maxAgeDays: number, signal?: AbortSignal): Promise<AbuseResult<AbuseCheck>> {
    const query = new URLSearchParams({ ipAddress: ip, maxAgeInDays: String(maxAgeDays) });
    return this.#request<AbuseCheck>(
      "GET",
      `/check?${query}`,
      undefined,
      signal,
      (d) => typeof d.ipAddress === "string" && typeof d.abuseConfidenceScore === "number",
    );
  }

  /** `POST /report` with `ip`, `categories` (comma-separated), `comment` and `timestamp` (ISO 8601). */
  report(
    report: { ip: string; categories: readonly number[]; comment: string; timestamp?: string },
    signal?: AbortSignal,
  ): Promise<AbuseResult<AbuseReported>> {
    const form = new URLSearchParams({
      ip: report.ip,
      categories: report.categories.join(","),
      comment: report.comment,
    });
    if (report.timestamp !== undefined) form.set("timestamp", report.timestamp);
    return this.#request<AbuseReported>("POST", "/report", form, signal, (d) => typeof d.ipAddress === "string");
  }

  async #request<T>(
    method: string,
    path: string,
    form: URLSearchParams | undefined,
    signal: AbortSignal | undefined,
    valid: (data: Record<string, unknown>) => boolean,
  ): Promise<AbuseResult<T>> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers: {
          Key: this.#key,
          Accept: "application/json",
          ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
        },
        body: form?.toString(),
        signal: combined,
      });
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) {
        return { ok: false, kind: "timeout", description: `no answer within ${this.#timeoutMs / 1000} s`, quota: {} };
      }
      if (signal?.aborted) return { ok: false, kind: "network", description: "cancelled", quota: {} };
      return { ok: false, kind: "network", description: this.#redact(describeFetchError(error)), quota: {} };
    }
    const quota = quotaFrom(response.headers);
    const status = response.status;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status >= 200 && status < 300) {
      if (isObject(json) && isObject(json.data) && valid(json.data)) return { ok: true, data: json.data as T, quota };
      return {
        ok: false,
        kind: "bad_response",
        status,
        description: `HTTP ${status} without the expected data (${JSON.stringify(text.slice(0, 60))})`,
        quota,
      };
    }
    const errors = isObject(json) && Array.isArray(json.errors) ? json.errors : [];
    const detail = errors.map((e) => (isObject(e) && typeof e.detail === "string" ? e.detail : "")).filter(Boolean)
      .join("; ");
    const description = this.#redact((detail || `HTTP ${status}`).slice(0, 300));
    const retryAfter = num(response.headers.get("retry-after"));
    const failure = (kind: AbuseFailureKind): AbuseFailure => ({
      ok: false,
      kind,
      status,
      description,
      quota,
      ...(retryAfter !== undefined ? { retryAfterS: retryAfter } : {}),
    });
    if (status === 429) {
      return failure(
        quota.remaining === 0 || /daily rate limit/i.test(description) ? "quota_exhausted" : "rate_limited",
      );
    }
    if (status >= 500) return failure("server");
    if (status === 401) return failure("unauthorized");
    if (status === 403) return failure("forbidden");
    if (json === undefined) return failure("bad_response");
    return failure("bad_request");
  }

  #redact(text: string): string {
    return this.#key === "" ? text : text.replaceAll(this.#key, "<key>");
  }
}

/** `2026-11-30 00:00 UTC`. */
function when(ms: number | undefined): string {
  return ms === undefined ? "the daily reset" : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** One line for a person: what failed and what to do. */
export function explainAbuseFailure(failure: AbuseFailure, activity = "look-ups"): string {
  const api = failure.status === undefined ? failure.description : `${failure.status} ${failure.description}`;
  switch (failure.kind) {
    case "unauthorized":
      return `AbuseIPDB refused the key (${api}); set abuseipdb.key or IDS_ABUSEIPDB_KEY to a key from abuseipdb.com/account/api`;
    case "forbidden":
      return `AbuseIPDB does not allow this request (${api}); check the key's plan`;
    case "quota_exhausted": {
      const used = failure.quota.limit === undefined ? "" : ` (${failure.quota.limit} requests used)`;
      return `AbuseIPDB daily quota exhausted${used}; no ${activity} until ${when(failure.quota.resetMs)}`;
    }
    case "rate_limited":
      return `AbuseIPDB rate limit (${api}); retry after ${failure.retryAfterS ?? "?"} s`;
    case "bad_request":
      return `AbuseIPDB refused the request (${api})`;
    case "server":
      return `AbuseIPDB server error (${api}); retrying later usually helps`;
    case "network":
      return `network unreachable: cannot connect to AbuseIPDB (${api}); check the connection or abuseipdb.base_url`;
    case "timeout":
      return `timeout: AbuseIPDB did not answer (${api}); check the connection or raise abuseipdb.timeout_s`;
    case "bad_response":
      return `unexpected answer from AbuseIPDB (${api}); check abuseipdb.base_url`;
  }
}
