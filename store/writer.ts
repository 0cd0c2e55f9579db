/**
 * The store's hub subscriber: one writer batching alerts and block events into transactions
 * (every `flushMs` or `maxRows` rows, whichever comes first), off the packet path, with retention
 * pruning in the background. A write that fails (disk full, I/O error) drops that batch, counts
 * it, says so once, and the writer goes on: capture and the other outputs are never held.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import type { BlockEvent } from "../core/block.ts";
import type { HubEvent, Subscriber } from "../core/hub_event.ts";
import type { Store } from "./store.ts";

/** Options of {@link StoreWriter}. */
export interface StoreWriterOptions {
  /** Longest time a row waits before its transaction (ms). Default 100. */
  flushMs?: number;
  /** Rows that start a transaction at once. Default 1000. */
  maxRows?: number;
  /** Retention: alerts older than this many days are deleted (0 keeps them). */
  retentionDays?: number;
  /** Retention: at most this many alerts are kept (0: no cap). */
  maxAlerts?: number;
  /** How often retention runs (ms). Default 60 000. */
  pruneEveryMs?: number;
  /** One line per problem (first write failure, recovery). */
  onProblem?: (line: string) => void;
}

/** Counters of the writer. */
export interface StoreWriterStats {
  /** Rows committed. */
  written: number;
  /** Rows lost to failed transactions. */
  failed: number;
  /** Transactions committed. */
  transactions: number;
  /** Rows deleted by retention. */
  pruned: number;
}

/** Batches hub events into store transactions. */
export class StoreWriter implements Subscriber {
  readonly name = "store";
  readonly kinds = ["alert", "block"] as const;
  #store: Store;
  #alerts: Alert[] = [];
  #blocks: BlockEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pruneTimer: ReturnType<typeof setInterval> | undefined;
  #flushMs: number;
  #maxRows: number;
  #retentionDays: number;
  #maxAlerts: number;
  #onProblem: (line: string) => void;
  #failing = false;
  #closed = false;
  readonly stats: StoreWriterStats = { written: 0, failed: 0, transactions: 0, pruned: 0 };

  /** Writes into `store`; starts the retention timer. */
  constructor(store: Store, options: StoreWriterOptions = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? 100;
    this.#maxRows = options.maxRows ?? 1000;
    this.#retentionDays = options.retentionDays ?? 0;
    this.#maxAlerts = options.maxAlerts ?? 0;
    this.#onProblem = options.onProblem ?? ((line) => console.error(`ids: ${line}`));
    const every = options.pruneEveryMs ?? 60_000;
    if (this.#retentionDays > 0 || this.#maxAlerts > 0) {
      this.#pruneTimer = setInterval(() => this.prune(), every);
      Deno.unrefTimer(this.#pruneTimer as unknown as number);
    }
  }

  /** Changes retention live (config reload). */
  setRetention(retentionDays: number, maxAlerts: number): void {
    this.#retentionDays = retentionDays;
    this.#maxAlerts = maxAlerts;
  }

  /** Takes a batch from the hub. */
  handleBatch(events: HubEvent[]): void {
    if (this.#closed) return;
    for (const e of events) {
      if (e.kind === "alert") this.#alerts.push(e.alert);
      else if (e.kind === "block") this.#blocks.push(e.block);
    }
    if (this.#alerts.length + this.#blocks.length >= this.#maxRows) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.#flushMs);
    }
  }

  /** Writes what is pending now, in transactions of at most `maxRows` rows. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#alerts.length > 0 || this.#blocks.length > 0) {
      const alerts = this.#alerts.splice(0, this.#maxRows);
      const blocks = this.#blocks.splice(0, Math.max(0, this.#maxRows - alerts.length));
      const rows = alerts.length + blocks.length;
      try {
        this.#store.writeBatch(alerts, blocks);
        this.stats.written += rows;
        this.stats.transactions++;
        if (this.#failing) {
          this.#failing = false;
          this.#onProblem(`store: writing again to ${this.#store.path} (${this.stats.failed} rows lost meanwhile)`);
        }
      } catch (e) {
        this.stats.failed += rows;
        if (!this.#failing) {
          this.#failing = true;
          const text = (e instanceof Error ? e.message : String(e)).split("\n")[0];
          this.#onProblem(
            `store: Cannot write to ${this.#store.path}: ${text} — alerts still go to the other outputs; ` +
              `rows lost are counted (free disk space or check the data directory)`,
          );
        }
      }
    }
  }

  /** Runs retention now (chunked so one call never holds the thread long). */
  prune(): number {
    if (this.#retentionDays <= 0 && this.#maxAlerts <= 0) return 0;
    let total = 0;
    try {
      for (let i = 0; i < 100; i++) {
        const n = this.#store.prune({
          maxAgeS: this.#retentionDays > 0 ? this.#retentionDays * 86400 : undefined,
          maxRows: this.#maxAlerts > 0 ? this.#maxAlerts : undefined,
          chunk: 10_000,
        });
        total += n;
        if (n < 10_000) break;
      }
    } catch (e) {
      this.#onProblem(`store: retention failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
    }
    this.stats.pruned += total;
    return total;
  }

  /** Writes what is pending and stops the timers (the hub calls it on close). */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    if (this.#pruneTimer !== undefined) clearInterval(this.#pruneTimer);
  }
}
