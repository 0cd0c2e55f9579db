/**
 * The SQLite store (`node:sqlite`, built into Deno: nothing downloaded at run time): alerts,
 * blocks, sensor runs and a key/value cache, in `ids.db` inside the data directory.
 *
 * - WAL journal, `synchronous=NORMAL`: a committed transaction survives the process being killed.
 * - Schema versioned with `PRAGMA user_version`; older files are migrated forward on open, a file
 *   from a newer ids is refused (never downgraded), a file that is not SQLite is refused and
 *   never overwritten.
 * - Parameterised SQL only.
 * - Writes come in batches, one transaction each ({@link Store.writeBatch}); `store/writer.ts`
 *   feeds it from the hub off the packet path.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { eveJson } from "../alerts/eve.ts";
import type { Alert } from "../core/alert.ts";
import { ATTACKS } from "../core/attack_type.ts";
import type { BlockEvent, BlockStatus } from "../core/block.ts";
import { protoName } from "../core/ip.ts";
import { databasePath } from "./data_dir.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";

/** Why the store could not be opened: one line that says what and how to fix. */
export class StoreError extends Error {
  override name = "StoreError";
}

/** Options of {@link Store.open}. */
export interface StoreOpenOptions {
  /** Open for reading only (`ids alerts`): no directory created, no migration. */
  readOnly?: boolean;
}

/** An alert row as queries return it. */
export interface AlertRow {
  id: number;
  /** Packet time (µs). */
  tsUs: number;
  time: string;
  type: string;
  label: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  proto: string;
  severity: number;
  decidedBy: string;
  confidence: number | null;
  signatureId: number;
  flowId: number;
  action: string;
  reason: string;
  /** The EVE record as written to the EVE output. */
  eve: string;
}

/** Filters of {@link Store.listAlerts}. */
export interface AlertQuery {
  /** Packet time at or after (µs). */
  sinceUs?: number;
  /** Packet time before (µs). */
  untilUs?: number;
  type?: string;
  /** Source or destination. */
  ip?: string;
  /** Most rows, newest first. Default 100. */
  limit?: number;
}

/** An alert row with its run, sequence number and triage marks (the dashboard's view). */
export interface MarkedAlertRow extends AlertRow {
  /** The sensor run that wrote it (null for rows written outside a run). */
  runId: number | null;
  /** The decision stage's sequence number within the run (0 when unknown). */
  seq: number;
  /** Acknowledged (1) or not (0). */
  ack: number;
  /** Escalated / starred (1) or not (0). */
  star: number;
}

/** Filters and keyset cursor of {@link Store.pageAlerts}. */
export interface AlertPageQuery {
  /** Packet time at or after (µs). */
  sinceUs?: number;
  /** Packet time at or before (µs). */
  untilUs?: number;
  type?: string;
  /** Source or destination. */
  ip?: string;
  severity?: number;
  /** Case-insensitive text in the label, type, endpoints, protocol, evidence or tags. */
  text?: string;
  /** false: only rows not acknowledged. */
  ack?: boolean;
  /** true: only escalated rows. */
  starred?: boolean;
  /** Cursor: rows older than this packet time (µs) — with `beforeId`, older than (time, id); alone, at or before it. */
  beforeUs?: number;
  /** Cursor: the row id that goes with `beforeUs`. */
  beforeId?: number;
  /** Rows at most (1 to 1000; default 200). */
  limit?: number;
  /** With `text`: rows read for the page at most (default {@link TEXT_SCAN_ROWS}). */
  scanRows?: number;
}

/** A block row as the dashboard pages it. */
export interface BlockRow extends BlockEvent {
  /** Row id (the cursor's tie-breaker). */
  rowId: number;
}

/** Filters and keyset cursor of {@link Store.pageBlocks}. */
export interface BlockPageQuery {
  ip?: string;
  /** Cursor: blocks started before (startMs, rowId). */
  beforeMs?: number;
  beforeRowId?: number;
  /** Rows at most (1 to 1000; default 200). */
  limit?: number;
}

/** Alerts of one address over time, counted per bucket and type ({@link Store.ipTimeline}). */
export interface IpTimeline {
  /** Alerts of the address in total. */
  total: number;
  /** Alerts in the buckets (the newest ones when there are more than the chart reads). */
  charted: number;
  firstUs: number | null;
  lastUs: number | null;
  /** Bucket width (µs). */
  bucketUs: number;
  buckets: { startUs: number; type: string; count: number }[];
}

/** Most rows one page returns. */
export const MAX_PAGE_ROWS = 1000;

/** Rows a text search reads for one page (the newest before the cursor). */
export const TEXT_SCAN_ROWS = 100_000;

/** Newest alerts per side (source, destination) an address's timeline reads. */
export const IP_TIMELINE_ROWS = 20_000;

/** What {@link Store.stats} returns. */
export interface AlertStats {
  total: number;
  byType: { type: string; count: number }[];
  topSources: { ip: string; count: number }[];
  topDestinations: { ip: string; count: number }[];
  /** Alerts per minute (packet time, minute start in ms) per type. */
  perMinute: { minuteMs: number; type: string; count: number }[];
  firstUs: number | null;
  lastUs: number | null;
}

/** One sensor run. */
export interface SensorRunRow {
  id: number;
  startedMs: number;
  stoppedMs: number | null;
  command: string;
  iface: string;
  status: string;
  counters: string;
}

const SQLITE_HEADER = "SQLite format 3\0";

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** True when the file exists, is not empty, and does not start with the SQLite header. */
function notSqlite(path: string): boolean {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { read: true });
    const head = new Uint8Array(16);
    const n = file.readSync(head) ?? 0;
    if (n === 0) return false;
    return new TextDecoder("latin1").decode(head.subarray(0, n)) !== SQLITE_HEADER;
  } catch {
    return false;
  } finally {
    file?.close();
  }
}

/** The columns of {@link MarkedAlertRow}, as a SELECT over `attacks`. */
const MARKED_ALERT_COLUMNS =
  `SELECT id, ts_us AS tsUs, time, type, label, src, dst, src_port AS srcPort, port AS dstPort, proto, severity,
    decided_by AS decidedBy, confidence, signature_id AS signatureId, flow_id AS flowId, action, reason, eve,
    run_id AS runId, seq, ack, star FROM attacks`;

/** The text match of a dashboard search (parameter: the lower-cased text). */
const TEXT_MATCH =
  `instr(lower(label || ' ' || type || ' ' || src || ':' || src_port || ' ' || dst || ':' || port || ' ' ||
  proto || ' ' || reason || ' ' || coalesce(json_extract(eve, '$.alert.metadata.tag'), '')), ?) > 0`;

/** The WHERE terms of a page query except its text (parameterised). */
function alertWhere(q: AlertPageQuery): { where: string[]; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const int = (v: number) => Math.floor(v);
  if (q.sinceUs !== undefined) {
    where.push("ts_us >= ?");
    args.push(int(q.sinceUs));
  }
  if (q.untilUs !== undefined) {
    where.push("ts_us <= ?");
    args.push(int(q.untilUs));
  }
  if (q.type !== undefined) {
    where.push("type = ?");
    args.push(q.type);
  }
  if (q.ip !== undefined) {
    where.push("(src = ? OR dst = ?)");
    args.push(q.ip, q.ip);
  }
  if (q.severity !== undefined) {
    where.push("severity = ?");
    args.push(int(q.severity));
  }
  if (q.ack === false) where.push("ack = 0");
  if (q.starred === true) where.push("star = 1");
  if (q.beforeUs !== undefined) {
    // a range on the time index, the id only breaks ties
    where.push("ts_us <= ?");
    args.push(int(q.beforeUs));
    if (q.beforeId !== undefined) {
      where.push("(ts_us < ? OR id < ?)");
      args.push(int(q.beforeUs), int(q.beforeId));
    }
  }
  return { where, args };
}

/** A triage flag as SQL: 1, 0, or null (unchanged). */
function flag(v: boolean | undefined): number | null {
  return v === undefined ? null : v ? 1 : 0;
}

/** A block event from a `blocks` row. */
function blockFromRow(r: Record<string, string | number | null>): BlockEvent {
  const e: BlockEvent = {
    id: String(r.block_id),
    ip: String(r.ip),
    status: String(r.status) as BlockStatus,
    atMs: Number(r.updated_ms),
    startMs: Number(r.start_ms),
    durationS: Number(r.duration_s),
    backend: String(r.backend),
  };
  if (r.expires_ms !== null) e.expiresMs = Number(r.expires_ms);
  if (r.error) e.error = String(r.error);
  if (r.type) e.type = String(r.type) as BlockEvent["type"];
  if (r.label) e.label = String(r.label);
  if (r.severity !== null) e.severity = Number(r.severity) as BlockEvent["severity"];
  if (r.alert_seq !== null) e.alertSeq = Number(r.alert_seq);
  if (r.reason) e.reason = String(r.reason);
  return e;
}

/** The alerts, blocks, runs and key/value database. */
export class Store {
  /** The database file. */
  readonly path: string;
  #db: DatabaseSync;
  #readOnly: boolean;
  #insertAlert: StatementSync | undefined;
  #upsertBlock: StatementSync | undefined;
  #blockCause: StatementSync | undefined;
  #kvGet: StatementSync | undefined;
  #kvSet: StatementSync | undefined;
  /** The current sensor run, rows written now belong to it. */
  runId: number | null = null;

  private constructor(path: string, db: DatabaseSync, readOnly: boolean) {
    this.path = path;
    this.#db = db;
    this.#readOnly = readOnly;
  }

  /**
   * Opens (creating and migrating as needed) the database in `dir`.
   *
   * @throws {StoreError} one line with the fix: directory not creatable or read-only, not a
   *   database, a database from a newer ids, a corrupt file
   */
  static open(dir: string, options: StoreOpenOptions = {}): Store {
    const readOnly = options.readOnly ?? false;
    const path = databasePath(dir);
    if (!readOnly) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new StoreError(
          `Cannot create data directory ${dir}: ${message(e)} (create it, or choose another with --data DIR)`,
        );
      }
    } else {
      try {
        Deno.statSync(path);
      } catch {
        throw new StoreError(`Cannot read alerts: no database at ${path} (run ids with --data ${dir} first)`);
      }
    }
    if (notSqlite(path)) {
      throw new StoreError(
        `Cannot open database ${path}: the file is not an SQLite database (corrupt?); ids never overwrites it — ` +
          `move it away or choose another --data DIR`,
      );
    }
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { readOnly });
    } catch (e) {
      throw new StoreError(`Cannot open database ${path}: ${message(e)} (check the permissions of ${dir})`);
    }
    const store = new Store(path, db, readOnly);
    try {
      store.#prepare();
    } catch (e) {
      try {
        db.close();
      } catch { /* already failed */ }
      if (e instanceof StoreError) throw e;
      const text = message(e);
      if (/readonly|read-only|permission|unable to open/i.test(text)) {
        throw new StoreError(
          `Cannot write database ${path}: ${text} (the data directory must be writable; see --data)`,
        );
      }
      if (/not a database|malformed|corrupt/i.test(text)) {
        throw new StoreError(
          `Cannot open database ${path}: ${text}; ids never overwrites it — move it away or choose another --data DIR`,
        );
      }
      throw new StoreError(`Cannot open database ${path}: ${text}`);
    }
    return store;
  }

  /** The schema version of the open file. */
  get version(): number {
    return Number((this.#db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
  }

  /** The underlying connection (tests, benchmarks). */
  get db(): DatabaseSync {
    return this.#db;
  }

  #prepare(): void {
    const db = this.#db;
    db.exec("PRAGMA busy_timeout = 5000");
    const version = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        `Cannot open database ${this.path}: it was written by a newer ids (schema ${version}; this ids knows up to ` +
          `${SCHEMA_VERSION}) — upgrade ids, or choose another --data DIR`,
      );
    }
    if (this.#readOnly) {
      if (version < SCHEMA_VERSION) {
        throw new StoreError(
          `Cannot read database ${this.path}: schema ${version} is older than ${SCHEMA_VERSION}; run ids with --data once to migrate it`,
        );
      }
      return;
    }
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    for (const m of MIGRATIONS) {
      if (m.version <= version) continue;
      db.exec("BEGIN IMMEDIATE");
      try {
        for (const sql of m.statements) db.exec(sql);
        db.exec(`PRAGMA user_version = ${m.version}`);
        db.exec("COMMIT");
      } catch (e) {
        db.exec("ROLLBACK");
        throw new StoreError(`Cannot migrate database ${this.path} to schema ${m.version}: ${message(e)}`);
      }
    }
    this.#insertAlert = db.prepare(
      `INSERT INTO attacks (time, label, src, proto, port, ts_us, dst, src_port, type, severity, decided_by,
         confidence, signature_id, flow_id, action, reason, run_id, eve, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#upsertBlock = db.prepare(
      `INSERT INTO blocks (time, ip, label, duration_s, status, block_id, start_ms, expires_ms, type, severity, backend,
         error, reason, alert_seq, updated_ms, run_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (block_id) DO UPDATE SET status = excluded.status, expires_ms = excluded.expires_ms,
         backend = excluded.backend, error = excluded.error, updated_ms = excluded.updated_ms,
         label = CASE WHEN excluded.label <> '' THEN excluded.label ELSE blocks.label END,
         reason = CASE WHEN excluded.reason <> '' THEN excluded.reason ELSE blocks.reason END
       WHERE blocks.status IN ('active', 'simulated')`, // an ended block stays ended: an unblock by hand never becomes an expiry
    );
    // what caused a block (its alert's severity and seq) is a fact, not a state: it fills the row whenever it
    // arrives. The IPS writes a block's row the moment the firewall took it, and the hub's event that carries the
    // alert's severity and seq comes after (after the block's end, for a short block or a quick unblock)
    this.#blockCause = db.prepare(
      `UPDATE blocks SET severity = coalesce(?, severity), alert_seq = coalesce(?, alert_seq) WHERE block_id = ?`,
    );
    this.#kvGet = db.prepare("SELECT value, expires_ms FROM kv WHERE key = ?");
    this.#kvSet = db.prepare(
      "INSERT INTO kv (key, value, expires_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms",
    );
  }

  /**
   * Writes alerts and block events in one transaction (all or nothing).
   *
   * @throws {Error} the SQLite error (disk full, I/O): nothing of the batch was written
   */
  writeBatch(alerts: readonly Alert[], blocks: readonly BlockEvent[] = []): void {
    const db = this.#db;
    const ins = this.#insertAlert!;
    const up = this.#upsertBlock!;
    db.exec("BEGIN");
    try {
      for (const a of alerts) {
        const eve = eveJson(a);
        ins.run(
          new Date(a.tsUs / 1000).toISOString(),
          a.label,
          a.src,
          protoName(a.proto),
          a.dstPort,
          Math.floor(a.tsUs),
          a.dst,
          a.srcPort,
          a.type,
          a.severity,
          a.decidedBy,
          a.decidedBy === "ml" ? a.mlConfidence ?? null : a.ml?.confidence ?? null,
          ATTACKS[a.type]?.signatureId ?? 0,
          Number.isSafeInteger(a.flowId) ? a.flowId : 0,
          a.action,
          a.reason,
          this.runId,
          eve,
          Number.isSafeInteger(a.seq) ? a.seq : 0,
        );
      }
      for (const b of blocks) {
        up.run(
          new Date(b.startMs).toISOString(),
          b.ip,
          b.label ?? "",
          Math.round(b.durationS),
          b.status,
          b.id,
          b.startMs,
          b.expiresMs ?? null,
          b.type ?? "",
          b.severity ?? null,
          b.backend,
          b.error ?? "",
          b.reason ?? "",
          b.alertSeq ?? null,
          b.atMs,
          this.runId,
        );
        if (b.severity !== undefined || b.alertSeq !== undefined) {
          this.#blockCause!.run(b.severity ?? null, b.alertSeq ?? null, b.id);
        }
      }
      db.exec("COMMIT");
    } catch (e) {
      try {
        db.exec("ROLLBACK");
      } catch { /* the transaction is already gone */ }
      throw e;
    }
  }

  /** Alerts matching `q`, newest first. */
  listAlerts(q: AlertQuery = {}): AlertRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.sinceUs !== undefined) {
      where.push("ts_us >= ?");
      args.push(Math.floor(q.sinceUs));
    }
    if (q.untilUs !== undefined) {
      where.push("ts_us < ?");
      args.push(Math.floor(q.untilUs));
    }
    if (q.type !== undefined) {
      where.push("type = ?");
      args.push(q.type);
    }
    let sql =
      `SELECT id, ts_us AS tsUs, time, type, label, src, dst, src_port AS srcPort, port AS dstPort, proto, severity,
      decided_by AS decidedBy, confidence, signature_id AS signatureId, flow_id AS flowId, action, reason, eve FROM attacks`;
    const limit = Math.max(1, Math.min(q.limit ?? 100, 1_000_000));
    if (q.ip !== undefined) {
      // two index ranges (src, dst) merged: an OR over both columns would scan the table
      const w = where.length > 0 ? ` AND ${where.join(" AND ")}` : "";
      sql =
        `SELECT * FROM (${sql} WHERE src = ?${w} UNION ${sql} WHERE dst = ?${w}) ORDER BY tsUs DESC, id DESC LIMIT ?`;
      return this.#db.prepare(sql).all(q.ip, ...args, q.ip, ...args, limit) as unknown as AlertRow[];
    }
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
    sql += " ORDER BY ts_us DESC, id DESC LIMIT ?";
    return this.#db.prepare(sql).all(...args, limit) as unknown as AlertRow[];
  }

  /** Counts per type, top sources and destinations, alerts per minute per type, since `sinceUs`. */
  stats(options: { sinceUs?: number; top?: number } = {}): AlertStats {
    const since = Math.floor(options.sinceUs ?? 0);
    const top = options.top ?? 10;
    const db = this.#db;
    const total = db.prepare(
      "SELECT count(*) AS n, min(ts_us) AS first, max(ts_us) AS last FROM attacks WHERE ts_us >= ?",
    )
      .get(since) as { n: number; first: number | null; last: number | null };
    return {
      total: Number(total.n),
      firstUs: total.first === null ? null : Number(total.first),
      lastUs: total.last === null ? null : Number(total.last),
      byType: db.prepare(
        "SELECT type, count(*) AS count FROM attacks WHERE ts_us >= ? GROUP BY type ORDER BY count DESC, type",
      ).all(since) as unknown as AlertStats["byType"],
      topSources: db.prepare(
        "SELECT src AS ip, count(*) AS count FROM attacks WHERE ts_us >= ? GROUP BY src ORDER BY count DESC, ip LIMIT ?",
      ).all(since, top) as unknown as AlertStats["topSources"],
      topDestinations: db.prepare(
        "SELECT dst AS ip, count(*) AS count FROM attacks WHERE ts_us >= ? GROUP BY dst ORDER BY count DESC, ip LIMIT ?",
      ).all(since, top) as unknown as AlertStats["topDestinations"],
      perMinute: db.prepare(
        `SELECT (ts_us / 60000000) * 60000 AS minuteMs, type, count(*) AS count FROM attacks WHERE ts_us >= ?
         GROUP BY minuteMs, type ORDER BY minuteMs, type`,
      ).all(since) as unknown as AlertStats["perMinute"],
    };
  }

  // ---- blocks (the IPS's BlockHistory) ----

  /** Blocks whose latest state is `active` or `simulated`. */
  liveBlocks(): BlockEvent[] {
    const rows = this.#db.prepare(
      `SELECT block_id, ip, status, updated_ms, start_ms, duration_s, expires_ms, backend, error, type, label, severity,
         alert_seq, reason FROM blocks WHERE status IN ('active', 'simulated') ORDER BY start_ms`,
    ).all() as Record<string, string | number | null>[];
    return rows.map(blockFromRow);
  }

  /** Blocks of `ip` started at or after `sinceMs`, failed ones excluded. */
  countBlocksSince(ip: string, sinceMs: number): number {
    const r = this.#db.prepare("SELECT count(*) AS n FROM blocks WHERE ip = ? AND start_ms >= ? AND status <> 'failed'")
      .get(ip, sinceMs) as { n: number };
    return Number(r.n);
  }

  /** Records one change of a block now (outside the hub's batches). */
  recordBlock(event: BlockEvent): void {
    this.writeBatch([], [event]);
  }

  /** Block rows, newest first. */
  listBlocks(limit = 100): Record<string, unknown>[] {
    return this.#db.prepare(
      `SELECT block_id AS id, time, ip, type, label, duration_s AS durationS, status, expires_ms AS expiresMs, backend,
         error, reason, updated_ms AS updatedMs, severity, alert_seq AS alertSeq FROM blocks
       ORDER BY start_ms DESC, id DESC LIMIT ?`,
    ).all(limit);
  }

  // ---- the dashboard: pages of older rows, triage marks, one address over time ----

  /**
   * Alerts matching `q`, newest first (packet time, then row id), with their marks; page on with
   * the last row's `tsUs` and `id` as `beforeUs` / `beforeId`.
   */
  pageAlerts(q: AlertPageQuery = {}): MarkedAlertRow[] {
    const { where, args } = alertWhere(q);
    const limit = Math.max(1, Math.min(Math.floor(q.limit ?? 200), MAX_PAGE_ROWS));
    const order = "ORDER BY ts_us DESC, id DESC";
    const cond = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
    if (q.text === undefined || q.text === "") {
      return this.#db.prepare(`${MARKED_ALERT_COLUMNS}${cond} ${order} LIMIT ?`).all(
        ...args,
        limit,
      ) as unknown as MarkedAlertRow[];
    }
    // text is searched in a window of the newest rows before the cursor (a bounded scan: the main
    // thread never reads the whole table for one page); textScanEdge() says where the window ended
    const scan = Math.max(1, Math.floor(q.scanRows ?? TEXT_SCAN_ROWS));
    return this.#db.prepare(
      `${MARKED_ALERT_COLUMNS} WHERE id IN (SELECT id FROM attacks${cond} ${order} LIMIT ?) AND ${TEXT_MATCH} ${order}
       LIMIT ?`,
    ).all(...args, scan, q.text.toLowerCase(), limit) as unknown as MarkedAlertRow[];
  }

  /**
   * The last row of the window a text search of `q` scanned (its cursor goes on to older rows);
   * undefined when the window reached the oldest row.
   */
  textScanEdge(q: AlertPageQuery): { tsUs: number; id: number } | undefined {
    const { where, args } = alertWhere(q);
    const scan = Math.max(1, Math.floor(q.scanRows ?? TEXT_SCAN_ROWS));
    const r = this.#db.prepare(
      `SELECT ts_us AS tsUs, id FROM attacks${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
       ORDER BY ts_us DESC, id DESC LIMIT 1 OFFSET ?`,
    ).get(...args, scan - 1) as { tsUs: number; id: number } | undefined;
    return r === undefined ? undefined : { tsUs: Number(r.tsUs), id: Number(r.id) };
  }

  /** The alert row `id` with its marks. */
  alertById(id: number): MarkedAlertRow | undefined {
    return this.#db.prepare(`${MARKED_ALERT_COLUMNS} WHERE id = ?`).get(id) as unknown as MarkedAlertRow | undefined;
  }

  /** The row of alert `seq` of run `runId`. */
  alertBySeq(runId: number, seq: number): MarkedAlertRow | undefined {
    return this.#db.prepare(`${MARKED_ALERT_COLUMNS} WHERE run_id = ? AND seq = ? ORDER BY id DESC LIMIT 1`)
      .get(runId, seq) as unknown as MarkedAlertRow | undefined;
  }

  /**
   * Sets the triage marks of alert row `id` (a mark not given stays); returns the row, undefined
   * when there is no such row.
   */
  markAlert(
    id: number,
    change: { ack?: boolean; star?: boolean },
    nowMs: number = Date.now(),
  ): MarkedAlertRow | undefined {
    const r = this.#db.prepare(
      "UPDATE attacks SET ack = coalesce(?, ack), star = coalesce(?, star), marked_ms = ? WHERE id = ?",
    ).run(flag(change.ack), flag(change.star), Math.floor(nowMs), id);
    return Number(r.changes) === 0 ? undefined : this.alertById(id);
  }

  /** Block rows newest first (start time, then row id), optionally of one address; page on with the last row. */
  pageBlocks(q: BlockPageQuery = {}): BlockRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.ip !== undefined) where.push("ip = ?"), args.push(q.ip);
    if (q.beforeMs !== undefined) {
      where.push("(start_ms < ? OR (start_ms = ? AND id < ?))");
      const id = q.beforeRowId ?? Number.MAX_SAFE_INTEGER;
      args.push(Math.floor(q.beforeMs), Math.floor(q.beforeMs), id);
    }
    const limit = Math.max(1, Math.min(Math.floor(q.limit ?? 200), MAX_PAGE_ROWS));
    const rows = this.#db.prepare(
      `SELECT id, block_id, ip, status, updated_ms, start_ms, duration_s, expires_ms, backend, error, type, label,
         severity, alert_seq, reason FROM blocks${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
       ORDER BY start_ms DESC, id DESC LIMIT ?`,
    ).all(...args, limit) as Record<string, string | number | null>[];
    return rows.map((r) => ({ ...blockFromRow(r), rowId: Number(r.id) }));
  }

  /**
   * Alerts of `ip` (source or destination) counted per type in at most `buckets` equal time
   * buckets, over its newest `maxRows` alerts on each side (index order: bounded work whatever the
   * history); `total` counts them all.
   */
  ipTimeline(ip: string, buckets = 60, maxRows = IP_TIMELINE_ROWS): IpTimeline {
    const db = this.#db;
    // counted on the (src, ts_us) and (dst, ts_us) indexes alone; an alert from ip to itself counts on both sides
    const total = Number(
      (db.prepare(
        "SELECT (SELECT count(*) FROM attacks WHERE src = ?) + (SELECT count(*) FROM attacks WHERE dst = ?) AS n",
      ).get(ip, ip) as { n: number }).n,
    );
    if (total === 0) return { total: 0, charted: 0, firstUs: null, lastUs: null, bucketUs: 60_000_000, buckets: [] };
    const window = `(SELECT id, ts_us, type FROM (SELECT id, ts_us, type FROM attacks WHERE src = ? ORDER BY ts_us DESC
      LIMIT ?) UNION SELECT id, ts_us, type FROM (SELECT id, ts_us, type FROM attacks WHERE dst = ? ORDER BY ts_us DESC LIMIT ?))`;
    const span = db.prepare(`SELECT count(*) AS n, min(ts_us) AS first, max(ts_us) AS last FROM ${window}`)
      .get(ip, maxRows, ip, maxRows) as { n: number; first: number; last: number };
    const first = Number(span.first);
    const last = Number(span.last);
    // whole seconds, at least one, so the buckets read well on an axis
    const bucketUs = Math.max(1_000_000, Math.ceil((last - first + 1) / Math.max(1, buckets) / 1_000_000) * 1_000_000);
    const rows = db.prepare(
      `SELECT ? + CAST((ts_us - ?) / ? AS INTEGER) * ? AS startUs, type, count(*) AS count FROM ${window}
       GROUP BY startUs, type ORDER BY startUs, type`,
    ).all(first, first, bucketUs, bucketUs, ip, maxRows, ip, maxRows) as {
      startUs: number;
      type: string;
      count: number;
    }[];
    return {
      total,
      charted: Number(span.n),
      firstUs: first,
      lastUs: last,
      bucketUs,
      buckets: rows.map((r) => ({ startUs: Number(r.startUs), type: String(r.type), count: Number(r.count) })),
    };
  }

  // ---- key/value cache (enrichment) ----

  /** The value of `key` when present and not expired at `nowMs`. */
  get(key: string, nowMs: number): string | undefined {
    const r = this.#kvGet?.get(key) as { value: string; expires_ms: number } | undefined;
    if (r === undefined || Number(r.expires_ms) <= nowMs) return undefined;
    return r.value;
  }

  /** Stores `value` under `key` until `expiresMs`. */
  set(key: string, value: string, expiresMs: number): void {
    this.#kvSet?.run(key, value, Math.floor(expiresMs));
  }

  // ---- sensor runs ----

  /** Starts a sensor run; rows written from now on carry its id. */
  startRun(command: string, iface = "", version = ""): number {
    const r = this.#db.prepare(
      "INSERT INTO sensor_runs (started_ms, command, interface, version) VALUES (?, ?, ?, ?)",
    ).run(Date.now(), command, iface, version);
    this.runId = Number(r.lastInsertRowid);
    return this.runId;
  }

  /** Ends the current run with its final counters. */
  finishRun(status: string, counters: unknown, iface?: string): void {
    if (this.runId === null) return;
    this.#db.prepare(
      "UPDATE sensor_runs SET stopped_ms = ?, status = ?, counters = ?, interface = coalesce(?, interface) WHERE id = ?",
    ).run(Date.now(), status, JSON.stringify(counters ?? {}), iface ?? null, this.runId);
  }

  /** Sensor runs, newest first. */
  listRuns(limit = 20): SensorRunRow[] {
    return this.#db.prepare(
      `SELECT id, started_ms AS startedMs, stopped_ms AS stoppedMs, command, interface AS iface, status, counters
       FROM sensor_runs ORDER BY id DESC LIMIT ?`,
    ).all(limit) as unknown as SensorRunRow[];
  }

  // ---- retention ----

  /**
   * Deletes alerts older than `maxAgeS` (packet time relative to `nowUs`) and beyond the newest
   * `maxRows`, at most `chunk` rows per call (call again while it returns `chunk`); expired
   * cache entries go too.
   *
   * @returns rows deleted
   */
  prune(options: { maxAgeS?: number; maxRows?: number; nowUs?: number; chunk?: number }): number {
    const db = this.#db;
    const chunk = options.chunk ?? 10_000;
    let deleted = 0;
    if (options.maxAgeS !== undefined && options.maxAgeS > 0) {
      const cutoff = Math.floor((options.nowUs ?? Date.now() * 1000) - options.maxAgeS * 1e6);
      deleted += Number(
        db.prepare("DELETE FROM attacks WHERE id IN (SELECT id FROM attacks WHERE ts_us < ? LIMIT ?)").run(
          cutoff,
          chunk,
        )
          .changes,
      );
      const cutoffMs = Math.floor(cutoff / 1000);
      db.prepare(
        "DELETE FROM blocks WHERE id IN (SELECT id FROM blocks WHERE status NOT IN ('active', 'simulated') AND updated_ms < ? LIMIT ?)",
      ).run(cutoffMs, chunk);
    }
    if (options.maxRows !== undefined && options.maxRows > 0 && deleted < chunk) {
      const edge = db.prepare("SELECT id FROM attacks ORDER BY id DESC LIMIT 1 OFFSET ?").get(options.maxRows) as
        | { id: number }
        | undefined;
      if (edge !== undefined) {
        deleted += Number(
          db.prepare("DELETE FROM attacks WHERE id IN (SELECT id FROM attacks WHERE id <= ? ORDER BY id LIMIT ?)")
            .run(edge.id, chunk - deleted).changes,
        );
      }
    }
    db.prepare("DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE expires_ms < ? LIMIT ?)").run(Date.now(), chunk);
    return deleted;
  }

  /** `PRAGMA integrity_check`: "ok" or the first problem. */
  integrityCheck(): string {
    const r = this.#db.prepare("PRAGMA integrity_check").get() as Record<string, string>;
    return Object.values(r)[0];
  }

  /** Closes the database (a WAL checkpoint happens on the last close). Idempotent. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
