/**
 * What a detector reports, before throttling and labelling turn it into an alert.
 *
 * @module
 */
import type { IpKey } from "../decode/packet.ts";
import type { AttackType } from "./attack_type.ts";

/** Suricata severities: 1 high, 2 medium, 3 low. */
export type Severity = 1 | 2 | 3;

/** One detector verdict. */
export interface Detection {
  type: AttackType;
  /** Packet time of the packet that crossed the threshold (µs). */
  tsUs: number;
  /** The attacker: the address a block would target. */
  src: IpKey;
  /** The victim. */
  dst: IpKey;
  srcPort: number;
  dstPort: number;
  /** IP protocol number. */
  proto: number;
  severity: Severity;
  /** True when the sources are spoofed (src is then one observed source). */
  spoofed?: boolean;
  /** Extra EVE tags after type and decision (e.g. `sweep`, `slow`). */
  tags?: string[];
  /** One line of evidence, e.g. `42 SYN without handshake in 0.5 s`. Attacker bytes must be escaped by who shows it. */
  reason: string;
  /** Flow slot of the triggering packet, -1 when none. */
  flow: number;
}
