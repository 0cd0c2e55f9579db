/**
 * SQL injection in HTTP requests.
 *
 * The app layer hands over every HTTP request, on any port (HTTP is recognised by content; the
 * stream stage reassembles TCP with its overlap policy and checksum checks; `sql_injection.ports`
 * are hints for connections picked up mid-stream). The places attackers put SQL are checked
 * with the patterns of `sql_patterns.ts`: the path, every query parameter, the body (form,
 * multipart, JSON or text) and the Cookie, User-Agent, Referer and X-Forwarded-For headers. Values
 * are percent- and `+`-decoded, twice when escapes remain (double encoding), and HTML character
 * references are resolved.
 *
 * The seed's benign-parameter list applies per parameter: an entry `name=value` (`order=desc`)
 * skips that exact parameter; an entry `name=` or `name` (`search=`) marks a free-text parameter
 * where only strong evidence counts (severity-2 rules are skipped).
 *
 * State: none per connection (the app layer holds the request buffers, bounded there); a small
 * set of recently seen clean values, cleared when full.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import { buildTrustedMatcher, type TrustedMatcher } from "../config/trusted.ts";
import type { AppContext } from "../app/app_layer.ts";
import { headerValue, type HttpHeader, type HttpRequest } from "../app/http_request.ts";
import type { AttackType } from "./attack_type.ts";
import type { HttpInfo } from "./detection.ts";
import type { Detector, Emit, PacketInterest } from "./detector.ts";
import { cannotMatchSql, matchSql, type SqlMatch } from "./sql_patterns.ts";
import { decodeDeep, escapeExcerpt, percentDecode, splitPairs } from "./url_decode.ts";

const TCP = 6;

/** Most parameters inspected per location (query, body, cookie). */
const MAX_PARAMS = 256;
/** Most JSON string values inspected per body. */
const MAX_JSON_VALUES = 512;

/** Values this long or longer are remembered when clean … */
const CLEAN_MIN = 24;
/** … up to this length … */
const CLEAN_MAX = 1024;
/** … in a set of at most this many entries (cleared when full). */
const CLEAN_ENTRIES = 1024;

/** Headers whose whole value is inspected. */
const PLAIN_HEADERS: readonly [string, string][] = [
  ["user-agent", "User-Agent header"],
  ["x-forwarded-for", "X-Forwarded-For header"],
  ["x-real-ip", "X-Real-IP header"],
  ["client-ip", "Client-IP header"],
  ["true-client-ip", "True-Client-IP header"],
];

/** What a request inspection found. */
export interface SqlFinding {
  /** The pattern hit, or a scanner signature when `match.family` is absent. */
  match: SqlMatch | null;
  /** Family tag: a {@link SqlMatch} family or `scanner`. */
  family: string;
  /** Severity: 1 strong, 2 weak. */
  severity: 1 | 2;
  /** Where it was found, for people: `query parameter "id"`, `Cookie "sid"`, … */
  where: string;
  /** One line: `UNION SELECT in query parameter "id": -1 UNION ALL SELECT NULL-- -` (escaped, short). */
  reason: string;
  /** Extra tags (family first, then `double_encoded`, `truncated`). */
  tags: string[];
}

/** Benign-list entries, split by kind. */
interface BenignList {
  /** `name=value` (lower case): skip the parameter. */
  exact: Set<string>;
  /** `name` (lower case): free-text parameter, strong rules only. */
  names: Set<string>;
}

function compileBenign(entries: readonly string[]): BenignList {
  const exact = new Set<string>();
  const names = new Set<string>();
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (e === "") continue;
    const eq = e.indexOf("=");
    if (eq < 0) names.add(e);
    else if (eq === e.length - 1) names.add(e.slice(0, -1));
    else exact.add(e);
  }
  return { exact, names };
}

/** The request as EVE's `http` object wants it (long values cut: they are attacker-sized). */
function httpInfo(req: HttpRequest): HttpInfo {
  const cut = (v: string, n: number) => v.length > n ? v.slice(0, n) : v;
  const info: HttpInfo = { url: cut(req.target, 2048), method: cut(req.method, 32) };
  const host = headerValue(req, "host");
  if (host !== undefined) info.hostname = cut(host, 256);
  const ua = headerValue(req, "user-agent");
  if (ua !== undefined) info.userAgent = cut(ua, 512);
  if (req.version !== "") info.protocol = cut(req.version, 16);
  return info;
}

/** Builds the reason line of a pattern hit. */
function reasonOf(match: SqlMatch, where: string): string {
  const start = Math.max(0, match.index - 16);
  const excerpt = escapeExcerpt(match.text.slice(start, start + 100).trim(), 80);
  return `${match.label} in ${where}: ${start > 0 ? "…" : ""}${excerpt}`;
}

/**
 * Inspects HTTP requests for SQL injection.
 *
 * Detections: type `sql_injection`, `src` the client, `dst` the server, severity 1 (2 when only
 * weak evidence), tags `[family, "double_encoded"?, "truncated"?]`.
 */
export class SqlInjectionDetector implements Detector {
  /** The attack type it reports. */
  readonly type: AttackType = "sql_injection";
  /** None: requests come from the app layer. */
  readonly packets: PacketInterest = { kinds: 0, tcpFlags: 0 };

  #enabled = true;
  #useTrusted = true;
  #trusted: TrustedMatcher = () => false;
  #benign: BenignList = { exact: new Set(), names: new Set() };
  /** Recently seen clean values (User-Agent, cookies, … repeat on every request). */
  #clean = new Set<string>();
  /**
   * Header lists (one per distinct parsed head: the app layer shares it between identical heads)
   * found clean with an empty body, with the target they came with. Keyed by identity and weak: an
   * entry lives as long as the app layer's head cache (or a request in flight) holds its list, so
   * every head still cached there is inspected once, not once per request.
   */
  #cleanHeads = new WeakMap<readonly HttpHeader[], string>();
  // the inspection in progress: its first strong finding, and its first weak one
  #strong: SqlFinding | null = null;
  #weak: SqlFinding | null = null;

  /** Requests inspected. */
  requests = 0;

  /** @param config the whole configuration (`sql_injection`, trusted lists) */
  constructor(config: Config) {
    this.configure(config);
  }

  /** Applies a (changed) configuration. */
  configure(config: Config): void {
    const c = config.sql_injection;
    this.#enabled = c.enabled;
    this.#useTrusted = c.use_trusted;
    this.#benign = compileBenign(c.benign_params);
    this.#cleanHeads = new WeakMap();
    this.#trusted = buildTrustedMatcher({ ips: config.trusted_ips, cidrs: config.trusted_cidrs });
  }

  /** Entries held per connection: none (the app layer holds the streams). */
  size(): number {
    return 0;
  }

  /** Packets carry nothing for this detector by themselves: requests come from the app layer. */
  onPacket(): void {}

  /** Inspects one request the app layer parsed (any port). */
  onHttpRequest(req: HttpRequest, ctx: AppContext, emit: Emit): void {
    if (!this.#enabled) return;
    this.requests++;
    const f = this.inspect(req);
    if (f === null) return;
    if (this.#useTrusted && this.#trusted(ctx.client)) return;
    emit({
      type: "sql_injection",
      tsUs: ctx.tsUs,
      src: ctx.client,
      dst: ctx.server,
      srcPort: ctx.clientPort,
      dstPort: ctx.serverPort,
      proto: TCP,
      severity: f.severity,
      tags: f.tags,
      reason: f.reason,
      flow: ctx.slot,
      http: httpInfo(req),
    });
  }

  /**
   * Inspects one parsed request; returns the strongest finding (the first strong one in the order
   * query, path, body, headers) or null. Does not look at the trusted lists.
   */
  inspect(req: HttpRequest): SqlFinding | null {
    // a flood repeats one request: its head, parsed once and shared, was found clean with this target
    const bodiless = req.body === "";
    if (bodiless && this.#cleanHeads.get(req.headers) === req.target) return null;
    const f = this.#inspect(req);
    if (f === null && bodiless) this.#cleanHeads.set(req.headers, req.target);
    return f;
  }

  #inspect(req: HttpRequest): SqlFinding | null {
    this.#strong = this.#weak = null;
    if (this.#scan(req)) return this.#strong;
    if (this.#weak !== null) return this.#weak;
    const ua = headerValue(req, "user-agent");
    if (ua !== undefined && /\bsqlmap\//i.test(ua)) {
      const tags = ["scanner"];
      if (req.truncated) tags.push("truncated");
      return {
        match: null,
        family: "scanner",
        severity: 2,
        where: "User-Agent header",
        reason: `sqlmap User-Agent: ${escapeExcerpt(ua, 60)}`,
        tags,
      };
    }
    return null;
  }

  /**
   * Takes one location's finding: true when it is strong (the inspection stops at it), else the
   * first weak one is kept.
   */
  #take(f: SqlFinding | null): boolean {
    if (f === null) return false;
    if (f.severity === 1) {
      this.#strong = f;
      return true;
    }
    this.#weak ??= f;
    return false;
  }

  /** Checks location by location (query, path, body, headers) until a strong finding: true then. */
  #scan(req: HttpRequest): boolean {
    const target = req.target;
    const q = target.indexOf("?");
    if (q >= 0 && this.#pairs(target.slice(q + 1), "&", true, "query parameter", req)) return true;
    if (this.#take(this.#value(q < 0 ? target : target.slice(0, q), false, "path", "", undefined, req))) return true;
    if (req.body.length > 0 && this.#body(req)) return true;
    // indexed loops, no destructuring: an iterator and its results per step are young garbage until optimized
    const headers = req.headers;
    for (let i = 0; i < headers.length; i++) {
      const name = headers[i][0], value = headers[i][1];
      if (name === "cookie") {
        if (this.#pairs(value, ";", false, "Cookie", req)) return true;
      } else if (name === "referer") {
        // the URL without its query as one value, then each query parameter
        const rq = value.indexOf("?");
        const rf = this.#value(rq < 0 ? value : value.slice(0, rq), false, "Referer header", "", undefined, req);
        if (this.#take(rf)) return true;
        if (rq >= 0 && this.#pairs(value.slice(rq + 1), "&", true, "Referer parameter", req)) return true;
      } else {
        for (let k = 0; k < PLAIN_HEADERS.length; k++) {
          if (PLAIN_HEADERS[k][0] !== name) continue;
          if (this.#take(this.#value(value, false, PLAIN_HEADERS[k][1], "", undefined, req))) return true;
        }
      }
    }
    return false;
  }

  /**
   * Checks one value. `name` is the parameter name for the benign list ("" for none); the finding's
   * place is `kind`, followed by the quoted `label` when one is given (built only on a hit).
   */
  #value(
    raw: string,
    form: boolean,
    kind: string,
    name: string,
    label: string | undefined,
    req: HttpRequest,
  ): SqlFinding | null {
    // most values (paths, numbers, user agents) have no character or word the patterns need: no decoding, no look-up
    if (cannotMatchSql(raw, form)) return null;
    const dec = decodeDeep(raw, form);
    let strongOnly = false;
    if (name !== "") {
      const lname = name.toLowerCase();
      if (this.#benign.names.has(lname)) strongOnly = true;
      else if (this.#benign.exact.size > 0 && this.#benign.exact.has(`${lname}=${dec.value.trim().toLowerCase()}`)) {
        return null;
      }
    }
    const value = dec.value;
    const cacheable = value.length >= CLEAN_MIN && value.length <= CLEAN_MAX;
    if (cacheable && this.#clean.has(value)) return null;
    const m = matchSql(value, { strongOnly });
    if (m === null) {
      if (cacheable && !strongOnly) {
        if (this.#clean.size >= CLEAN_ENTRIES) this.#clean.clear();
        this.#clean.add(value);
      }
      return null;
    }
    const tags: string[] = [m.family];
    if (dec.doubleEncoded) tags.push("double_encoded");
    if (req.truncated) tags.push("truncated");
    const where = label === undefined
      ? kind
      : label === ""
      ? `${kind} (unnamed)`
      : `${kind} "${escapeExcerpt(label, 32)}"`;
    return { match: m, family: m.family, severity: m.severity, where, reason: reasonOf(m, where), tags };
  }

  /** Checks `a=1&b=2` style pairs (query, form body, cookie). */
  #pairs(text: string, sep: string, form: boolean, kind: string, req: HttpRequest): boolean {
    const pairs = splitPairs(text, sep, MAX_PARAMS);
    for (let i = 0; i < pairs.length; i++) {
      const raw = pairs[i][1];
      if (cannotMatchSql(raw, form)) continue; // (as #value would say: the name is decoded only when needed)
      const name = percentDecode(pairs[i][0].trim(), form);
      if (this.#take(this.#value(raw, form, kind, name, name, req))) return true;
    }
    return false;
  }

  #body(req: HttpRequest): boolean {
    const body = req.body;
    const ctRaw = headerValue(req, "content-type") ?? "";
    const ct = ctRaw.toLowerCase();
    const first = body.trimStart().charCodeAt(0);
    if (ct.includes("application/x-www-form-urlencoded")) return this.#pairs(body, "&", true, "body parameter", req);
    if (ct.includes("multipart/form-data")) return this.#multipart(body, ctRaw, req);
    if (ct.includes("json") || (ct === "" && (first === 123 || first === 91))) return this.#json(body, req);
    if (ct === "" && /^[\w.\-[\]%]+=/.test(body)) return this.#pairs(body, "&", true, "body parameter", req);
    if (
      ct === "" || ct.startsWith("text/") || ct.includes("xml") || ct.includes("graphql") || ct.includes("javascript")
    ) {
      return this.#take(this.#value(body, false, "body", "", undefined, req));
    }
    return false; // binary and other media types are not inspected
  }

  #json(body: string, req: HttpRequest): boolean {
    const values: [string, string][] = [];
    const walk = (v: unknown, path: string): void => {
      if (values.length >= MAX_JSON_VALUES) return;
      if (typeof v === "string") values.push([path, v]);
      else if (Array.isArray(v)) { for (const x of v) walk(x, path); }
      else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, path === "" ? k : `${path}.${k}`);
      }
    };
    try {
      walk(JSON.parse(body), "");
    } catch {
      // cut or malformed: pick "key": "string" pairs out of the text
      values.length = 0;
      for (const m of body.matchAll(/"((?:[^"\\]|\\.){0,128})"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
        if (values.length >= MAX_JSON_VALUES) break;
        let v = m[2];
        try {
          v = JSON.parse(`"${v}"`);
        } catch { /* keep the raw text */ }
        values.push([m[1], v]);
      }
    }
    for (const [path, v] of values) {
      const name = path.slice(path.lastIndexOf(".") + 1);
      if (this.#take(this.#value(v, false, "JSON field", name, path, req))) return true;
    }
    return false;
  }

  #multipart(body: string, ct: string, req: HttpRequest): boolean {
    const bm = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
    if (bm === null) return this.#take(this.#value(body, false, "body", "", undefined, req));
    const parts = body.split(`--${bm[1] ?? bm[2]}`);
    for (let i = 1; i < parts.length && i <= MAX_PARAMS; i++) {
      const part = parts[i];
      const sep = part.indexOf("\r\n\r\n");
      if (sep < 0) continue;
      const head = part.slice(0, sep);
      if (/filename\s*=/i.test(head)) continue; // uploaded file content
      const nm = /name\s*=\s*"([^"]*)"/i.exec(head);
      const name = nm === null ? "" : nm[1];
      const f = this.#value(part.slice(sep + 4).replace(/\r\n$/, ""), false, "multipart field", name, name, req);
      if (this.#take(f)) return true;
    }
    return false;
  }
}
