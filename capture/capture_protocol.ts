/**
 * Messages between the main thread and the capture Worker (shared DTO types).
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { DetectionEvent } from "../core/detection.ts";
import type { CaptureCounters } from "../core/hub_event.ts";

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
export type CaptureStats = CaptureCounters;

/** Main thread → Worker. */
export type ToWorker =
  | { type: "start"; start: CaptureStart }
  | { type: "config"; config: Config }
  | { type: "stop" };

/** Worker → main thread. */
export type FromWorker =
  | { type: "ready" }
  | { type: "started"; iface: string; linkType: number }
  | { type: "detection"; event: DetectionEvent }
  | { type: "stats"; stats: CaptureStats }
  | { type: "warning"; message: string }
  | { type: "error"; message: string }
  | { type: "stopped"; stats: CaptureStats };
