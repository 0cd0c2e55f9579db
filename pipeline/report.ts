/**
 * The replay report: what `ids replay` prints.
 *
 * @module
 */
import { linkTypeName, type SourceError } from "../capture/packet_source.ts";
import type { PacketPipeline as Pipeline } from "./packet_pipeline.ts";
import { formatInt } from "../core/format_int.ts";

/** Machine-readable replay report (`ids replay --json`). */
export interface ReplayReport {
  files: string[];
  packets: number;
  bytes: number;
  ip_packets: number;
  seconds_wall: number;
  packets_per_second: number;
  megabits_per_second: number;
  capture_span_seconds: number;
  link_types: Record<string, number>;
  decode_events: Record<string, number>;
  frames_with_decode_events: number;
  flows: { created: number; live_at_end: number; expired: number; evicted: number; capacity: number };
  /** Fragment reassembly (absent when it is off). */
  defrag?: {
    fragments: number;
    reassembled: number;
    overlaps: number;
    overlaps_different: number;
    timeouts: number;
    evicted: number;
    source_limited: number;
    held_at_end: number;
  };
  /** TCP reassembly and the app layer (absent when off). */
  stream?: {
    connections: number;
    segments: number;
    overlaps: number;
    overlaps_different: number;
    bad_checksum_ignored: number;
    offloaded_checksum_trusted: number;
    checksums_validated: boolean;
    gaps: number;
    evicted: number;
    protocols: Record<string, number>;
    http_requests: number;
    logins: number;
  };
  alerts?: Record<string, number>;
  /** The flow model, when the configuration turns it on (absent with `ml.enabled: false` or `--no-detect`). */
  model?: ModelReport;
  /** Peak resident memory of the process (MB), where the OS reports it. */
  peak_rss_mb?: number;
  errors: SourceError[];
  /** Problems that lost nothing (trailing garbage after a gzip file's last member). */
  warnings: string[];
}

/**
 * What the flow model did in a replay (`ids replay`'s `model` line and `--json` object). Once every
 * decision was made, `requested` = `verdicts` + `queue_full` + `failed` + `unanswered`.
 */
export interface ModelReport {
  /**
   * The model's name (`ids-flow 2026-11-30`), null when none could be loaded (a model that loaded
   * and then stopped classifying keeps its name and counts, status `heuristics only`).
   */
  name: string | null;
  /** `loaded`; `not started` (a lazy model and no detection asked for it); `heuristics only` (see `reason`). */
  status: "loaded" | "not started" | "heuristics only";
  /** Why heuristics only (missing, unreadable or mismatched model; or `model Worker failed (…)` mid-run). */
  reason?: string;
  /** Flow rows asked of the model (detections, and with `ml.alerts` the offered flows). */
  requested: number;
  /** Rows the model answered. */
  verdicts: number;
  /** Rows without a verdict (the heuristic label stood): `queue_full` + `failed` + `unanswered`. */
  without_verdict: number;
  /** Rows refused because the model's bounded queue was full. */
  queue_full: number;
  /** Rows that failed in the model Worker. */
  failed: number;
  /** Rows asked for while no model was loaded, or in hand when its Worker closed or was lost. */
  unanswered: number;
  /** Alerts whose label the model decided (`(ML: 97.3%)`, tag `ml`). */
  ml_labels: number;
  /** Detections decided without asking the model: too many already waited for it. */
  decisions_skipped: number;
  /** Detections whose verdict came after the deadline or failed (threw): the heuristic label stood. */
  decisions_late: number;
  /** Model-only alerts (`ml.alerts`): flows offered to the model and what became of them. */
  model_alerts?: {
    offered: number;
    raised: number;
    quiet: number;
    covered: number;
    unanswered: number;
    held: number;
    late: number;
  };
}

/** Packet counters before a file was read, for {@link undecodedFileError}. */
export interface FileMark {
  packets: number;
  decoded: number;
}

/** Marks the pipeline's counters before a file is read. */
export function markFile(p: Pipeline): FileMark {
  return { packets: p.counters.packets, decoded: p.counters.ipPackets + p.counters.arpPackets };
}

/**
 * When a file's frames all failed to reach the IP layer, the error that says why (instead of a
 * report with "alerts none"); otherwise undefined.
 */
export function undecodedFileError(p: Pipeline, mark: FileMark, label: string): SourceError | undefined {
  const c = p.counters;
  if (c.packets <= mark.packets || c.ipPackets + c.arpPackets !== mark.decoded) return undefined;
  const lt = p.decoder.lastLinkType;
  return {
    offset: 0,
    packets: c.packets - mark.packets,
    message: `${label}: Cannot decode any frame: link type ${linkTypeName(lt)} (${lt}) carried no ` +
      `IPv4, IPv6 or ARP that ids decodes (supported: Ethernet, SLL, SLL2, RAW, NULL/LOOP, PPP, NFLOG, 802.11, radiotap)`,
  };
}

/** Peak resident set size of this process in MB (Linux VmHWM), else the current RSS. */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    if (m) return Math.round(Number(m[1]) / 102.4) / 10;
  } catch { /* not Linux */ }
  return Math.round(Deno.memoryUsage().rss / 1e5) / 10;
}

/** Builds the report from a finished pipeline. */
export function buildReport(
  p: Pipeline,
  info: {
    files: string[];
    wallMs: number;
    errors: SourceError[];
    warnings?: string[];
    liveAtEnd: number;
    alerts?: Record<string, number>;
  },
): ReplayReport {
  const c = p.counters;
  const secs = info.wallMs / 1000;
  const links: Record<string, number> = {};
  for (const [lt, n] of p.decoder.linkTypeCounts()) links[linkTypeName(lt)] = (links[linkTypeName(lt)] ?? 0) + n;
  return {
    files: info.files,
    packets: c.packets,
    bytes: c.bytes,
    ip_packets: c.ipPackets,
    seconds_wall: round(secs, 3),
    packets_per_second: secs > 0 ? Math.round(c.packets / secs) : 0,
    megabits_per_second: secs > 0 ? round((c.bytes * 8) / secs / 1e6, 1) : 0,
    capture_span_seconds: c.packets > 0 ? round((c.lastUs - c.firstUs) / 1e6, 3) : 0,
    link_types: links,
    decode_events: p.decoder.events.toObject(),
    frames_with_decode_events: p.decoder.events.frames,
    flows: {
      created: p.flows.created,
      live_at_end: info.liveAtEnd,
      expired: p.flows.expired,
      evicted: p.flows.evictions,
      capacity: p.flows.capacity,
    },
    ...(p.defrag
      ? {
        defrag: {
          fragments: p.defrag.counters.fragments,
          reassembled: p.defrag.counters.reassembled,
          overlaps: p.defrag.counters.overlaps,
          overlaps_different: p.defrag.counters.overlapsDifferent,
          timeouts: p.defrag.counters.timeouts,
          evicted: p.defrag.counters.evicted,
          source_limited: p.defrag.counters.sourceLimited,
          held_at_end: p.defrag.size,
        },
      }
      : {}),
    ...(p.stream && p.app
      ? {
        stream: {
          connections: p.stream.counters.streams,
          segments: p.stream.counters.segments,
          overlaps: p.stream.counters.overlaps,
          overlaps_different: p.stream.counters.overlapsDifferent,
          bad_checksum_ignored: p.stream.counters.badChecksum,
          offloaded_checksum_trusted: p.stream.counters.offloadedChecksum,
          checksums_validated: p.stream.validatingChecksums,
          gaps: p.stream.counters.gaps,
          evicted: p.stream.counters.evicted,
          protocols: Object.fromEntries(Object.entries(p.app.counters.detected).filter(([, n]) => n > 0)),
          http_requests: p.app.counters.httpRequests,
          logins: p.app.counters.logins,
        },
      }
      : {}),
    ...(info.alerts ? { alerts: info.alerts } : {}),
    peak_rss_mb: peakRssMb(),
    errors: info.errors,
    warnings: info.warnings ?? [],
  };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Human-readable report. */
export function formatReport(r: ReplayReport): string {
  const lines: string[] = [];
  lines.push(`replayed   ${r.files.join(", ")}`);
  lines.push(
    `packets    ${formatInt(r.packets)} (${formatInt(r.ip_packets)} IP), ${
      formatInt(r.bytes)
    } bytes in ${r.seconds_wall} s`,
  );
  lines.push(`rate       ${formatInt(r.packets_per_second)} packets/s, ${r.megabits_per_second} Mbit/s`);
  lines.push(`span       ${r.capture_span_seconds} s of capture time`);
  lines.push(
    `link types ${Object.entries(r.link_types).map(([k, v]) => `${k} ${formatInt(v)}`).join(", ") || "none"}`,
  );
  const ev = Object.entries(r.decode_events);
  lines.push(
    `decode     ${
      ev.length === 0 ? "no decode events" : `${count(r.frames_with_decode_events, "frame")} with events: ` +
        ev.map(([k, v]) => `${k} ${formatInt(v)}`).join(", ")
    }`,
  );
  lines.push(
    `flows      ${formatInt(r.flows.created)} created, ${formatInt(r.flows.expired)} expired, ${
      formatInt(r.flows.evicted)
    } evicted (cap ${formatInt(r.flows.capacity)}), ${formatInt(r.flows.live_at_end)} open at end`,
  );
  if (r.defrag && r.defrag.fragments > 0) {
    const d = r.defrag;
    lines.push(
      `defrag     ${count(d.fragments, "fragment")}, ${count(d.reassembled, "datagram")} rebuilt, ${
        count(d.overlaps, "overlap")
      } (${formatInt(d.overlaps_different)} with different data), ${formatInt(d.timeouts)} timed out, ${
        formatInt(d.evicted + d.source_limited)
      } dropped by memory caps, ${formatInt(d.held_at_end)} incomplete at end`,
    );
  }
  if (r.stream && r.stream.connections > 0) {
    const s = r.stream;
    const protos = Object.entries(s.protocols).map(([k, v]) => `${k} ${formatInt(v)}`).join(", ") || "none recognised";
    lines.push(
      `streams    ${count(s.connections, "TCP connection")} (${protos}), ${count(s.overlaps, "overlap")} (${
        formatInt(s.overlaps_different)
      } with different data), ${count(s.bad_checksum_ignored, "bad checksum")} ignored, ${
        count(s.offloaded_checksum_trusted, "offloaded checksum")
      } trusted${s.checksums_validated ? "" : " (checksums not validated: capture looks broken)"}`,
    );
  }
  if (r.alerts) {
    const a = Object.entries(r.alerts);
    lines.push(`alerts     ${a.length === 0 ? "none" : a.map(([k, v]) => `${k} ${formatInt(v)}`).join(", ")}`);
  }
  if (r.model) lines.push(`model      ${formatModel(r.model)}`);
  if (r.peak_rss_mb !== undefined) lines.push(`memory     peak RSS ${r.peak_rss_mb} MB`);
  for (const w of r.warnings ?? []) lines.push(`warning    ${w}`);
  for (const e of r.errors) lines.push(`error      ${e.message} (${count(e.packets, "packet")} read before it)`);
  return lines.join("\n");
}

/** The text of the report's `model` line. */
export function formatModel(m: ModelReport): string {
  const heuristics = `heuristics only${m.reason ? ` (${m.reason})` : ""}`;
  if (m.status === "heuristics only" && m.name === null) return heuristics;
  if (m.status === "not started") return `${m.name}: not started (no detection asked for a verdict)`;
  const parts = [
    `${count(m.verdicts, "verdict")}, ${formatInt(m.without_verdict)} without a verdict (queue full ${
      formatInt(m.queue_full)
    }, failed ${formatInt(m.failed)}, unanswered ${formatInt(m.unanswered)})`,
    count(m.ml_labels, "ML label"),
  ];
  if (m.decisions_skipped > 0) parts.push(`${count(m.decisions_skipped, "decision")} past the cap`);
  if (m.decisions_late > 0) parts.push(`${count(m.decisions_late, "decision")} past the deadline or failed`);
  const a = m.model_alerts;
  const alerts = a
    ? `; model-only alerts: ${formatInt(a.raised)} raised from ${count(a.offered, "flow")} (${
      formatInt(a.covered)
    } left to a detector, ${formatInt(a.unanswered)} unanswered, ${formatInt(a.late)} late)`
    : "";
  // a model that loaded and then stopped classifying (its Worker failed): said first, counts kept
  const lost = m.status === "heuristics only" ? `${heuristics}; ` : "";
  return `${m.name}: ${lost}${parts.join(", ")}${alerts}`;
}

/** `1 verdict`, `2 verdicts` (`noun`: singular, its plural takes an s). */
export function count(n: number, noun: string): string {
  return `${formatInt(n)} ${noun}${n === 1 ? "" : "s"}`;
}
