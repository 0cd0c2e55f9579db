/**
 * The store as the dashboard reads it ({@link AlertArchive}): pages of older alerts and blocks with
 * the current filter, triage marks written to the alert rows (they survive a restart), and one
 * address's alerts and blocks over time. Every query is parameterised and bounded.
 *
 * @module
 */
import type { AlertPageQuery, MarkedAlertRow, Store } from "../store/store.ts";
import { MAX_PAGE_ROWS } from "../store/store.ts";
import type { AlertArchive, TriageChange } from "./context.ts";
import { blockToDto } from "./convert.ts";
import type { AlertDto, AlertPageDto, BlockPageDto, IpHistoryDto, SeverityDto } from "./dto.ts";
import type { AlertFilter } from "./filter.ts";

/** Options of {@link storeArchive}. */
export interface StoreArchiveOptions {
  /** Writes what the store writer holds (a live alert's row may still be on its way). */
  flush?: () => void;
  /** Buckets of the IP chart (default 60). */
  buckets?: number;
}

/** A cursor `A` or `A:B` of two non-negative integers; undefined when absent, null when malformed. */
export function parseCursor(text: string | undefined): { a: number; b?: number } | undefined | null {
  if (text === undefined || text === "") return undefined;
  const m = /^(\d{1,17})(?::(\d{1,17}))?$/.exec(text);
  if (!m) return null;
  const a = Number(m[1]);
  const b = m[2] === undefined ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(a) || (b !== undefined && !Number.isSafeInteger(b))) return null;
  return b === undefined ? { a } : { a, b };
}

/** A stored alert row as the dashboard shows it. */
export function rowToDto(r: MarkedAlertRow): AlertDto {
  let meta: { tag?: unknown; suppressed?: unknown } = {};
  try {
    meta = (JSON.parse(r.eve) as { alert?: { metadata?: typeof meta } }).alert?.metadata ?? {};
  } catch { /* a row without its EVE record (schema 1): no tags */ }
  const tags = Array.isArray(meta.tag) ? meta.tag.slice(2).map(String) : [];
  const suppressed = Array.isArray(meta.suppressed) ? Number(meta.suppressed[0]) || 0 : 0;
  const runId = r.runId === null ? null : Number(r.runId);
  const seq = Number(r.seq);
  const id = Number(r.id);
  const dto: AlertDto = {
    id,
    key: runId !== null && seq > 0 ? `${runId}:${seq}` : `row:${id}`,
    rowId: id,
    ts: Number(r.tsUs) / 1000,
    type: r.type,
    label: r.label,
    decidedBy: r.decidedBy === "ml" ? "ml" : "heuristic",
    src: r.src,
    dst: r.dst,
    srcPort: Number(r.srcPort),
    dstPort: Number(r.dstPort),
    proto: r.proto,
    severity: ([1, 2, 3].includes(Number(r.severity)) ? Number(r.severity) : 3) as SeverityDto,
    action: r.action === "blocked" ? "blocked" : "allowed",
    reason: r.reason,
    tags,
    suppressed,
    ack: Number(r.ack) === 1,
    star: Number(r.star) === 1,
  };
  if (dto.decidedBy === "ml" && r.confidence !== null) dto.ml = Number(r.confidence);
  return dto;
}

/** The store's query for a dashboard filter (ms → µs). */
function queryOf(filter: AlertFilter): AlertPageQuery {
  return {
    type: filter.type,
    ip: filter.ip,
    severity: filter.severity,
    text: filter.q,
    sinceUs: filter.since === undefined ? undefined : filter.since * 1000,
    untilUs: filter.until === undefined ? undefined : filter.until * 1000,
    ack: filter.ack,
    starred: filter.starred,
  };
}

/** The dashboard's view of `store`. */
export function storeArchive(store: Store, options: StoreArchiveOptions = {}): AlertArchive {
  const limitOf = (n: number) => Math.max(1, Math.min(Math.floor(n) || 1, MAX_PAGE_ROWS));
  return {
    path: store.path,

    alerts(filter: AlertFilter, cursor: string | undefined, limit: number): AlertPageDto {
      const c = parseCursor(cursor);
      if (c === null) throw new RangeError(`Cannot page alerts: cursor "${cursor}" is not TSUS or TSUS:ROWID`);
      const n = limitOf(limit);
      const query = { ...queryOf(filter), beforeUs: c?.a, beforeId: c?.b, limit: n };
      const rows = store.pageAlerts(query);
      const last = rows[rows.length - 1];
      let next = rows.length === n && last ? `${Number(last.tsUs)}:${Number(last.id)}` : null;
      if (next === null && query.text) {
        // a text search reads a bounded window of rows per page: go on after the window
        const edge = store.textScanEdge(query);
        if (edge) next = `${edge.tsUs}:${edge.id}`;
      }
      return { store: store.path, alerts: rows.map(rowToDto), next };
    },

    exportAlerts(filter: AlertFilter, max: number): { dto: AlertDto; eve: string }[] {
      // what the writer still holds belongs in the export too
      options.flush?.();
      const out: { dto: AlertDto; eve: string }[] = [];
      let cursor: { beforeUs?: number; beforeId?: number } = {};
      while (out.length < max) {
        const rows = store.pageAlerts({
          ...queryOf(filter),
          ...cursor,
          limit: Math.min(MAX_PAGE_ROWS, max - out.length),
        });
        for (const r of rows) out.push({ dto: rowToDto(r), eve: r.eve });
        if (rows.length < MAX_PAGE_ROWS) break;
        const last = rows[rows.length - 1];
        cursor = { beforeUs: Number(last.tsUs), beforeId: Number(last.id) };
      }
      return out;
    },

    markRow(rowId: number, change: TriageChange): AlertDto | undefined {
      const row = store.markAlert(rowId, change);
      return row ? rowToDto(row) : undefined;
    },

    async markKey(key: string, change: TriageChange): Promise<boolean> {
      const m = /^(\d+):(\d+)$/.exec(key);
      if (!m) return false;
      const [run, seq] = [Number(m[1]), Number(m[2])];
      // the store writer commits every ~100 ms: a click on a brand-new alert may come first
      for (let attempt = 0; attempt < 5; attempt++) {
        const row = store.alertBySeq(run, seq);
        if (row) return store.markAlert(Number(row.id), change) !== undefined;
        options.flush?.();
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
      return false;
    },

    blocks(ip: string | undefined, cursor: string | undefined, limit: number): BlockPageDto {
      const c = parseCursor(cursor);
      if (c === null) throw new RangeError(`Cannot page blocks: cursor "${cursor}" is not STARTMS:ROWID`);
      const n = limitOf(limit);
      const rows = store.pageBlocks({ ip, beforeMs: c?.a, beforeRowId: c?.b, limit: n });
      const last = rows[rows.length - 1];
      return {
        store: store.path,
        blocks: rows.map(blockToDto),
        next: rows.length === n && last ? `${last.startMs}:${last.rowId}` : null,
      };
    },

    ipHistory(ip: string): IpHistoryDto {
      const tl = store.ipTimeline(ip, options.buckets ?? 60);
      return {
        from: "store",
        total: tl.total,
        charted: tl.charted,
        bucketMs: tl.bucketUs / 1000,
        buckets: tl.buckets.map((b) => ({ t: b.startUs / 1000, type: b.type, count: b.count })),
        blocks: store.pageBlocks({ ip, limit: 200 }).map(blockToDto),
      };
    },
  };
}
