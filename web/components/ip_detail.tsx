/**
 * IP detail (server-rendered): reputation or its plain absence, the IP's alerts over time (a strip
 * of dots coloured by type) and its alerts and blocks.
 *
 * @module
 */
import type { AlertDto, BlockDto } from "../dto.ts";
import { alertLabel, attackName, type Lang, t } from "../i18n.ts";
import { dateTime, endpoint } from "../islands/_format.ts";
import { Banner, Card, TD, TH } from "../islands/_ui.tsx";
import { attackColor, fg, STATUS_COLOR } from "../theme.ts";

/** Props of {@link IpDetail}. */
export interface IpDetailProps {
  lang: Lang;
  ip: string;
  /** Newest first. */
  alerts: AlertDto[];
  blocks: BlockDto[];
  provider: "abuseipdb" | "simulated" | null;
  /** Lookup result, an error text, or null when there is no provider. */
  reputation: Record<string, unknown> | string | null;
}

function Timeline(props: { alerts: AlertDto[] }) {
  const { alerts } = props;
  if (alerts.length === 0) return null;
  const t0 = Math.min(...alerts.map((a) => a.ts));
  const t1 = Math.max(...alerts.map((a) => a.ts), t0 + 1);
  const W = 800;
  return (
    <svg id="ip-timeline" viewBox={`0 0 ${W} 40`} class="w-full">
      <line x1="0" y1="20" x2={W} y2="20" stroke="currentColor" stroke-opacity="0.2" />
      {alerts.map((a) => (
        <circle cx={8 + ((a.ts - t0) / (t1 - t0)) * (W - 16)} cy="20" r="5" fill={attackColor(a.type)}>
          <title>{`${dateTime(a.ts)} ${a.label}`}</title>
        </circle>
      ))}
      <text x="0" y="38" font-size="10" fill="currentColor" fill-opacity="0.6">{dateTime(t0)}</text>
      <text x={W} y="38" font-size="10" fill="currentColor" fill-opacity="0.6" text-anchor="end">{dateTime(t1)}</text>
    </svg>
  );
}

/** The IP detail page body. */
export function IpDetail(props: IpDetailProps) {
  const { lang, reputation } = props;
  return (
    <div class="space-y-4">
      <Card title={t(lang, "ip.reputation")} id="ip-reputation">
        {props.provider === null
          ? <p class="text-sm text-gray-500 dark:text-gray-400">{t(lang, "ip.reputation.absent")}</p>
          : typeof reputation === "string"
          ? <Banner kind="error">{reputation}</Banner>
          : (
            <div>
              {props.provider === "simulated" && <Banner kind="warn">simulated</Banner>}
              <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                {Object.entries(reputation ?? {}).map(([k, v]) => [
                  <dt key={`k-${k}`} class="text-gray-500 dark:text-gray-400">{k}</dt>,
                  <dd key={`v-${k}`} class="font-mono">{String(v)}</dd>,
                ])}
              </dl>
            </div>
          )}
      </Card>
      <Card title={`${t(lang, "ip.alerts")} (${props.alerts.length})`}>
        <Timeline alerts={props.alerts} />
        {props.alerts.length === 0
          ? <p class="text-sm text-gray-500">{t(lang, "ip.none")}</p>
          : (
            <table id="ip-alerts" class="mt-2 w-full text-sm">
              <thead>
                <tr>
                  <th class={TH}>{t(lang, "events.time")}</th>
                  <th class={TH}>{t(lang, "events.label")}</th>
                  <th class={TH}>{t(lang, "events.src")}</th>
                  <th class={TH}>{t(lang, "events.dst")}</th>
                  <th class={TH}>{t(lang, "events.evidence")}</th>
                </tr>
              </thead>
              <tbody>
                {props.alerts.slice(0, 200).map((a) => (
                  <tr class="border-b border-gray-100 dark:border-ink-2">
                    <td class={`${TD} font-mono text-xs`}>{dateTime(a.ts)}</td>
                    <td class={`${TD} ${fg(attackColor(a.type))}`}>{alertLabel(lang, a)}</td>
                    <td class={`${TD} font-mono text-xs`}>{endpoint(a.src, a.srcPort, a.proto)}</td>
                    <td class={`${TD} font-mono text-xs`}>{endpoint(a.dst, a.dstPort, a.proto)}</td>
                    <td class="px-2 py-1 text-xs">{a.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </Card>
      <Card title={t(lang, "ip.blocks")}>
        {props.blocks.length === 0
          ? <p class="text-sm text-gray-500">{t(lang, "ip.none")}</p>
          : (
            <table id="ip-blocks" class="w-full text-sm">
              <tbody>
                {props.blocks.map((b) => (
                  <tr class="border-b border-gray-100 dark:border-ink-2">
                    <td class={`${TD} font-mono text-xs`}>{dateTime(b.ts)}</td>
                    <td class={TD}>{attackName(lang, b.type)}</td>
                    <td class={TD}>{b.action}</td>
                    <td class={`${TD} ${fg(STATUS_COLOR[b.status])}`}>
                      {t(lang, `ips.status.${b.status}` as "ips.status.active")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </Card>
    </div>
  );
}
