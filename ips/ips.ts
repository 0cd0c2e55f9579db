/**
 * The IPS: from an alert to a block, safely. Applies the decision rule, the safety rails, the caps,
 * per-type durations and escalation; drives one {@link Blocker}; keeps every block in a
 * {@link BlockLedger} (the store); expires blocks on time; reconciles with the firewall at startup;
 * and publishes block/unblock/cap events.
 *
 * When the firewall refuses for lack of privilege, the IPS goes on with the simulated backend (status
 * `SIMULATED`), says so once, and never reports such a block as `blocked`.
 *
 * Operations on one address (a detector's decision, a block or an unblock by hand, an expiry) run one after
 * the other: the firewall call is async, and a second operation on the address waits for the first (alerts
 * for an address being decided share that decision). A block's row is written after the firewall took it;
 * blocks whose firewall call is in flight count toward `ips.max_active` and `ips.max_new_per_minute`.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import { parseBlockTarget } from "./address.ts";
import { type BackendName, type Blocker, BlockError, checkSeconds } from "./blocker.ts";
import { type BlockLedger, type BlockRecord, type EndReason, LIVE_STATUSES, MemoryLedger } from "./ledger.ts";
import { blockSeconds, shouldBlock } from "./policy.ts";
import type { SafetyRails } from "./rails.ts";
import { SimulatedBlocker } from "./simulated.ts";

/** What the IPS tells the hub. */
export type IpsEvent =
  | { kind: "block"; record: BlockRecord; manual?: boolean; restored?: boolean }
  | { kind: "unblock"; record: BlockRecord; reason: EndReason }
  | { kind: "cap"; cap: "per_minute" | "active"; limit: number; ip: string; message: string };

/** One alert as the IPS sees it. */
export interface IpsQuestion {
  /** The attacker (alert `src_ip`). */
  ip: string;
  /** Attack type (heuristic). */
  type: string;
  /** Alert label. */
  label: string;
  /** Sources forged (tagged `spoofed`). */
  spoofed?: boolean;
  /** The alert asks not to be blocked (tag `no-block`: model-only alerts unless `ml.block_alerts`). */
  noBlock?: boolean;
  /** The source never completed a handshake (tagged `unverified_source`): its address may be forged. */
  unverified?: boolean;
  /** The model's verdict, when it ran. */
  ml?: { type: string; confidence: number };
}

/** What the IPS did about one alert. */
export interface IpsDecision {
  /** `blocked` only when the firewall really blocks the source now. */
  action: "allowed" | "blocked";
  /** One line for people: why blocked, or why not. */
  note: string;
  /** The block row, when one was made (or the one in force). */
  record?: BlockRecord;
  /** True when this decision made the row (a new block, simulated block or failure). */
  created?: boolean;
}

/** What {@link Ips.start} did. */
export interface IpsStartReport {
  backend: BackendName;
  /** Blocks still in force (timers restored). */
  kept: number;
  /** Rows whose time had passed while `ids` was not running (now EXPIRED). */
  expired: number;
  /** Firewall entries removed because their time had passed (left by a crash). */
  removed: number;
  /** Rows whose firewall entry was gone (removed outside ids; now UNBLOCKED). */
  vanished: number;
  /** Firewall entries without a row, now recorded. */
  adopted: number;
}

/** What the IPS did so far in this run. */
export interface IpsCounters {
  /** Blocks the firewall really made. */
  blocked: number;
  /** Blocks only simulated. */
  simulated: number;
  /** Blocks the firewall refused. */
  failed: number;
  /** Alerts not blocked because the sources were spoofed. */
  spoofed: number;
  /** Alerts not blocked by a safety rail, per rail. */
  refused: Record<string, number>;
  /** Alerts not blocked because a cap was reached. */
  capped: number;
  /** Blocks that expired / were lifted by hand. */
  expired: number;
  unblocked: number;
}

/** Options of {@link Ips}. */
export interface IpsOptions {
  blocker: Blocker;
  rails: SafetyRails;
  config: Config;
  /** Block rows (default: in memory). */
  ledger?: BlockLedger;
  /** Receives block, unblock and cap events. */
  publish?: (event: IpsEvent) => void;
  /** One line for the operator (stderr). */
  log?: (line: string) => void;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

interface LiveEntry {
  id: number;
  ip: string;
  expiresAt: number;
  backend: BackendName;
  /** When the firewall last confirmed the block (ms). */
  verifiedAt?: number;
}

/** The IPS engine. */
export class Ips {
  #blocker: Blocker;
  #rails: SafetyRails;
  #config: Config;
  #ledger: BlockLedger;
  #publish: (event: IpsEvent) => void;
  #log: (line: string) => void;
  #now: () => number;
  #live = new Map<string, LiveEntry>();
  /** Decisions per address being made now (later alerts for the address share them). */
  #deciding = new Map<string, Promise<IpsDecision>>();
  /** Per address, the end of its chain of operations (decide, block/unblock by hand, expiry). */
  #ops = new Map<string, Promise<void>>();
  /** Live entries whose expiry is queued behind another operation on their address. */
  #expiring = new Set<LiveEntry>();
  /** Addresses whose new block is in the firewall call now (not yet in #live): they count toward the caps. */
  #reserved = new Set<string>();
  #recentBlocks: number[] = [];
  #capNotedAt = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #degraded = "";
  #counters: IpsCounters = {
    blocked: 0,
    simulated: 0,
    failed: 0,
    spoofed: 0,
    refused: {},
    capped: 0,
    expired: 0,
    unblocked: 0,
  };

  constructor(options: IpsOptions) {
    this.#blocker = options.blocker;
    this.#rails = options.rails;
    this.#config = options.config;
    this.#ledger = options.ledger ?? new MemoryLedger();
    this.#publish = options.publish ?? (() => {});
    this.#log = options.log ?? ((line) => console.error(line));
    this.#now = options.now ?? Date.now;
  }

  /** The backend in use (simulated after a privilege failure). */
  get backend(): BackendName {
    return this.#blocker.backend;
  }

  /** True when blocks reach a real firewall (the dashboard shows "simulated" otherwise). */
  get enforcing(): boolean {
    return this.#blocker.enforcing;
  }

  /** Why blocking fell back to simulated during this run, or "". */
  get degraded(): string {
    return this.#degraded;
  }

  /** The safety rails (the dashboard protects its clients through them). */
  get rails(): SafetyRails {
    return this.#rails;
  }

  /** Applies a reloaded configuration (durations, caps, escalation, trusted lists). */
  setConfig(config: Config): Promise<void> {
    this.#config = config;
    this.#rails.setTrusted({ ips: config.trusted_ips, cidrs: config.trusted_cidrs });
    // an address the operator now trusts is never blocked: lift blocks already in force on it (or on their way)
    const lift = [...new Set([...this.#live.keys(), ...this.#reserved])]
      .filter((ip) => this.#rails.check(ip)?.rail === "trusted");
    return Promise.all(
      lift.map((ip) =>
        this.#serial(ip, () => this.#unblock(ip, "trusted")).catch((e) =>
          this.#log(`ids: IPS: ${(e as Error).message}`)
        )
      ),
    ).then(() => {});
  }

  /** What the IPS did so far. */
  counters(): IpsCounters {
    return { ...this.#counters, refused: { ...this.#counters.refused } };
  }

  /** Blocks in force, as rows. */
  active(): BlockRecord[] {
    return this.#ledger.live();
  }

  /**
   * Startup: reconciles the firewall (removing what a crash left past its time), closes rows whose
   * time passed while stopped, records firewall entries that had no row, and restores expiry timers.
   */
  async start(): Promise<IpsStartReport> {
    const now = this.#now();
    let removed = 0;
    let kept = new Map<string, { expiresAt: number; note?: string }>();
    try {
      const r = await this.#blocker.reconcile();
      removed = r.removed.length;
      kept = new Map(r.kept.map((b) => [b.ip, b]));
    } catch (e) {
      if (!(e instanceof BlockError)) throw e;
      this.#fallBack(e);
    }
    const report: IpsStartReport = { backend: this.backend, kept: 0, expired: 0, removed, vanished: 0, adopted: 0 };
    const seen = new Set<string>();
    for (const row of this.#ledger.live()) {
      if (row.expiresAt <= now) {
        if (this.#ledger.finish(row.id, "EXPIRED", now, "expired")) {
          report.expired++;
          this.#publish({ kind: "unblock", record: { ...row, status: "EXPIRED", updatedAt: now }, reason: "expired" });
        }
        continue;
      }
      if (row.backend === this.backend && this.enforcing && !kept.has(row.ip)) {
        // removed outside ids (by hand, or `ids blocks unblock` while we were stopped)
        if (this.#ledger.finish(row.id, "UNBLOCKED", now, "removed outside ids")) {
          report.vanished++;
          this.#publish({
            kind: "unblock",
            record: { ...row, status: "UNBLOCKED", updatedAt: now },
            reason: "removed outside ids",
          });
        }
        continue;
      }
      if (row.backend === "simulated" && this.backend === "simulated") {
        await this.#blocker.block(row.ip, Math.max(1, Math.ceil((row.expiresAt - now) / 1000)), row.type);
      }
      this.#track({ id: row.id, ip: row.ip, expiresAt: row.expiresAt, backend: row.backend });
      seen.add(row.ip);
      report.kept++;
    }
    for (const [ip, b] of kept) {
      if (seen.has(ip)) continue;
      const row: Omit<BlockRecord, "id"> = {
        ts: now,
        ip,
        type: b.note ?? "",
        label: "restored from the firewall",
        seconds: Math.max(1, Math.round((b.expiresAt - now) / 1000)),
        expiresAt: b.expiresAt,
        status: "ACTIVE",
        backend: this.backend,
        error: "",
        updatedAt: now,
      };
      const id = this.#ledger.insert(row);
      this.#publish({ kind: "block", record: { ...row, id }, restored: true });
      this.#track({ id, ip, expiresAt: b.expiresAt, backend: this.backend });
      report.adopted++;
      report.kept++;
    }
    this.#schedule();
    return report;
  }

  /** Decides about one alert and blocks when the policy and the rails allow. Never throws. */
  decide(q: IpsQuestion): Promise<IpsDecision> {
    // a question that cannot block (spoofed, model-only, not critical, refused by the rails) is answered at once
    // and touches nothing: queued behind a firewall call, it would be handed to a later critical alert of the
    // address as that alert's answer ("not blocked")
    const early = this.#cannotBlock(q);
    if (early !== null) return Promise.resolve(early);
    const target = parseBlockTarget(q.ip);
    const key = target?.ip ?? String(q.ip);
    const pending = this.#deciding.get(key);
    // an alert for a source being decided right now shares that decision (one block, reported once); when that
    // decision made no block (the first question was refused in its turn: the configuration changed meanwhile, or
    // a cap), this alert is asked on its own terms
    if (pending) {
      return pending.then((d) =>
        d.action === "allowed" && d.record === undefined ? this.decide(q) : { ...d, created: false }
      );
    }
    const run = () =>
      this.#decide(q).catch((e): IpsDecision => ({ action: "allowed", note: `not blocked: ${(e as Error).message}` }));
    // (an address that is not one was refused by the rails above)
    const p = this.#serial(key, run).finally(() => {
      if (this.#deciding.get(key) === p) this.#deciding.delete(key);
    });
    this.#deciding.set(key, p);
    return p;
  }

  /**
   * Runs `fn` once every operation on `ip` started before it has ended (one chain per address, dropped when
   * it runs dry). Nothing that runs in a chain waits for another address's chain to end, so chains never
   * wait for each other in a circle.
   */
  #serial<T>(ip: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#ops.get(ip);
    const result = before === undefined ? fn() : before.then(fn);
    const tail = result.then(() => {}, () => {});
    this.#ops.set(ip, tail);
    tail.then(() => {
      if (this.#ops.get(ip) === tail) this.#ops.delete(ip);
    });
    return result;
  }

  /** Blocks in force or in the firewall call now (an expired entry not yet removed does not count). */
  #activeCount(now: number): number {
    let n = 0;
    for (const e of this.#live.values()) if (e.expiresAt > now) n++;
    for (const ip of this.#reserved) if (!this.#live.has(ip)) n++;
    return n;
  }

  /** The answer to a question the policy or the rails refuse now (counted), or null when it may block. */
  #cannotBlock(q: IpsQuestion): IpsDecision | null {
    const answer = shouldBlock(q, this.#config.ml_confidence);
    if (!answer.block) {
      if (q.spoofed) this.#counters.spoofed++;
      return { action: "allowed", note: q.spoofed ? answer.why : `not blocked: ${answer.why}` };
    }
    const refusal = this.#rails.check(q.ip);
    if (refusal !== null) {
      this.#counters.refused[refusal.rail] = (this.#counters.refused[refusal.rail] ?? 0) + 1;
      return { action: "allowed", note: `not blocked: ${refusal.reason}` };
    }
    return null;
  }

  async #decide(q: IpsQuestion): Promise<IpsDecision> {
    // asked again in the address's turn: the configuration (trusted list, confidence) may have changed meanwhile
    const refused = this.#cannotBlock(q);
    if (refused !== null) return refused;
    const ip = parseBlockTarget(q.ip)!.ip;
    let now = this.#now();
    // blocks whose time has come end first (a replay's packet clock runs ahead of the timer): this address's
    // here, in its own chain; another address's at once when nothing runs on it, else after what runs there
    if (this.#live.size > 0) {
      await this.#expireDue(now, ip);
      now = this.#now();
    }

    const existing = this.#live.get(ip);
    if (existing) {
      let row = this.#ledger.get(existing.id);
      if (row && row.status === "ACTIVE" && row.expiresAt > now && !(await this.#stillInFirewall(existing, now))) {
        // removed outside this process (`ids blocks unblock` from a shell, or by hand): record it, block anew
        if (this.#ledger.finish(row.id, "UNBLOCKED", now, "removed outside ids")) {
          this.#publish({
            kind: "unblock",
            record: { ...row, status: "UNBLOCKED", updatedAt: now },
            reason: "removed outside ids",
          });
        }
        row = undefined;
      }
      if (row && LIVE_STATUSES.includes(row.status) && row.expiresAt > now) {
        const real = row.status === "ACTIVE";
        return {
          action: real ? "blocked" : "allowed",
          note: `${real ? "blocked" : "simulated block"} until ${new Date(row.expiresAt).toISOString()}`,
          record: row,
        };
      }
      this.#live.delete(ip); // ended elsewhere (manual unblock from another process)
    }

    // the caps count blocks in force and blocks in their firewall call: from here to #enforce's reservation
    // nothing awaits, so a burst of decisions cannot all pass the check before one of them is counted
    const ipsCfg = this.#config.ips;
    if (this.#activeCount(now) >= ipsCfg.max_active) {
      return this.#cap("active", ipsCfg.max_active, ip, `${ipsCfg.max_active} blocks in force`);
    }
    while (this.#recentBlocks.length > 0 && this.#recentBlocks[0] <= now - 60_000) this.#recentBlocks.shift();
    if (this.#recentBlocks.length >= ipsCfg.max_new_per_minute) {
      return this.#cap("per_minute", ipsCfg.max_new_per_minute, ip, `${ipsCfg.max_new_per_minute} new blocks in 60 s`);
    }

    const earlier = ipsCfg.escalation ? this.#ledger.countSince(ip, now - ipsCfg.escalation_memory_s * 1000) : 0;
    const seconds = blockSeconds(q.type, earlier, this.#config);
    const record = await this.#enforce(ip, seconds, q.type, q.label);
    if (record.status === "FAILED") {
      return { action: "allowed", note: `block failed: ${record.error}`, record, created: true };
    }
    this.#publish({ kind: "block", record });
    const status = record.status;
    const escalated = earlier > 0 && ipsCfg.escalation ? ` (escalated: ${earlier} earlier)` : "";
    return status === "ACTIVE"
      ? { action: "blocked", note: `blocked for ${seconds} s${escalated}`, record, created: true }
      : { action: "allowed", note: `simulated block for ${seconds} s${escalated}`, record, created: true };
  }

  /**
   * Blocks in the firewall (falling back to simulated on a privilege failure), then records the row and tracks
   * it. Called in the address's chain; the block counts toward the caps from the call on (a failed one gives
   * its place back).
   */
  async #enforce(ip: string, seconds: number, type: string, label: string): Promise<BlockRecord> {
    let status: BlockRecord["status"] = this.enforcing ? "ACTIVE" : "SIMULATED";
    let error = "";
    const slot = this.#now();
    this.#reserved.add(ip);
    this.#recentBlocks.push(slot);
    try {
      await this.#blocker.block(ip, seconds, type);
    } catch (e) {
      if (e instanceof BlockError && e.accessDenied) {
        this.#fallBack(e);
        await this.#blocker.block(ip, seconds, type);
        status = "SIMULATED";
        error = e.message;
      } else {
        status = "FAILED";
        error = (e as Error).message;
      }
    } finally {
      this.#reserved.delete(ip);
    }
    const backend = this.backend;
    const at = this.#now();
    const row: Omit<BlockRecord, "id"> = {
      ts: at,
      ip,
      type,
      label,
      seconds,
      expiresAt: at + seconds * 1000,
      status,
      backend,
      error,
      updatedAt: at,
    };
    const id = this.#ledger.insert(row);
    const record: BlockRecord = { ...row, id };
    this.#counters[status === "ACTIVE" ? "blocked" : status === "SIMULATED" ? "simulated" : "failed"]++;
    if (status === "FAILED") {
      const i = this.#recentBlocks.indexOf(slot);
      if (i >= 0) this.#recentBlocks.splice(i, 1);
      this.#log(`ids: IPS: ${error}`);
      return record;
    }
    this.#track({ id, ip, expiresAt: record.expiresAt, backend, verifiedAt: at });
    this.#schedule();
    return record;
  }

  /**
   * Blocks `ip` by hand (the dashboard): the safety rails and the cap on active blocks apply; an existing
   * block of the address is replaced (its row ends as UNBLOCKED).
   *
   * @returns the new row (status ACTIVE, or SIMULATED without a real firewall)
   * @throws {Error} `Cannot block <ip>: <why>` when a rail or the cap refuses, or the firewall failed
   */
  async blockByHand(ip: string, seconds: number): Promise<BlockRecord> {
    const shown = JSON.stringify(String(ip)).slice(0, 60);
    const refusal = this.#rails.check(ip);
    if (refusal !== null) throw new Error(`Cannot block ${shown}: ${refusal.reason}`);
    checkSeconds(seconds);
    const target = parseBlockTarget(ip)!.ip;
    // after whatever runs on the address now (a detector's block in its firewall call ends, then is replaced)
    return await this.#serial(target, async () => {
      // again in the address's turn: it may have become trusted while an earlier operation on it ran
      const late = this.#rails.check(target);
      if (late !== null) throw new Error(`Cannot block ${shown}: ${late.reason}`);
      const now = this.#now();
      const max = this.#config.ips.max_active;
      const current = this.#live.get(target);
      if (!(current && current.expiresAt > now) && this.#activeCount(now) >= max) {
        throw new Error(`Cannot block ${target}: ${max} blocks in force (ips.max_active)`);
      }
      for (const row of this.#ledger.live().filter((r) => r.ip === target)) {
        if (this.#ledger.finish(row.id, "UNBLOCKED", now, "replaced")) {
          this.#publish({
            kind: "unblock",
            record: { ...row, status: "UNBLOCKED", updatedAt: now },
            reason: "replaced",
          });
        }
      }
      this.#live.delete(target);
      const record = await this.#enforce(target, seconds, "manual", "blocked by hand");
      if (record.status === "FAILED") throw new Error(record.error);
      this.#publish({ kind: "block", record, manual: true });
      return record;
    });
  }

  #cap(cap: "active" | "per_minute", limit: number, ip: string, what: string): IpsDecision {
    this.#counters.capped++;
    const message = `IPS cap reached (${what}): ${ip} not blocked`;
    const now = this.#now();
    // one event and one line per cap and minute, however many alerts hit it
    if ((this.#capNotedAt.get(cap) ?? -Infinity) <= now - 60_000) {
      this.#capNotedAt.set(cap, now);
      this.#log(`ids: ${message} (raise ips.${cap === "active" ? "max_active" : "max_new_per_minute"} if expected)`);
      this.#publish({ kind: "cap", cap, limit, ip, message });
    }
    return { action: "allowed", note: `not blocked: ${message}` };
  }

  #fallBack(e: BlockError): void {
    if (!this.#blocker.enforcing) return;
    const hint = this.#blocker.backend === "windows"
      ? "run ids from an elevated prompt (Run as administrator)"
      : "run ids as root, or: sudo setcap cap_net_admin,cap_net_raw=eip ./ids";
    this.#degraded = e.message;
    this.#log(`ids: IPS: ${e.message}; blocks are simulated from now on (to enforce them: ${hint})`);
    this.#blocker.close();
    this.#blocker = new SimulatedBlocker({ now: this.#now });
  }

  /** Is a block this process made still in the firewall? Asked at most every 5 s per address. */
  async #stillInFirewall(entry: LiveEntry, now: number): Promise<boolean> {
    if (entry.backend !== this.backend || !this.enforcing) return true;
    if (entry.verifiedAt !== undefined && now - entry.verifiedAt < 5_000) return true;
    entry.verifiedAt = now;
    try {
      return (await this.#blocker.list()).some((b) => b.ip === entry.ip);
    } catch {
      return true; // cannot tell: keep what we know
    }
  }

  #track(entry: LiveEntry): void {
    this.#live.set(entry.ip, entry);
  }

  /**
   * Removes the block on `ip` by hand; the row stays (status UNBLOCKED). A block of the address still in its
   * firewall call is waited for, then removed: the answer comes once the rule is gone.
   *
   * @returns how many rows ended (0 when the address was not blocked)
   * @throws {TypeError} when `ip` is not a single address
   * @throws {BlockError} when the firewall refused (the row stays as it was)
   */
  async unblock(ip: string): Promise<number> {
    const target = parseBlockTarget(ip);
    if (target === null) {
      throw new TypeError(`Cannot unblock: ${JSON.stringify(ip).slice(0, 60)} is not a single IP address`);
    }
    return await this.#serial(target.ip, () => this.#unblock(target.ip, "manual"));
  }

  /** Ends the blocks of `ip` for `reason` (run in the address's chain). */
  async #unblock(ip: string, reason: "manual" | "trusted"): Promise<number> {
    let ended = 0;
    const rows = this.#ledger.live().filter((r) => r.ip === ip);
    if (rows.some((r) => r.backend === this.backend) || this.#live.has(ip)) {
      await this.#blocker.unblock(ip);
    }
    const now = this.#now();
    for (const row of rows) {
      if (this.#ledger.finish(row.id, "UNBLOCKED", now, reason)) {
        ended++;
        this.#counters.unblocked++;
        this.#publish({ kind: "unblock", record: { ...row, status: "UNBLOCKED", updatedAt: now }, reason });
      }
    }
    this.#live.delete(ip);
    this.#schedule();
    return ended;
  }

  /** Removes every block (one still in its firewall call too, once the call ended); returns how many rows ended. */
  async unblockAll(): Promise<number> {
    let n = 0;
    const ips = new Set([...this.#ledger.live().map((r) => r.ip), ...this.#live.keys(), ...this.#reserved]);
    for (const b of await this.#blocker.list().catch(() => [])) ips.add(b.ip);
    for (const ip of ips) n += await this.unblock(ip);
    return n;
  }

  /** Ends the blocks whose time has come (rows EXPIRED; the firewall entry removed where needed). */
  async expireDue(): Promise<void> {
    const now = this.#now();
    const due = [...this.#live.values()].filter((e) => e.expiresAt <= now);
    for (const entry of due) await this.#serial(entry.ip, () => this.#expire(entry, now));
  }

  /**
   * Ends the due blocks from inside the chain of `self` (a decision): `self`'s at once; another address's at
   * once when nothing runs on it (awaited), else queued after what runs there (not awaited: that may be a
   * firewall call, and a chain never waits for another).
   */
  async #expireDue(now: number, self: string): Promise<void> {
    for (const entry of [...this.#live.values()]) {
      if (entry.expiresAt > now) continue;
      if (entry.ip === self) await this.#expire(entry, now);
      else if (!this.#ops.has(entry.ip)) await this.#serial(entry.ip, () => this.#expire(entry, now));
      else if (!this.#expiring.has(entry)) {
        // queued once per entry, however many decisions pass meanwhile; a failure is a line, never a rejection
        this.#expiring.add(entry);
        void this.#serial(entry.ip, () => this.#expire(entry, now))
          .catch((e) => this.#log(`ids: IPS: ${(e as Error).message}`))
          .finally(() => this.#expiring.delete(entry));
      }
    }
  }

  /** Ends one due block, unless it changed meanwhile (replaced, lifted). */
  async #expire(entry: LiveEntry, now: number): Promise<void> {
    if (this.#live.get(entry.ip) !== entry || entry.expiresAt > now) return;
    this.#live.delete(entry.ip);
    // nftables expires its elements itself; the others need the rule removed
    if (entry.backend === this.backend && this.backend !== "nftables") {
      await this.#blocker.unblock(entry.ip).catch((e) => this.#log(`ids: IPS: ${(e as Error).message}`));
    }
    const row = this.#ledger.get(entry.id);
    if (row && this.#ledger.finish(entry.id, "EXPIRED", now, "expired")) {
      this.#counters.expired++;
      this.#publish({ kind: "unblock", record: { ...row, status: "EXPIRED", updatedAt: now }, reason: "expired" });
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || this.#live.size === 0) return;
    let next = Infinity;
    for (const e of this.#live.values()) next = Math.min(next, e.expiresAt);
    const delay = Math.min(Math.max(0, next - this.#now()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.expireDue().finally(() => this.#schedule());
    }, delay);
  }

  /** Stops timers. Blocks stay in force until they expire (the next run reconciles them). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#blocker.close();
  }
}
