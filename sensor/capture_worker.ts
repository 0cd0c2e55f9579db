/**
 * The capture Worker: runs the capture (sensor/capture_runner.ts: reading, decoding, the flow table
 * and the detectors) off the main thread, so the main thread stays free for the decision stage, the
 * outputs and the web server. Messages: see capture_protocol.ts.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type FromWorker, NO_DETECT_WORKER, type ToWorker } from "./capture_protocol.ts";
import { startCaptureRunner } from "./capture_runner.ts";

const runner = startCaptureRunner((m: FromWorker) => self.postMessage(m), {
  detectors: self.name !== NO_DETECT_WORKER,
});

// No error may escape this Worker: Deno prints an uncaught Worker error with its stack trace on stderr
// whatever the main thread does with it, and the command must fail with one line.
self.addEventListener("error", (e) => {
  e.preventDefault();
  runner.fail(e.error ?? e.message);
});
self.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  runner.fail(e.reason);
});

self.onmessage = (e: MessageEvent<ToWorker>) => runner.receive(e.data);
