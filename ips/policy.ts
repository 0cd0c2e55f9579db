/**
 * The block decision (the seed's rule) and block durations.
 *
 * Critical types — exploit probe, SQL injection, SYN/UDP/ICMP floods, DDoS, port scans, brute force —
 * block. A heuristic detection of a critical type always blocks, even when the model disagrees; a model
 * label blocks only when it names a critical type at or above `ml_confidence`. An alert tagged
 * `no-block` (a model-only alert while `ml.block_alerts` is off) never blocks. Spoofed floods never
 * block per source: the addresses are forged, and blocking them would let an attacker make us cut
 * off any host they name. Nor does an alert tagged `unverified_source`: its one source never
 * completed a handshake (a TCP flood without SYN), so its address may be forged just as well.
 *
 * @module
 */
import type { IpsConfig } from "../config/defaults.ts";

/** Attack types whose sources are blocked. */
export const CRITICAL_TYPES: ReadonlySet<string> = new Set([
  "exploit_probe",
  "sql_injection",
  "syn_flood",
  "udp_flood",
  "icmp_flood",
  "ddos",
  "port_scan",
  "brute_force",
]);

/** What the decision looks at. */
export interface BlockQuestion {
  /** The heuristic detector's attack type. */
  type: string;
  /** The sources are forged (tagged `spoofed`). */
  spoofed?: boolean;
  /** The alert is tagged `no-block` (model-only alerts, unless `ml.block_alerts` is on). */
  noBlock?: boolean;
  /** The alert is tagged `unverified_source`: its source never completed a handshake (it may be forged). */
  unverified?: boolean;
  /** The model's verdict, when it ran: its attack type (or `normal`) and confidence 0–1. */
  ml?: { type: string; confidence: number };
}

/** The answer: block or not, and why (one line for people). */
export interface BlockAnswer {
  block: boolean;
  why: string;
}

/** Decides whether the source of a detection is blocked. */
export function shouldBlock(q: BlockQuestion, mlConfidence: number): BlockAnswer {
  if (q.spoofed) {
    return {
      block: false,
      why: "spoofed sources, not blocked per source (forged addresses: blocking them is futile and would let " +
        "the attacker choose whom we cut off)",
    };
  }
  if (q.unverified) {
    return {
      block: false,
      why: "unverified source (it never completed a handshake, so its address may be forged: blocking it " +
        "would let an attacker choose whom we cut off)",
    };
  }
  if (q.noBlock) return { block: false, why: "a model-only alert (tag no-block; ml.block_alerts turns blocking on)" };
  if (CRITICAL_TYPES.has(q.type)) return { block: true, why: `${q.type} is a critical type` };
  if (q.ml && q.ml.confidence >= mlConfidence && CRITICAL_TYPES.has(q.ml.type)) {
    return { block: true, why: `model says ${q.ml.type} at ${(q.ml.confidence * 100).toFixed(1)}%` };
  }
  return { block: false, why: `${q.type} is not a critical type` };
}

/** Settings {@link blockSeconds} needs. */
export interface DurationSettings {
  /** Default block length (config `block_seconds`). */
  block_seconds: number;
  ips: Pick<IpsConfig, "durations_s" | "escalation" | "escalation_factor" | "escalation_max_s">;
}

/**
 * How long a block of `type` lasts: the type's duration (or `block_seconds`), multiplied by
 * `escalation_factor` for each of `earlier` blocks of the same address when escalation is on, capped at
 * `escalation_max_s` (never shorter than the base).
 */
export function blockSeconds(type: string, earlier: number, c: DurationSettings): number {
  const perType = (c.ips.durations_s as unknown as Record<string, number | undefined>)[type];
  const base = perType !== undefined && perType > 0 ? perType : c.block_seconds;
  if (!c.ips.escalation || earlier <= 0) return base;
  const escalated = base * Math.pow(c.ips.escalation_factor, Math.min(earlier, 64));
  return Math.round(Math.max(base, Math.min(escalated, c.ips.escalation_max_s)));
}
