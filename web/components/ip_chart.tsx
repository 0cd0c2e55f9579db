/**
 * The IP page's chart (server-rendered SVG, no script): the address's alerts per time bucket as
 * bars stacked by attack type, and below them its blocks as bars from start to end coloured by
 * status, on one time axis.
 *
 * @module
 */
import type { BlockDto, IpHistoryDto } from "../dto.ts";
import { attackName, type Lang, t } from "../i18n.ts";
import { dateTime } from "../islands/_format.ts";
import { attackColor, bg, STATUS_COLOR } from "../theme.ts";

const W = 800;
const BARS_H = 120;
const LANE_H = 14;
const LEFT = 36;
const RIGHT = 8;

/** Where a block's bar ends: when it ended, else its expiry, else now. */
function blockEnd(b: BlockDto, now: number): number {
  if (b.endedAt !== undefined) return b.endedAt;
  if (b.expiresAt > 0) return Math.min(b.expiresAt, Math.max(now, b.ts));
  return Math.max(now, b.ts);
}

/** Short time for an axis label: the date too when the range spans days. */
function axisTime(ms: number, withDate: boolean): string {
  const s = dateTime(ms);
  return withDate ? s.slice(5, 16) : s.slice(11);
}

/** Props of {@link IpChart}. */
export interface IpChartProps {
  lang: Lang;
  history: IpHistoryDto;
  /** Server clock (ms). */
  now: number;
}

/** Alerts and blocks of one address over time. */
export function IpChart(props: IpChartProps) {
  const { lang, history: h, now } = props;
  const blocks = h.blocks.slice(0, 50);
  if (h.buckets.length === 0 && blocks.length === 0) return null;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const b of h.buckets) {
    t0 = Math.min(t0, b.t);
    t1 = Math.max(t1, b.t + h.bucketMs);
  }
  for (const b of blocks) {
    t0 = Math.min(t0, b.ts);
    t1 = Math.max(t1, blockEnd(b, now));
  }
  if (!(t1 > t0)) t1 = t0 + 1000;
  const span = t1 - t0;
  const x = (ms: number) => LEFT + ((ms - t0) / span) * (W - LEFT - RIGHT);
  // stacked bars: one column per bucket
  const columns = new Map<number, { type: string; count: number }[]>();
  for (const b of h.buckets) {
    const col = columns.get(b.t) ?? [];
    col.push({ type: b.type, count: b.count });
    columns.set(b.t, col);
  }
  let max = 1;
  for (const col of columns.values()) max = Math.max(max, col.reduce((n, c) => n + c.count, 0));
  const barW = Math.max(2, x(t0 + h.bucketMs) - x(t0) - 1);
  const lanesY = BARS_H + 10;
  const height = lanesY + (blocks.length > 0 ? 4 + LANE_H : 0) + 18;
  const withDate = new Date(t0).toDateString() !== new Date(t1).toDateString();
  const types = [...new Set(h.buckets.map((b) => b.type))];
  const statuses = [...new Set(blocks.map((b) => b.status))];
  return (
    <figure id="ip-chart" data-from={h.from} class="mb-2">
      <svg viewBox={`0 0 ${W} ${height}`} class="w-full" role="img" aria-label={t(lang, "ip.history")}>
        <line x1={LEFT} y1={BARS_H} x2={W - RIGHT} y2={BARS_H} stroke="currentColor" stroke-opacity="0.3" />
        <text x={LEFT - 4} y="10" font-size="10" text-anchor="end" fill="currentColor" fill-opacity="0.6">{max}</text>
        <text x={LEFT - 4} y={BARS_H} font-size="10" text-anchor="end" fill="currentColor" fill-opacity="0.6">0</text>
        {[...columns].map(([start, col]) => {
          let y = BARS_H;
          return col.map((c) => {
            const hgt = (c.count / max) * (BARS_H - 6);
            y -= hgt;
            return (
              <rect
                class="ip-bar"
                x={x(start)}
                y={y}
                width={barW}
                height={Math.max(1, hgt)}
                fill={attackColor(c.type)}
              >
                <title>{`${dateTime(start)} · ${attackName(lang, c.type)}: ${c.count}`}</title>
              </rect>
            );
          });
        })}
        {blocks.length > 0 && (
          <text
            x={LEFT - 4}
            y={lanesY + 4 + LANE_H - 3}
            font-size="10"
            text-anchor="end"
            fill="currentColor"
            fill-opacity="0.6"
          >
            {t(lang, "ip.history.blocks")}
          </text>
        )}
        {blocks.map((b) => {
          const x0 = x(b.ts);
          const x1 = Math.max(x0 + 3, x(blockEnd(b, now)));
          return (
            <rect
              class="ip-block"
              x={x0}
              y={lanesY + 4}
              width={x1 - x0}
              height={LANE_H}
              rx="2"
              fill={STATUS_COLOR[b.status] ?? "#9e9e9e"}
              fill-opacity="0.85"
            >
              <title>{`${dateTime(b.ts)} → ${dateTime(blockEnd(b, now))} · ${b.action} · ${b.status}`}</title>
            </rect>
          );
        })}
        {[0, 0.25, 0.5, 0.75, 1].map((f) => {
          const at = t0 + f * span;
          const anchor = f === 0 ? "start" : f === 1 ? "end" : "middle";
          return [
            f > 0 && f < 1 && (
              <line
                key={`g${f}`}
                x1={x(at)}
                y1="4"
                x2={x(at)}
                y2={BARS_H}
                stroke="currentColor"
                stroke-opacity="0.12"
                stroke-dasharray="2 3"
              />
            ),
            <text
              key={`t${f}`}
              x={x(at)}
              y={height - 4}
              font-size="10"
              text-anchor={anchor}
              fill="currentColor"
              fill-opacity="0.6"
            >
              {axisTime(at, withDate)}
            </text>,
          ];
        })}
      </svg>
      <figcaption class="mt-1 flex flex-wrap items-center gap-3 text-xs text-gray-500 dark:text-gray-400">
        {types.map((ty) => (
          <span class="flex items-center gap-1">
            <span class={`inline-block h-2 w-3 rounded-sm ${bg(attackColor(ty))}`} />
            {attackName(lang, ty)}
          </span>
        ))}
        {statuses.map((st) => (
          <span class="flex items-center gap-1">
            <span class={`inline-block h-2 w-3 rounded-sm ${bg(STATUS_COLOR[st] ?? "#9e9e9e")}`} />
            {t(lang, `ips.status.${st}` as "ips.status.active")}
          </span>
        ))}
        <span class="ml-auto">
          {h.charted < h.total && `${t(lang, "ip.history.newest", { n: h.charted, m: h.total })} · `}
          {t(lang, h.from === "store" ? "ip.history.store" : "ip.history.memory")}
        </span>
      </figcaption>
    </figure>
  );
}
