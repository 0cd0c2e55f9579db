/**
 * A pipeline's TCP reassembly stage and the app layer it feeds, with the detectors' app hooks: what a detecting
 * pipeline has beyond decoding, defragmentation and the flow table. In a module of its own so that a pipeline
 * without it (`ids replay --no-detect`, `PacketPipeline` with `stream: false`) loads none of `stream/`, `app/` and
 * `detectors/app_hooks.ts`.
 *
 * @module
 */
import { ipToString } from "../core/ip.ts";
import { AppLayer } from "../app/app_layer.ts";
import { type SegmentOverlap, StreamTable } from "../stream/stream_table.ts";
import type { Detection } from "../detectors/detection.ts";
import { DetectorAppListener } from "../detectors/app_hooks.ts";
import type { StreamStage, StreamStageSetup } from "./packet_pipeline.ts";

/** The evasion detection for TCP segments that overlap with different data. */
export function segmentOverlapDetection(o: SegmentOverlap): Detection {
  return {
    type: "evasion",
    tsUs: o.tsUs,
    src: o.src,
    dst: o.dst,
    srcPort: o.srcPort,
    dstPort: o.dstPort,
    proto: 6,
    severity: 1,
    tags: ["tcp_segment_overlap"],
    reason: `TCP segments overlap with different data: ${ipToString(o.src)}:${o.srcPort} -> ${
      ipToString(o.dst)
    }:${o.dstPort}, stream bytes ${o.start}-${o.end - 1} differ (${
      o.delivered ? "the first copy was already accepted" : `policy ${o.policy} decides`
    })`,
    flow: o.flow,
  };
}

/**
 * Builds the stream stage of a pipeline (a `StreamStageFactory` of `pipeline/packet_pipeline.ts`): the app layer on the pipeline's flow table,
 * the detectors' app hooks listening to it, and the stream table feeding it, whose overlapping segments are emitted
 * as evasion detections.
 */
export function buildStreamStage(setup: StreamStageSetup): StreamStage {
  const { flows, emit } = setup;
  const app = new AppLayer(flows, setup.app);
  const hooks = new DetectorAppListener(setup.detectors, emit);
  app.listen(hooks);
  const stream = new StreamTable(app, {
    ...setup.stream,
    capacity: flows.capacity,
    onOverlap: (o) => emit()(segmentOverlapDetection(o)),
  });
  app.streamControl = stream;
  return { app, stream, setDetectors: (detectors) => hooks.setDetectors(detectors) };
}
