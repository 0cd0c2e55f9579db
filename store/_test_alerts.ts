/** Test helpers: alerts and block events as the decision stage and the IPS make them. */
import { type Alert, buildAlert } from "../core/alert.ts";
import type { AttackType } from "../core/attack_type.ts";
import type { BlockEvent } from "../core/block.ts";

/** Alert number `i`: types, sources and destinations cycle; packet time advances 1 ms per alert. */
export function testAlert(i: number, overrides: Partial<Alert> = {}): Alert {
  const types: AttackType[] = ["port_scan", "syn_flood", "sql_injection", "udp_flood"];
  return {
    ...buildAlert({
      type: types[i % types.length],
      tsUs: 1_795_272_623_000_000 + i * 1000,
      src: `10.0.${(i >> 8) & 255}.${i & 255}`,
      dst: `10.9.0.${i % 3}`,
      srcPort: 40000 + (i % 1000),
      dstPort: 80,
      proto: 6,
      severity: 2,
      reason: `test alert ${i}`,
      flowId: i + 1,
    }, { seq: i + 1 }),
    ...overrides,
  };
}

/** A block event. */
export function testBlock(ip: string, status: BlockEvent["status"], overrides: Partial<BlockEvent> = {}): BlockEvent {
  return {
    id: `${ip}@1000`,
    ip,
    status,
    atMs: 2000,
    startMs: 1000,
    durationS: 60,
    expiresMs: 61_000,
    backend: status === "simulated" ? "simulated" : "nftables",
    type: "syn_flood",
    label: "SYN Flood (Heuristic)",
    ...overrides,
  };
}
