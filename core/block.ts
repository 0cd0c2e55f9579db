/**
 * Block events: what the IPS did to an address, as the hub, the store and the dashboard carry it
 * (bottom layer). One event per change of a block's state; the store keeps one row per block and
 * updates it as later events arrive.
 *
 * @module
 */
import type { AttackType } from "./attack_type.ts";
import type { Severity } from "./detection.ts";

/**
 * State of a block:
 * - `active`: the firewall really blocks the address now;
 * - `simulated`: the block was decided but not enforced (no privilege, `--ips` off in a demo, a dry run);
 * - `failed`: the backend refused (see `error`); nothing is blocked;
 * - `expired`: the block's time ran out and the rule is gone;
 * - `unblocked`: an operator removed it (`ids blocks unblock`).
 */
export type BlockStatus = "active" | "simulated" | "failed" | "expired" | "unblocked";

/** One change of a block's state. Structured-clone and JSON safe. */
export interface BlockEvent {
  /** Identifies the block across its events (e.g. `10.0.0.5@1764450000000`): set by the IPS. */
  id: string;
  /** The blocked address (text). */
  ip: string;
  status: BlockStatus;
  /** Wall-clock time of this change (ms since the epoch). */
  atMs: number;
  /** Wall-clock time the block started (ms). */
  startMs: number;
  /** Block length in seconds (config `block_seconds`); 0 = until removed. */
  durationS: number;
  /** Wall-clock expiry (ms); absent when the block does not expire. */
  expiresMs?: number;
  /** Firewall backend: `nftables`, `iptables`, `windows-firewall`, `simulated`… */
  backend: string;
  /** The backend's one-line error when `status` is `failed` (or `simulated` because of a failure). */
  error?: string;
  /** The attack that caused it. */
  type?: AttackType;
  /** The alert label at the time, e.g. `SYN Flood (ML: 97.3%)`. */
  label?: string;
  severity?: Severity;
  /** `seq` of the alert that caused it. */
  alertSeq?: number;
  /** Why: the policy's one line (e.g. `critical type, heuristic`). */
  reason?: string;
}
