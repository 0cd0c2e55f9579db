/**
 * The firewall seam: one {@link Blocker} interface with three backends (nftables on Linux, Windows
 * Firewall, simulated). Every backend passes the same conformance suite (ips/_conformance.ts).
 *
 * A backend only acts on addresses it parsed itself ({@link parseBlockTarget}); policy (what to block,
 * for how long, which addresses are never blocked) lives in ips/policy.ts and ips/rails.ts.
 *
 * @module
 */

/** Which firewall a blocker drives. */
export type BackendName = "nftables" | "windows" | "simulated";

/** Every backend name. */
export const BACKEND_NAMES: readonly BackendName[] = ["nftables", "windows", "simulated"];

/** One block in force in the firewall. */
export interface ActiveBlock {
  /** Canonical address text. */
  readonly ip: string;
  /** When the block ends (ms since the epoch). */
  readonly expiresAt: number;
  /** The note stored with the rule (attack type), when the backend keeps one. */
  readonly note?: string;
  /** Packets dropped for this address, when the backend counts them (nftables). */
  readonly packets?: number;
  /** Bytes dropped for this address, when the backend counts them (nftables). */
  readonly bytes?: number;
}

/** What {@link Blocker.reconcile} did. */
export interface ReconcileResult {
  /** Blocks whose time had passed and were removed now (the kernel's own expiry is not counted). */
  readonly removed: readonly string[];
  /** Blocks still in force, with their expiry (timers restored where the backend needs them). */
  readonly kept: readonly ActiveBlock[];
}

/** A firewall backend. */
export interface Blocker {
  /** Which firewall this is. */
  readonly backend: BackendName;
  /** True when blocks really reach a firewall (false for the simulated backend). */
  readonly enforcing: boolean;
  /**
   * Blocks inbound traffic from `ip` for `seconds` (blocking an address already blocked restarts its time).
   * `reason` is a short note kept with the rule; only letters, digits and `_.:-` of it are used.
   *
   * @throws {TypeError} when `ip` is not a single IP address (nothing is run)
   * @throws {BlockError} when the firewall refused
   */
  block(ip: string, seconds: number, reason: string): Promise<void>;
  /**
   * Removes the block on `ip`.
   *
   * @returns true when a block was removed, false when there was none
   * @throws {TypeError} when `ip` is not a single IP address
   * @throws {BlockError} when the firewall refused
   */
  unblock(ip: string): Promise<boolean>;
  /** The blocks in force now. */
  list(): Promise<ActiveBlock[]>;
  /**
   * Startup: makes sure the firewall objects exist, removes blocks whose time has passed (left by a crash)
   * and restores expiry for the rest.
   */
  reconcile(): Promise<ReconcileResult>;
  /** Stops timers (blocks stay in the firewall until they expire or a later run removes them). */
  close(): void;
}

/** A firewall command failed. */
export class BlockError extends Error {
  /** True when the failure was a missing privilege (not root / not Administrator). */
  readonly accessDenied: boolean;

  constructor(message: string, options: { accessDenied?: boolean } = {}) {
    super(message);
    this.name = "BlockError";
    this.accessDenied = options.accessDenied ?? false;
  }
}

/** Longest block a backend accepts: 30 days. */
export const MAX_BLOCK_SECONDS = 30 * 86_400;

/** Checks a duration: an integer from 1 to {@link MAX_BLOCK_SECONDS}. */
export function checkSeconds(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_BLOCK_SECONDS) {
    throw new RangeError(`Cannot block: duration must be an integer from 1 to ${MAX_BLOCK_SECONDS} s (got ${seconds})`);
  }
  return seconds;
}

/** The part of a note a firewall may store: letters, digits and `_.:-`, at most 48 characters. */
export function safeNote(reason: string): string {
  return String(reason).replace(/[^A-Za-z0-9_.:-]+/g, "_").slice(0, 48);
}
