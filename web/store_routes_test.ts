/**
 * The dashboard's store routes in memory (`app.request()`) over a real SQLite file: older alerts
 * and blocks paged with the current filter, triage marks written to the store and kept across a
 * reopen, the IP page's history, and what a sensor without a store answers.
 */
import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import type { Alert } from "../core/alert.ts";
import { Store } from "../store/store.ts";
import { testAlert, testBlock } from "../store/_test_alerts.ts";
import { createDashboard } from "./app.tsx";
import type { IpsControl } from "./context.ts";
import { storeArchive } from "./archive.ts";
import type { AlertDto, AlertPageDto, BlockPageDto } from "./dto.ts";
import { ORIGIN, STATUS, TOKEN } from "./_test_dashboard.ts";
import { LiveFeed } from "./feed.ts";
import { NO_STORE } from "./routes/api.ts";

/** A simulated IPS that refuses everything (the pages only need its mode). */
const IPS: IpsControl = {
  mode: "simulated",
  block: (ip) => Promise.reject(new Error(`Cannot block ${ip}: test`)),
  unblock: (ip) => Promise.reject(new Error(`Cannot unblock ${ip}: test`)),
};

function dashboard(store: Store | undefined, flush?: () => void) {
  const feed = new LiveFeed({ run: () => store?.runId ?? null });
  const archive = store ? storeArchive(store, { flush }) : undefined;
  const app = createDashboard({
    feed,
    token: TOKEN,
    status: () => ({ ...STATUS, store: store?.path ?? null }),
    config: () => DEFAULT_CONFIG,
    archive,
    ips: IPS,
  });
  const cookie = `ids_session=${TOKEN}`;
  const get = (path: string) => app.request(path, { headers: { cookie } });
  const post = (path: string, body: unknown, headers: Record<string, string> = { origin: ORIGIN }) =>
    app.request(path, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  return { app, feed, get, post };
}

async function withStore(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ids-web-store-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("without a store: the older-rows routes say so plainly and the pages show it", async () => {
  const { get, post, feed } = dashboard(undefined);
  for (const path of ["/api/alerts/older", "/api/blocks/older"]) {
    const r = await get(path);
    assert.equal(r.status, 409, path);
    const body = await r.json();
    assert.equal(body.store, null);
    assert.ok(body.error.endsWith(NO_STORE), path);
    assert.match(body.error, /--data DIR/);
  }
  const stored = await post("/api/alerts/stored/1/triage", { ack: true });
  assert.equal(stored.status, 409);
  // a live alert is still marked in memory, and the answer says the mark is not kept
  const dto = feed.addAlert(testAlert(1));
  assert.equal(dto.key, `live:${dto.id}`);
  const r = await post(`/api/alerts/${dto.id}/triage`, { ack: true });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).persisted, false);
  const events = await (await get("/events")).text();
  assert.match(events, /id="ev-nostore"/);
  assert.match(events, /No store: this sensor keeps no database/);
  assert.doesNotMatch(events, /id="ev-older"/);
  assert.match(await (await get("/")).text(), /none: alerts since start only/);
  assert.match(await (await get("/ips")).text(), /id="ips-nostore"/);
  // the IP page still charts what this run holds
  const ip = await (await get(`/api/ip/${dto.src}`)).json();
  assert.equal(ip.history.from, "memory");
  assert.equal(ip.history.total, 1);
  assert.equal(ip.store, null);
});

Deno.test("older alerts: paged from the store by cursor with the current filter, bounded page size", () =>
  withStore(async (dir) => {
    const store = Store.open(dir);
    try {
      store.startRun("test");
      store.writeBatch(Array.from({ length: 450 }, (_, i) => testAlert(i)));
      const { get } = dashboard(store);
      // every row once, newest first, in pages of 200
      const seen: AlertDto[] = [];
      let cursor: string | null = "";
      let pages = 0;
      while (cursor !== null) {
        const r = await get(`/api/alerts/older?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
        assert.equal(r.status, 200);
        const page = await r.json() as AlertPageDto;
        assert.equal(page.store, store.path);
        assert.ok(page.alerts.length <= 200);
        seen.push(...page.alerts);
        cursor = page.next;
        pages++;
      }
      assert.equal(pages, 3);
      assert.equal(seen.length, 450);
      assert.equal(new Set(seen.map((a) => a.key)).size, 450);
      assert.equal(seen[0].reason, "test alert 449");
      assert.equal(seen[0].key, `${store.runId}:450`, "the run and the decision stage's sequence number");
      assert.equal(seen[0].rowId, seen[0].id);
      assert.deepEqual(Object.keys(seen[0]).sort(), [
        "ack",
        "action",
        "decidedBy",
        "dst",
        "dstPort",
        "id",
        "key",
        "label",
        "proto",
        "reason",
        "rowId",
        "severity",
        "src",
        "srcPort",
        "star",
        "suppressed",
        "tags",
        "ts",
        "type",
      ]);
      // the current filter: type, IP, severity, text, time
      const syn = await (await get("/api/alerts/older?type=syn_flood&limit=1000")).json() as AlertPageDto;
      assert.equal(syn.alerts.length, 113);
      assert.ok(syn.alerts.every((a) => a.type === "syn_flood"));
      assert.equal(syn.next, null);
      const ip = await (await get("/api/alerts/older?ip=10.0.1.4")).json() as AlertPageDto;
      assert.deepEqual(ip.alerts.map((a) => a.reason), ["test alert 260"]);
      const q = await (await get("/api/alerts/older?q=ALERT%20123")).json() as AlertPageDto;
      assert.deepEqual(q.alerts.map((a) => a.reason), ["test alert 123"]);
      const t0 = testAlert(0).tsUs / 1000;
      const timed = await (await get(`/api/alerts/older?since=${t0 + 100}&until=${t0 + 109}`)).json() as AlertPageDto;
      assert.equal(timed.alerts.length, 10);
      assert.equal((await (await get("/api/alerts/older?severity=1")).json()).alerts.length, 0);
      // a cursor of the live page's oldest alert: at or before its time
      const before = await (await get(`/api/alerts/older?cursor=${testAlert(9).tsUs}`)).json() as AlertPageDto;
      assert.equal(before.alerts.length, 10);
      // bounded page size; a malformed cursor is one clear 400
      assert.equal((await (await get("/api/alerts/older?limit=100000")).json()).alerts.length, 450);
      const big = await (await get("/api/alerts/older?limit=5000")).json() as AlertPageDto;
      assert.ok(big.alerts.length <= 1000);
      for (const bad of ["abc", "1:x", "1;DROP TABLE attacks", "-5"]) {
        const r = await get(`/api/alerts/older?cursor=${encodeURIComponent(bad)}`);
        assert.equal(r.status, 400, bad);
        assert.match((await r.json()).error, /^Cannot page alerts: cursor/);
      }
      assert.equal(store.pageAlerts({ limit: 1000 }).length, 450, "nothing was dropped");
      // the events and IPS pages offer older rows from the store
      assert.match(await (await get("/events")).text(), /id="ev-older"/);
      const ips = await (await get("/ips")).text();
      assert.match(ips, /id="ips-older"/);
      assert.doesNotMatch(ips, /id="ips-nostore"/);
    } finally {
      store.close();
    }
  }));

Deno.test("triage marks go to the store (live and stored rows), keep the Origin check, and survive a reopen", () =>
  withStore(async (dir) => {
    let store = Store.open(dir);
    const runId = store.startRun("test");
    const alerts: Alert[] = Array.from({ length: 5 }, (_, i) => testAlert(i));
    // the store writer has written the first four; the fifth is still in its queue
    store.writeBatch(alerts.slice(0, 4));
    let pending: Alert[] = [alerts[4]];
    const { feed, post, get } = dashboard(store, () => {
      store.writeBatch(pending);
      pending = [];
    });
    const live = alerts.map((a) => feed.addAlert(a));
    assert.equal(live[2].key, `${runId}:3`);

    // refused without the page's Origin: nothing changes anywhere
    for (const headers of [{}, { origin: "http://evil.example" }] as Record<string, string>[]) {
      assert.equal((await post(`/api/alerts/${live[2].id}/triage`, { ack: true }, headers)).status, 403);
      assert.equal((await post(`/api/alerts/stored/1/triage`, { ack: true }, headers)).status, 403);
    }
    assert.equal(store.pageAlerts({ ack: false }).length, 4);
    assert.equal(feed.get(live[2].id)!.dto.ack, false);

    // a live alert: marked in memory and in its row
    const r = await post(`/api/alerts/${live[2].id}/triage`, { ack: true });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.persisted, true);
    assert.equal(body.ack, true);
    assert.equal(store.alertBySeq(runId, 3)?.ack, 1);
    // a brand-new alert whose row is still on its way: the writer is flushed first
    const r5 = await post(`/api/alerts/${live[4].id}/triage`, { star: true });
    assert.equal((await r5.json()).persisted, true);
    assert.equal(store.alertBySeq(runId, 5)?.star, 1);

    // a row from the store: marked there, and the live copy follows (other open pages see it)
    const row = store.alertBySeq(runId, 1)!;
    const s = await post(`/api/alerts/stored/${row.id}/triage`, { star: true });
    assert.equal(s.status, 200);
    const sd = await s.json();
    assert.deepEqual([sd.rowId, sd.star, sd.ack, sd.persisted], [Number(row.id), true, false, true]);
    assert.equal(feed.get(live[0].id)!.dto.star, true);
    assert.equal((await post("/api/alerts/stored/999999/triage", { ack: true })).status, 404);
    assert.equal((await post(`/api/alerts/stored/${row.id}/triage`, { ack: "yes" })).status, 400);

    // a restart: a new dashboard on the reopened file shows the marks
    store.close();
    store = Store.open(dir);
    const again = dashboard(store);
    const page = await (await again.get("/api/alerts/older?limit=10")).json() as AlertPageDto;
    const marks = Object.fromEntries(page.alerts.map((a) => [a.reason, [a.ack, a.star]]));
    assert.deepEqual(marks, {
      "test alert 0": [false, true],
      "test alert 1": [false, false],
      "test alert 2": [true, false],
      "test alert 3": [false, false],
      "test alert 4": [false, true],
    });
    // the inbox view (not acknowledged) and escalated-only filters run in the store too
    const inbox = await (await again.get("/api/alerts/older?ack=0")).json() as AlertPageDto;
    assert.equal(inbox.alerts.length, 4);
    const starred = await (await again.get("/api/alerts/older?starred=1")).json() as AlertPageDto;
    assert.deepEqual(starred.alerts.map((a) => a.reason), ["test alert 4", "test alert 0"]);
    void get;
    store.close();
  }));

Deno.test("older blocks page from the store; the IP page charts the address's alerts and blocks from it", () =>
  withStore(async (dir) => {
    const store = Store.open(dir);
    try {
      store.startRun("test");
      const now = Date.now();
      for (let i = 0; i < 7; i++) {
        store.recordBlock(
          testBlock("10.0.0.7", i === 6 ? "simulated" : "expired", {
            id: `b${i}`,
            startMs: now - 600_000 + i * 60_000,
            atMs: now - 600_000 + i * 60_000 + 30_000,
            expiresMs: now - 600_000 + i * 60_000 + 60_000,
          }),
        );
      }
      store.writeBatch(Array.from({ length: 40 }, (_, i) => testAlert(7, { tsUs: (now - 500_000 + i * 5000) * 1000 })));
      const { get } = dashboard(store);
      const p1 = await (await get("/api/blocks/older?limit=4")).json() as BlockPageDto;
      assert.deepEqual(p1.blocks.map((b) => b.id), ["b6", "b5", "b4", "b3"]);
      assert.equal(p1.blocks[1].status, "expired");
      assert.equal(p1.blocks[1].endedAt, now - 600_000 + 5 * 60_000 + 30_000);
      const p2 = await (await get(`/api/blocks/older?limit=4&cursor=${p1.next}`)).json() as BlockPageDto;
      assert.deepEqual(p2.blocks.map((b) => b.id), ["b2", "b1", "b0"]);
      assert.equal(p2.next, null);
      assert.equal((await get("/api/blocks/older?ip=nope")).status, 400);
      assert.equal((await (await get("/api/blocks/older?ip=10.0.0.8")).json()).blocks.length, 0);

      const ip = await (await get("/api/ip/10.0.0.7")).json();
      assert.equal(ip.store, store.path);
      assert.equal(ip.history.from, "store");
      assert.equal(ip.history.total, 40);
      assert.equal(ip.history.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0), 40);
      assert.equal(ip.history.blocks.length, 7);
      const html = await (await get("/ip/10.0.0.7")).text();
      assert.match(html, /id="ip-chart" data-from="store"/);
      assert.ok((html.match(/class="ip-bar"/g) ?? []).length >= 2, "alert bars");
      assert.equal((html.match(/class="ip-block"/g) ?? []).length, 7, "one bar per block");
      assert.match(html, /from the store \(every run\)/);
    } finally {
      store.close();
    }
  }));

Deno.test("CSV and EVE export the current filter over the whole store, with the triage marks", () =>
  withStore(async (dir) => {
    const store = Store.open(dir);
    try {
      store.startRun("test");
      store.writeBatch(Array.from({ length: 1500 }, (_, i) => testAlert(i)));
      const marked = store.alertBySeq(store.runId!, 2)!;
      store.markAlert(Number(marked.id), { ack: true, star: true });
      // the writer's pending rows are flushed into the export
      let pending = [testAlert(1500)];
      const { get } = dashboard(store, () => {
        store.writeBatch(pending);
        pending = [];
      });
      const csv = (await (await get("/api/alerts/export.csv?type=syn_flood")).text()).trim().split("\n");
      assert.equal(csv.length, 1 + 375, "header and every stored SYN flood alert (more than one page)");
      assert.ok(csv.slice(1).every((l) => l.includes(",syn_flood,")));
      assert.match(csv[1], /,test alert 1$/, "oldest first");
      assert.match(csv[1], /,true,true,0,/, "acknowledged and escalated in the store");
      const all = (await (await get("/api/alerts/export.csv")).text()).trim().split("\n");
      assert.equal(all.length, 1 + 1501);
      const eve = (await (await get("/api/alerts/export.eve?ip=10.0.0.7")).text()).trim().split("\n");
      assert.equal(eve.length, 1);
      const rec = JSON.parse(eve[0]);
      assert.equal(rec.event_type, "alert");
      assert.equal(rec.src_ip, "10.0.0.7");
    } finally {
      store.close();
    }
  }));
