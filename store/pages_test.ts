import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
import { Store } from "./store.ts";
import { testAlert, testBlock } from "./_test_alerts.ts";

async function withStore(fn: (store: Store, dir: string) => void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ids-pages-" });
  const store = Store.open(dir);
  try {
    fn(store, dir);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("pageAlerts: keyset pages walk every row once, newest first, whatever the page size", () =>
  withStore((store) => {
    store.startRun("test");
    // 30 alerts sharing one packet time among 250: the (time, id) cursor must not repeat or skip them
    const alerts = Array.from({ length: 250 }, (_, i) => testAlert(i, i >= 100 && i < 130 ? { tsUs: 1.8e15 } : {}));
    store.writeBatch(alerts);
    for (const size of [1, 7, 64, 1000]) {
      const seen: number[] = [];
      let cursor: { beforeUs?: number; beforeId?: number } = {};
      for (let guard = 0; guard < 400; guard++) {
        const page = store.pageAlerts({ ...cursor, limit: size });
        if (page.length === 0) break;
        assert.ok(page.length <= size);
        for (let i = 1; i < page.length; i++) {
          const a = page[i - 1];
          const b = page[i];
          assert.ok(a.tsUs > b.tsUs || (a.tsUs === b.tsUs && a.id > b.id), "newest first");
        }
        seen.push(...page.map((r) => r.id));
        const last = page[page.length - 1];
        cursor = { beforeUs: last.tsUs, beforeId: last.id };
      }
      assert.equal(seen.length, 250, `size ${size}`);
      assert.equal(new Set(seen).size, 250, `size ${size}: no row twice`);
    }
    // a cursor without an id: at or before that time
    assert.equal(store.pageAlerts({ beforeUs: testAlert(9).tsUs, limit: 1000 }).length, 10);
    // the page size is bounded
    assert.equal(store.pageAlerts({ limit: 1e9 }).length, 250);
    assert.equal(store.pageAlerts({ limit: 0 }).length, 1);
  }));

Deno.test("pageAlerts: type, IP, severity, time, text, acknowledged and starred filters (parameterised)", () =>
  withStore((store) => {
    store.startRun("test");
    store.writeBatch(Array.from({ length: 40 }, (_, i) => testAlert(i, i === 5 ? { severity: 1 } : {})));
    const t0 = testAlert(0).tsUs;
    assert.equal(store.pageAlerts({ type: "syn_flood" }).length, 10);
    assert.ok(store.pageAlerts({ type: "syn_flood" }).every((r) => r.type === "syn_flood"));
    assert.equal(store.pageAlerts({ ip: "10.0.0.7" }).length, 1, "source");
    assert.equal(store.pageAlerts({ ip: "10.9.0.1" }).length, 13, "destination");
    assert.deepEqual(store.pageAlerts({ severity: 1 }).map((r) => r.reason), ["test alert 5"]);
    assert.equal(store.pageAlerts({ sinceUs: t0 + 10_000, untilUs: t0 + 19_000 }).length, 10);
    assert.deepEqual(store.pageAlerts({ text: "ALERT 17" }).map((r) => r.reason), ["test alert 17"]);
    assert.equal(store.pageAlerts({ text: "heuristic" }).length, 40, "tags are searched");
    assert.equal(store.pageAlerts({ text: "10.0.0.3:40003" }).length, 1, "endpoint with port");
    // hostile text is data, not SQL
    for (const text of ["' OR 1=1 --", "%", "%_%", '") OR ("1']) assert.equal(store.pageAlerts({ text }).length, 0);
    assert.equal(store.pageAlerts({ type: "x' OR '1'='1" }).length, 0);

    const row = store.pageAlerts({ text: "test alert 3" }).find((r) => r.reason === "test alert 3")!;
    assert.equal(row.ack, 0);
    assert.equal(row.seq, 4, "the decision stage's sequence number is stored");
    assert.equal(row.runId, store.runId);
    assert.equal(store.markAlert(row.id, { ack: true })?.ack, 1);
    assert.equal(store.markAlert(row.id, { star: true })?.ack, 1, "a mark not given stays");
    assert.equal(store.alertById(row.id)?.star, 1);
    assert.equal(store.pageAlerts({ ack: false }).length, 39);
    assert.deepEqual(store.pageAlerts({ starred: true }).map((r) => r.id), [row.id]);
    assert.equal(store.alertBySeq(store.runId!, 4)?.id, row.id);
    assert.equal(store.alertBySeq(store.runId!, 999), undefined);
    assert.equal(store.markAlert(999_999, { ack: true }), undefined);
  }));

Deno.test("triage marks survive closing and reopening the database", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-pages-" });
  try {
    let store = Store.open(dir);
    store.startRun("test");
    store.writeBatch([testAlert(0), testAlert(1)]);
    const id = store.pageAlerts()[0].id;
    store.markAlert(id, { ack: true, star: true });
    store.close();
    store = Store.open(dir);
    assert.deepEqual(
      store.pageAlerts().map((r) => [r.id, r.ack, r.star]),
      [[id, 1, 1], [id - 1, 0, 0]],
    );
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("migration from 2 keeps every alert and adds unmarked triage columns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-pages-" });
  try {
    const db = new DatabaseSync(join(dir, "ids.db"));
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
      for (const sql of m.statements) db.exec(sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
    }
    db.prepare(
      "INSERT INTO attacks (time, label, src, proto, port, ts_us, type) VALUES ('2026-01-01T00:00:00Z', 'old', '10.1.1.1', 'TCP', 22, 5, 'port_scan')",
    ).run();
    db.close();
    const store = Store.open(dir);
    assert.equal(store.version, SCHEMA_VERSION);
    const [row] = store.pageAlerts();
    assert.equal(row.label, "old");
    assert.deepEqual([row.seq, row.ack, row.star], [0, 0, 0]);
    assert.equal(store.markAlert(row.id, { star: true })?.star, 1);
    store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pageBlocks pages block rows newest first; ipTimeline buckets an address's alerts", () =>
  withStore((store) => {
    for (let i = 0; i < 12; i++) {
      store.recordBlock(testBlock(`10.5.0.${i % 3}`, "expired", { id: `b${i}`, startMs: 1000 + i * 10 }));
    }
    const first = store.pageBlocks({ limit: 5 });
    assert.deepEqual(first.map((b) => b.id), ["b11", "b10", "b9", "b8", "b7"]);
    const last = first[first.length - 1];
    const next = store.pageBlocks({ beforeMs: last.startMs, beforeRowId: last.rowId, limit: 100 });
    assert.deepEqual(next.map((b) => b.id), ["b6", "b5", "b4", "b3", "b2", "b1", "b0"]);
    assert.deepEqual(store.pageBlocks({ ip: "10.5.0.1" }).map((b) => b.id), ["b10", "b7", "b4", "b1"]);
    assert.equal(first[0].status, "expired");
    assert.equal(first[0].type, "syn_flood");

    // 120 alerts of 10.0.0.1 over 119 ms… and of others
    store.writeBatch(Array.from({ length: 600 }, (_, i) => testAlert(i)));
    const tl = store.ipTimeline("10.0.0.1");
    assert.equal(tl.total, 1);
    const dst = store.ipTimeline("10.9.0.0", 10);
    assert.equal(dst.total, 200);
    assert.equal(dst.buckets.reduce((n, b) => n + b.count, 0), 200);
    assert.ok(dst.buckets.length <= 10 * 4);
    assert.equal(dst.bucketUs, 1_000_000);
    assert.deepEqual(store.ipTimeline("192.0.2.1"), {
      total: 0,
      charted: 0,
      firstUs: null,
      lastUs: null,
      bucketUs: 60_000_000,
      buckets: [],
    });
  }));

Deno.test("bounded reads: a text search scans a window of rows per page; the IP timeline reads the newest rows", () =>
  withStore((store) => {
    store.startRun("test");
    store.writeBatch(Array.from({ length: 1000 }, (_, i) => testAlert(i)));
    // "alert 5" matches alerts 5, 50–59, 500–599: with a window of 100 rows, only the newest 100 are read
    const q = { text: "alert 5", scanRows: 100, limit: 1000 };
    assert.deepEqual(store.pageAlerts(q).map((r) => r.reason), []);
    let edge = store.textScanEdge(q)!;
    assert.equal(store.alertById(edge.id)?.reason, "test alert 900", "the window's last row");
    // going on from the edge, window by window, finds every match once
    const found: string[] = [];
    for (let guard = 0; guard < 20; guard++) {
      const page = store.pageAlerts({ ...q, beforeUs: edge.tsUs, beforeId: edge.id });
      found.push(...page.map((r) => r.reason));
      const next = store.textScanEdge({ ...q, beforeUs: edge.tsUs, beforeId: edge.id });
      if (!next) break;
      edge = next;
    }
    assert.equal(found.length, 1 + 10 + 100);
    assert.equal(new Set(found).size, found.length);
    // the timeline: the newest rows of each side, the total counted in full
    const tl = store.ipTimeline("10.9.0.0", 60, 50);
    assert.equal(tl.total, 334);
    assert.equal(tl.charted, 50);
    assert.equal(tl.buckets.reduce((n, b) => n + b.count, 0), 50);
    assert.equal(tl.lastUs, testAlert(999).tsUs);
    // "escalated only" has its own index
    const plan = store.db.prepare(
      "EXPLAIN QUERY PLAN SELECT id FROM attacks WHERE star = 1 ORDER BY ts_us DESC, id DESC LIMIT 5",
    ).all().map((r) => String((r as { detail: string }).detail)).join(" ");
    assert.match(plan, /attacks_star_ts/);
  }));
