/**
 * Page routes: overview, live traffic, events, IPS, IP detail, settings.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { parseIp } from "../../config/ip.ts";
import { ipToString } from "../../core/ip.ts";
import { prefsOf, renderDocument } from "../app.tsx";
import { Island } from "../components/island.tsx";
import { IpDetail } from "../components/ip_detail.tsx";
import { Layout } from "../components/layout.tsx";
import type { DashboardOptions } from "../context.ts";
import { filterFromQuery } from "../filter.ts";
import { memoryIpHistory } from "../ip_history.ts";
import { t, type TextKey } from "../i18n.ts";

/** Page routes of the dashboard. */
export function pageRoutes(o: DashboardOptions): Hono {
  const app = new Hono();
  const page = (c: Context, titleKey: TextKey, body: preact.ComponentChildren, title?: string) => {
    const { lang, theme } = prefsOf(c);
    const path = new URL(c.req.url).pathname;
    return renderDocument(
      c,
      <Layout lang={lang} theme={theme} path={path} title={title ?? t(lang, titleKey)} status={o.status()}>
        {body}
      </Layout>,
    );
  };

  app.get("/", (c) => {
    const { lang } = prefsOf(c);
    const props = { lang, status: o.status(), counters: o.feed.counters, charts: o.feed.charts(), now: o.feed.now() };
    return page(c, "nav.overview", <Island name="Overview" props={props} />);
  });
  app.get("/traffic", (c) => {
    const { lang } = prefsOf(c);
    return page(c, "nav.traffic", <Island name="Traffic" props={{ lang, initial: o.feed.traffic().slice(-100) }} />);
  });
  app.get("/events", (c) => {
    const { lang } = prefsOf(c);
    const filter = filterFromQuery((k) => c.req.query(k));
    if (c.req.query("ack") === undefined) filter.ack = false;
    const props = { lang, initial: o.feed.alerts(filter, 100), filter, store: o.archive?.path ?? null };
    return page(c, "nav.events", <Island name="Events" props={props} />);
  });
  app.get("/ips", (c) => {
    const { lang } = prefsOf(c);
    const props = {
      lang,
      mode: o.ips?.mode ?? null,
      initial: o.feed.blocks().slice(0, 200),
      now: o.feed.now(),
      blockSeconds: o.config().block_seconds,
      store: o.archive?.path ?? null,
    };
    return page(c, "nav.ips", <Island name="Ips" props={props} />);
  });
  app.get("/ip/:ip", async (c) => {
    const { lang } = prefsOf(c);
    const parsed = parseIp(c.req.param("ip"));
    if (parsed === null) return c.text(t(lang, "notfound"), 404);
    const ip = ipToString(parsed);
    let reputation: Record<string, unknown> | string | null = null;
    if (o.reputation) {
      try {
        reputation = await o.reputation.lookup(ip);
      } catch (e) {
        reputation = (e as Error).message;
      }
    }
    // from the store when there is one (every run), else what this run holds in memory
    const alerts = o.archive ? o.archive.alerts({ ip }, undefined, 200).alerts : o.feed.alerts({ ip }, 500);
    const history = o.archive ? o.archive.ipHistory(ip) : memoryIpHistory(o.feed, ip);
    const liveBlocks = o.feed.blocks().filter((b) => b.ip === ip);
    const liveIds = new Set(liveBlocks.map((b) => b.id));
    const blocks = [...liveBlocks, ...history.blocks.filter((b) => !liveIds.has(b.id))].sort((a, b) => b.ts - a.ts);
    history.blocks = blocks;
    return page(
      c,
      "ip.title",
      <IpDetail
        lang={lang}
        ip={ip}
        alerts={alerts}
        blocks={blocks}
        provider={o.reputation?.provider ?? null}
        reputation={reputation}
        history={history}
        now={o.feed.now()}
      />,
      t(lang, "ip.title", { ip }),
    );
  });
  app.get("/settings", (c) => {
    const { lang } = prefsOf(c);
    const props = {
      lang,
      config: o.config(),
      configFile: o.configFile ?? null,
      ipsKey: o.ips?.configKey ?? null,
      telegram: o.notify !== undefined,
    };
    return page(c, "nav.settings", <Island name="Settings" props={props} />);
  });
  return app;
}
