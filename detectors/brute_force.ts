/**
 * Brute force: many short, failed-looking login sessions from one source to one service.
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
import { IpProto, type Packet, TcpFlag } from "../decode/packet.ts";
import { type FlowEndReason, FlowState, type FlowTable } from "../flow/flow_table.ts";
import { BoundedMap } from "./_bounded_map.ts";
import { FlowMarks } from "./_flow_marks.ts";
import { TimeRing } from "./_time_ring.ts";
import { num, pairKey, reemitUs, toUs, trustedFilter } from "./_util.ts";
import { EXPLOIT_PORT_NAMES } from "./exploit_probe.ts";
import type { Detector, Emit } from "./detector.ts";

/**
 * Most bytes (on the wire) a server sends in a session that looks like a failed login, by port.
 * A failed SSH password attempt costs the server about 2.7 KB (version, key exchange, auth
 * failures); a successful login with even one command about 5 KB (host-key list, channel setup,
 * output), so larger SSH sessions are successful logins and do not count.
 */
export const ATTEMPT_MAX_SERVER_BYTES: Readonly<Record<number, number>> = { 22: 4500 };
/** The same for other ports: only sessions that carried real data are excluded. */
export const ATTEMPT_MAX_SERVER_BYTES_DEFAULT = 32768;

interface SessionState {
  ring: TimeRing;
  slow: TimeRing;
  lastEmitUs: number;
  lastSlowUs: number;
}

/** Least time between two reports of one slow brute force (µs, at most the slow window). */
const SLOW_REEMIT_US = 60_000_000;

/** Detects brute-force login attempts (see module docs). */
export class BruteForceDetector implements Detector {
  /** The attack type reported. */
  readonly type = "brute_force" as const;
  #cfg!: BruteForceConfig;
  #windowUs = 0;
  #maxSessionUs = 0;
  #ports = new Set<number>();
  #trusted: TrustedMatcher | null = null;
  #sessions: BoundedMap<number | string, SessionState>;
  #seen = new FlowMarks();
  #slowUs = 0;
  #init = (old: SessionState | undefined): SessionState => {
    if (old === undefined) {
      return {
        ring: new TimeRing(this.#windowUs),
        slow: new TimeRing(this.#slowUs),
        lastEmitUs: -Infinity,
        lastSlowUs: -Infinity,
      };
    }
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
    if ((pkt.tcpFlags & (TcpFlag.FIN | TcpFlag.RST)) === 0) return;
    this.#count(flows, pkt.flow, pkt.tsUs, pkt.tsUs, emit, pkt.flow);
  }

  /** Counts a session that left the flow table without FIN or RST seen. */
  onFlowEnd(flows: FlowTable, slot: number, _reason: FlowEndReason, emit: Emit): void {
    if (!this.#cfg.enabled || flows.proto(slot) !== IpProto.TCP) return;
    this.#count(flows, slot, flows.lastUs(slot), flows.nowUs, emit, -1);
  }

  #count(flows: FlowTable, slot: number, endUs: number, now: number, emit: Emit, detFlow: number): void {
    if ((flows.state(slot) & FlowState.ESTABLISHED) === 0) return;
    const port = flows.responderPort(slot);
    if (!this.#ports.has(port) || this.#seen.get(flows, slot) !== 0) return;
    this.#seen.set(flows, slot, 1);
    if (endUs - flows.firstUs(slot) > this.#maxSessionUs) return;
    if (flows.bytes(slot, 1) > (ATTEMPT_MAX_SERVER_BYTES[port] ?? ATTEMPT_MAX_SERVER_BYTES_DEFAULT)) return;
    const src = flows.initiatorIp(slot);
    if (this.#trusted !== null && this.#trusted(src)) return;
    const cfg = this.#cfg;
    const s = this.#sessions.acquire(pairKey(src, port), this.#init);
    const n = s.ring.add(endUs);
    const slow = s.slow.add(endUs);
    const name = EXPLOIT_PORT_NAMES[port];
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
        dst: flows.responderIp(slot),
        srcPort: flows.initiator(slot).port,
        dstPort: port,
        proto: IpProto.TCP,
        severity: 3,
        tags: ["slow"],
        reason: `${slow} short sessions to tcp/${port}${name ? ` (${name})` : ""} in ${num(cfg.slow_window_s)} s`,
        flow: detFlow,
      });
      return;
    }
    if (now - s.lastEmitUs < reemitUs(this.#windowUs)) return;
    s.lastEmitUs = now;
    emit({
      type: "brute_force",
      tsUs: now,
      src,
      dst: flows.responderIp(slot),
      srcPort: flows.initiator(slot).port,
      dstPort: port,
      proto: IpProto.TCP,
      severity: 2,
      reason: `${n} short sessions to tcp/${port}${name ? ` (${name})` : ""} in ${num(cfg.window_s)} s`,
      flow: detFlow,
    });
  }
}
