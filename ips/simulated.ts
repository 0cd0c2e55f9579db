/**
 * The simulated backend: the same bookkeeping as a real firewall, without one. Used when `ids` may not
 * change the firewall (Linux without CAP_NET_ADMIN or `nft`, Windows without Administrator), for replays,
 * and for the demo. Blocks expire on the clock.
 *
 * @module
 */
import { requireBlockTarget } from "./address.ts";
import { type ActiveBlock, type Blocker, checkSeconds, type ReconcileResult, safeNote } from "./blocker.ts";

/** Options of {@link SimulatedBlocker}. */
export interface SimulatedBlockerOptions {
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** Blocks to start with (a previous run's, restored from the store). */
  restore?: readonly ActiveBlock[];
}

/** A blocker that only remembers. */
export class SimulatedBlocker implements Blocker {
  readonly backend = "simulated" as const;
  readonly enforcing = false;
  #now: () => number;
  #blocks = new Map<string, ActiveBlock>();

  constructor(options: SimulatedBlockerOptions = {}) {
    this.#now = options.now ?? Date.now;
    for (const b of options.restore ?? []) {
      const target = requireBlockTarget(b.ip, "restore block");
      this.#blocks.set(target.ip, { ...b, ip: target.ip });
    }
  }

  #prune(): string[] {
    const now = this.#now();
    const gone: string[] = [];
    for (const [ip, b] of this.#blocks) {
      if (b.expiresAt <= now) {
        this.#blocks.delete(ip);
        gone.push(ip);
      }
    }
    return gone;
  }

  // deno-lint-ignore require-await
  async block(ip: string, seconds: number, reason: string): Promise<void> {
    const target = requireBlockTarget(ip, "block");
    checkSeconds(seconds);
    this.#blocks.set(target.ip, { ip: target.ip, expiresAt: this.#now() + seconds * 1000, note: safeNote(reason) });
  }

  // deno-lint-ignore require-await
  async unblock(ip: string): Promise<boolean> {
    const target = requireBlockTarget(ip, "unblock");
    this.#prune();
    return this.#blocks.delete(target.ip);
  }

  list(): Promise<ActiveBlock[]> {
    this.#prune();
    return Promise.resolve([...this.#blocks.values()]);
  }

  reconcile(): Promise<ReconcileResult> {
    const removed = this.#prune();
    return Promise.resolve({ removed, kept: [...this.#blocks.values()] });
  }

  close(): void {}
}
