/**
 * A local stand-in for the AbuseIPDB API v2, for tests: it listens on 127.0.0.1 and speaks the real
 * shapes of `GET /api/v2/check` and `POST /api/v2/report` — the `Key` header, `X-RateLimit-*`
 * headers on every answer, `{"data":…}` and `{"errors":[{detail,status}]}` bodies, 429 with
 * `Retry-After` when the daily quota is spent, one report per address per 15 minutes — and fails
 * on demand (401/403, 5xx, garbage, slow answers).
 *
 * @module
 */

/** One request received. */
export interface AbuseStubRequest {
  method: string;
  path: string;
  key: string | null;
  accept: string | null;
  query: Record<string, string>;
  form: Record<string, string>;
  status: number;
}

/** A scripted failure for the next request. */
export type AbuseStubFailure =
  | { kind: "status"; status: number; detail: string; retryAfter?: number }
  | { kind: "garbage"; status?: number }
  | { kind: "slow"; ms: number }
  | { kind: "pass" };

/** Options of {@link AbuseIpdbStub}. */
export interface AbuseIpdbStubOptions {
  key: string;
  /** Daily requests allowed. Default 1000. */
  limit?: number;
  /** Requests left. Default `limit`. */
  remaining?: number;
  /** Scores per address; others get 0 with no reports. */
  scores?: Record<string, number>;
  /** Clock of the 15-minute report rule. Default `Date.now`. */
  now?: () => number;
}

/** The stub server. `await using` closes it. */
export class AbuseIpdbStub {
  readonly requests: AbuseStubRequest[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #options: AbuseIpdbStubOptions;
  readonly #failures: AbuseStubFailure[] = [];
  readonly #reported = new Map<string, number>();
  readonly resetSeconds: number;
  remaining: number;

  /** Starts listening on a free loopback port. */
  constructor(options: AbuseIpdbStubOptions) {
    this.#options = options;
    this.remaining = options.remaining ?? options.limit ?? 1000;
    this.resetSeconds = Math.floor(Date.now() / 1000 / 86_400 + 1) * 86_400; // next midnight UTC
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (r) => this.#handle(r));
  }

  /** Base URL (`…/api/v2`) to give the client. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/api/v2`;
  }

  /** The next requests fail like this, in order. */
  fail(...failures: AbuseStubFailure[]): void {
    this.#failures.push(...failures);
  }

  /** check requests received. */
  checks(): AbuseStubRequest[] {
    return this.requests.filter((r) => r.path === "/api/v2/check");
  }

  /** report requests received. */
  reports(): AbuseStubRequest[] {
    return this.requests.filter((r) => r.path === "/api/v2/report");
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  /** For `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const raw = request.method === "POST" ? await request.text() : "";
    const record: AbuseStubRequest = {
      method: request.method,
      path: url.pathname,
      key: request.headers.get("key"),
      accept: request.headers.get("accept"),
      query: Object.fromEntries(url.searchParams),
      form: Object.fromEntries(new URLSearchParams(raw)),
      status: 0,
    };
    this.requests.push(record);
    const limit = this.#options.limit ?? 1000;
    const headers = (): Record<string, string> => ({
      "X-RateLimit-Limit": String(limit),
      "X-RateLimit-Remaining": String(Math.max(0, this.remaining)),
      "X-RateLimit-Reset": String(this.resetSeconds),
    });
    const reply = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      return Response.json(body, { status, headers: { ...headers(), ...extra } });
    };
    const errors = (status: number, detail: string, extra: Record<string, string> = {}) =>
      reply(status, { errors: [{ detail, status }] }, extra);

    const failure = this.#failures.shift();
    if (failure !== undefined) {
      if (failure.kind === "status") {
        return errors(
          failure.status,
          failure.detail,
          failure.retryAfter === undefined ? {} : { "Retry-After": String(failure.retryAfter) },
        );
      }
      if (failure.kind === "garbage") {
        record.status = failure.status ?? 200;
        return new Response('{"data": {"ipAddress": "1.2', { status: record.status, headers: headers() });
      }
      if (failure.kind === "slow") await new Promise((resolve) => setTimeout(resolve, failure.ms));
    }
    if (record.key !== this.#options.key) {
      return errors(
        401,
        "Authentication failed. Your API key is either missing, incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.",
      );
    }
    if (this.remaining <= 0) {
      const retry = Math.max(1, this.resetSeconds - Math.floor(Date.now() / 1000));
      return errors(
        429,
        `Daily rate limit of ${limit} requests exceeded for this endpoint. See headers for additional details.`,
        { "Retry-After": String(retry) },
      );
    }
    this.remaining--;
    if (url.pathname === "/api/v2/check" && request.method === "GET") {
      const ip = record.query.ipAddress;
      if (!ip) return errors(422, "The ip address field is required.");
      const age = Number(record.query.maxAgeInDays ?? "30");
      if (!(age >= 1 && age <= 365)) return errors(422, "The max age in days must be between 1 and 365.");
      const score = this.#options.scores?.[ip] ?? 0;
      return reply(200, {
        data: {
          ipAddress: ip,
          isPublic: true,
          ipVersion: ip.includes(":") ? 6 : 4,
          isWhitelisted: false,
          abuseConfidenceScore: score,
          countryCode: "NL",
          usageType: "Data Center/Web Hosting/Transit",
          isp: "Example Hosting B.V.",
          domain: "example-hosting.nl",
          hostnames: [],
          isTor: false,
          totalReports: score * 3,
          numDistinctUsers: score,
          lastReportedAt: score > 0 ? "2026-11-28T10:00:00+00:00" : null,
        },
      });
    }
    if (url.pathname === "/api/v2/report" && request.method === "POST") {
      const ip = record.form.ip;
      const categories = (record.form.categories ?? "").split(",").map(Number);
      if (!ip) return errors(422, "The ip field is required.");
      if (categories.length === 0 || categories.some((c) => !Number.isInteger(c) || c < 1 || c > 23)) {
        return errors(422, "The categories field must be a comma separated list of category ids.");
      }
      const last = this.#reported.get(ip);
      const now = (this.#options.now ?? Date.now)();
      if (last !== undefined && now - last < 15 * 60_000) {
        return errors(429, `You can only report the same IP address (\`${ip}\`) once in 15 minutes.`);
      }
      this.#reported.set(ip, now);
      return reply(200, { data: { ipAddress: ip, abuseConfidenceScore: this.#options.scores?.[ip] ?? 0 } });
    }
    return errors(404, "Not found.");
  }
}
