/**
 * Brute force: many failed logins from one source to one service.
 *
 * Where the protocol is plaintext the app layer reads the verdicts, and each failure counts the
 * moment the server sends it — FTP `530`, Telnet `Login incorrect`, SMTP `535`, POP3 `-ERR`, IMAP
 * `NO`, Redis errors to `AUTH` (on any port: the app layer recognises protocols by content); those connections are then not
 * counted again as sessions. Servers that allow three tries per connection are caught after the
 * fifth failure, not when connections close. A failure with the same user and password as one of
 * the source's last {@link RECENT_CREDENTIALS} failures on that service is not counted again: a
 * client retrying a stale password (an application reconnecting every second) guesses nothing
 * (the app layer hands over a fingerprint, never the password). Web logins too: a POST whose body (or target) carries
 * a password field is an attempt, and its response decides — a redirect or a 2xx that sets a cookie
 * is a success, a server error nothing, anything else (the form again with 200, 401, 403, 429) a
 * failure. HTTP authentication too: a request of any method carrying `Authorization: Basic` or
 * `Digest` credentials is an attempt, and a `401` answer a failure (`Bearer` tokens, NTLM and
 * Negotiate handshakes are not passwords: their 401s never count); the same Basic credentials failing
 * again count once, like the plaintext protocols' (a Digest response changes with every nonce: each
 * counts). For encrypted protocols (SSH, RDP, VNC) the session is what can be seen:
 *
 * A login attempt is a TCP flow to one of `ports` whose handshake completed, that ended within
 * `max_session_s` of its first packet and in which the server sent little
 * ({@link ATTEMPT_MAX_SERVER_BYTES}: a successful SSH login with a command is about twice the size of
 * a failed password attempt; on other ports only sessions that moved real data are excluded). It is
 * counted once, as soon as its first FIN or RST is seen (so the alert comes while the attack
 * runs), or when the flow leaves the table without one. Long sessions, successful-looking ones and
 * flows that never completed a handshake are not counted.
 *
 * Fires when one source makes `threshold` attempts on one service port within `window_s`;
 * `src` is the source, `dst` the server of the session that crossed the threshold. At most once
 * per window (and at least every 10 s) per source and port while the attack goes on. A slow
 * brute force (one attempt every 20 s never makes 5 in 60 s) is caught by the slow window:
 * `slow_threshold` attempts within `slow_window_s` (8 in 10 min) when the fast rule did not fire in
 * that window; tag `slow`, severity 3, again at most every `min(slow window, 60 s)`.
 *
 * @module
 */
import type { BruteForceConfig, Config } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { type IpKey, IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { type FlowEndReason, FlowState, type FlowTable } from "../flow/flow_table.ts";
import { BoundedMap } from "./_bounded_map.ts";
import { FlowMarks } from "./_flow_marks.ts";
import { TimeRing } from "./_time_ring.ts";
import { num, pairKey, reemitUs, toUs, trustedFilter } from "./_util.ts";
import { EXPLOIT_PORT_NAMES } from "./exploit_probe.ts";
import { type Detector, type Emit, type PacketInterest, PacketKind } from "./detector.ts";
import type { AppContext } from "../app/app_layer.ts";
import { headerValue, type HttpRequest } from "../app/http_request.ts";
import type { HttpResponse } from "../app/http_response.ts";
import { credentialFingerprint, type LoginEvent } from "../app/login.ts";

/**
 * Most bytes (on the wire) a server sends in a session that looks like a failed login, by port.
 * A failed SSH password attempt costs the server about 2.7 KB (version, key exchange, auth
 * failures); a successful login with even one command about 5 KB (host-key list, channel setup,
 * output), so larger SSH sessions are successful logins and do not count.
 */
export const ATTEMPT_MAX_SERVER_BYTES: Readonly<Record<number, number>> = { 22: 4500 };
/** The same for other ports: only sessions that carried real data are excluded. */
export const ATTEMPT_MAX_SERVER_BYTES_DEFAULT = 32768;
// looked up in a Map: indexing the record with a port it lacks is an out-of-bounds element load, which
// threw the optimized code away at the first non-SSH attempt of every replay
const MAX_SERVER_BYTES = new Map(Object.entries(ATTEMPT_MAX_SERVER_BYTES).map(([p, n]) => [Number(p), n]));

/** Protocols whose login failures the app layer reads in clear: counted as they happen. */
export const PLAINTEXT_LOGIN: ReadonlySet<string> = new Set(["ftp", "telnet", "smtp", "pop3", "imap", "redis"]);
/** A form or JSON field that carries a password (`password=`, `pass=`, `pwd=`, `"passwd":`). */
const PASSWORD_FIELD = /(?:^|[&?;{,\s"'])(?:[a-z_]*_)?(?:pass(?:word|wd|wort)?|pwd|passwd|passphrase|pin)["']?\s*[=:]/i;
/** An `Authorization` header carrying a user's password (Basic, Digest). */
const PASSWORD_AUTH = /^(?:basic|digest)\s/i;
/** `#authLogins` holds `fingerprint * AUTH_PENDING + requests waiting` per flow. */
const AUTH_PENDING = 256;
/** {@link BruteForceDetector} flow mark: the app layer follows this connection's logins. */
const FOLLOWED = 2;

/** Failed credentials remembered per (source, service) to tell a retry from a new guess. */
export const RECENT_CREDENTIALS = 8;

interface SessionState {
  /** Fingerprints of the last failed credentials (see `LoginEvent.credential`), oldest first. */
  recent: number[];
  ring: TimeRing;
  slow: TimeRing;
  lastEmitUs: number;
  lastSlowUs: number;
}

/** Least time between two reports of one slow brute force (µs, at most the slow window). */
const SLOW_REEMIT_US = 60_000_000;

/** `tcp/22 (ssh)`: a service for alert reasons (built only for a report). */
function serviceText(port: number, name: string): string {
  return `tcp/${port}${name ? ` (${name})` : ""}`;
}

/** Detects brute-force login attempts (see module docs). */
export class BruteForceDetector implements Detector {
  /** The attack type reported. */
  readonly type = "brute_force" as const;
  /**
   * A session counts at its first FIN or RST: other packets never reach this detector (the app-layer
   * hooks find the flow table in their `AppContext`).
   */
  readonly packets: PacketInterest = { kinds: PacketKind.TCP, tcpFlags: TcpFlag.FIN | TcpFlag.RST };
  #cfg!: BruteForceConfig;
  #windowUs = 0;
  #maxSessionUs = 0;
  #ports = new Set<number>();
  #trusted: TrustedMatcher | null = null;
  #sessions: BoundedMap<number | string, SessionState>;
  /** Per flow: 1 once its session was counted, 2 when the app layer follows its logins. */
  #seen = new FlowMarks();
  /** Per flow: web login requests waiting for their response. */
  #webLogins = new FlowMarks();
  /**
   * Per flow: requests with HTTP (Basic, Digest) credentials waiting for their response, and the fingerprint of
   * their Basic credentials (0: Digest, whose response changes with every nonce, or waiting requests that differ).
   */
  #authLogins = new FlowMarks();
  #slowUs = 0;
  #init = (old: SessionState | undefined): SessionState => {
    if (old === undefined) {
      return {
        recent: [],
        ring: new TimeRing(this.#windowUs),
        slow: new TimeRing(this.#slowUs),
        lastEmitUs: -Infinity,
        lastSlowUs: -Infinity,
      };
    }
    old.recent.length = 0;
    old.ring.clear();
    old.slow.clear();
    old.lastEmitUs = old.lastSlowUs = -Infinity;
    return old;
  };

  /** Creates the detector with `config.brute_force` and `config.limits`. */
  constructor(config: Config) {
    this.#sessions = new BoundedMap(config.limits.max_tracked_ips);
    this.configure(config);
  }

  /** Applies a new configuration; a changed window clears the counts. */
  configure(config: Config): void {
    const c = config.brute_force;
    const windowUs = toUs(c.window_s);
    const slowUs = Math.max(windowUs, toUs(c.slow_window_s));
    if (windowUs !== this.#windowUs || slowUs !== this.#slowUs) this.#sessions.clear();
    this.#cfg = c;
    this.#windowUs = windowUs;
    this.#slowUs = slowUs;
    this.#maxSessionUs = toUs(c.max_session_s);
    this.#ports = new Set(c.ports);
    this.#trusted = trustedFilter(config, c.use_trusted);
    this.#sessions.setCapacity(config.limits.max_tracked_ips);
  }

  /** Entries in the per-(source, port) table. */
  size(): number {
    return this.#sessions.size;
  }

  /** Counts a session when its first FIN or RST passes. */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void {
    if (!this.#cfg.enabled || pkt.proto !== IpProto.TCP || !pkt.hasL4 || pkt.flow < 0) return;
    // (#count's own first test, made here too: the packet time is passed only for flows it counts)
    if ((pkt.tcpFlags & (TcpFlag.FIN | TcpFlag.RST)) === 0 || (flows.state(pkt.flow) & FlowState.ESTABLISHED) === 0) {
      return;
    }
    this.#count(flows, pkt.flow, pkt.tsUs, pkt.tsUs, emit, pkt.flow);
  }

  /** Counts a session that left the flow table without FIN or RST seen. */
  onFlowEnd(flows: FlowTable, slot: number, _reason: FlowEndReason, emit: Emit): void {
    // (#count's own first test, made here too: the two times are passed only for flows it counts)
    if (!this.#cfg.enabled || flows.proto(slot) !== IpProto.TCP || (flows.state(slot) & FlowState.ESTABLISHED) === 0) {
      return;
    }
    this.#count(flows, slot, flows.lastUs(slot), flows.nowUs, emit, -1);
  }

  /** A plaintext protocol's connection: its failures are counted as they happen, not the session. */
  onAppProtocol(ctx: AppContext, _emit: Emit): void {
    if (PLAINTEXT_LOGIN.has(ctx.proto)) this.#seen.set(ctx.flows, ctx.slot, FOLLOWED);
  }

  /** A failed plaintext login (FTP `530`, Telnet `Login incorrect`, SMTP `535`, POP3 `-ERR`, IMAP `NO`) counts at once. */
  onLogin(ev: LoginEvent, ctx: AppContext, emit: Emit): void {
    if (!this.#cfg.enabled || !PLAINTEXT_LOGIN.has(ctx.proto)) return;
    this.#seen.set(ctx.flows, ctx.slot, FOLLOWED);
    if (ev.kind !== "failure") return;
    this.#attempt({ ctx, what: "failed logins", name: ctx.proto, credential: ev.credential ?? 0 }, emit);
  }

  /**
   * A POST carrying a password field, or any request carrying Basic or Digest credentials, is a web
   * login attempt, judged by its response (asked for: true).
   */
  onHttpRequest(req: HttpRequest, ctx: AppContext, _emit: Emit): boolean {
    if (!this.#cfg.enabled) return false;
    if (req.method !== "POST" || (!PASSWORD_FIELD.test(req.body) && !PASSWORD_FIELD.test(req.target))) {
      const auth = headerValue(req, "authorization");
      if (auth === undefined || !PASSWORD_AUTH.test(auth)) return false;
      const v = this.#authLogins.get(ctx.flows, ctx.slot), waiting = v % AUTH_PENDING;
      const fp = /^basic\s/i.test(auth) ? credentialFingerprint(auth.slice(6).trim()) : 0;
      const kept = waiting === 0 || (v - waiting) / AUTH_PENDING === fp ? fp : 0;
      this.#authLogins.set(ctx.flows, ctx.slot, kept * AUTH_PENDING + Math.min(waiting + 1, AUTH_PENDING - 1));
      return true;
    }
    this.#webLogins.set(ctx.flows, ctx.slot, this.#webLogins.get(ctx.flows, ctx.slot) + 1);
    return true;
  }

  /**
   * The answer to a web login: a redirect, or a 2xx that sets a cookie, is a success; a server error
   * is nobody's failure; anything else (the form again with 200, 401, 403, 429) is a failed login.
   * The answer to HTTP credentials: `401` is a failure, anything else is not.
   */
  onHttpResponse(res: HttpResponse, ctx: AppContext, emit: Emit): void {
    const flows = ctx.flows;
    if (!this.#cfg.enabled) return;
    const pending = this.#webLogins.get(flows, ctx.slot);
    if (pending <= 0) {
      const v = this.#authLogins.get(flows, ctx.slot), waiting = v % AUTH_PENDING;
      if (waiting <= 0) return;
      const credential = (v - waiting) / AUTH_PENDING;
      this.#authLogins.set(flows, ctx.slot, waiting === 1 ? 0 : v - 1);
      if (res.status === 401) {
        this.#attempt({ ctx, what: "failed HTTP authentications", name: "http", credential }, emit);
      }
      return;
    }
    this.#webLogins.set(flows, ctx.slot, pending - 1);
    const st = res.status;
    if (st < 200 || (st >= 300 && st < 400) || st >= 500) return;
    if (st < 300 && res.headers.some((h) => h[0] === "set-cookie")) return;
    this.#attempt({ ctx, what: "failed web logins", name: "http" }, emit);
  }

  /** Counts one failed login seen by the app layer. */
  #attempt(a: { ctx: AppContext; what: string; name: string; credential?: number }, emit: Emit): void {
    const ctx = a.ctx;
    if (this.#trusted !== null && this.#trusted(ctx.client)) return;
    this.#add(
      { src: ctx.client, dst: ctx.server, srcPort: ctx.clientPort, port: ctx.serverPort, flow: ctx.slot },
      { endUs: ctx.tsUs, now: ctx.tsUs, what: a.what, name: a.name, credential: a.credential ?? 0 },
      emit,
    );
  }

  #count(flows: FlowTable, slot: number, endUs: number, now: number, emit: Emit, detFlow: number): void {
    if ((flows.state(slot) & FlowState.ESTABLISHED) === 0) return;
    const port = flows.responderPort(slot);
    if (!this.#ports.has(port) || this.#seen.get(flows, slot) !== 0) return;
    this.#seen.set(flows, slot, 1);
    if (endUs - flows.firstUs(slot) > this.#maxSessionUs) return;
    if (flows.bytes(slot, 1) > (MAX_SERVER_BYTES.get(port) ?? ATTEMPT_MAX_SERVER_BYTES_DEFAULT)) return;
    const src = flows.initiatorIp(slot);
    if (this.#trusted !== null && this.#trusted(src)) return;
    this.#add(
      { src, dst: flows.responderIp(slot), srcPort: flows.initiator(slot).port, port, flow: detFlow },
      { endUs, now, what: "short sessions", name: EXPLOIT_PORT_NAMES[port] ?? "" },
      emit,
    );
  }

  /** Adds one attempt to its (source, service port) windows and reports crossed thresholds. */
  #add(
    who: { src: IpKey; dst: IpKey; srcPort: number; port: number; flow: number },
    at: { endUs: number; now: number; what: string; name: string; credential?: number },
    emit: Emit,
  ): void {
    const { src, port } = who, { endUs, now } = at;
    const cfg = this.#cfg;
    const s = this.#sessions.acquire(pairKey(src, port), this.#init);
    const credential = at.credential ?? 0;
    if (credential !== 0) {
      if (s.recent.includes(credential)) return; // the same credentials again: a retry, not a guess
      if (s.recent.push(credential) > RECENT_CREDENTIALS) s.recent.shift();
    }
    const n = s.ring.add(endUs);
    const slow = s.slow.add(endUs);
    if (n < cfg.threshold) {
      if (
        slow < cfg.slow_threshold || now - s.lastEmitUs <= this.#slowUs ||
        now - s.lastSlowUs < Math.min(this.#slowUs, SLOW_REEMIT_US)
      ) return;
      s.lastSlowUs = now;
      emit({
        type: "brute_force",
        tsUs: now,
        src,
        dst: who.dst,
        srcPort: who.srcPort,
        dstPort: port,
        proto: IpProto.TCP,
        severity: 3,
        tags: ["slow"],
        reason: `${slow} ${at.what} to ${serviceText(port, at.name)} in ${num(cfg.slow_window_s)} s`,
        flow: who.flow,
      });
      return;
    }
    if (now - s.lastEmitUs < reemitUs(this.#windowUs)) return;
    s.lastEmitUs = now;
    emit({
      type: "brute_force",
      tsUs: now,
      src,
      dst: who.dst,
      srcPort: who.srcPort,
      dstPort: port,
      proto: IpProto.TCP,
      severity: 2,
      reason: `${n} ${at.what} to ${serviceText(port, at.name)} in ${num(cfg.window_s)} s`,
      flow: who.flow,
    });
  }
}
