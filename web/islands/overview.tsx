/**
 * Overview: sensor status, counters and charts — alerts per minute by type (SVG stacked bars),
 * packets per second (uPlot), top sources and protocol mix.
 *
 * @module
 */
import { useEffect, useRef } from "preact/hooks";
import UPlot from "uplot";
import type { ChartsDto, CountersDto, StatusDto } from "../dto.ts";
import { attackName, type Lang, modelStatusText, t } from "../i18n.ts";
import { attackColor, bg, fg, PALETTE, widthPct } from "../theme.ts";
import { bytes, duration, num } from "./_format.ts";
import { useLive } from "./_live.ts";
import { Card } from "./_ui.tsx";

/** Props of {@link Overview}. */
export interface OverviewProps {
  lang: Lang;
  status: StatusDto;
  counters: CountersDto | null;
  charts: ChartsDto;
  now: number;
}

function Stat(props: { label: string; value: string; id?: string; accent?: string }) {
  return (
    <div class="rounded-lg border border-gray-200 bg-white p-3 dark:border-ink-3 dark:bg-ink-1">
      <div class="text-xs uppercase text-gray-500 dark:text-gray-400">{props.label}</div>
      <div id={props.id} class={`mt-1 font-mono text-2xl font-semibold ${props.accent ? fg(props.accent) : ""}`}>
        {props.value}
      </div>
    </div>
  );
}

/** Stacked bars of alerts per minute by type, last 30 minutes, hand-made SVG. */
function PerMinute(props: { lang: Lang; data: ChartsDto["perMinute"]; now: number }) {
  const { lang } = props;
  const endMin = Math.floor(props.now / 60_000) * 60;
  const minutes = Array.from({ length: 30 }, (_, i) => endMin - (29 - i) * 60);
  const byT = new Map(props.data.map((d) => [d.t, d.counts]));
  const totals = minutes.map((m) => Object.values(byT.get(m) ?? {}).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const W = 600, H = 160, bw = W / 30;
  const present = PALETTE.types.filter((ty) => props.data.some((d) => d.counts[ty]));
  return (
    <div>
      <svg id="chart-per-minute" viewBox={`0 0 ${W} ${H + 16}`} class="w-full" role="img">
        <line x1="0" y1={H} x2={W} y2={H} stroke="currentColor" stroke-opacity="0.2" />
        {minutes.map((m, i) => {
          let y = H;
          const counts = byT.get(m) ?? {};
          return PALETTE.types.filter((ty) => counts[ty]).map((ty) => {
            const h = (counts[ty] / max) * (H - 8);
            y -= h;
            return (
              <rect x={i * bw + 2} y={y} width={bw - 4} height={h} fill={attackColor(ty)}>
                <title>{`${attackName(lang, ty)}: ${counts[ty]}`}</title>
              </rect>
            );
          });
        })}
        <text x="0" y={H + 14} font-size="10" fill="currentColor" fill-opacity="0.6">-30 min</text>
        <text x={W} y={H + 14} font-size="10" fill="currentColor" fill-opacity="0.6" text-anchor="end">now</text>
        <text x="2" y="10" font-size="10" fill="currentColor" fill-opacity="0.6">{max}/min</text>
      </svg>
      <div class="mt-1 flex flex-wrap gap-3 text-xs">
        {present.length === 0
          ? <span class="text-gray-500">{t(lang, "chart.empty")}</span>
          : present.map((ty) => (
            <span class="flex items-center gap-1">
              <span class={`inline-block h-2 w-3 rounded-sm ${bg(attackColor(ty))}`} />
              {attackName(lang, ty)}
            </span>
          ))}
      </div>
    </div>
  );
}

/** Packets per second with uPlot (browser only; the server renders an empty frame). */
function PpsChart(props: { data: [number, number][]; version: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<UPlot | null>(null);
  useEffect(() => {
    let ro: ResizeObserver | undefined;
    {
      const el = ref.current;
      if (!el) return;
      const dark = document.documentElement.classList.contains("dark");
      const axis = { stroke: dark ? "#bdbdbd" : "#4b5563", grid: { stroke: dark ? "#2a2a2a" : "#e5e7eb" } };
      plot.current = new UPlot(
        {
          width: el.clientWidth || 600,
          height: 160,
          legend: { show: false },
          cursor: { show: true },
          scales: { x: { time: true } },
          axes: [axis, axis],
          series: [{}, { stroke: "#00eaff", fill: "rgba(0,234,255,0.12)", width: 1.5 }],
        },
        [[], []],
        el,
      );
      ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 160 }));
      ro.observe(el);
    }
    return () => {
      ro?.disconnect();
      plot.current?.destroy();
    };
  }, []);
  useEffect(() => {
    const d = props.data;
    plot.current?.setData([d.map((p) => p[0]), d.map((p) => p[1])]);
  }, [props.version, plot.current]);
  return <div id="chart-pps" ref={ref} class="h-[160px] w-full" />;
}

/** The overview island. */
export function Overview(props: OverviewProps) {
  const { lang } = props;
  const live = useLive();
  const status = live?.status ?? props.status;
  const c = live ? live.counters : props.counters;
  const now = live ? live.now() : props.now;
  const charts = live ? { pps: live.pps, perMinute: live.perMinute, topSources: live.topSources } : props.charts;
  const protos = c?.protocols ?? { tcp: 0, udp: 0, icmp: 0, other: 0 };
  const protoTotal = Math.max(1, protos.tcp + protos.udp + protos.icmp + protos.other);
  const protoColors: Record<string, string> = { tcp: "#82b1ff", udp: "#ffa000", icmp: "#bb86fc", other: "#9e9e9e" };
  const topMax = Math.max(1, ...charts.topSources.map((s) => s.count));
  const ipsText = t(lang, `status.ips.${status.ips}` as "status.ips.real");
  return (
    <div class="space-y-4">
      <div class="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat id="ov-packets" label={t(lang, "counter.packets")} value={num(c?.packets ?? 0)} />
        <Stat id="ov-bytes" label={t(lang, "counter.bytes")} value={bytes(c?.bytes ?? 0)} />
        <Stat id="ov-alerts" label={t(lang, "counter.alerts")} value={num(c?.alerts ?? 0)} accent="#ff5370" />
        <Stat id="ov-blocks" label={t(lang, "counter.blocks")} value={num(c?.blocksActive ?? 0)} accent="#ffa000" />
      </div>
      <div class="grid gap-4 lg:grid-cols-3">
        <Card title={t(lang, "status.source")} id="ov-status">
          <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt class="text-gray-500 dark:text-gray-400">{t(lang, "status.source")}</dt>
            <dd class="font-mono">{status.source} · {t(lang, `status.mode.${status.mode}` as "status.mode.live")}</dd>
            <dt class="text-gray-500 dark:text-gray-400">{t(lang, "status.pps")}</dt>
            <dd id="ov-pps" class="font-mono">{num(c?.pps ?? 0)}</dd>
            <dt class="text-gray-500 dark:text-gray-400">{t(lang, "status.drops")}</dt>
            <dd class="font-mono">{c?.drops == null ? t(lang, "status.drops.na") : num(c.drops)}</dd>
            <dt class="text-gray-500 dark:text-gray-400">{t(lang, "status.uptime")}</dt>
            <dd class="font-mono">{duration((now - status.startedAt) / 1000)}</dd>
            <dt class="text-gray-500 dark:text-gray-400">{t(lang, "status.model")}</dt>
            <dd id="ov-model">
              {modelStatusText(lang, status.model)}
              {c?.model && (
                <span
                  id="ov-model-counts"
                  title={t(lang, "status.model.counts.title", {
                    queueFull: num(c.model.queueFull),
                    failed: num(c.model.failed),
                    unanswered: num(c.model.unanswered),
                  })}
                >
                  {" · "}
                  {t(lang, c.model.verdicts === 1 ? "status.model.counts.one" : "status.model.counts", {
                    verdicts: num(c.model.verdicts),
                    without: num(c.model.without),
                  })}
                </span>
              )}
            </dd>
            <dt class="text-gray-500 dark:text-gray-400">{t(lang, "status.ips")}</dt>
            <dd
              id="ov-ips"
              class={status.ips === "simulated" ? "font-semibold text-[#b45309] dark:text-[#ffa000]" : ""}
            >
              {ipsText}
            </dd>
            <dt class="text-gray-500 dark:text-gray-400">{t(lang, "status.store")}</dt>
            <dd id="ov-store" class="break-all font-mono text-xs" title={status.store ?? undefined}>
              {status.store ?? t(lang, "status.store.none")}
            </dd>
          </dl>
        </Card>
        <Card title={t(lang, "chart.perMinute")} class="lg:col-span-2">
          <PerMinute lang={lang} data={charts.perMinute} now={now} />
        </Card>
        <Card title={t(lang, "chart.pps")} class="lg:col-span-2">
          <PpsChart data={charts.pps} version={live?.version ?? 0} />
        </Card>
        <Card title={t(lang, "chart.protocols")}>
          <div id="chart-protocols" class="flex h-4 w-full overflow-hidden rounded">
            {(["tcp", "udp", "icmp", "other"] as const).map((p) => (
              <div class={`${widthPct(protos[p] / protoTotal)} ${bg(protoColors[p])}`} title={p} />
            ))}
          </div>
          <ul class="mt-2 grid grid-cols-2 gap-1 text-sm">
            {(["tcp", "udp", "icmp", "other"] as const).map((p) => (
              <li class="flex items-center gap-2">
                <span class={`inline-block h-2 w-3 rounded-sm ${bg(protoColors[p])}`} />
                <span class="uppercase">{p}</span>
                <span class="ml-auto font-mono">{((protos[p] / protoTotal) * 100).toFixed(1)}%</span>
              </li>
            ))}
          </ul>
        </Card>
        <Card title={t(lang, "chart.topSources")} class="lg:col-span-3">
          {charts.topSources.length === 0
            ? <p class="text-sm text-gray-500">{t(lang, "chart.empty")}</p>
            : (
              <ul id="chart-top-sources" class="space-y-1 text-sm">
                {charts.topSources.map((s) => (
                  <li class="grid grid-cols-[10rem_1fr_4rem] items-center gap-2">
                    <a class="font-mono hover:underline" href={`/ip/${encodeURIComponent(s.ip)}`}>{s.ip}</a>
                    <span class={`h-3 rounded bg-[#bb86fc] ${widthPct(s.count / topMax)}`} />
                    <span class="text-right font-mono">{num(s.count)}</span>
                  </li>
                ))}
              </ul>
            )}
        </Card>
      </div>
    </div>
  );
}
