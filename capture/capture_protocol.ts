/**
 * Messages between the main thread and the capture Worker (shared DTO types).
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { Alert } from "../decision/alert.ts";

/** What the capture Worker is asked to open. */
export interface CaptureStart {
  iface?: string;
  filter?: string;
  snaplen: number;
  bufferSize: number;
  promisc: boolean;
  /** Load this libpcap instead of searching (tests). */
  libraryPath?: string;
  config: Config;
}

/** Live counters: what the dashboard shows and `ids run` prints on exit. */
export interface CaptureStats {
  iface: string;
  linkType: number;
  /** Frames handed to the pipeline. */
  packets: number;
  bytes: number;
  /** pcap_stats: packets received by the filter, dropped by the kernel, dropped by the interface. */
  received: number;
  droppedKernel: number;
  droppedIface: number;
  decodeEvents: number;
  flows: number;
  alerts: Record<string, number>;
  /** Packets per second over the last interval. */
  rate: number;
  /** Seconds since the capture started. */
  uptime: number;
  /** CPU seconds used by the whole process (user + system), where the OS reports it. */
  cpuSeconds?: number;
}

/** Main thread → Worker. */
export type ToWorker =
  | { type: "start"; start: CaptureStart }
  | { type: "config"; config: Config }
  | { type: "stop" };

/** Worker → main thread. */
export type FromWorker =
  | { type: "ready" }
  | { type: "started"; iface: string; linkType: number }
  | { type: "alert"; alert: Alert }
  | { type: "stats"; stats: CaptureStats }
  | { type: "warning"; message: string }
  | { type: "error"; message: string }
  | { type: "stopped"; stats: CaptureStats };
