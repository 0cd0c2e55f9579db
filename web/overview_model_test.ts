/** The flow model's counts on the dashboard: in the hub's counters, the snapshot, and the Overview's model row. */
import assert from "node:assert/strict";
import { emptyDecisionCounters, type SensorCounters } from "../core/hub_event.ts";
import { DeferredModel } from "../sensor/deferred_model.ts";
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

Deno.test("dashboard: the model row's fixed wording is in the page's language; the name and an error's text stay, escaped", async () => {
  const feed = new LiveFeed();
  let model: string | null = null;
  const app = createDashboard({
    feed,
    token: TOKEN,
    status: () => ({ ...STATUS, model }),
    config: () => ({}) as never,
  });
  const row = async (lang: string) => {
    const html = await (await app.request("/", { headers: { cookie: `ids_session=${TOKEN}; ids_lang=${lang}` } }))
      .text();
    const m = /<dd id="ov-model">(.*?)<\/dd>/s.exec(html);
    assert.ok(m, "the Overview has its model row");
    return m[1];
  };
  const cases: [string | null, string, string][] = [
    [null, "heuristics only (no ML model loaded)", "solo heurística (sin modelo ML cargado)"],
    // a model whose Worker died mid-run (FlowModel.status): the error's own text stays, escaped
    [
      "heuristics only (model Worker failed (Uncaught Error: <b>boom</b> & co))",
      "heuristics only (model Worker failed (Uncaught Error: &lt;b>boom&lt;/b> &amp; co))",
      "solo heurística (falló el Worker del modelo (Uncaught Error: &lt;b>boom&lt;/b> &amp; co))",
    ],
    ["heuristics only (model not loaded)", "heuristics only (model not loaded)", "solo heurística (modelo no cargado)"],
    ["heuristics only (closed)", "heuristics only (closed)", "solo heurística (cerrado)"],
    // a reason the sensor does not word itself stays as it came
    [
      "heuristics only (ENOENT: no such file)",
      "heuristics only (ENOENT: no such file)",
      "solo heurística (ENOENT: no such file)",
    ],
    // DeferredModel.status before the model classifies
    ["ids-flow 2026-12-01 (loading)", "ids-flow 2026-12-01 (loading)", "ids-flow 2026-12-01 (cargando)"],
    [
      "ids-flow 2026-12-01 (starts at the first detection)",
      "ids-flow 2026-12-01 (starts at the first detection)",
      "ids-flow 2026-12-01 (arranca con la primera detección)",
    ],
    ["ids-flow 2026-12-01", "ids-flow 2026-12-01", "ids-flow 2026-12-01"],
  ];
  for (const [status, en, es] of cases) {
    model = status;
    assert.equal(await row("en"), en, `en: ${status}`);
    assert.equal(await row("es"), es, `es: ${status}`);
  }
  // the wording as the sensor writes it (DeferredModel.status of a lazy model, before and once it starts loading)
  const lazy = DeferredModel.lazy(() => new Promise<undefined>(() => {}), "ids-flow 2026-12-01");
  model = lazy.status;
  assert.equal(await row("es"), "ids-flow 2026-12-01 (arranca con la primera detección)");
  void lazy.ready;
  model = lazy.status;
  assert.equal(await row("es"), "ids-flow 2026-12-01 (cargando)");
});
