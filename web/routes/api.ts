/**
 * JSON API and the SSE stream of the dashboard.
 *
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { toEve } from "../../alerts/eve.ts";
import { parseIp } from "../../config/ip.ts";
import { ipToString } from "../../core/ip.ts";
import type { DashboardOptions } from "../context.ts";
import type { AlertDto, SnapshotDto } from "../dto.ts";
import { LIMITS } from "../dto.ts";
import { filterFromQuery } from "../filter.ts";
import { memoryIpHistory } from "../ip_history.ts";
import { applySettings } from "../settings.ts";

/** One CSV cell: quoted when needed; a leading `= + - @` is neutralised (spreadsheet formula injection). */
export function csvCell(value: unknown): string {
  let s = value === undefined || value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV header of the alert export. */
export const CSV_COLUMNS = [
  "id",
  "timestamp",
  "type",
  "label",
  "src_ip",
  "src_port",
  "dest_ip",
  "dest_port",
  "proto",
  "flags",
  "severity",
  "action",
  "acknowledged",
  "escalated",
  "suppressed",
  "tags",
  "evidence",
];

/** One CSV row of an alert. */
export function csvRow(a: AlertDto): string {
  return [
    a.id,
    new Date(a.ts).toISOString(),
    a.type,
    a.label,
    a.src,
    a.srcPort,
    a.dst,
    a.dstPort,
    a.proto,
    a.flags ?? "",
    a.severity,
    a.action,
    a.ack,
    a.star,
    a.suppressed,
    a.tags.join(" "),
    a.reason,
  ].map(csvCell).join(",");
}

async function jsonBody(req: Request): Promise<Record<string, unknown> | null> {
  try {
    const v = await req.json();
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

/** What the store routes answer when the sensor runs without a store. */
export const NO_STORE =
  "this sensor runs without a store: only what arrived since it started is shown (start it with --data DIR to keep alerts, blocks and triage marks)";

/** Most alerts one export holds (a bigger history: `ids alerts list` or the EVE file). */
export const MAX_EXPORT = 100_000;

/** Page size of `?limit=` (default 200, at most 1000). */
function pageLimit(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), 1000) : 200;
}

/** Triage marks from a JSON body; null when there is neither. */
function triageChange(body: Record<string, unknown> | null): { ack?: boolean; star?: boolean } | null {
  if (!body) return null;
  const change: { ack?: boolean; star?: boolean } = {};
  if (typeof body.ack === "boolean") change.ack = body.ack;
  if (typeof body.star === "boolean") change.star = body.star;
  return change.ack === undefined && change.star === undefined ? null : change;
}

/** API routes (mounted at /api). */
export function apiRoutes(o: DashboardOptions): Hono {
  const app = new Hono();
  const interval = o.pushIntervalMs ?? 100;

  app.get("/status", (c) => c.json(o.status()));

  app.get("/snapshot", (c) => {
    const snap: SnapshotDto = {
      seq: o.feed.seq,
      now: o.feed.now(),
      status: o.status(),
      alerts: o.feed.alerts({}, LIMITS.alertsInMemory),
      blocks: o.feed.blocks(),
      traffic: o.feed.traffic(),
      counters: o.feed.counters,
      charts: o.feed.charts(),
    };
    return c.json(snap);
  });

  app.get("/events", (c) => {
    const header = c.req.header("last-event-id");
    const query = c.req.query("after");
    let after = Number(header ?? query ?? o.feed.seq);
    if (!Number.isSafeInteger(after) || after < 0) after = o.feed.seq;
    c.header("Cache-Control", "no-store");
    c.header("X-Accel-Buffering", "no");
    // the operator's own address is never blocked while a dashboard is open from it
    const remote = (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname;
    return streamSSE(c, async (stream) => {
      const release = remote ? o.ips?.protectClient?.(remote) : undefined;
      let open = true;
      let wake: (() => void) | undefined;
      const off = o.feed.onChange(() => wake?.());
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        await stream.writeSSE({ event: "hello", data: String(o.feed.seq), retry: 2000 });
        let lastWrite = Date.now();
        while (open && !o.feed.closed) {
          const batch = o.feed.batchAfter(after);
          if (batch) {
            await stream.writeSSE({ event: "batch", id: String(batch.seq), data: JSON.stringify(batch) });
            after = batch.seq;
            lastWrite = Date.now();
            if (batch.reset) break;
            // at most one push per interval: changes meanwhile go in the next one
            await stream.sleep(interval);
            continue;
          }
          if (Date.now() - lastWrite > 15_000) {
            await stream.write(": keep-alive\n\n");
            lastWrite = Date.now();
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 15_000);
            wake = () => {
              clearTimeout(timer);
              wake = undefined;
              resolve();
            };
          });
        }
      } finally {
        off();
        release?.();
      }
    });
  });

  app.get("/alerts", (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit")) || 100, 1), LIMITS.tableRows);
    return c.json(o.feed.alerts(filterFromQuery((k) => c.req.query(k)), limit));
  });

  app.get("/alerts/export.csv", (c) => {
    const filter = filterFromQuery((k) => c.req.query(k));
    // with a store: every matching alert it holds (earlier runs too), else what is in memory
    const rows = o.archive
      ? o.archive.exportAlerts(filter, MAX_EXPORT).map((r) => r.dto).reverse()
      : o.feed.alerts(filter, LIMITS.alertsInMemory).reverse();
    const body = `${CSV_COLUMNS.join(",")}\n${rows.map((a) => `${csvRow(a)}\n`).join("")}`;
    return c.body(body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="ids-alerts.csv"',
    });
  });

  app.get("/alerts/export.eve", (c) => {
    const filter = filterFromQuery((k) => c.req.query(k));
    let lines: string[];
    if (o.archive) {
      // the records as the EVE output wrote them, oldest first
      lines = o.archive.exportAlerts(filter, MAX_EXPORT).map((r) => `${r.eve}\n`).reverse();
    } else {
      const ids = new Set(o.feed.alerts(filter, LIMITS.alertsInMemory).map((a) => a.id));
      lines = o.feed.storedAlerts().filter((s) => ids.has(s.dto.id)).map((s) => `${JSON.stringify(toEve(s.alert))}\n`);
    }
    return c.body(lines.join(""), 200, {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": 'attachment; filename="ids-alerts.eve.json"',
    });
  });

  // older alerts from the store, with the current filter, a page at a time
  app.get("/alerts/older", (c) => {
    if (!o.archive) return c.json({ error: `Cannot load older alerts: ${NO_STORE}`, store: null }, 409);
    const filter = filterFromQuery((k) => c.req.query(k));
    try {
      return c.json(o.archive.alerts(filter, c.req.query("cursor"), pageLimit(c.req.query("limit"))));
    } catch (e) {
      if (e instanceof RangeError) return c.json({ error: e.message }, 400);
      throw e;
    }
  });

  app.post("/alerts/:id/triage", async (c) => {
    const id = Number(c.req.param("id"));
    const change = triageChange(await jsonBody(c.req.raw));
    if (!change || !Number.isSafeInteger(id)) {
      return c.json({ error: "Cannot triage: expected JSON {ack?: boolean, star?: boolean}" }, 400);
    }
    const dto = o.feed.triage(id, change);
    if (!dto) {
      return c.json({ error: `Cannot triage alert ${id}: not in memory any more (load it from the store)` }, 404);
    }
    const persisted = o.archive ? await o.archive.markKey(dto.key, change) : false;
    return c.json({ ...dto, persisted });
  });

  // triage of a row loaded from the store (any run)
  app.post("/alerts/stored/:row/triage", async (c) => {
    const row = Number(c.req.param("row"));
    const change = triageChange(await jsonBody(c.req.raw));
    if (!change || !Number.isSafeInteger(row)) {
      return c.json({ error: "Cannot triage: expected JSON {ack?: boolean, star?: boolean}" }, 400);
    }
    if (!o.archive) return c.json({ error: `Cannot triage stored alert ${row}: ${NO_STORE}` }, 409);
    const dto = o.archive.markRow(row, change);
    if (!dto) return c.json({ error: `Cannot triage stored alert ${row}: no such row` }, 404);
    // the same alert still live in this run: its row in every open page changes too
    const live = o.feed.byKey(dto.key);
    if (live) o.feed.triage(live.dto.id, change);
    return c.json({ ...dto, persisted: true });
  });

  app.get("/blocks", (c) => c.json(o.feed.blocks()));

  // older blocks from the store (every run), a page at a time
  app.get("/blocks/older", (c) => {
    if (!o.archive) return c.json({ error: `Cannot load older blocks: ${NO_STORE}`, store: null }, 409);
    const ipText = c.req.query("ip");
    const parsed = ipText ? parseIp(ipText) : undefined;
    if (parsed === null) return c.json({ error: `Cannot load blocks: "${ipText}" is not an IP address` }, 400);
    try {
      const ip = parsed === undefined ? undefined : ipToString(parsed);
      return c.json(o.archive.blocks(ip, c.req.query("cursor"), pageLimit(c.req.query("limit"))));
    } catch (e) {
      if (e instanceof RangeError) return c.json({ error: e.message }, 400);
      throw e;
    }
  });

  app.post("/blocks", async (c) => {
    if (!o.ips) return c.json({ error: "Cannot block: the IPS is not part of this build" }, 501);
    if (o.ips.mode === "off") return c.json({ error: "Cannot block: the IPS is off" }, 409);
    const body = await jsonBody(c.req.raw);
    const ip = typeof body?.ip === "string" ? parseIp(body.ip.trim()) : null;
    if (ip === null) return c.json({ error: `Cannot block: "${String(body?.ip ?? "")}" is not an IP address` }, 400);
    const seconds = body?.seconds === undefined ? o.config().block_seconds : Number(body.seconds);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86400 * 30) {
      return c.json({ error: "Cannot block: seconds must be an integer from 1 to 2592000" }, 400);
    }
    try {
      return c.json(await o.ips.block(ipToString(ip), seconds));
    } catch (e) {
      return c.json({ error: (e as Error).message }, 409);
    }
  });

  app.post("/blocks/unblock", async (c) => {
    if (!o.ips) return c.json({ error: "Cannot unblock: the IPS is not part of this build" }, 501);
    const body = await jsonBody(c.req.raw);
    const ip = typeof body?.ip === "string" ? parseIp(body.ip.trim()) : null;
    if (ip === null) return c.json({ error: `Cannot unblock: "${String(body?.ip ?? "")}" is not an IP address` }, 400);
    try {
      await o.ips.unblock(ipToString(ip));
      return c.json({ ok: true });
    } catch (e) {
      return c.json({ error: (e as Error).message }, 409);
    }
  });

  app.get("/ip/:ip", async (c) => {
    const parsed = parseIp(c.req.param("ip"));
    if (parsed === null) return c.json({ error: "not an IP address" }, 400);
    const ip = ipToString(parsed);
    let reputation: unknown = null;
    if (o.reputation) {
      try {
        reputation = { provider: o.reputation.provider, ...(await o.reputation.lookup(ip)) };
      } catch (e) {
        reputation = { provider: o.reputation.provider, error: (e as Error).message };
      }
    }
    return c.json({
      ip,
      reputation,
      alerts: o.feed.alerts({ ip }, LIMITS.tableRows),
      blocks: o.feed.blocks().filter((b) => b.ip === ip),
      history: o.archive ? o.archive.ipHistory(ip) : memoryIpHistory(o.feed, ip),
      store: o.archive?.path ?? null,
    });
  });

  app.get("/settings", (c) => c.json({ file: o.configFile ?? null, config: o.config() }));

  app.post("/settings", async (c) => {
    if (!o.configFile) {
      return c.json({
        error:
          "Cannot change settings: ids was started with --no-data and without --config FILE (nowhere to keep them)",
      }, 409);
    }
    const body = await jsonBody(c.req.raw);
    if (!body) return c.json({ error: "Cannot change settings: expected a JSON object" }, 400);
    const r = await applySettings(o.configFile, body);
    if (!r.ok) return c.json({ error: r.header, header: r.header, problems: r.problems }, 422);
    o.onConfig?.(r.config);
    return c.json({ ok: true, file: o.configFile, config: r.config });
  });

  app.post("/notify/test", async (c) => {
    if (!o.notify) {
      return c.json({ error: "Cannot send a test message: notifications are not part of this build" }, 501);
    }
    try {
      return c.json({ message: await o.notify.test() });
    } catch (e) {
      return c.json({ error: (e as Error).message }, 502);
    }
  });

  return app;
}
