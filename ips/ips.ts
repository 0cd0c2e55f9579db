/**
 * The IPS: from an alert to a block, safely. Applies the decision rule, the safety rails, the caps,
 * per-type durations and escalation; drives one {@link Blocker}; keeps every block in a
 * {@link BlockLedger} (the store); expires blocks on time; reconciles with the firewall at startup;
 * and publishes block/unblock/cap events.
 *
 * When the firewall refuses for lack of privilege, the IPS goes on with the simulated backend (status
 * `SIMULATED`), says so once, and never reports such a block as `blocked`.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import { parseBlockTarget } from "./address.ts";
import { type BackendName, type Blocker, BlockError, checkSeconds } from "./blocker.ts";
import { type BlockLedger, type BlockRecord, LIVE_STATUSES, MemoryLedger } from "./ledger.ts";
import { blockSeconds, shouldBlock } from "./policy.ts";
import type { SafetyRails } from "./rails.ts";
import { SimulatedBlocker } from "./simulated.ts";

/** What the IPS tells the hub. */
export type IpsEvent =
  | { kind: "block"; record: BlockRecord; manual?: boolean; restored?: boolean }
  | { kind: "unblock"; record: BlockRecord; reason: "expired" | "manual" | "removed outside ids" }
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
  #inflight = new Map<string, Promise<IpsDecision>>();
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
    // an address the operator now trusts is never blocked: lift blocks already in force on it
    const lift = [...this.#live.keys()].filter((ip) => this.#rails.check(ip)?.rail === "trusted");
    return Promise.all(lift.map((ip) => this.unblock(ip).catch((e) => this.#log(`ids: IPS: ${(e as Error).message}`))))
      .then(() => {});
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
        if (this.#ledger.finish(row.id, "EXPIRED", now)) {
          report.expired++;
          this.#publish({ kind: "unblock", record: { ...row, status: "EXPIRED", updatedAt: now }, reason: "expired" });
        }
        continue;
      }
      if (row.backend === this.backend && this.enforcing && !kept.has(row.ip)) {
        // removed outside ids (by hand, or `ids blocks unblock` while we were stopped)
        if (this.#ledger.finish(row.id, "UNBLOCKED", now)) {
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
    const target = parseBlockTarget(q.ip);
    const key = target?.ip ?? String(q.ip);
    const pending = this.#inflight.get(key);
    // an alert for a source being decided right now shares that decision (one block, reported once)
    if (pending) return pending.then((d) => ({ ...d, created: false }));
    const p = this.#decide(q).catch((e) => ({
      action: "allowed" as const,
      note: `not blocked: ${(e as Error).message}`,
    })).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  async #decide(q: IpsQuestion): Promise<IpsDecision> {
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
    const ip = parseBlockTarget(q.ip)!.ip;
    const now = this.#now();
    if (this.#live.size > 0 && [...this.#live.values()].some((e) => e.expiresAt <= now)) await this.expireDue();

    const existing = this.#live.get(ip);
    if (existing) {
      let row = this.#ledger.get(existing.id);
      if (row && row.status === "ACTIVE" && row.expiresAt > now && !(await this.#stillInFirewall(existing, now))) {
        // removed outside this process (`ids blocks unblock` from a shell, or by hand): record it, block anew
        if (this.#ledger.finish(row.id, "UNBLOCKED", now)) {
          this.#publish({ kind: "unblock", record: { ...row, status: "UNBLOCKED", updatedAt: now }, reason: "manual" });
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

    const ipsCfg = this.#config.ips;
    if (this.#live.size >= ipsCfg.max_active) {
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

  /** Blocks in the firewall (falling back to simulated on a privilege failure), records the row, tracks it. */
  async #enforce(ip: string, seconds: number, type: string, label: string): Promise<BlockRecord> {
    let status: BlockRecord["status"] = this.enforcing ? "ACTIVE" : "SIMULATED";
    let error = "";
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
      this.#log(`ids: IPS: ${error}`);
      return record;
    }
    this.#recentBlocks.push(at);
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
    const max = this.#config.ips.max_active;
    if (!this.#live.has(target) && this.#live.size >= max) {
      throw new Error(`Cannot block ${target}: ${max} blocks in force (ips.max_active)`);
    }
    const now = this.#now();
    for (const row of this.#ledger.live().filter((r) => r.ip === target)) {
      if (this.#ledger.finish(row.id, "UNBLOCKED", now)) {
        this.#publish({ kind: "unblock", record: { ...row, status: "UNBLOCKED", updatedAt: now }, reason: "manual" });
      }
    }
    this.#live.delete(target);
    const record = await this.#enforce(target, seconds, "manual", "blocked by hand");
    if (record.status === "FAILED") throw new Error(record.error);
    this.#publish({ kind: "block", record, manual: true });
    return record;
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
   * Removes the block on `ip` by hand; the row stays (status UNBLOCKED).
   *
   * @returns how many rows ended (0 when the address was not blocked)
   * @throws {TypeError} when `ip` is not a single address
   */
  async unblock(ip: string): Promise<number> {
    const target = parseBlockTarget(ip);
    if (target === null) {
      throw new TypeError(`Cannot unblock: ${JSON.stringify(ip).slice(0, 60)} is not a single IP address`);
    }
    let ended = 0;
    const rows = this.#ledger.live().filter((r) => r.ip === target.ip);
    if (rows.some((r) => r.backend === this.backend) || this.#live.has(target.ip)) {
      await this.#blocker.unblock(target.ip);
    }
    const now = this.#now();
    for (const row of rows) {
      if (this.#ledger.finish(row.id, "UNBLOCKED", now)) {
        ended++;
        this.#counters.unblocked++;
        this.#publish({ kind: "unblock", record: { ...row, status: "UNBLOCKED", updatedAt: now }, reason: "manual" });
      }
    }
    this.#live.delete(target.ip);
    this.#schedule();
    return ended;
  }

  /** Removes every block; returns how many rows ended. */
  async unblockAll(): Promise<number> {
    let n = 0;
    const ips = new Set([...this.#ledger.live().map((r) => r.ip), ...this.#live.keys()]);
    for (const b of await this.#blocker.list().catch(() => [])) ips.add(b.ip);
    for (const ip of ips) n += await this.unblock(ip);
    return n;
  }

  /** Ends the blocks whose time has come (rows EXPIRED; the firewall entry removed where needed). */
  async expireDue(): Promise<void> {
    const now = this.#now();
    for (const entry of [...this.#live.values()]) {
      if (entry.expiresAt > now) continue;
      this.#live.delete(entry.ip);
      // nftables expires its elements itself; the others need the rule removed
      if (entry.backend === this.backend && this.backend !== "nftables") {
        await this.#blocker.unblock(entry.ip).catch((e) => this.#log(`ids: IPS: ${(e as Error).message}`));
      }
      const row = this.#ledger.get(entry.id);
      if (row && this.#ledger.finish(entry.id, "EXPIRED", now)) {
        this.#counters.expired++;
        this.#publish({ kind: "unblock", record: { ...row, status: "EXPIRED", updatedAt: now }, reason: "expired" });
      }
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
