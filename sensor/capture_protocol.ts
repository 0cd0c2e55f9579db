/**
 * Messages between the main thread (`sensor/capture_session.ts`) and the capture Worker
 * (`sensor/capture_worker.ts`). Everything here is structured-clone safe.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { DetectionEvent, FlowCandidate } from "../core/detection.ts";
import type { CaptureCounters, TrafficLine } from "../core/hub_event.ts";
import type { ReplayReport } from "../pipeline/report.ts";

/**
 * The name of a capture Worker started for a replay without detectors (`--no-detect`): it loads the detectors'
 * modules only if its capture turns out to need them.
 */
export const NO_DETECT_WORKER = "ids capture (no detectors)";

/** Live capture on an interface. */
export interface LiveStart {
  mode: "live";
  iface?: string;
  filter?: string;
  snaplen: number;
  bufferSize: number;
  promisc: boolean;
  /** Load this libpcap instead of searching (tests). */
  libraryPath?: string;
  config: Config;
  /** Sampled traffic lines per second (0: none). */
  trafficPerSecond: number;
  /** Compute the flow model's features and attach them to detections (a model is loaded). */
  features?: boolean;
}

/** Replay of capture files. */
export interface ReplayStart {
  mode: "replay";
  /** Paths (or file: URLs as text). */
  files: string[];
  /** Factor of real time; Infinity: as fast as possible. */
  speed: number;
  config: Config;
  /** Run no detectors (benchmarks). */
  noDetect?: boolean;
  /** Sampled traffic lines per second (0: none). */
  trafficPerSecond: number;
  /** Compute the flow model's features and attach them to detections (a model is loaded). */
  features?: boolean;
  /**
   * Model-only alerts in an unpaced replay of files: hold the reading while this many flows offered to the model are
   * unanswered (the session's "model-settled" messages say how many were), so none is lost to its bounded queue.
   */
  modelWindow?: number;
}

/** What the capture Worker is asked to run. */
export type CaptureStart = LiveStart | ReplayStart;

/** Live counters (kept for older imports). */
export type CaptureStats = CaptureCounters;

/** Main thread → Worker. */
export type ToWorker =
  | { type: "start"; start: CaptureStart }
  | { type: "config"; config: Config }
  | { type: "stop" }
  /** An unpaced replay's once-a-second turn to post counters (the Worker keeps no timer of its own then). */
  | { type: "report" }
  /** How many of the flows the capture offered the model were settled so far (see `modelWindow`). */
  | { type: "model-settled"; settled: number };

/** Worker → main thread. */
export type FromWorker =
  | { type: "ready" }
  | { type: "started"; iface: string; linkType: number }
  | { type: "detections"; events: DetectionEvent[] }
  | { type: "candidates"; candidates: FlowCandidate[] }
  | { type: "traffic"; lines: TrafficLine[] }
  | { type: "stats"; stats: CaptureCounters }
  | { type: "warning"; message: string }
  | { type: "error"; message: string }
  | { type: "stopped"; stats: CaptureCounters; report?: ReplayReport };
