/**
 * Suricata-style `event_type: "stats"` records built from the sensor counters, for the EVE output.
 *
 * @module
 */
import type { SensorCounters } from "../core/hub_event.ts";
import { eveTimestamp } from "./eve.ts";

/** One EVE stats record (the subset of Suricata's stats object that the sensor has). */
export interface EveStatsRecord {
  timestamp: string;
  event_type: "stats";
  stats: {
    uptime: number;
    capture: { kernel_packets: number; kernel_drops: number; kernel_ifdrops: number };
    decoder: { pkts: number; bytes: number; invalid: number };
    flow: { active: number };
    detect: { alert: number; alerts_suppressed: number };
  };
}

/** The stats record of one counters event (wall-clock timestamp), valid against Suricata's EVE schema. */
export function statsRecord(c: SensorCounters): EveStatsRecord {
  const cap = c.capture;
  return {
    timestamp: eveTimestamp(c.atMs * 1000),
    event_type: "stats",
    stats: {
      uptime: Math.round(cap.uptime),
      capture: { kernel_packets: cap.received, kernel_drops: cap.droppedKernel, kernel_ifdrops: cap.droppedIface },
      decoder: { pkts: cap.packets, bytes: cap.bytes, invalid: cap.decodeEvents },
      flow: { active: cap.flows },
      detect: { alert: c.decision.alerts, alerts_suppressed: c.decision.suppressed },
    },
  };
}
