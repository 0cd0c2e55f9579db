/**
 * The detectors, the stream stage and app layer, and the model's feature extraction, handed to a `DetectionEngine` as
 * `options.parts`: the engine's module does not import them, so an engine without detectors
 * (`ids replay --no-detect` in the capture Worker) starts without loading them.
 *
 * @module
 */
import { createDetectors } from "../detectors/mod.ts";
import { FEATURE_COUNT, FEATURE_VERSION, FeatureExtractor } from "../ml/features.ts";
import { FlowScout } from "../ml/scout.ts";
import type { DetectionParts } from "./engine.ts";
import { buildStreamStage } from "./stream_stage.ts";

/** Every detector and the model's features: the parts of a `DetectionEngine` that detects. */
export const DETECTION_PARTS: DetectionParts = {
  createDetectors,
  FeatureExtractor,
  FlowScout,
  featureCount: FEATURE_COUNT,
  featureVersion: FEATURE_VERSION,
  streamStage: buildStreamStage,
};
