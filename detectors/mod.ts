/**
 * The detectors: one module per attack type, all implementing {@link Detector}.
 *
 * ```ts
 * import { createDetectors } from "./detectors/mod.ts";
 * import { DEFAULT_CONFIG } from "./config/defaults.ts";
 * const detectors = createDetectors(DEFAULT_CONFIG);
 * ```
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { AttackType } from "./attack_type.ts";
import { BruteForceDetector } from "./brute_force.ts";
import { DdosDetector } from "./ddos.ts";
import type { Detector } from "./detector.ts";
import { ExploitProbeDetector } from "./exploit_probe.ts";
import { IcmpFloodDetector } from "./icmp_flood.ts";
import { PortScanDetector } from "./port_scan.ts";
import { SynFloodDetector } from "./syn_flood.ts";
import { UdpFloodDetector } from "./udp_flood.ts";
// sql_injection is owned by another engineer (detectors/sql_injection*.ts)
import { SqlInjectionDetector } from "./sql_injection.ts";

export type { Detector, Emit } from "./detector.ts";
export type { Detection, Severity } from "./detection.ts";
export { ATTACK_TYPES, type AttackInfo, ATTACKS, type AttackType, tab20Color } from "./attack_type.ts";
export { ATTEMPT_MAX_SERVER_BYTES, ATTEMPT_MAX_SERVER_BYTES_DEFAULT, BruteForceDetector } from "./brute_force.ts";
export { DdosDetector, DOMINANT_SHARE } from "./ddos.ts";
export { ATTEMPT_GRACE_US, ATTEMPT_QUEUE_CAPACITY, EXPLOIT_PORT_NAMES, ExploitProbeDetector } from "./exploit_probe.ts";
export { IcmpFloodDetector } from "./icmp_flood.ts";
export { PortScanDetector, PROBE_GRACE_US, PROBE_QUEUE_CAPACITY, SLOW_REEMIT_US } from "./port_scan.ts";
export { SPOOF_MIN_SOURCES, SYN_QUEUE_CAPACITY, SynFloodDetector } from "./syn_flood.ts";
export { UdpFloodDetector } from "./udp_flood.ts";
export { SqlInjectionDetector } from "./sql_injection.ts";

/** Builds one detector from the configuration. */
export type DetectorFactory = (config: Config) => Detector;

/** Every detector by attack type, in the order they run. */
export const DETECTOR_FACTORIES: Readonly<Partial<Record<AttackType, DetectorFactory>>> = {
  syn_flood: (c) => new SynFloodDetector(c),
  ddos: (c) => new DdosDetector(c),
  port_scan: (c) => new PortScanDetector(c),
  udp_flood: (c) => new UdpFloodDetector(c),
  icmp_flood: (c) => new IcmpFloodDetector(c),
  exploit_probe: (c) => new ExploitProbeDetector(c),
  brute_force: (c) => new BruteForceDetector(c),
  sql_injection: (c) => new SqlInjectionDetector(c),
};

/** The detectors enabled in `config` (`<type>.enabled`), ready for the pipeline. */
export function createDetectors(config: Config): Detector[] {
  const out: Detector[] = [];
  for (const [type, make] of Object.entries(DETECTOR_FACTORIES) as [AttackType, DetectorFactory][]) {
    if (config[type].enabled) out.push(make(config));
  }
  return out;
}
