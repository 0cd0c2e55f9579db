/**
 * Optional (off by default, `abuseipdb.report`): reports attackers the IPS really blocked to
 * AbuseIPDB, with the categories of the attack, at most once per address per 15 minutes (the API
 * refuses more). Never reports simulated or failed blocks, spoofed sources or non-public addresses.
 *
 * The comment says only what was detected (attack type and time): never our addresses, host names
 * or payload bytes, because AbuseIPDB shows comments publicly.
 *
 * @module
 */
import { ATTACKS, type AttackType } from "../core/attack_type.ts";
import type { BlockEvent } from "../core/block.ts";
import { type AbuseIpdbClient, CATEGORY, explainAbuseFailure } from "./abuseipdb_api.ts";
import { isPublicIp } from "./special_ip.ts";

/** AbuseIPDB categories for an attack type (and the attacked port, when known). */
export function categoriesFor(type: string, dstPort?: number): number[] {
  switch (type) {
    case "port_scan":
      return [CATEGORY.PORT_SCAN];
    case "ddos":
    case "syn_flood":
    case "udp_flood":
    case "icmp_flood":
      return [CATEGORY.DDOS_ATTACK];
    case "brute_force":
      return dstPort === 22
        ? [CATEGORY.BRUTE_FORCE, CATEGORY.SSH]
        : dstPort === 21
        ? [CATEGORY.BRUTE_FORCE, CATEGORY.FTP_BRUTE_FORCE]
        : [CATEGORY.BRUTE_FORCE];
    case "sql_injection":
      return [CATEGORY.SQL_INJECTION, CATEGORY.WEB_APP_ATTACK];
    default:
      // exploit probes, evasion and types added later
      return [CATEGORY.HACKING];
  }
}

/** Counters of the reporter. */
export interface ReporterStatus {
  /** Reports accepted by AbuseIPDB. */
  reported: number;
  /** Skipped: the address was reported less than 15 minutes ago (by us, or the API said so). */
  rateLimited: number;
  /** Skipped: not a real block, or not a public address. */
  skipped: number;
  /** Reports that failed. */
  failed: number;
  /** The last problem, one line. */
  lastError?: string;
}

/** Options of {@link AbuseReporter}. */
export interface AbuseReporterOptions {
  client: AbuseIpdbClient;
  /** Least time between two reports of one address. Default 15 minutes (the API's rule). */
  intervalMs?: number;
  /** Addresses remembered for the interval at most. Default 10 000. */
  maxTracked?: number;
  log?: (line: string) => void;
  now?: () => number;
}

/** Reports blocked attackers; {@link onBlock} never blocks and never throws. */
export class AbuseReporter {
  readonly #client: AbuseIpdbClient;
  readonly #intervalMs: number;
  readonly #maxTracked: number;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #last = new Map<string, number>();
  readonly #pending = new Set<Promise<void>>();
  #pausedUntil = 0;
  #loggedKind?: string;
  #reported = 0;
  #rateLimited = 0;
  #skipped = 0;
  #failed = 0;
  #lastError?: string;

  /** A reporter using `options.client`. */
  constructor(options: AbuseReporterOptions) {
    this.#client = options.client;
    this.#intervalMs = options.intervalMs ?? 15 * 60_000;
    this.#maxTracked = options.maxTracked ?? 10_000;
    this.#log = options.log ?? ((line) => console.error(line));
    this.#now = options.now ?? Date.now;
  }

  /** Considers one block event: reports it when it is a new, real block of a public address. */
  onBlock(block: BlockEvent, extra: { dstPort?: number; spoofed?: boolean } = {}): void {
    if (block.status !== "active" || extra.spoofed === true || !isPublicIp(block.ip)) {
      this.#skipped++;
      return;
    }
    const now = this.#now();
    const last = this.#last.get(block.ip);
    if ((last !== undefined && now - last < this.#intervalMs) || now < this.#pausedUntil) {
      this.#rateLimited++;
      return;
    }
    this.#last.delete(block.ip);
    this.#last.set(block.ip, now);
    if (this.#last.size > this.#maxTracked) {
      // forget the oldest; an entry older than the interval no longer matters anyway
      this.#last.delete(this.#last.keys().next().value!);
    }
    const type = block.type ?? "exploit_probe";
    const name = ATTACKS[type as AttackType]?.display ?? type;
    const at = new Date(block.startMs || now).toISOString();
    const comment = `${name} detected by the ids network sensor and blocked (${at.slice(0, 19)}Z).`;
    const task = this.#send(block.ip, categoriesFor(type, extra.dstPort), comment, at);
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  async #send(ip: string, categories: number[], comment: string, timestamp: string): Promise<void> {
    try {
      const result = await this.#client.report({ ip, categories, comment, timestamp });
      if (result.ok) {
        this.#reported++;
        this.#loggedKind = undefined;
        return;
      }
      const line = explainAbuseFailure(result, "reports");
      this.#lastError = line;
      if (result.kind === "rate_limited") {
        this.#rateLimited++;
        return;
      }
      this.#failed++;
      if (result.kind === "quota_exhausted") {
        this.#pausedUntil = result.quota.resetMs ?? this.#now() + (result.retryAfterS ?? 3_600) * 1000;
      }
      if (this.#loggedKind !== result.kind) {
        this.#loggedKind = result.kind;
        this.#log(`abuseipdb report: ${line}`);
      }
    } catch (error) {
      this.#failed++;
      this.#lastError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Waits for reports in flight. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Counters. */
  status(): ReporterStatus {
    return {
      reported: this.#reported,
      rateLimited: this.#rateLimited,
      skipped: this.#skipped,
      failed: this.#failed,
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }
}
