/** The flow model's counts on the dashboard: in the hub's counters, the snapshot, and the Overview's model row. */
import assert from "node:assert/strict";
import { emptyDecisionCounters, type SensorCounters } from "../core/hub_event.ts";
import { Hub } from "../sensor/hub.ts";
import { createDashboard } from "./app.tsx";
import type { SnapshotDto } from "./dto.ts";
import { connectFeed, countersToDto, ProtocolMix } from "./hub_feed.ts";
import { LiveFeed } from "./feed.ts";
import { STATUS, TOKEN } from "./_test_dashboard.ts";

function counters(model?: SensorCounters["model"]): SensorCounters {
  return {
    atMs: Date.now(),
    capture: {
      iface: "x.pcap",
      linkType: 1,
      packets: 10,
      bytes: 1000,
      received: 0,
      droppedKernel: 0,
      droppedIface: 0,
      decodeEvents: 0,
      flows: 1,
      alerts: {},
      rate: 10,
      uptime: 1,
    },
    decision: emptyDecisionCounters(),
    ...(model ? { model } : {}),
    subscribers: [],
  };
}

const MODEL = { requested: 1210, classified: 1204, dropped: 2, failed: 0, unanswered: 4 };

Deno.test("dashboard: the model's counters reach the feed, the snapshot and the Overview's model row (en, es)", async () => {
  const hub = new Hub();
  const feed = new LiveFeed();
  const sub = connectFeed(hub, feed, { live: false });
  hub.publish({ kind: "counters", counters: counters(MODEL) });
  await hub.close();
  sub.unsubscribe();
  assert.deepEqual(feed.counters?.model, { verdicts: 1204, without: 6, queueFull: 2, failed: 0, unanswered: 4 });

  const app = createDashboard({
    feed,
    token: TOKEN,
    status: () => ({ ...STATUS, model: "ids-flow 2026-12-01" }),
    config: () => {
      throw new Error("not used");
    },
  });
  const get = (path: string, lang = "en") =>
    app.request(path, { headers: { cookie: `ids_session=${TOKEN}; ids_lang=${lang}` } });
  const snap = await (await get("/api/snapshot")).json() as SnapshotDto;
  assert.equal(snap.counters?.model?.verdicts, 1204);
  assert.equal(snap.counters?.model?.without, 6);

  const text = (html: string) => {
    const m = /<dd id="ov-model">(.*?)<\/dd>/s.exec(html);
    assert.ok(m, "the Overview has its model row");
    return m[1].replace(/<[^>]*>/g, "");
  };
  const en = await (await get("/")).text();
  assert.equal(text(en), "ids-flow 2026-12-01 · 1,204 verdicts · 6 without a verdict");
  assert.match(
    en,
    /title="rows left without a verdict \(the heuristic label stood\): queue full 2, failed 0, unanswered 4"/,
  );
  const es = await (await get("/", "es")).text();
  assert.equal(text(es), "ids-flow 2026-12-01 · 1,204 veredictos · 6 sin veredicto");

  // one verdict is singular (as the CLI's count() says it)
  feed.setCounters(countersToDto(counters({ ...MODEL, classified: 1 }), false, new ProtocolMix(), 0));
  assert.equal(text(await (await get("/")).text()), "ids-flow 2026-12-01 · 1 verdict · 6 without a verdict");
  assert.equal(text(await (await get("/", "es")).text()), "ids-flow 2026-12-01 · 1 veredicto · 6 sin veredicto");
});

Deno.test("dashboard: without a loaded model the counters carry no model counts and the row says heuristics only", async () => {
  const dto = countersToDto(counters(), false, new ProtocolMix(), 0);
  assert.equal(dto.model, undefined);
  const feed = new LiveFeed();
  feed.setCounters(dto);
  const app = createDashboard({ feed, token: TOKEN, status: () => STATUS, config: () => ({}) as never });
  const html = await (await app.request("/", { headers: { cookie: `ids_session=${TOKEN}` } })).text();
  assert.match(html, /<dd id="ov-model">heuristics only \(no ML model loaded\)<\/dd>/);
});
