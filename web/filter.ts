/**
 * Alert filters shared by the server (queries, exports) and the events island.
 *
 * @module
 */
import type { AlertDto } from "./dto.ts";

/** Filter over alerts (events panel, exports). */
export interface AlertFilter {
  type?: string;
  ip?: string;
  severity?: number;
  /** Case-insensitive text over label, type, IPs, ports, evidence and tags. */
  q?: string;
  /** Packet time bounds, ms. */
  since?: number;
  until?: number;
  /** Only ids below this (paging to older rows). */
  before?: number;
  /** Include acknowledged alerts (default true). */
  ack?: boolean;
  /** Only escalated alerts. */
  starred?: boolean;
}

/** True when `a` passes `f`. */
export function matchAlert(a: AlertDto, f: AlertFilter): boolean {
  if (f.type && a.type !== f.type) return false;
  if (f.ip && a.src !== f.ip && a.dst !== f.ip) return false;
  if (f.severity && a.severity !== f.severity) return false;
  if (f.since !== undefined && a.ts < f.since) return false;
  if (f.until !== undefined && a.ts > f.until) return false;
  if (f.before !== undefined && a.id >= f.before) return false;
  if (f.ack === false && a.ack) return false;
  if (f.starred && !a.star) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    const hay = `${a.label} ${a.type} ${a.src}:${a.srcPort} ${a.dst}:${a.dstPort} ${a.proto} ${a.reason} ${
      a.tags.join(" ")
    }`.toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

/** Reads a filter from URL query parameters (unknown values ignored). */
export function filterFromQuery(get: (name: string) => string | undefined | null): AlertFilter {
  const f: AlertFilter = {};
  const str = (k: string) => {
    const v = get(k);
    return v ? v.slice(0, 200) : undefined;
  };
  const int = (k: string) => {
    const v = Number(get(k));
    return get(k) && Number.isFinite(v) ? v : undefined;
  };
  f.type = str("type");
  f.ip = str("ip");
  f.q = str("q");
  const sev = int("severity");
  if (sev === 1 || sev === 2 || sev === 3) f.severity = sev;
  f.since = int("since");
  f.until = int("until");
  f.before = int("before");
  if (get("ack") === "0") f.ack = false;
  if (get("starred") === "1") f.starred = true;
  return f;
}
