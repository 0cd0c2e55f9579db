/**
 * `ids replay FILE...`: replays capture files through decode, flow table and detectors.
 *
 * @module
 */
import { FileSource } from "../capture/file_source.ts";
import type { SourceError } from "../capture/packet_source.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import { buildReport, formatReport, type ReplayReport } from "../pipeline/report.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids replay`. */
export const REPLAY_HELP = `Usage: ids replay FILE... [options]

Replays pcap / pcapng files (optionally .gz) through the decoders and the flow table
and prints a report: packets, bytes, rate, link types, decode events, flows.

Options:
  --json          print the report as JSON on stdout
  --stats         print the report (default when --eve is not writing to stdout)
  --max-flows N   flow table cap (default 262144)
  -h, --help      this help

Exit status: 0 done, 1 a file could not be read (the report still covers what was read), 2 bad usage.`;

/** Options of {@link replayFiles}. */
export interface ReplayOptions {
  maxFlows?: number;
  /** Called with the pipeline before the first packet (attach detectors, alert sinks). */
  setup?: (p: Pipeline) => void;
  /** Called after the last file, before flows are flushed... (not used yet) */
  signal?: AbortSignal;
}

/** Replays files in order through one pipeline; returns the report. */
export async function replayFiles(
  files: readonly string[],
  options: ReplayOptions = {},
): Promise<{ report: ReplayReport; pipeline: Pipeline }> {
  const pipeline = new Pipeline({ maxFlows: options.maxFlows });
  options.setup?.(pipeline);
  const errors: SourceError[] = [];
  const t0 = performance.now();
  for (const f of files) {
    const src = new FileSource(f);
    const summary = await src.run(pipeline.handle, options.signal);
    if (summary.error) errors.push({ ...summary.error, message: `${f}: ${summary.error.message}` });
  }
  const liveAtEnd = pipeline.flows.size;
  pipeline.finish();
  const wallMs = performance.now() - t0;
  return { report: buildReport(pipeline, { files: [...files], wallMs, errors, liveAtEnd }), pipeline };
}

/** Runs `ids replay`; returns the exit status. */
export async function replayCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json", "stats"], string: ["max-flows"] });
  if (a.help) {
    console.log(REPLAY_HELP);
    return 0;
  }
  if (a._.length === 0) throw new UsageError("ids replay needs at least one capture FILE");
  let maxFlows: number | undefined;
  if (a["max-flows"] !== undefined) {
    maxFlows = Number(a["max-flows"]);
    if (!Number.isInteger(maxFlows) || maxFlows < 16 || maxFlows > 16_777_216) {
      throw new UsageError("--max-flows must be an integer from 16 to 16777216");
    }
  }
  let result;
  try {
    result = await replayFiles(a._, { maxFlows });
  } catch (e) {
    console.error(`ids: ${(e as Error).message}`);
    return 1;
  }
  const { report } = result;
  if (a.json) console.log(JSON.stringify(report, null, 2));
  else console.error(formatReport(report));
  return report.errors.length > 0 ? 1 : 0;
}
