/**
 * The feedback corpus for retraining, as the seed's `guardar_dataset.py`: one CSV row per alert —
 * time, source, destination, port, protocol, TCP flags, heuristic label, ML label, ML confidence —
 * in a size-rotated file.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import { ATTACKS } from "../core/attack_type.ts";
import type { HubEvent, Subscriber } from "../core/hub_event.ts";
import { protoName, tcpFlagsString } from "../core/ip.ts";
import { RotatingFile } from "./rotating_file.ts";

/** The header row. */
export const FEEDBACK_HEADER =
  "time,source,destination,port,protocol,tcp_flags,heuristic_label,ml_label,ml_confidence\n";

/** One CSV field (RFC 4180), with spreadsheet formulas neutralised. */
export function csvField(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** The CSV row of an alert. */
export function feedbackRow(a: Alert): string {
  const ml = a.ml;
  const mlLabel = ml === undefined ? "" : ml.type === "normal" ? "Normal" : ATTACKS[ml.type]?.display ?? ml.type;
  return [
    new Date(a.tsUs / 1000).toISOString(),
    a.src,
    a.dst,
    String(a.dstPort),
    protoName(a.proto),
    a.tcpFlags !== undefined ? tcpFlagsString(a.tcpFlags) : "",
    ATTACKS[a.type]?.display ?? a.type,
    mlLabel,
    ml === undefined ? "" : ml.confidence.toFixed(4),
  ].map(csvField).join(",") + "\n";
}

/** Options of {@link feedbackCsvSubscriber}. */
export interface FeedbackCsvOptions {
  path: string;
  rotateBytes: number;
  keep: number;
  /** `path` already opened by openSpecialFile (a FIFO): written as is, never rotated nor reopened. */
  file?: Deno.FsFile;
}

/** A hub subscriber appending one row per alert (header at the top of every file). */
export function feedbackCsvSubscriber(options: FeedbackCsvOptions): Subscriber & { file: RotatingFile } {
  const enc = new TextEncoder();
  const writeAll = (f: RotatingFile, bytes: Uint8Array) => {
    let n = 0;
    while (n < bytes.length) n += f.writeSync(bytes.subarray(n));
  };
  const file: RotatingFile = new RotatingFile(options.path, {
    maxBytes: options.rotateBytes,
    keep: options.keep,
    file: options.file,
    onRotate: () => writeAll(file, enc.encode(FEEDBACK_HEADER)),
  });
  if (file.size === 0) writeAll(file, enc.encode(FEEDBACK_HEADER));
  return {
    name: "feedback-csv",
    kinds: ["alert"],
    file,
    handleBatch: (events: HubEvent[]) => {
      let text = "";
      for (const e of events) if (e.kind === "alert") text += feedbackRow(e.alert);
      if (text !== "") writeAll(file, enc.encode(text));
    },
    close: () => file.close(),
  };
}
