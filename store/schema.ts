/**
 * The database schema and its forward migrations, versioned with `PRAGMA user_version`.
 *
 * Version 1 held the seed's columns only (attacks: time, label, source, protocol, port; blocks:
 * time, address, label, duration, status). Version 2 adds the rest of each alert and block, the
 * sensor runs, the key/value cache and the indexes the queries need. Version 3 adds each alert's
 * sequence number within its run (the dashboard's link between a live alert and its row) and the
 * operator's triage marks (acknowledged, escalated). A migration never drops data; each runs in its
 * own transaction with the version bump.
 *
 * @module
 */

/** One forward step: from `version - 1` to `version`. */
export interface Migration {
  version: number;
  /** SQL statements, run in order inside one transaction. */
  statements: readonly string[];
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE attacks (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        label TEXT NOT NULL,
        src TEXT NOT NULL,
        proto TEXT NOT NULL,
        port INTEGER NOT NULL
      )`,
      `CREATE TABLE blocks (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        ip TEXT NOT NULL,
        label TEXT NOT NULL,
        duration_s INTEGER NOT NULL,
        status TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    statements: [
      // attacks: the whole alert (the seed's port column is the destination port)
      `ALTER TABLE attacks ADD COLUMN ts_us INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE attacks ADD COLUMN dst TEXT NOT NULL DEFAULT ''`,
      `ALTER TABLE attacks ADD COLUMN src_port INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE attacks ADD COLUMN type TEXT NOT NULL DEFAULT ''`,
      `ALTER TABLE attacks ADD COLUMN severity INTEGER NOT NULL DEFAULT 3`,
      `ALTER TABLE attacks ADD COLUMN decided_by TEXT NOT NULL DEFAULT 'heuristic'`,
      `ALTER TABLE attacks ADD COLUMN confidence REAL`,
      `ALTER TABLE attacks ADD COLUMN signature_id INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE attacks ADD COLUMN flow_id INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE attacks ADD COLUMN action TEXT NOT NULL DEFAULT 'allowed'`,
      `ALTER TABLE attacks ADD COLUMN reason TEXT NOT NULL DEFAULT ''`,
      `ALTER TABLE attacks ADD COLUMN run_id INTEGER`,
      `ALTER TABLE attacks ADD COLUMN eve TEXT NOT NULL DEFAULT '{}'`,
      // rows of version 1 get a packet time from their text time
      `UPDATE attacks SET ts_us = CAST(strftime('%s', substr(time, 1, 19)) AS INTEGER) * 1000000 WHERE ts_us = 0`,
      `CREATE INDEX attacks_ts ON attacks (ts_us)`,
      `CREATE INDEX attacks_type_ts ON attacks (type, ts_us)`,
      `CREATE INDEX attacks_src_ts ON attacks (src, ts_us)`,
      `CREATE INDEX attacks_dst_ts ON attacks (dst, ts_us)`,
      // blocks: one row per block, updated as its state changes
      `ALTER TABLE blocks ADD COLUMN block_id TEXT`,
      `ALTER TABLE blocks ADD COLUMN start_ms INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE blocks ADD COLUMN expires_ms INTEGER`,
      `ALTER TABLE blocks ADD COLUMN type TEXT NOT NULL DEFAULT ''`,
      `ALTER TABLE blocks ADD COLUMN severity INTEGER`,
      `ALTER TABLE blocks ADD COLUMN backend TEXT NOT NULL DEFAULT 'simulated'`,
      `ALTER TABLE blocks ADD COLUMN error TEXT NOT NULL DEFAULT ''`,
      `ALTER TABLE blocks ADD COLUMN reason TEXT NOT NULL DEFAULT ''`,
      `ALTER TABLE blocks ADD COLUMN alert_seq INTEGER`,
      `ALTER TABLE blocks ADD COLUMN updated_ms INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE blocks ADD COLUMN run_id INTEGER`,
      `UPDATE blocks SET block_id = 'v1-' || id, status = lower(status),
         start_ms = CAST(strftime('%s', substr(time, 1, 19)) AS INTEGER) * 1000 WHERE block_id IS NULL`,
      `CREATE UNIQUE INDEX blocks_block_id ON blocks (block_id)`,
      `CREATE INDEX blocks_ip_start ON blocks (ip, start_ms)`,
      `CREATE INDEX blocks_status ON blocks (status)`,
      `CREATE TABLE sensor_runs (
        id INTEGER PRIMARY KEY,
        started_ms INTEGER NOT NULL,
        stopped_ms INTEGER,
        command TEXT NOT NULL,
        interface TEXT NOT NULL DEFAULT '',
        version TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'running',
        counters TEXT NOT NULL DEFAULT '{}'
      )`,
      `CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        expires_ms INTEGER NOT NULL
      ) WITHOUT ROWID`,
    ],
  },
  {
    version: 3,
    statements: [
      // the decision stage's sequence number (unique within a run; 0 for rows written before version 3)
      `ALTER TABLE attacks ADD COLUMN seq INTEGER NOT NULL DEFAULT 0`,
      // triage from the dashboard: acknowledged, escalated (starred), when last marked (wall clock)
      `ALTER TABLE attacks ADD COLUMN ack INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE attacks ADD COLUMN star INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE attacks ADD COLUMN marked_ms INTEGER`,
      `CREATE INDEX attacks_run_seq ON attacks (run_id, seq)`,
    ],
  },
  {
    version: 4,
    statements: [
      // escalated alerts are few: "escalated only" reads them by time without scanning the table
      `CREATE INDEX attacks_star_ts ON attacks (ts_us) WHERE star = 1`,
    ],
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1].version;
