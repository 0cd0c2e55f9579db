/**
 * The IPS's view of the store: the blocks a previous run left in force, how often an address was
 * blocked before (escalation), and recording a block's change when no hub carries it (`ids blocks
 * unblock` runs outside a sensor). The store implements {@link BlockHistory}; {@link HistoryLedger}
 * turns it into the {@link BlockLedger} the IPS works with.
 *
 * @module
 */
import type { BlockEvent, BlockStatus as EventStatus } from "../core/block.ts";
import type { BackendName } from "./blocker.ts";
import {
  type BlockLedger,
  type BlockRecord,
  type BlockStatus,
  END_REASON_TEXT,
  type EndReason,
  MemoryLedger,
} from "./ledger.ts";
import { toBlockEvent } from "./stage.ts";

/** What the IPS needs of the store. */
export interface BlockHistory {
  /** Blocks whose latest state is `active` or `simulated` (any expiry; the IPS closes the past ones). */
  liveBlocks(): BlockEvent[];
  /** Blocks of `ip` started at or after `sinceMs` (failed ones excluded). */
  countBlocksSince(ip: string, sinceMs: number): number;
  /** Records one change of a block (upsert by `event.id`). */
  recordBlock(event: BlockEvent): void;
}

const BACKENDS: readonly string[] = ["nftables", "windows", "simulated"];

/** A block row from the store's latest event of that block. */
export function recordFromEvent(e: BlockEvent, id: number): BlockRecord {
  const status = e.status.toUpperCase() as BlockStatus;
  return {
    id,
    ts: e.startMs,
    ip: e.ip,
    type: e.type ?? "",
    label: e.label ?? "",
    seconds: e.durationS,
    expiresAt: e.expiresMs ?? e.startMs + e.durationS * 1000,
    status,
    backend: (BACKENDS.includes(e.backend) ? e.backend : "simulated") as BackendName,
    error: e.error ?? "",
    updatedAt: e.atMs,
  };
}

/** The store's status word for a row status. */
export function eventStatus(s: BlockStatus): EventStatus {
  return s.toLowerCase() as EventStatus;
}

/**
 * A ledger seeded from the store. In a sensor run the hub carries every change to the store; outside one
 * (`writeThrough`), changes are recorded in the store directly.
 */
export class HistoryLedger implements BlockLedger {
  #memory = new MemoryLedger();
  #history: BlockHistory;
  #writeThrough: boolean;

  constructor(history: BlockHistory, options: { writeThrough?: boolean } = {}) {
    this.#history = history;
    this.#writeThrough = options.writeThrough ?? false;
    for (const e of history.liveBlocks()) {
      if (e.status !== "active" && e.status !== "simulated") continue;
      const { id: _, ...row } = recordFromEvent(e, 0);
      this.#memory.insert(row);
    }
  }

  insert(row: Omit<BlockRecord, "id">): number {
    const id = this.#memory.insert(row);
    if (this.#writeThrough) this.#history.recordBlock(toBlockEvent({ ...row, id }));
    return id;
  }

  finish(id: number, status: "EXPIRED" | "UNBLOCKED", at: number, reason?: EndReason): boolean {
    const changed = this.#memory.finish(id, status, at);
    if (changed && this.#writeThrough) {
      const row = this.#memory.get(id)!;
      const why = reason ?? (status === "EXPIRED" ? "expired" : "manual");
      this.#history.recordBlock(toBlockEvent(row, END_REASON_TEXT[why]));
    }
    return changed;
  }

  get(id: number): BlockRecord | undefined {
    return this.#memory.get(id);
  }

  live(): BlockRecord[] {
    return this.#memory.live();
  }

  recent(limit: number): BlockRecord[] {
    return this.#memory.recent(limit);
  }

  countSince(ip: string, since: number): number {
    // the store holds every earlier run's blocks, and this run's once the hub delivered them
    return Math.max(this.#history.countBlocksSince(ip, since), this.#memory.countSince(ip, since));
  }
}
