/**
 * The per-packet pipeline shared by replay and live capture: frame → decode → flow table → stream stage and app
 * layer → detectors. {@link Pipeline} is `PacketPipeline` (pipeline/packet_pipeline.ts) with the stream stage of
 * pipeline/stream_stage.ts built in unless `stream` is false; the detection engine uses `PacketPipeline` directly and
 * gets the stream stage from its detection parts, so that `--no-detect` loads none of it.
 *
 * @module
 */
import { PacketPipeline, type PipelineOptions } from "./packet_pipeline.ts";
import { buildStreamStage } from "./stream_stage.ts";

export {
  dispatcher,
  fragmentOverlapDetection,
  type PacketObserver,
  type PipelineCounters,
  type PipelineOptions,
  type StreamStage,
  type StreamStageFactory,
  type StreamStageSetup,
} from "./packet_pipeline.ts";
export { segmentOverlapDetection } from "./stream_stage.ts";

/** Runs frames through the decoders, the flow table, the stream stage and app layer (unless off) and the detectors. */
export class Pipeline extends PacketPipeline {
  constructor(options: PipelineOptions = {}) {
    super({ ...options, streamStage: options.streamStage ?? buildStreamStage });
  }
}
