/**
 * The IPS's record of every block: what the store keeps (one row per block, never deleted), as the
 * IPS needs it. The SQLite store implements it; {@link MemoryLedger} is for runs without a data
 * directory and for tests.
 *
 * @module
 */
import type { BackendName } from "./blocker.ts";

/** Status of a block row. */
export type BlockStatus = "ACTIVE" | "SIMULATED" | "EXPIRED" | "UNBLOCKED" | "FAILED";

/** Every status. */
export const BLOCK_STATUSES: readonly BlockStatus[] = ["ACTIVE", "SIMULATED", "EXPIRED", "UNBLOCKED", "FAILED"];

/** Statuses of a block in force (really or simulated). */
export const LIVE_STATUSES: readonly BlockStatus[] = ["ACTIVE", "SIMULATED"];

/** Why a block ended before or at its time. */
export type EndReason = "expired" | "manual" | "removed outside ids" | "trusted" | "replaced";

/** How each end of a block reads in the store and on the hub (`BlockEvent.reason`). */
export const END_REASON_TEXT: Readonly<Record<EndReason, string>> = {
  expired: "expired",
  manual: "unblocked by hand",
  "removed outside ids": "removed outside ids",
  trusted: "address now trusted (configuration)",
  replaced: "replaced by a block by hand",
};

/** One block row. */
export interface BlockRecord {
  /** Row id (set by the ledger). */
  id: number;
  /** When the block was made (ms since the epoch). */
  ts: number;
  /** Canonical address. */
  ip: string;
  /** Attack type. */
  type: string;
  /** Alert label, e.g. `SYN Flood (Heuristic)`. */
  label: string;
  /** Duration in seconds. */
  seconds: number;
  /** When it ends (ms since the epoch). */
  expiresAt: number;
  status: BlockStatus;
  backend: BackendName;
  /** Why a block failed or was only simulated; empty when none. */
  error: string;
  /** When the status last changed (ms since the epoch). */
  updatedAt: number;
}

/** Where block rows live. */
export interface BlockLedger {
  /** Adds a row; returns its id. */
  insert(row: Omit<BlockRecord, "id">): number;
  /**
   * Moves a live row (ACTIVE/SIMULATED) to `status`, for `reason` (default: `expired` for EXPIRED, `manual` for
   * UNBLOCKED); rows already ended keep theirs.
   *
   * @returns true when the row changed
   */
  finish(id: number, status: "EXPIRED" | "UNBLOCKED", at: number, reason?: EndReason): boolean;
  /** One row by id. */
  get(id: number): BlockRecord | undefined;
  /** Live rows (ACTIVE or SIMULATED), oldest first. */
  live(): BlockRecord[];
  /** Rows, newest first, at most `limit`. */
  recent(limit: number): BlockRecord[];
  /** Blocks of `ip` made at or after `since` (for escalation). */
  countSince(ip: string, since: number): number;
}

/** A ledger in memory (bounded: the oldest ended rows are dropped past `maxRows`). */
export class MemoryLedger implements BlockLedger {
  #rows = new Map<number, BlockRecord>();
  #next = 1;
  #max: number;

  constructor(options: { maxRows?: number } = {}) {
    this.#max = options.maxRows ?? 100_000;
  }

  insert(row: Omit<BlockRecord, "id">): number {
    const id = this.#next++;
    this.#rows.set(id, { ...row, id });
    if (this.#rows.size > this.#max) {
      for (const [k, r] of this.#rows) {
        if (!LIVE_STATUSES.includes(r.status)) {
          this.#rows.delete(k);
          break;
        }
      }
    }
    return id;
  }

  finish(id: number, status: "EXPIRED" | "UNBLOCKED", at: number, _reason?: EndReason): boolean {
    const r = this.#rows.get(id);
    if (!r || !LIVE_STATUSES.includes(r.status)) return false;
    r.status = status;
    r.updatedAt = at;
    return true;
  }

  get(id: number): BlockRecord | undefined {
    const r = this.#rows.get(id);
    return r && { ...r };
  }

  live(): BlockRecord[] {
    return [...this.#rows.values()].filter((r) => LIVE_STATUSES.includes(r.status)).map((r) => ({ ...r }));
  }

  recent(limit: number): BlockRecord[] {
    return [...this.#rows.values()].reverse().slice(0, limit).map((r) => ({ ...r }));
  }

  countSince(ip: string, since: number): number {
    let n = 0;
    for (const r of this.#rows.values()) if (r.ip === ip && r.ts >= since && r.status !== "FAILED") n++;
    return n;
  }
}
