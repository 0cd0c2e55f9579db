/**
 * One address over time from the live feed (this run only), for a sensor without a store: the same
 * shape the store gives ({@link IpHistoryDto}).
 *
 * @module
 */
import type { IpHistoryDto } from "./dto.ts";
import type { LiveFeed } from "./feed.ts";

/** Alerts of `ip` in memory counted per type in at most `buckets` whole-second buckets, and its blocks. */
export function memoryIpHistory(feed: LiveFeed, ip: string, buckets = 60): IpHistoryDto {
  const alerts = feed.alerts({ ip }, Number.MAX_SAFE_INTEGER);
  const blocks = feed.blocks().filter((b) => b.ip === ip);
  if (alerts.length === 0) return { from: "memory", total: 0, charted: 0, bucketMs: 60_000, buckets: [], blocks };
  let first = Infinity;
  let last = -Infinity;
  for (const a of alerts) {
    first = Math.min(first, a.ts);
    last = Math.max(last, a.ts);
  }
  const bucketMs = Math.max(1000, Math.ceil((last - first + 1) / Math.max(1, buckets) / 1000) * 1000);
  const counts = new Map<string, { t: number; type: string; count: number }>();
  for (const a of alerts) {
    const t = first + Math.floor((a.ts - first) / bucketMs) * bucketMs;
    const k = `${t}|${a.type}`;
    const c = counts.get(k);
    if (c) c.count++;
    else counts.set(k, { t, type: a.type, count: 1 });
  }
  const list = [...counts.values()].sort((a, b) => a.t - b.t || (a.type < b.type ? -1 : 1));
  return { from: "memory", total: alerts.length, charted: alerts.length, bucketMs, buckets: list, blocks };
}
