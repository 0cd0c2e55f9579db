/**
 * SQL injection in HTTP requests.
 *
 * Client → server TCP payloads on the configured HTTP ports are reassembled per flow
 * ({@link HttpRequestStream}), split into requests, and the places attackers put SQL are checked
 * with the patterns of `sql_patterns.ts`: the path, every query parameter, the body (form,
 * multipart, JSON or text) and the Cookie, User-Agent, Referer and X-Forwarded-For headers. Values
 * are percent- and `+`-decoded, twice when escapes remain (double encoding), and HTML character
 * references are resolved.
 *
 * The seed's benign-parameter list applies per parameter: an entry `name=value` (`order=desc`)
 * skips that exact parameter; an entry `name=` or `name` (`search=`) marks a free-text parameter
 * where only strong evidence counts (severity-2 rules are skipped).
 *
 * State: one stream per flow with request bytes in flight, keyed by the flow's unique id, at most
 * `limits.max_http_streams` of them (the least recently active is evicted, its partial request
 * inspected first); a stream's buffer is released when a request completes and the stream itself
 * when the flow ends or the client closes.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import { buildTrustedMatcher, type TrustedMatcher } from "../config/trusted.ts";
import type { IpKey, Packet } from "../decode/packet.ts";
import type { FlowEndReason, FlowTable } from "../flow/flow_table.ts";
import type { AttackType } from "./attack_type.ts";
import type { Detection } from "./detection.ts";
import type { Detector, Emit } from "./detector.ts";
import { headerValue, type HttpRequest, HttpRequestStream } from "./http_request.ts";
import { matchSql, type SqlMatch } from "./sql_patterns.ts";
import { decodeDeep, escapeExcerpt, percentDecode, splitPairs } from "./url_decode.ts";

const TCP = 6;
const FIN_RST = 0x01 | 0x04;
const SYN = 0x02;

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

interface Tracked {
  stream: HttpRequestStream;
  src: IpKey;
  dst: IpKey;
  srcPort: number;
  dstPort: number;
  slot: number;
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

  #ports = new Uint8Array(65536);
  #enabled = true;
  #useTrusted = true;
  #trusted: TrustedMatcher = () => false;
  #maxBytes = 16384;
  #maxStreams = 4096;
  #benign: BenignList = { exact: new Set(), names: new Set() };
  #streams = new Map<number, Tracked>();
  /** Recently seen clean values (User-Agent, cookies, … repeat on every request). */
  #clean = new Set<string>();

  // context of the packet being processed (so the request callback needs no closure per packet)
  #ctx: Tracked | null = null;
  #ctxEmit: Emit = () => {};
  #ctxTs = 0;
  readonly #onRequest = (req: HttpRequest): void => this.#handleRequest(req);

  /** Requests inspected. */
  requests = 0;
  /** Streams evicted because `max_http_streams` was reached. */
  evictions = 0;

  /** @param config the whole configuration (`sql_injection`, `limits`, trusted lists) */
  constructor(config: Config) {
    this.configure(config);
  }

  /** Applies a (changed) configuration; streams in flight are kept (trimmed to the new cap). */
  configure(config: Config): void {
    const c = config.sql_injection;
    this.#enabled = c.enabled;
    this.#useTrusted = c.use_trusted;
    this.#ports.fill(0);
    if (c.enabled) {
      for (const p of c.ports) if (Number.isInteger(p) && p > 0 && p < 65536) this.#ports[p] = 1;
    }
    this.#maxBytes = c.max_request_bytes;
    this.#maxStreams = Math.max(1, config.limits.max_http_streams);
    this.#benign = compileBenign(c.benign_params);
    this.#trusted = buildTrustedMatcher({ ips: config.trusted_ips, cidrs: config.trusted_cidrs });
    if (!c.enabled) this.#streams.clear();
    for (const t of this.#streams.values()) t.stream.setMaxRequestBytes(this.#maxBytes);
    while (this.#streams.size > this.#maxStreams) {
      this.#streams.delete(this.#streams.keys().next().value!);
      this.evictions++;
    }
  }

  /** Streams held (requests in flight plus idle keep-alive connections). */
  size(): number {
    return this.#streams.size;
  }

  /** Reassembles client → server bytes on HTTP ports and inspects each completed request. */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const ports = this.#ports;
    if (ports[pkt.dstPort] === 0) return; // not an HTTP server port (or the detector is off)
    if (pkt.proto !== TCP || !pkt.hasL4 || pkt.flow < 0) return;
    // client → server: from the initiator, or towards the server port of a flow picked up mid-stream
    if (pkt.dir !== 0 && ports[pkt.srcPort] !== 0) return;
    const len = pkt.payloadLen;
    const flags = pkt.tcpFlags;
    if (len === 0 && (flags & FIN_RST) === 0) return;
    const streams = this.#streams;
    const key = flows.flowId(pkt.flow);
    let t = streams.get(key);
    if (len === 0) {
      if (t !== undefined) this.#end(key, t, pkt.tsUs, emit);
      return;
    }
    if (t === undefined) {
      if (this.#useTrusted && this.#trusted(pkt.src)) return;
      if (streams.size >= this.#maxStreams) {
        const oldest = streams.keys().next().value!;
        this.#end(oldest, streams.get(oldest)!, pkt.tsUs, emit);
        this.evictions++;
      }
      t = {
        stream: new HttpRequestStream(this.#maxBytes),
        src: pkt.src,
        dst: pkt.dst,
        srcPort: pkt.srcPort,
        dstPort: pkt.dstPort,
        slot: pkt.flow,
      };
      streams.set(key, t);
    } else {
      // least recently active first: move to the end of the insertion order
      streams.delete(key);
      streams.set(key, t);
    }
    const seq = (flags & SYN) !== 0 ? (pkt.tcpSeq + 1) >>> 0 : pkt.tcpSeq;
    this.#ctx = t;
    this.#ctxEmit = emit;
    this.#ctxTs = pkt.tsUs;
    t.stream.push(seq, pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + len), this.#onRequest);
    this.#ctx = null;
    if ((flags & FIN_RST) !== 0) this.#end(key, t, pkt.tsUs, emit);
  }

  /** Inspects a request cut short by the flow's end, then forgets the stream. */
  onFlowEnd(flows: FlowTable, slot: number, _reason: FlowEndReason, emit: Emit): void {
    if (this.#streams.size === 0) return;
    const key = flows.flowId(slot);
    const t = this.#streams.get(key);
    if (t !== undefined) this.#end(key, t, flows.lastUs(slot), emit);
  }

  /**
   * Inspects one parsed request; returns the strongest finding (the first strong one in the order
   * query, path, body, headers) or null. Does not look at the trusted lists.
   */
  inspect(req: HttpRequest): SqlFinding | null {
    let weak: SqlFinding | null = null;
    for (const f of this.#findings(req)) {
      if (f.severity === 1) return f;
      weak ??= f;
    }
    if (weak !== null) return weak;
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

  /** Findings location by location: query, path, body, headers. */
  *#findings(req: HttpRequest): Generator<SqlFinding> {
    const target = req.target;
    const q = target.indexOf("?");
    if (q >= 0) yield* this.#pairs(target.slice(q + 1), "&", true, "query parameter", req);
    const f = this.#value(q < 0 ? target : target.slice(0, q), false, "path", "", undefined, req);
    if (f !== null) yield f;
    if (req.body.length > 0) yield* this.#body(req);
    for (const [name, value] of req.headers) {
      if (name === "cookie") yield* this.#pairs(value, ";", false, "Cookie", req);
      else if (name === "referer") {
        // the URL without its query as one value, then each query parameter
        const rq = value.indexOf("?");
        const rf = this.#value(rq < 0 ? value : value.slice(0, rq), false, "Referer header", "", undefined, req);
        if (rf !== null) yield rf;
        if (rq >= 0) yield* this.#pairs(value.slice(rq + 1), "&", true, "Referer parameter", req);
      } else {
        for (const [h, where] of PLAIN_HEADERS) {
          if (h !== name) continue;
          const hf = this.#value(value, false, where, "", undefined, req);
          if (hf !== null) yield hf;
        }
      }
    }
  }

  #handleRequest(req: HttpRequest): void {
    const t = this.#ctx;
    if (t === null) return;
    this.requests++;
    const f = this.inspect(req);
    if (f === null) return;
    if (this.#useTrusted && this.#trusted(t.src)) return;
    const d: Detection = {
      type: "sql_injection",
      tsUs: this.#ctxTs,
      src: t.src,
      dst: t.dst,
      srcPort: t.srcPort,
      dstPort: t.dstPort,
      proto: TCP,
      severity: f.severity,
      tags: f.tags,
      reason: f.reason,
      flow: t.slot,
    };
    this.#ctxEmit(d);
  }

  /** Flushes a stream's partial request and forgets it. */
  #end(key: number, t: Tracked, tsUs: number, emit: Emit): void {
    this.#streams.delete(key);
    const saved = this.#ctx, savedEmit = this.#ctxEmit, savedTs = this.#ctxTs;
    this.#ctx = t;
    this.#ctxEmit = emit;
    this.#ctxTs = tsUs;
    t.stream.finish(this.#onRequest);
    this.#ctx = saved;
    this.#ctxEmit = savedEmit;
    this.#ctxTs = savedTs;
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
  *#pairs(text: string, sep: string, form: boolean, kind: string, req: HttpRequest): Generator<SqlFinding> {
    for (const [rawName, rawValue] of splitPairs(text, sep, MAX_PARAMS)) {
      const name = percentDecode(rawName.trim(), form);
      const f = this.#value(rawValue, form, kind, name, name, req);
      if (f !== null) yield f;
    }
  }

  *#body(req: HttpRequest): Generator<SqlFinding> {
    const body = req.body;
    const ctRaw = headerValue(req, "content-type") ?? "";
    const ct = ctRaw.toLowerCase();
    const first = body.trimStart().charCodeAt(0);
    if (ct.includes("application/x-www-form-urlencoded")) yield* this.#pairs(body, "&", true, "body parameter", req);
    else if (ct.includes("multipart/form-data")) yield* this.#multipart(body, ctRaw, req);
    else if (ct.includes("json") || (ct === "" && (first === 123 || first === 91))) yield* this.#json(body, req);
    else if (ct === "" && /^[\w.\-[\]%]+=/.test(body)) yield* this.#pairs(body, "&", true, "body parameter", req);
    else if (
      ct === "" || ct.startsWith("text/") || ct.includes("xml") || ct.includes("graphql") || ct.includes("javascript")
    ) {
      const f = this.#value(body, false, "body", "", undefined, req);
      if (f !== null) yield f;
    } // binary and other media types are not inspected
  }

  *#json(body: string, req: HttpRequest): Generator<SqlFinding> {
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
      const f = this.#value(v, false, "JSON field", name, path, req);
      if (f !== null) yield f;
    }
  }

  *#multipart(body: string, ct: string, req: HttpRequest): Generator<SqlFinding> {
    const bm = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
    if (bm === null) {
      const f = this.#value(body, false, "body", "", undefined, req);
      if (f !== null) yield f;
      return;
    }
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
      if (f !== null) yield f;
    }
  }
}
