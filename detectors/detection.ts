/**
 * Detections now live in the bottom layer, `core/detection.ts`; this re-export keeps detector
 * imports short.
 *
 * @module
 */
export type { Detection, HttpInfo, Severity } from "../core/detection.ts";
