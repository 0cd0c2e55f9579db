/**
 * Retraining from the sensor's feedback CSV (`outputs.feedback_csv`, the seed's `guardar_dataset.py`): turns the
 * operator-reviewed alert rows plus a capture of the same traffic into a labelled scenario of a training manifest.
 *
 * The CSV has one row per alert: `time,source,destination,port,protocol,tcp_flags,heuristic_label,ml_label,
 * ml_confidence`. The operator may add a last column `verdict` with the right label (`Normal` for a false alarm, or an
 * attack's display or machine name: `Brute Force`, `brute_force`); a row without one keeps its heuristic label
 * (the detector's type). Rows whose verdict is `skip` are left out.
 *
 * Every alert labels the flows of its protocol between its source and destination (either direction) whose rows fall
 * within `windowS` seconds of the alert time; where the windows of several alerts of one pair overlap (one attacker
 * scanning, then flooding), a row takes the label of the nearest alert. The capture's other flows give no rows
 * (unknown, not assumed benign).
 *
 * @module
 */
import { ATTACK_TYPES, ATTACKS } from "../core/attack_type.ts";
import { NORMAL, type Scenario } from "./extract.ts";

/** One labelled host pair of a feedback scenario. */
export interface FeedbackFlow {
  /** Alert source (address as text). */
  src: string;
  /** Alert destination. */
  dst: string;
  /** The rows' time window: the first alert time less the window, the last plus it (ISO 8601). */
  start: string;
  end: string;
  /** First and last alert time of this pair, label and protocol (ISO 8601). */
  alerts: [string, string];
  /** Machine label (`normal` or an attack type). */
  label: string;
  /** IP protocol number of the alerted flow (its rows only get this label); absent: any. */
  proto?: number;
}

/** Protocol names of the CSV (`protoName`) to numbers. */
const PROTOS: Record<string, number> = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, "IPV6-ICMP": 58 };

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The machine label of a CSV label (`Normal`, a display name or a machine name); undefined when unknown. */
export function labelOf(text: string): string | undefined {
  // the CSV writer prefixes formula-like fields with ' (spreadsheet safety)
  const t = text.trim().replace(/^'/, "");
  if (t === "") return undefined;
  if (/^normal$/i.test(t) || /^benign$/i.test(t)) return NORMAL;
  const lower = t.toLowerCase();
  for (const type of ATTACK_TYPES) {
    if (type === lower || ATTACKS[type].display.toLowerCase() === lower) return type;
  }
  return undefined;
}

/** Options of {@link feedbackScenario}. */
export interface FeedbackOptions {
  /** Scenario name (default: the capture's file name without extensions). */
  name?: string;
  /** Seconds around each alert whose flow rows get its label (default 30). */
  windowS?: number;
}

/**
 * Builds the training scenario of a capture from feedback CSV text. Throws `Cannot read feedback: …` naming the line
 * of a row it cannot use (unknown label, bad time or address).
 */
export function feedbackScenario(csvText: string, captureFile: string, options: FeedbackOptions = {}): Scenario {
  const rows = parseCsv(csvText).filter((r) => r.length > 1 || r[0] !== "");
  const header = rows[0]?.map((h) => h.trim().toLowerCase()) ?? [];
  const col = (name: string) => header.indexOf(name);
  const [cTime, cSrc, cDst, cHeur, cProto] = ["time", "source", "destination", "heuristic_label", "protocol"].map(col);
  if ([cTime, cSrc, cDst, cHeur].some((c) => c < 0)) {
    throw new Error("Cannot read feedback: the header lacks time, source, destination or heuristic_label");
  }
  const cVerdict = col("verdict");
  const windowUs = (options.windowS ?? 30) * 1e6;
  const groups = new Map<
    string,
    { src: string; dst: string; label: string; proto?: number; first: number; last: number }
  >();
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i];
    if (r.every((f) => f === "")) continue;
    // the writer repeats the header at the top of every rotated file: concatenated files are fine
    if (r[cTime]?.trim().toLowerCase() === "time") continue;
    const verdict = cVerdict >= 0 ? (r[cVerdict] ?? "").trim() : "";
    if (/^skip$/i.test(verdict)) continue;
    const labelText = verdict !== "" ? verdict : r[cHeur] ?? "";
    const label = labelOf(labelText);
    if (label === undefined) throw new Error(`Cannot read feedback: line ${i + 1}: unknown label "${labelText}"`);
    const t = Date.parse(r[cTime] ?? "");
    if (!Number.isFinite(t)) throw new Error(`Cannot read feedback: line ${i + 1}: bad time "${r[cTime]}"`);
    const src = (r[cSrc] ?? "").trim(), dst = (r[cDst] ?? "").trim();
    if (!/^[0-9a-fA-F.:]+$/.test(src) || !/^[0-9a-fA-F.:]+$/.test(dst)) {
      throw new Error(`Cannot read feedback: line ${i + 1}: bad address "${src}" or "${dst}"`);
    }
    const proto = cProto >= 0 ? PROTOS[(r[cProto] ?? "").trim().toUpperCase()] : undefined;
    const key = `${src}|${dst}|${label}|${proto}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { src, dst, label, proto, first: t * 1000, last: t * 1000 });
    else {
      g.first = Math.min(g.first, t * 1000);
      g.last = Math.max(g.last, t * 1000);
    }
  }
  if (groups.size === 0) throw new Error("Cannot read feedback: no alert rows");
  const iso = (us: number) => new Date(us / 1000).toISOString();
  const flows: FeedbackFlow[] = [...groups.values()].map((g) => ({
    src: g.src,
    dst: g.dst,
    label: g.label,
    ...(g.proto !== undefined ? { proto: g.proto } : {}),
    start: iso(g.first - windowUs),
    end: iso(g.last + windowUs),
    alerts: [iso(g.first), iso(g.last)],
  }));
  const starts = flows.map((f) => Date.parse(f.start)), ends = flows.map((f) => Date.parse(f.end));
  const base = captureFile.split(/[\\/]/).pop()!;
  return {
    name: options.name ?? base.replace(/\.(pcapng|pcap)(\.gz)?$/, ""),
    file: base,
    kind: "feedback",
    flows,
    start: new Date(Math.min(...starts)).toISOString(),
    end: new Date(Math.max(...ends)).toISOString(),
  };
}
